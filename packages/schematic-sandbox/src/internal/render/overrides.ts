import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ENVIRONMENT_ID, iso } from "../ids.js"
import type { OverrideNoteRow, OverrideRow } from "../rows.js"
import { grantSummary } from "./summaries.js"

/** Renders overrides as `CompanyOverrideResponseData`, with their notes, company and feature. */
export const renderOverrides = (rows: ReadonlyArray<OverrideRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const ids = rows.map((row) => row.id)
    const notes =
      ids.length === 0
        ? []
        : yield* sql<OverrideNoteRow>`
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
        ...grantSummary(row),
        consumption_rate: row.consumption_rate,
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
