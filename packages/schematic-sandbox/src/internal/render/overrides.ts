import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { rowsIn } from "../domain/tables.js"
import { iso } from "../ids.js"
import type { FeatureRow, OverrideNoteRow, OverrideRow } from "../rows.js"
import { createdAndUpdated, featureSummary, grantSummary } from "./summaries.js"

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
    const features = yield* rowsIn<FeatureRow>("features")(rows, (row) => row.feature_id)
    return rows.map((row) => {
      const feature = features.find((item) => item.id === row.feature_id)
      return {
        id: row.id,
        company_id: row.company_id,
        ...grantSummary(row),
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
        // The same `FeatureResponseData` the feature routes answer, its trait and unit names among it.
        ...(feature === undefined ? {} : { feature: featureSummary(feature) }),
        ...createdAndUpdated(row)
      }
    })
  })
