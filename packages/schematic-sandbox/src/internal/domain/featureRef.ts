/** A `feature_id` a request names (a flag's, an override's, a plan entitlement's): refused unless it names a feature. */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { badRequest } from "../SandboxError.js"

/** Refuses a `feature_id` that names no feature; none given passes. */
export const checkFeature = (featureId: string | null | undefined) =>
  Effect.gen(function* () {
    if (!featureId) return
    const sql = yield* SqlClient.SqlClient
    const found = yield* sql<{ id: string }>`SELECT id FROM features WHERE id = ${featureId}`
    if (found[0] === undefined) return yield* badRequest(`feature_id: no feature ${featureId}`)
  })
