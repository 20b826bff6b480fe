/**
 * Datasets the sandbox can start with. `demo` loads plans, features, companies, users, overrides and 30 days of
 * usage, so a first request shows real answers. A dataset loads only into an empty database: data already there
 * is never mixed with it.
 *
 * @since 0.2.0
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { seedDemo } from "./internal/demo.js"
import type { Seed } from "./SandboxConfig.js"

export type { Seed } from "./SandboxConfig.js"
export { seeds } from "./SandboxConfig.js"

/** Loads `seed` when the database holds no companies, features or plans; says in the log what it did. */
export const load = (seed: Seed) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [counts] = yield* sql<{ n: number }>`
      SELECT (SELECT COUNT(*) FROM companies) + (SELECT COUNT(*) FROM features) + (SELECT COUNT(*) FROM plans) AS n`
    if ((counts?.n ?? 0) > 0) {
      yield* Effect.logWarning(`Not loading the ${seed} dataset: the sandbox's database already holds data`)
      return
    }
    const loaded = yield* sql.withTransaction(seedDemo(Date.now()))
    yield* Effect.logInfo(
      `Loaded the ${seed} dataset: ${loaded.companies} companies with their users, plans and overrides, and ${loaded.events} usage events`
    )
  }).pipe(Effect.orDie)
