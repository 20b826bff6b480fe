import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { EntityType } from "../domain/keys.js"
import { ENVIRONMENT_ID, iso } from "../ids.js"
import type { KeyRow } from "../rows.js"

/** Keys of many entities in one query, as Schematic renders them: a list of `{key, value, ...}` each. */
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
