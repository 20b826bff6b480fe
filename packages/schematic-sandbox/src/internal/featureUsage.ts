import { HttpRouter } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { type CompanyRow, getCompanyRow, renderCompanies } from "./companies.js"
import { type Entitlement, entitlementsOf } from "./entitlements.js"
import { getFeature } from "./features.js"
import { flagsOfFeatures } from "./flags.js"
import { iso } from "./ids.js"
import { entityByKeys } from "./keys.js"
import { renderOverrides } from "./overrides.js"
import { planSummary, renderPlanEntitlements } from "./planEntitlements.js"
import { readQuery } from "./request.js"
import { envelope } from "./response.js"
import { badRequest, notFound } from "./SandboxError.js"

/** The usage fields `FeatureUsageResponseData` and `FeatureCompanyResponseData` share, for each entitlement. */
const renderUsage = (entitlements: ReadonlyArray<Entitlement>) =>
  Effect.gen(function* () {
    const overrides = yield* renderOverrides(entitlements.flatMap((item) => (item.override ? [item.override] : [])))
    const planEntitlements = yield* renderPlanEntitlements(
      entitlements.flatMap((item) => (item.planEntitlement ? [item.planEntitlement] : []))
    )
    const flags = yield* flagsOfFeatures([...new Set(entitlements.map((item) => item.feature.id))])
    return entitlements.map((entitlement) => {
      const { allocation, usage } = entitlement
      const limited = allocation !== null && usage !== null
      const override = overrides.find((item) => item.id === entitlement.override?.id)
      const planEntitlement = planEntitlements.find((item) => item.id === entitlement.planEntitlement?.id)
      return {
        access: entitlement.access,
        allocation,
        allocation_type: entitlement.valueType,
        usage,
        percent_used: limited && allocation > 0 ? Math.round((usage / allocation) * 10_000) / 100 : null,
        overuse: limited ? Math.max(0, usage - allocation) : null,
        effective_limit: allocation,
        soft_limit: entitlement.softLimit,
        has_valid_allocation: entitlement.valueType === "unlimited" || allocation !== null,
        is_unlimited: entitlement.valueType === "unlimited",
        period: entitlement.metricPeriod,
        month_reset: entitlement.metricPeriod === "current_month" ? entitlement.monthReset : null,
        metric_reset_at: iso(entitlement.resetAt),
        entitlement_id: entitlement.override?.id ?? entitlement.planEntitlement!.id,
        entitlement_type: entitlement.source === "company_override" ? "company_override" : "plan_entitlement",
        entitlement_source: entitlement.source === "company_override" ? "company_override" : "plan",
        entitlement_expiration_date: iso(entitlement.override?.expiration_date),
        credit_grant_counts: {},
        credit_grant_details: [],
        feature: {
          ...entitlement.feature,
          flags: flags.get(entitlement.feature.id) ?? [],
          plans: [],
          created_at: iso(entitlement.feature.created_at),
          updated_at: iso(entitlement.feature.updated_at)
        },
        ...(entitlement.plan === undefined ? {} : { plan: planSummary(entitlement.plan) }),
        ...(override === undefined ? {} : { company_override: override }),
        ...(planEntitlement === undefined ? {} : { plan_entitlement: planEntitlement })
      }
    })
  })

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
      const all =
        (yield* entitlementsOf(
          [company],
          Date.now(),
          query.feature_ids.length > 0 ? query.feature_ids : undefined
        )).get(company.id) ?? []
      const page = all.slice(query.offset, query.offset + query.limit)
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
      const sql = yield* SqlClient.SqlClient
      const query = yield* readQuery((q) => ({ feature_id: q.string("feature_id"), q: q.string("q"), ...q.page() }))
      if (!query.feature_id) return yield* badRequest("feature_id: is required")
      const feature = yield* getFeature(query.feature_id)
      const now = Date.now()
      // Companies entitled by an override or by a plan they hold, newest first as every list is.
      const search = query.q ? sql`AND c.name LIKE ${`%${query.q}%`}` : sql``
      const rows = yield* sql<CompanyRow>`
        SELECT c.* FROM companies c WHERE (
          c.id IN (SELECT company_id FROM company_overrides WHERE feature_id = ${feature.id}
                   AND (expiration_date IS NULL OR expiration_date > ${now}))
          OR c.base_plan_id IN (SELECT plan_id FROM plan_entitlements WHERE feature_id = ${feature.id})
          OR c.id IN (SELECT a.company_id FROM company_add_ons a JOIN plan_entitlements e ON e.plan_id = a.plan_id
                      WHERE e.feature_id = ${feature.id})
        ) ${search}
        ORDER BY c.created_at DESC, c.rowid DESC LIMIT ${query.limit} OFFSET ${query.offset}`
      const entitlements = yield* entitlementsOf(rows, now, [feature.id])
      const companies = yield* renderCompanies(rows)
      // An override that has expired leaves its company without the feature.
      const held = rows.flatMap((row, index) => {
        const entitlement = entitlements.get(row.id)?.[0]
        return entitlement === undefined ? [] : [{ entitlement, company: companies[index] }]
      })
      const usage = yield* renderUsage(held.map((item) => item.entitlement))
      return envelope(
        usage.map((item, index) => ({ ...item, company: held[index]!.company })),
        query
      )
    })
  )
)
