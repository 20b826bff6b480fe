import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ENVIRONMENT_ID, iso } from "./ids.js"

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
