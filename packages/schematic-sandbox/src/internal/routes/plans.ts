import { HttpRouter } from "@effect/platform"
import { Schema } from "effect"
import { getPlan, insertPlan, planTable } from "../domain/plans.js"
import { create, getById, listing, listNewestFirst } from "../http/response.js"
import { renderPlans } from "../render/plans.js"
import { badRequest } from "../SandboxError.js"
import { CreatePlan, PlanType } from "../wire.js"

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
  HttpRouter.get("/plans/:plan_id", getById("plan_id", getPlan, renderPlans))
)
