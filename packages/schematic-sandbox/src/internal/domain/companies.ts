/** Companies: found by id or by keys, upserted as Schematic upserts them, deleted with all that hangs on them. */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { CompanyRow } from "../rows.js"
import { notFound } from "../SandboxError.js"
import type { UpsertCompany } from "../wire.js"
import { byNameIdOrKey, entityByKeys, upsertEntity } from "./keys.js"
import { assignPlans, endSubscriptions } from "./plans.js"
import { filteredTable, type SearchFilter } from "./tables.js"

export const companiesByIds = (ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (ids.length === 0) return []
    return yield* sql<CompanyRow>`SELECT * FROM companies WHERE id IN ${sql.in(ids)}`
  })

export const getCompanyRow = (id: string) =>
  Effect.gen(function* () {
    const rows = yield* companiesByIds([id])
    const row = rows[0]
    if (row === undefined) return yield* notFound(`company ${id} not found`)
    return row
  })

/** The one company holding any of these keys; undefined when none does; 400 when several do. */
export const companyByKeys = (keys: Readonly<Record<string, string>>, field: string) =>
  entityByKeys("company", keys, field)

/** The field names a plan assignment's errors name, as `POST /companies` and `PUT /company-plans` call them. */
export const PLAN_FIELDS = { base: "base_plan_id", addOns: "add_on_ids" }

/** Schematic's key-map upsert of a company (see `upsertEntity`); a new company is put on `base_plan_id`. */
export const upsertCompany = (body: typeof UpsertCompany.Type, now: number) =>
  upsertEntity("company", getCompanyRow, body, now, {
    created: { logo_url: null, base_plan_id: null, base_plan_added_at: null },
    onCreate: (id) =>
      body.base_plan_id ? assignPlans(id, body.base_plan_id, undefined, now, PLAN_FIELDS) : Effect.void,
    preventKeyRemap: body.prevent_key_remap === true
  })

/** Removes a company with its keys, memberships, add-ons and overrides; its plan history stays for plan growth. */
export const deleteCompany = (id: string, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* getCompanyRow(id)
    yield* endSubscriptions(id, now)
    yield* sql`DELETE FROM companies WHERE id = ${id}`
    yield* sql`DELETE FROM entity_keys WHERE entity_type = 'company' AND entity_id = ${id}`
    yield* sql`DELETE FROM company_memberships WHERE company_id = ${id}`
    yield* sql`DELETE FROM company_add_ons WHERE company_id = ${id}`
    const overrides = yield* sql<{ id: string }>`SELECT id FROM company_overrides WHERE company_id = ${id}`
    if (overrides.length > 0) {
      yield* sql`DELETE FROM override_notes WHERE override_id IN ${sql.in(overrides.map((row) => row.id))}`
    }
    yield* sql`DELETE FROM company_overrides WHERE company_id = ${id}`
  })

export interface CompanyFilter extends SearchFilter {
  readonly planIds: ReadonlyArray<string>
  readonly withoutPlan?: boolean | undefined
  /** Companies with a subscription in one of these statuses. */
  readonly subscriptionStatuses?: ReadonlyArray<string> | undefined
  /** Companies granted credits of one of these types. */
  readonly creditTypeIds?: ReadonlyArray<string> | undefined
}

/** The companies table as its list and count filter it. */
export const companyTable = filteredTable<CompanyFilter>("companies", "c", (sql, filter) => [
  ...byNameIdOrKey(sql, "company", "c", filter),
  filter.planIds.length > 0 &&
    sql`(c.base_plan_id IN ${sql.in(filter.planIds)} OR c.id IN (
        SELECT company_id FROM company_add_ons WHERE plan_id IN ${sql.in(filter.planIds)}))`,
  filter.withoutPlan === true && sql`c.base_plan_id IS NULL`,
  filter.withoutPlan === false && sql`c.base_plan_id IS NOT NULL`,
  filter.subscriptionStatuses !== undefined &&
    filter.subscriptionStatuses.length > 0 &&
    sql`c.id IN (
        SELECT COALESCE(s.company_id, b.company_id, k.entity_id) FROM billing_subscriptions s
        LEFT JOIN billing_customers b ON b.external_id = s.customer_external_id
        LEFT JOIN entity_keys k ON k.entity_type = 'company' AND k.key = 'stripe_customer_id'
          AND k.value = s.customer_external_id
        WHERE s.status IN ${sql.in(filter.subscriptionStatuses)})`,
  filter.creditTypeIds !== undefined &&
    filter.creditTypeIds.length > 0 &&
    sql`c.id IN (SELECT company_id FROM credit_grants WHERE credit_id IN ${sql.in(filter.creditTypeIds)})`
])
