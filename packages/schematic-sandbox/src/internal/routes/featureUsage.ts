import { HttpRouter } from "@effect/platform"
import { Effect } from "effect"
import { getCompanyRow } from "../domain/companies.js"
import { getFeature } from "../domain/features.js"
import { companiesHolding, usageOf } from "../domain/featureUsage.js"
import { entityByKeys } from "../domain/keys.js"
import { readQuery } from "../http/request.js"
import { envelope } from "../http/response.js"
import { renderCompanies } from "../render/companies.js"
import { renderUsage } from "../render/featureUsage.js"
import { badRequest, notFound } from "../SandboxError.js"

/** The company a usage request names, by `company_id` or by `company_keys`. */
const companyFromQuery = Effect.gen(function* () {
  const query = yield* readQuery((q) => ({
    company_id: q.string("company_id"),
    company_keys: q.keyMap("company_keys"),
    feature_ids: q.list("feature_ids"),
    ...q.page()
  }))
  let id = query.company_id
  if (id === undefined && query.company_keys !== undefined) {
    id = yield* entityByKeys("company", query.company_keys, "company_keys")
    if (id === undefined) return yield* notFound("no company matches company_keys")
  }
  if (id === undefined) return yield* badRequest("company_id: is required, or company_keys")
  return { company: yield* getCompanyRow(id), query }
})

/** Feature usage and the companies that hold a feature, by Schematic's paths. */
export const featureUsageRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/feature-usage",
    Effect.gen(function* () {
      const { company, query } = yield* companyFromQuery
      const page = yield* usageOf(company, query.feature_ids, query, Date.now())
      return envelope(yield* renderUsage(page), {
        company_id: query.company_id,
        company_keys: query.company_keys,
        feature_ids: query.feature_ids,
        limit: query.limit,
        offset: query.offset
      })
    })
  ),
  HttpRouter.get(
    "/feature-companies",
    Effect.gen(function* () {
      const query = yield* readQuery((q) => ({ feature_id: q.string("feature_id"), q: q.string("q"), ...q.page() }))
      if (!query.feature_id) return yield* badRequest("feature_id: is required")
      const feature = yield* getFeature(query.feature_id)
      const held = yield* companiesHolding(feature, query, Date.now())
      const companies = yield* renderCompanies(held.map((item) => item.company))
      const usage = yield* renderUsage(held.map((item) => item.entitlement))
      return envelope(
        usage.map((item, index) => ({ ...item, company: companies[index] })),
        query
      )
    })
  )
)
