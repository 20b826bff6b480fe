/**
 * Company overrides: what one company is granted of a feature in place of what its plans grant, until it expires.
 * A company has at most one per feature.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { newId } from "../ids.js"
import type { OverrideRow } from "../rows.js"
import { badRequest } from "../SandboxError.js"
import type { CreateCompanyOverride, UpdateCompanyOverride } from "../wire.js"
import { getCompanyRow } from "./companies.js"
import { checkFeature } from "./featureRef.js"
import { entitlementValue, refuseSecondGrant, updateGrant } from "./grants.js"
import { deleteRowById, filteredTable, rowById, type SearchFilter } from "./tables.js"

export const getOverride = rowById<OverrideRow>("company_overrides", "company override")

/** An override's columns besides the value it grants. */
const overrideColumns = (input: typeof UpdateCompanyOverride.Type) => ({
  value_credit_id: input.value_credit_id ?? null,
  consumption_rate: input.credit_consumption_rate ?? null,
  expiration_date: input.expiration_date ? Date.parse(input.expiration_date) : null
})

const addNote = (overrideId: string, note: string | null | undefined, now: number) =>
  Effect.gen(function* () {
    if (!note) return
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO override_notes ${sql.insert({
      id: newId("cmovn"),
      override_id: overrideId,
      note,
      created_at: now,
      updated_at: now
    })}`
  })

/** Stores a company's override for a feature, with its note; a company has at most one per feature. */
export const insertOverride = (input: typeof CreateCompanyOverride.Type, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const value = yield* entitlementValue(input)
    yield* getCompanyRow(input.company_id).pipe(
      Effect.mapError(() => badRequest(`company_id: no company ${input.company_id}`))
    )
    yield* checkFeature(input.feature_id)
    // An expired override no longer counts, so it does not stand in the way of a new one.
    yield* sql`DELETE FROM override_notes WHERE override_id IN (SELECT id FROM company_overrides
      WHERE company_id = ${input.company_id} AND feature_id = ${input.feature_id} AND expiration_date <= ${now})`
    yield* sql`DELETE FROM company_overrides
      WHERE company_id = ${input.company_id} AND feature_id = ${input.feature_id} AND expiration_date <= ${now}`
    yield* refuseSecondGrant(
      "company_overrides",
      { column: "company_id", id: input.company_id },
      input.feature_id,
      "the company already has an override for this feature"
    )
    const id = newId("cmov")
    yield* sql`INSERT INTO company_overrides ${sql.insert({
      id,
      company_id: input.company_id,
      feature_id: input.feature_id,
      ...value,
      ...overrideColumns(input),
      created_at: now,
      updated_at: now
    })}`
    yield* addNote(id, input.note, now)
    return id
  })

/** `PUT /company-overrides/{id}`: replaces the override's value, period and expiry; a note given is added. */
export const updateOverride = (id: string, input: typeof UpdateCompanyOverride.Type, now: number) =>
  Effect.gen(function* () {
    yield* updateGrant("company_overrides", getOverride, id, input, overrideColumns(input), now)
    yield* addNote(id, input.note, now)
  })

export const deleteOverride = deleteRowById("company_overrides", "company override", (sql, id) => [
  sql`DELETE FROM override_notes WHERE override_id = ${id}`
])

export interface OverrideFilter extends SearchFilter {
  readonly company_id?: string | undefined
  readonly company_ids: ReadonlyArray<string>
  readonly feature_id?: string | undefined
  readonly feature_ids: ReadonlyArray<string>
  readonly without_expired?: boolean | undefined
}

/** The company overrides table as its list filters it; `without_expired` is read against the time of the request. */
export const overrideTable = filteredTable<OverrideFilter>("company_overrides", "o", (sql, filter) => {
  const companies = [...(filter.company_id ? [filter.company_id] : []), ...filter.company_ids]
  const features = [...(filter.feature_id ? [filter.feature_id] : []), ...filter.feature_ids]
  const like = `%${filter.q}%`
  return [
    companies.length > 0 && sql`o.company_id IN ${sql.in(companies)}`,
    features.length > 0 && sql`o.feature_id IN ${sql.in(features)}`,
    filter.ids.length > 0 && sql`o.id IN ${sql.in(filter.ids)}`,
    filter.without_expired && sql`(o.expiration_date IS NULL OR o.expiration_date > ${Date.now()})`,
    filter.q &&
      sql`(o.feature_id IN (SELECT id FROM features WHERE name LIKE ${like})
        OR o.company_id IN (SELECT id FROM companies WHERE name LIKE ${like}))`
  ]
})
