import { HttpRouter } from "@effect/platform"
import { captureRoutes } from "./capture.js"
import { companyRoutes } from "./companies.js"
import { eventRoutes } from "./events.js"
import { featureRoutes } from "./features.js"
import { featureUsageRoutes } from "./featureUsage.js"
import { flagRoutes } from "./flags.js"
import { insightRoutes } from "./insights.js"
import { overrideRoutes } from "./overrides.js"
import { planEntitlementRoutes } from "./planEntitlements.js"
import { planRoutes } from "./plans.js"
import { userRoutes } from "./users.js"

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
  captureRoutes
)
