import { HttpRouter } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { iso, newId } from "./ids.js"
import { body, pathId, readQuery } from "./request.js"
import { envelope } from "./response.js"
import { badRequest, notFound } from "./SandboxError.js"
import { CreateFeature } from "./wire.js"

interface FeatureRow {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly feature_type: string
  readonly icon: string
  readonly event_subtype: string | null
  readonly trait_id: string | null
  readonly singular_name: string | null
  readonly plural_name: string | null
  readonly created_at: number
  readonly updated_at: number
}

const renderFeature = (row: FeatureRow) => ({
  ...row,
  flags: [],
  plans: [],
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at)
})

/** Features, by Schematic's paths. */
export const featureRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/features",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const filter = yield* readQuery((q) => ({
        q: q.string("q"),
        ids: q.list("ids"),
        feature_type: q.list("feature_type"),
        ...q.page()
      }))
      const clauses = [sql`1 = 1`]
      if (filter.q) clauses.push(sql`(name LIKE ${`%${filter.q}%`} OR id = ${filter.q})`)
      if (filter.ids.length > 0) clauses.push(sql`id IN ${sql.in(filter.ids)}`)
      if (filter.feature_type.length > 0) clauses.push(sql`feature_type IN ${sql.in(filter.feature_type)}`)
      const rows = yield* sql<FeatureRow>`SELECT * FROM features WHERE ${sql.and(clauses)}
        ORDER BY created_at DESC, rowid DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
      return envelope(rows.map(renderFeature), filter)
    })
  ),
  HttpRouter.post(
    "/features",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const input = yield* body(CreateFeature)
      if (input.feature_type === "event" && !input.event_subtype) {
        return yield* badRequest("event_subtype: is required for an event feature")
      }
      const now = Date.now()
      const row: FeatureRow = {
        id: newId("feat"),
        name: input.name,
        description: input.description,
        feature_type: input.feature_type,
        icon: input.icon ?? "sparkles",
        event_subtype: input.event_subtype ?? null,
        trait_id: input.trait_id ?? null,
        singular_name: input.singular_name ?? null,
        plural_name: input.plural_name ?? null,
        created_at: now,
        updated_at: now
      }
      yield* sql`INSERT INTO features ${sql.insert({ ...row })}`
      return envelope(renderFeature(row), {}, 201)
    })
  ),
  HttpRouter.get(
    "/features/:feature_id",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const id = yield* pathId("feature_id")
      const rows = yield* sql<FeatureRow>`SELECT * FROM features WHERE id = ${id}`
      if (rows[0] === undefined) return yield* notFound(`feature ${id} not found`)
      return envelope(renderFeature(rows[0]))
    })
  )
)
