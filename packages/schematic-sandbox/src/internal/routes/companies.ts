import { HttpRouter } from "@effect/platform"
import { Effect } from "effect"
import {
  type CompanyFilter,
  companyTable,
  deleteCompany,
  getCompanyRow,
  PLAN_FIELDS,
  upsertCompany
} from "../domain/companies.js"
import { assignPlans } from "../domain/plans.js"
import { readQuery } from "../http/request.js"
import {
  countMatching,
  create,
  deleteById,
  getById,
  listing,
  listNewestFirst,
  lookupByKeys,
  updateById
} from "../http/response.js"
import { renderCompanies } from "../render/companies.js"
import { UpdateCompanyPlans, UpsertCompany } from "../wire.js"

const companyListing = listing(companyTable, (q) => ({
  q: q.string("q", 512),
  ids: q.list("ids"),
  planIds: q.ids("plan_id", "plan_ids"),
  withoutPlan: q.bool("without_plan"),
  subscriptionStatuses: q.list("subscription_statuses"),
  creditTypeIds: q.list("credit_type_ids"),
  ...q.page()
}))

/** The filter as Schematic echoes it in `params`. */
const filterParams = (filter: CompanyFilter) => ({
  q: filter.q,
  ids: filter.ids,
  plan_ids: filter.planIds,
  without_plan: filter.withoutPlan,
  subscription_statuses: filter.subscriptionStatuses,
  credit_type_ids: filter.creditTypeIds
})

/** Companies and company plans, by Schematic's paths. */
export const companyRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/companies",
    listNewestFirst(companyListing, renderCompanies, (filter) => ({
      ...filterParams(filter),
      limit: filter.limit,
      offset: filter.offset
    }))
  ),
  HttpRouter.get("/companies/count", countMatching(companyListing, filterParams)),
  HttpRouter.get("/companies/lookup", lookupByKeys("company", getCompanyRow, renderCompanies)),
  HttpRouter.post(
    "/companies",
    create(
      UpsertCompany,
      (input, now) => Effect.flatMap(upsertCompany(input, now), getCompanyRow),
      renderCompanies,
      200
    )
  ),
  HttpRouter.get("/companies/:company_id", getById("company_id", getCompanyRow, renderCompanies)),
  HttpRouter.del(
    "/companies/:company_id",
    deleteById(
      "company_id",
      (id) => deleteCompany(id, Date.now()),
      readQuery((q) => ({ cancel_subscription: q.bool("cancel_subscription"), prorate: q.bool("prorate") }))
    )
  ),
  HttpRouter.put(
    "/company-plans/:company_id",
    updateById(
      "company_id",
      UpdateCompanyPlans,
      (id, input, now) =>
        Effect.flatMap(getCompanyRow(id), () =>
          assignPlans(id, input.base_plan_id ?? null, input.add_on_ids, now, PLAN_FIELDS)
        ),
      getCompanyRow,
      renderCompanies
    )
  )
)
