/** Feature usage: each company's entitlements with their usage, and the companies that hold a feature. */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { CompanyRow, FeatureRow } from "../rows.js"
import { entitlementsOf } from "./entitlements.js"
import type { Page } from "./tables.js"

/** A company's entitlements with their usage at `now` (some features, or all), a page of them. */
export const usageOf = (company: CompanyRow, featureIds: ReadonlyArray<string>, page: Page, now: number) =>
  Effect.map(entitlementsOf([company], now, featureIds.length > 0 ? featureIds : undefined), (byCompany) =>
    (byCompany.get(company.id) ?? []).slice(page.offset, page.offset + page.limit)
  )

/**
 * A page of the companies a plan they hold or an override entitles to `feature`, newest first as every list is,
 * with their entitlement to it. An override that has expired leaves its company without the feature.
 */
export const companiesHolding = (
  feature: FeatureRow,
  filter: { readonly q?: string | undefined } & Page,
  now: number
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const search = filter.q ? sql`AND c.name LIKE ${`%${filter.q}%`}` : sql``
    const rows = yield* sql<CompanyRow>`
      SELECT c.* FROM companies c WHERE (
        c.id IN (SELECT company_id FROM company_overrides WHERE feature_id = ${feature.id}
                 AND (expiration_date IS NULL OR expiration_date > ${now}))
        OR c.base_plan_id IN (SELECT plan_id FROM plan_entitlements WHERE feature_id = ${feature.id})
        OR c.id IN (SELECT a.company_id FROM company_add_ons a JOIN plan_entitlements e ON e.plan_id = a.plan_id
                    WHERE e.feature_id = ${feature.id})
      ) ${search}
      ORDER BY c.created_at DESC, c.rowid DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
    const entitlements = yield* entitlementsOf(rows, now, [feature.id])
    return rows.flatMap((company) => {
      const entitlement = entitlements.get(company.id)?.[0]
      return entitlement === undefined ? [] : [{ company, entitlement }]
    })
  })
