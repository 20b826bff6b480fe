import { HttpRouter } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { getCompanyRow } from "./companies.js"
import { ENVIRONMENT_ID, iso, newId } from "./ids.js"
import { entitlementValue } from "./planEntitlements.js"
import { body, pathId, readQuery } from "./request.js"
import { answerOne, deleteById, getById, listNewestFirst, rowById } from "./response.js"
import { badRequest } from "./SandboxError.js"
import { CreateCompanyOverride, UpdateCompanyOverride } from "./wire.js"

export interface OverrideRow {
  readonly id: string
  readonly company_id: string
  readonly feature_id: string
  readonly value_type: string
  readonly value_bool: number | null
  readonly value_numeric: number | null
  readonly value_trait_id: string | null
  readonly value_credit_id: string | null
  readonly consumption_rate: number | null
  readonly metric_period: string | null
  readonly metric_period_month_reset: string | null
  readonly expiration_date: number | null
  readonly created_at: number
  readonly updated_at: number
}

export interface OverrideFilter {
  readonly company_id?: string | undefined
  readonly company_ids: ReadonlyArray<string>
  readonly feature_id?: string | undefined
  readonly feature_ids: ReadonlyArray<string>
  readonly ids: ReadonlyArray<string>
  readonly without_expired?: boolean | undefined
  readonly q?: string | undefined
}

export const overrideWhere = (sql: SqlClient.SqlClient, filter: OverrideFilter, now: number) => {
  const clauses = [sql`1 = 1`]
  const companies = [...(filter.company_id ? [filter.company_id] : []), ...filter.company_ids]
  const features = [...(filter.feature_id ? [filter.feature_id] : []), ...filter.feature_ids]
  if (companies.length > 0) clauses.push(sql`o.company_id IN ${sql.in(companies)}`)
  if (features.length > 0) clauses.push(sql`o.feature_id IN ${sql.in(features)}`)
  if (filter.ids.length > 0) clauses.push(sql`o.id IN ${sql.in(filter.ids)}`)
  if (filter.without_expired) clauses.push(sql`(o.expiration_date IS NULL OR o.expiration_date > ${now})`)
  if (filter.q) {
    const like = `%${filter.q}%`
    clauses.push(sql`(o.feature_id IN (SELECT id FROM features WHERE name LIKE ${like})
      OR o.company_id IN (SELECT id FROM companies WHERE name LIKE ${like}))`)
  }
  return sql.and(clauses)
}

/** Renders overrides as `CompanyOverrideResponseData`, with their notes, company and feature. */
export const renderOverrides = (rows: ReadonlyArray<OverrideRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const ids = rows.map((row) => row.id)
    const notes =
      ids.length === 0
        ? []
        : yield* sql<{ id: string; override_id: string; note: string; created_at: number; updated_at: number }>`
            SELECT * FROM override_notes WHERE override_id IN ${sql.in(ids)} ORDER BY created_at`
    const featureIds = [...new Set(rows.map((row) => row.feature_id))]
    const features =
      featureIds.length === 0
        ? []
        : yield* sql<{
            id: string
            name: string
            description: string
            feature_type: string
            icon: string
            event_subtype: string | null
            created_at: number
            updated_at: number
          }>`SELECT id, name, description, feature_type, icon, event_subtype, created_at, updated_at
             FROM features WHERE id IN ${sql.in(featureIds)}`
    return rows.map((row) => {
      const feature = features.find((item) => item.id === row.feature_id)
      return {
        id: row.id,
        company_id: row.company_id,
        feature_id: row.feature_id,
        environment_id: ENVIRONMENT_ID,
        value_type: row.value_type,
        value_bool: row.value_bool === null ? null : row.value_bool === 1,
        value_numeric: row.value_numeric,
        value_trait_id: row.value_trait_id,
        consumption_rate: row.consumption_rate,
        metric_period: row.metric_period,
        metric_period_month_reset: row.metric_period_month_reset,
        expiration_date: iso(row.expiration_date),
        notes: notes
          .filter((note) => note.override_id === row.id)
          .map((note) => ({
            id: note.id,
            note: note.note,
            external_user_id: "",
            external_user_name: "",
            created_at: iso(note.created_at),
            updated_at: iso(note.updated_at)
          })),
        ...(feature === undefined
          ? {}
          : {
              feature: {
                ...feature,
                created_at: iso(feature.created_at),
                updated_at: iso(feature.updated_at)
              }
            }),
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at)
      }
    })
  })

const getOverride = rowById<OverrideRow>("company_overrides", "company override")

const overrideValues = (input: typeof UpdateCompanyOverride.Type) => ({
  value_type: input.value_type,
  value_bool: input.value_bool === undefined || input.value_bool === null ? null : input.value_bool ? 1 : 0,
  value_numeric: input.value_numeric ?? null,
  value_trait_id: input.value_trait_id ?? null,
  value_credit_id: input.value_credit_id ?? null,
  consumption_rate: input.credit_consumption_rate ?? null,
  metric_period: input.metric_period ?? null,
  metric_period_month_reset: input.metric_period_month_reset ?? null,
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
    yield* entitlementValue(input)
    yield* getCompanyRow(input.company_id).pipe(
      Effect.mapError(() => badRequest(`company_id: no company ${input.company_id}`))
    )
    const features = yield* sql<{ id: string }>`SELECT id FROM features WHERE id = ${input.feature_id}`
    if (features[0] === undefined) return yield* badRequest(`feature_id: no feature ${input.feature_id}`)
    // An expired override no longer counts, so it does not stand in the way of a new one.
    yield* sql`DELETE FROM override_notes WHERE override_id IN (SELECT id FROM company_overrides
      WHERE company_id = ${input.company_id} AND feature_id = ${input.feature_id} AND expiration_date <= ${now})`
    yield* sql`DELETE FROM company_overrides
      WHERE company_id = ${input.company_id} AND feature_id = ${input.feature_id} AND expiration_date <= ${now}`
    const existing = yield* sql<{ id: string }>`SELECT id FROM company_overrides
      WHERE company_id = ${input.company_id} AND feature_id = ${input.feature_id}`
    if (existing[0] !== undefined) {
      return yield* badRequest(
        `feature_id: the company already has an override for this feature (${existing[0].id}); update it instead`
      )
    }
    const id = newId("cmov")
    yield* sql`INSERT INTO company_overrides ${sql.insert({
      id,
      company_id: input.company_id,
      feature_id: input.feature_id,
      ...overrideValues(input),
      created_at: now,
      updated_at: now
    })}`
    yield* addNote(id, input.note, now)
    return id
  })

const deleteOverride = (id: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* getOverride(id)
    yield* sql`DELETE FROM override_notes WHERE override_id = ${id}`
    yield* sql`DELETE FROM company_overrides WHERE id = ${id}`
  })

/** Company overrides, by Schematic's paths. */
export const overrideRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/company-overrides",
    listNewestFirst(
      {
        table: "company_overrides",
        alias: "o",
        filter: readQuery((q) => ({
          company_id: q.string("company_id"),
          company_ids: q.list("company_ids"),
          feature_id: q.string("feature_id"),
          feature_ids: q.list("feature_ids"),
          ids: q.list("ids"),
          without_expired: q.bool("without_expired"),
          q: q.string("q"),
          ...q.page()
        })),
        where: (sql, filter) => overrideWhere(sql, filter, Date.now())
      },
      renderOverrides
    )
  ),
  HttpRouter.post(
    "/company-overrides",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const input = yield* body(CreateCompanyOverride)
      const id = yield* sql.withTransaction(insertOverride(input, Date.now()))
      return yield* answerOne(getOverride(id), renderOverrides, {}, 201)
    })
  ),
  HttpRouter.get(
    "/company-overrides/:company_override_id",
    getById("company_override_id", getOverride, renderOverrides)
  ),
  HttpRouter.put(
    "/company-overrides/:company_override_id",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const id = yield* pathId("company_override_id")
      const input = yield* body(UpdateCompanyOverride)
      yield* getOverride(id)
      yield* entitlementValue(input)
      const now = Date.now()
      yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* sql`UPDATE company_overrides SET ${sql.update({ ...overrideValues(input), updated_at: now })}
            WHERE id = ${id}`
          yield* addNote(id, input.note, now)
        })
      )
      return yield* answerOne(getOverride(id), renderOverrides)
    })
  ),
  HttpRouter.del("/company-overrides/:company_override_id", deleteById("company_override_id", deleteOverride))
)
