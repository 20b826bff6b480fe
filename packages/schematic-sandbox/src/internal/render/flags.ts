import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { rowsIn } from "../domain/tables.js"
import { iso } from "../ids.js"
import type { FeatureRow, FlagRow } from "../rows.js"
import { featureSummary } from "./summaries.js"

const flagSummary = (row: FlagRow) => ({
  id: row.id,
  key: row.key,
  name: row.name,
  description: row.description,
  flag_type: row.flag_type,
  default_value: row.default_value === 1,
  feature_id: row.feature_id,
  last_checked_at: iso(row.last_checked_at),
  rules: [],
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at)
})

/** Renders flags as `FlagDetailResponseData`, each with its feature. */
export const renderFlags = (rows: ReadonlyArray<FlagRow>) =>
  Effect.gen(function* () {
    const features = yield* rowsIn<FeatureRow>("features")(rows, (row) => row.feature_id)
    const byId = new Map(features.map((feature) => [feature.id, feature]))
    return rows.map((row) => {
      const feature = row.feature_id ? byId.get(row.feature_id) : undefined
      return { ...flagSummary(row), ...(feature === undefined ? {} : { feature: featureSummary(feature) }) }
    })
  })

/** The flags of many features, as `FlagDetailResponseData` without the nested feature. */
export const flagsOfFeatures = (featureIds: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const byFeature = new Map<string, Array<ReturnType<typeof flagSummary>>>()
    if (featureIds.length === 0) return byFeature
    const rows = yield* sql<FlagRow>`SELECT * FROM flags WHERE feature_id IN ${sql.in(featureIds)} ORDER BY created_at`
    for (const row of rows) {
      const list = byFeature.get(row.feature_id!)
      if (list === undefined) byFeature.set(row.feature_id!, [flagSummary(row)])
      else list.push(flagSummary(row))
    }
    return byFeature
  })
