/**
 * Schematic's keys: a company or user is found by any of its keys (`{"stripe_customer_id": "cus_123"}`), and an
 * upsert adds keys, takes new values for key names it has, and refuses a value another entity holds.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { newId } from "../ids.js"
import { badRequest, notFound } from "../SandboxError.js"
import type { Condition, SearchFilter } from "./tables.js"

export type EntityType = "company" | "user"

/** The ids of the entities that hold any of these keys. */
export const entitiesMatching = (entityType: EntityType, keys: Readonly<Record<string, string>>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const pairs = Object.entries(keys)
    if (pairs.length === 0) return []
    const conditions = pairs.map(([key, value]) => sql`(key = ${key} AND value = ${value})`)
    const rows = yield* sql<{ entity_id: string }>`
      SELECT DISTINCT entity_id FROM entity_keys
      WHERE entity_type = ${entityType} AND (${sql.or(conditions)})`
    return rows.map((row) => row.entity_id)
  })

/** The one entity holding any of these keys; undefined when none does; 400 (naming `field`) when several do. */
export const entityByKeys = (entityType: EntityType, keys: Readonly<Record<string, string>>, field: string) =>
  Effect.gen(function* () {
    const matches = yield* entitiesMatching(entityType, keys)
    if (matches.length > 1) {
      const plural = entityType === "company" ? "companies" : "users"
      return yield* badRequest(`${field}: the keys match ${matches.length} different ${plural}`)
    }
    return matches[0]
  })

/**
 * Adds keys to an entity. A key name it already has takes the new value (unless `preventRemap`); a key
 * value that another entity holds is refused.
 */
export const attachKeys = (
  entityType: EntityType,
  entityId: string,
  keys: Readonly<Record<string, string>>,
  now: number,
  preventRemap: boolean
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    for (const [key, value] of Object.entries(keys)) {
      const holders = yield* sql<{ entity_id: string }>`
        SELECT entity_id FROM entity_keys WHERE entity_type = ${entityType} AND key = ${key} AND value = ${value}`
      const holder = holders[0]?.entity_id
      if (holder === entityId) continue
      if (holder !== undefined) {
        return yield* badRequest(`keys.${key}: ${JSON.stringify(value)} already belongs to another ${entityType}`)
      }
      const existing = yield* sql<{ id: string }>`
        SELECT id FROM entity_keys WHERE entity_type = ${entityType} AND entity_id = ${entityId} AND key = ${key}`
      if (existing[0] !== undefined) {
        if (preventRemap) {
          return yield* badRequest(`keys.${key}: the ${entityType} already has this key with another value`)
        }
        yield* sql`UPDATE entity_keys SET value = ${value}, updated_at = ${now} WHERE id = ${existing[0].id}`
      } else {
        yield* sql`INSERT INTO entity_keys ${sql.insert({
          id: newId("ekey"),
          entity_type: entityType,
          entity_id: entityId,
          key,
          value,
          created_at: now,
          updated_at: now
        })}`
      }
    }
  })

/** Drops keys by name; an entity must keep at least one. */
export const detachKeys = (entityType: EntityType, entityId: string, names: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    if (names.length === 0) return
    const sql = yield* SqlClient.SqlClient
    yield* sql`DELETE FROM entity_keys WHERE entity_type = ${entityType} AND entity_id = ${entityId} AND key IN ${sql.in(names)}`
    const left = yield* sql<{ n: number }>`
      SELECT COUNT(*) AS n FROM entity_keys WHERE entity_type = ${entityType} AND entity_id = ${entityId}`
    if ((left[0]?.n ?? 0) === 0) return yield* badRequest(`remove_keys: a ${entityType} must keep at least one key`)
  })

/** Merges traits: new values replace old ones by name. */
export const mergeTraits = (current: string, update: Readonly<Record<string, unknown>> | undefined): string =>
  update === undefined ? current : JSON.stringify({ ...JSON.parse(current), ...update })

/**
 * The conditions of a search among companies or users (their table aliased `alias`): `q` within the name, equal to
 * the id or within the value of a key; `ids` among the ids.
 */
export const byNameIdOrKey = (
  sql: SqlClient.SqlClient,
  entityType: EntityType,
  alias: string,
  filter: SearchFilter
): ReadonlyArray<Condition> => {
  const entity = sql(alias)
  const like = `%${filter.q}%`
  return [
    filter.q &&
      sql`(${entity}.name LIKE ${like} OR ${entity}.id = ${filter.q} OR ${entity}.id IN (
        SELECT entity_id FROM entity_keys WHERE entity_type = ${entityType} AND value LIKE ${like}))`,
    filter.ids.length > 0 && sql`${entity}.id IN ${sql.in(filter.ids)}`
  ]
}

/** The columns a company and a user have alike, as an upsert reads them. */
interface EntityColumns {
  readonly id: string
  readonly name: string
  readonly traits: string
  readonly last_seen_at: number | null
}

/** What a key-map upsert (company or user) says of the entity, as `upsertEntity` reads it. */
export interface KeyMapUpsert {
  readonly keys: Readonly<Record<string, string>>
  readonly name?: string | null | undefined
  readonly traits?: Readonly<Record<string, unknown>> | undefined
  readonly id?: string | null | undefined
  readonly last_seen_at?: string | null | undefined
  readonly update_only?: boolean | null | undefined
  readonly remove_keys?: ReadonlyArray<string> | undefined
}

/**
 * Schematic's key-map upsert of a company or user: match on `id`, else on any key; merge traits and add new keys
 * (refusing a remapped key with `preventKeyRemap`); create when nothing matches (with `created`'s columns, then
 * `onCreate`) unless `update_only`; then remove `remove_keys`. Answers the entity's id.
 */
export const upsertEntity = <E1, R1, E2 = never, R2 = never>(
  entityType: EntityType,
  load: (id: string) => Effect.Effect<EntityColumns, E1, R1>,
  body: KeyMapUpsert,
  now: number,
  options: {
    readonly created?: Readonly<Record<string, null>>
    readonly onCreate?: (id: string) => Effect.Effect<unknown, E2, R2>
    readonly preventKeyRemap?: boolean
  } = {}
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const table = sql(entityType === "company" ? "companies" : "users")
    let id = body.id ? (yield* load(body.id)).id : yield* entityByKeys(entityType, body.keys, "keys")
    const lastSeen = body.last_seen_at ? Date.parse(body.last_seen_at) : null
    if (id === undefined) {
      if (body.update_only) return yield* notFound(`no ${entityType} matches these keys and update_only is set`)
      id = newId(entityType === "company" ? "comp" : "user")
      yield* sql`INSERT INTO ${table} ${sql.insert({
        id,
        name: body.name ?? "",
        traits: JSON.stringify(body.traits ?? {}),
        ...options.created,
        last_seen_at: lastSeen,
        created_at: now,
        updated_at: now
      })}`
      yield* attachKeys(entityType, id, body.keys, now, false)
      if (options.onCreate !== undefined) yield* options.onCreate(id)
    } else {
      const row = yield* load(id)
      yield* sql`UPDATE ${table} SET
        name = ${body.name ?? row.name},
        traits = ${mergeTraits(row.traits, body.traits)},
        last_seen_at = ${lastSeen ?? row.last_seen_at},
        updated_at = ${now}
        WHERE id = ${id}`
      yield* attachKeys(entityType, id, body.keys, now, options.preventKeyRemap === true)
    }
    yield* detachKeys(entityType, id, body.remove_keys ?? [])
    return id
  })
