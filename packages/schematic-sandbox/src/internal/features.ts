import { HttpRouter } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { flagsOfFeatures, insertFlag, keyFromName } from "./flags.js"
import { iso, newId } from "./ids.js"
import { body, pathId, readQuery } from "./request.js"
import { answerOne, deleteById, getById, listNewestFirst, rowById } from "./response.js"
import { badRequest } from "./SandboxError.js"
import { type CreateFeature, CreateFeature as CreateFeatureBody, UpdateFeature } from "./wire.js"

export interface FeatureRow {
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

export const getFeature = rowById<FeatureRow>("features", "feature")

/** What each feature type needs: an event feature its event name, a trait feature its trait. */
const checkType = (featureType: string, eventSubtype: string | null, traitId: string | null) => {
  if (featureType === "event" && !eventSubtype) return badRequest("event_subtype: is required for an event feature")
  if (featureType === "trait" && !traitId) return badRequest("trait_id: is required for a trait feature")
  return undefined
}

/** Stores a feature and its flag (the one given, or one keyed from its name) in the caller's transaction. */
export const insertFeature = (input: CreateFeature, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const invalid = checkType(input.feature_type, input.event_subtype ?? null, input.trait_id ?? null)
    if (invalid) return yield* invalid
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
    const flag = input.flag ?? {
      key: yield* keyFromName(input.name),
      name: input.name,
      description: input.description,
      flag_type: "boolean" as const,
      default_value: false
    }
    yield* insertFlag({ ...flag, feature_id: row.id }, now, "flag.")
    return row
  })

/** Removes a feature with its flags, plan entitlements and overrides: nothing may point at a missing feature. */
const deleteFeature = (id: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* getFeature(id)
    yield* sql`DELETE FROM flags WHERE feature_id = ${id}`
    yield* sql`DELETE FROM plan_entitlements WHERE feature_id = ${id}`
    yield* sql`DELETE FROM override_notes WHERE override_id IN (SELECT id FROM company_overrides WHERE feature_id = ${id})`
    yield* sql`DELETE FROM company_overrides WHERE feature_id = ${id}`
    yield* sql`DELETE FROM features WHERE id = ${id}`
  })

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
      const input = yield* body(CreateFeatureBody)
      const row = yield* sql.withTransaction(insertFeature(input, Date.now()))
      return yield* answerOne(Effect.succeed(row), renderFeatures, {}, 201)
    })
  ),
  HttpRouter.get("/features/:feature_id", getById("feature_id", getFeature, renderFeatures)),
  HttpRouter.put(
    "/features/:feature_id",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const id = yield* pathId("feature_id")
      const input = yield* body(UpdateFeature)
      const current = yield* getFeature(id)
      const next: FeatureRow = {
        ...current,
        name: input.name ?? current.name,
        description: input.description ?? current.description,
        feature_type: input.feature_type ?? current.feature_type,
        icon: input.icon ?? current.icon,
        event_subtype: input.event_subtype === undefined ? current.event_subtype : input.event_subtype,
        trait_id: input.trait_id === undefined ? current.trait_id : input.trait_id,
        singular_name: input.singular_name === undefined ? current.singular_name : input.singular_name,
        plural_name: input.plural_name === undefined ? current.plural_name : input.plural_name,
        updated_at: Date.now()
      }
      const invalid = checkType(next.feature_type, next.event_subtype, next.trait_id)
      if (invalid) return yield* invalid
      yield* sql.withTransaction(
        Effect.gen(function* () {
          const { id: _, created_at: __, ...columns } = next
          yield* sql`UPDATE features SET ${sql.update(columns)} WHERE id = ${id}`
          if (input.flag !== undefined) {
            const taken = yield* sql<{ id: string }>`SELECT id FROM flags WHERE key = ${input.flag.key}`
            const [own] = yield* sql<{ id: string }>`SELECT id FROM flags WHERE feature_id = ${id} ORDER BY created_at`
            if (taken[0] !== undefined && taken[0].id !== own?.id) {
              return yield* badRequest(`flag.key: another flag has the key ${input.flag.key}`)
            }
            if (own === undefined) {
              yield* insertFlag({ ...input.flag, feature_id: id }, next.updated_at, "flag.")
            } else {
              yield* sql`UPDATE flags SET ${sql.update({
                key: input.flag.key,
                name: input.flag.name,
                description: input.flag.description,
                default_value: input.flag.default_value ? 1 : 0,
                updated_at: next.updated_at
              })} WHERE id = ${own.id}`
            }
          }
        })
      )
      return yield* answerOne(getFeature(id), renderFeatures)
    })
  ),
  HttpRouter.del("/features/:feature_id", deleteById("feature_id", deleteFeature))
)
