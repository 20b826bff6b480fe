import { HttpRouter } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { deletePlan, getPlan, insertPlan, planTable, setPlanBilling } from "../domain/plans.js"
import { body, pathId } from "../http/request.js"
import { create, deleteById, envelope, getById, listing, listNewestFirst } from "../http/response.js"
import { ENVIRONMENT_ID } from "../ids.js"
import { ACCOUNT_ID } from "../render/billing.js"
import { renderPlans } from "../render/plans.js"
import { badRequest } from "../SandboxError.js"
import { CreatePlan, PlanType, UpsertPlanBilling } from "../wire.js"

const planListing = listing(planTable, (q) => {
  const planType = q.string("plan_type")
  if (planType !== undefined && !Schema.is(PlanType)(planType)) {
    throw badRequest("plan_type: must be plan or add_on")
  }
  return {
    q: q.string("q"),
    ids: q.list("ids"),
    plan_type: planType,
    company_id: q.string("company_id"),
    ...q.page()
  }
})

/** Plans and add-ons, by Schematic's paths. */
export const planRoutes = HttpRouter.empty.pipe(
  HttpRouter.get("/plans", listNewestFirst(planListing, renderPlans)),
  HttpRouter.post("/plans", create(CreatePlan, insertPlan, renderPlans)),
  HttpRouter.get("/plans/:plan_id", getById("plan_id", getPlan, renderPlans)),
  HttpRouter.del(
    "/plans/:plan_id",
    deleteById("plan_id", (id) => deletePlan(id, Date.now()))
  ),
  HttpRouter.put(
    "/plans/:plan_id/billing_products",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const planId = yield* pathId("plan_id")
      const input = yield* body(UpsertPlanBilling)
      const plan = yield* sql.withTransaction(setPlanBilling(planId, input, Date.now()))
      return envelope({
        plan_id: plan.id,
        billing_product_id: plan.billing_product_id ?? "",
        charge_type: plan.charge_type ?? input.charge_type,
        billing_strategy: "schematic_managed",
        controlled_by: "schematic",
        is_trialable: plan.is_trialable === 1,
        trial_days: plan.trial_days,
        monthly_price_id: plan.monthly_price_id,
        yearly_price_id: plan.yearly_price_id,
        account_id: ACCOUNT_ID,
        environment_id: ENVIRONMENT_ID
      })
    })
  )
)
