import { HttpRouter } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { iso, newId } from "./ids.js"
import { body, readQuery } from "./request.js"
import { envelope, getById, listNewestFirst, rowById } from "./response.js"
import { badRequest } from "./SandboxError.js"
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

const renderFeatures = (rows: ReadonlyArray<FeatureRow>) => Effect.succeed(rows.map(renderFeature))

/** Features, by Schematic's paths. */
export const featureRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/features",
    listNewestFirst(
      {
        table: "features",
        alias: "f",
        filter: readQuery((q) => ({
          q: q.string("q"),
          ids: q.list("ids"),
          feature_type: q.list("feature_type"),
          ...q.page()
        })),
        where: (sql, filter) => {
          const clauses = [sql`1 = 1`]
          if (filter.q) clauses.push(sql`(name LIKE ${`%${filter.q}%`} OR id = ${filter.q})`)
          if (filter.ids.length > 0) clauses.push(sql`id IN ${sql.in(filter.ids)}`)
          if (filter.feature_type.length > 0) clauses.push(sql`feature_type IN ${sql.in(filter.feature_type)}`)
          return sql.and(clauses)
        }
      },
      renderFeatures
    )
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
    getById("feature_id", rowById<FeatureRow>("features", "feature"), renderFeatures)
  )
)
