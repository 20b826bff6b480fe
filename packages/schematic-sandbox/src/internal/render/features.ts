import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { iso } from "../ids.js"
import type { FeatureRow } from "../rows.js"
import { flagsOfFeatures } from "./flags.js"

/** Renders features as `FeatureDetailResponseData`, with their flags and the plans that grant them. */
export const renderFeatures = (rows: ReadonlyArray<FeatureRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const ids = rows.map((row) => row.id)
    const flags = yield* flagsOfFeatures(ids)
    const plans =
      ids.length === 0
        ? []
        : yield* sql<{ feature_id: string; id: string; name: string; description: string }>`
            SELECT e.feature_id, p.id, p.name, p.description FROM plan_entitlements e JOIN plans p ON p.id = e.plan_id
            WHERE e.feature_id IN ${sql.in(ids)} ORDER BY p.name`
    return rows.map((row) => ({
      ...row,
      flags: flags.get(row.id) ?? [],
      plans: plans
        .filter((plan) => plan.feature_id === row.id)
        .map((plan) => ({ id: plan.id, name: plan.name, description: plan.description, image_url: null })),
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at)
    }))
  })
