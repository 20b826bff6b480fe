import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ENVIRONMENT_ID, iso, newId } from "./ids.js"
import { readQuery } from "./request.js"
import { answerOne } from "./response.js"
import { badRequest, notFound } from "./SandboxError.js"

export type EntityType = "company" | "user"

interface KeyRow {
  readonly id: string
  readonly entity_id: string
  readonly key: string
  readonly value: string
  readonly created_at: number
  readonly updated_at: number
}

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

/** `GET /companies/lookup` and `GET /users/lookup` behave the same apart from the entity they find. */
export const lookupByKeys = <Row, E1, R1, E2, R2>(
  entityType: EntityType,
  load: (id: string) => Effect.Effect<Row, E1, R1>,
  render: (rows: ReadonlyArray<Row>) => Effect.Effect<ReadonlyArray<unknown>, E2, R2>
) =>
  Effect.gen(function* () {
    const keys = yield* readQuery((q) => q.keyMap("keys"))
    if (keys === undefined || Object.keys(keys).length === 0) return yield* badRequest("keys: is required")
    const id = yield* entityByKeys(entityType, keys, "keys")
    if (id === undefined) return yield* notFound(`no ${entityType} matches these keys`)
    return yield* answerOne(load(id), render, { keys })
  })

/** Keys of many entities in one query, as Schematic renders them. */
export const keysOf = (entityType: EntityType, ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const byEntity = new Map<string, Array<Record<string, unknown>>>()
    if (ids.length === 0) return byEntity
    const rows = yield* sql<KeyRow>`
      SELECT id, entity_id, key, value, created_at, updated_at FROM entity_keys
      WHERE entity_type = ${entityType} AND entity_id IN ${sql.in(ids)} ORDER BY created_at, rowid`
    for (const row of rows) {
      const list = byEntity.get(row.entity_id) ?? []
      list.push({
        id: row.id,
        key: row.key,
        value: row.value,
        entity_type: entityType,
        entity_id: row.entity_id,
        definition_id: `ekdf_${entityType}_${row.key}`,
        environment_id: ENVIRONMENT_ID,
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at)
      })
      byEntity.set(row.entity_id, list)
    }
    return byEntity
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
