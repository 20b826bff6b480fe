import { HttpRouter } from "@effect/platform"
import {
  deletePlanEntitlement,
  getPlanEntitlement,
  insertPlanEntitlement,
  planEntitlementTable,
  updatePlanEntitlement
} from "../domain/planEntitlements.js"
import { create, deleteById, getById, listing, listNewestFirst, updateById } from "../http/response.js"
import { renderPlanEntitlements } from "../render/planEntitlements.js"
import { CreatePlanEntitlement, UpdatePlanEntitlement } from "../wire.js"

const planEntitlementListing = listing(planEntitlementTable, (q) => ({
  plan_ids: q.ids("plan_id", "plan_ids"),
  feature_ids: q.ids("feature_id", "feature_ids"),
  ids: q.list("ids"),
  ...q.page()
}))

/** Plan entitlements, by Schematic's paths. */
export const planEntitlementRoutes = HttpRouter.empty.pipe(
  HttpRouter.get("/plan-entitlements", listNewestFirst(planEntitlementListing, renderPlanEntitlements)),
  HttpRouter.post("/plan-entitlements", create(CreatePlanEntitlement, insertPlanEntitlement, renderPlanEntitlements)),
  HttpRouter.get(
    "/plan-entitlements/:plan_entitlement_id",
    getById("plan_entitlement_id", getPlanEntitlement, renderPlanEntitlements)
  ),
  HttpRouter.put(
    "/plan-entitlements/:plan_entitlement_id",
    updateById(
      "plan_entitlement_id",
      UpdatePlanEntitlement,
      updatePlanEntitlement,
      getPlanEntitlement,
      renderPlanEntitlements
    )
  ),
  HttpRouter.del("/plan-entitlements/:plan_entitlement_id", deleteById("plan_entitlement_id", deletePlanEntitlement))
)
