import { HttpRouter } from "@effect/platform"
import { billingRoutes } from "./routes/billing.js"
import { captureRoutes } from "./routes/capture.js"
import { companyRoutes } from "./routes/companies.js"
import { creditRoutes } from "./routes/credits.js"
import { eventRoutes } from "./routes/events.js"
import { featureRoutes } from "./routes/features.js"
import { featureUsageRoutes } from "./routes/featureUsage.js"
import { flagRoutes } from "./routes/flags.js"
import { insightRoutes } from "./routes/insights.js"
import { overrideRoutes } from "./routes/overrides.js"
import { planEntitlementRoutes } from "./routes/planEntitlements.js"
import { planRoutes } from "./routes/plans.js"
import { userRoutes } from "./routes/users.js"

/** Every route of the sandbox, by Schematic's paths; each resource's routes live in its own module. */
export const routes = HttpRouter.concatAll(
  companyRoutes,
  userRoutes,
  eventRoutes,
  featureRoutes,
  flagRoutes,
  planRoutes,
  planEntitlementRoutes,
  featureUsageRoutes,
  overrideRoutes,
  insightRoutes,
  billingRoutes,
  creditRoutes,
  captureRoutes
)
