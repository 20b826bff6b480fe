/** Flags: each feature's flag (a flag may also stand alone), unique by key. */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { newId } from "../ids.js"
import type { FlagRow } from "../rows.js"
import { badRequest } from "../SandboxError.js"
import type { CreateFlag } from "../wire.js"
import { checkFeature } from "./featureRef.js"
import { deleteRowById, filteredTable, insertRow, rowById, type SearchFilter } from "./tables.js"

export const getFlag = rowById<FlagRow>("flags", "flag")

/** The flag with this key, or 404 `flag <key> not found`. */
export const flagByKey = rowById<FlagRow>("flags", "flag", "key")

export const deleteFlag = deleteRowById("flags", "flag")

/** A flag's stored columns from what a request says of it. */
const flagColumns = (input: CreateFlag) => ({
  key: input.key,
  name: input.name,
  description: input.description,
  flag_type: input.flag_type,
  default_value: input.default_value ? 1 : 0,
  feature_id: input.feature_id ?? null
})

/** Stores a flag in the caller's transaction; a key another flag holds is refused, naming `field`. */
export const insertFlag = (input: CreateFlag, now: number, field: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const taken = yield* sql<{ id: string }>`SELECT id FROM flags WHERE key = ${input.key}`
    if (taken[0] !== undefined) return yield* badRequest(`${field}key: another flag has the key ${input.key}`)
    const row: FlagRow = {
      id: newId("flag"),
      ...flagColumns(input),
      last_checked_at: null,
      created_at: now,
      updated_at: now
    }
    return yield* insertRow("flags", row)
  })

/** A flag key from a feature's name ("API calls" → "api-calls"), with a number added while the key is taken. */
export const keyFromName = (name: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const base =
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "") || "feature"
    for (let n = 1; ; n++) {
      const key = n === 1 ? base : `${base}-${n}`
      const taken = yield* sql<{ id: string }>`SELECT id FROM flags WHERE key = ${key}`
      if (taken[0] === undefined) return key
    }
  })

/** `POST /flags`: a flag of an existing feature, or of none. */
export const createFlag = (input: CreateFlag, now: number) =>
  Effect.flatMap(checkFeature(input.feature_id), () => insertFlag(input, now, ""))

/** `PUT /flags/{id}`: replaces what a flag says of itself; its key stays unique. */
export const updateFlag = (id: string, input: CreateFlag, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* getFlag(id)
    const taken = yield* sql<{ id: string }>`SELECT id FROM flags WHERE key = ${input.key} AND id != ${id}`
    if (taken[0] !== undefined) return yield* badRequest(`key: another flag has the key ${input.key}`)
    yield* checkFeature(input.feature_id)
    yield* sql`UPDATE flags SET ${sql.update({ ...flagColumns(input), updated_at: now })} WHERE id = ${id}`
  })

export interface FlagFilter extends SearchFilter {
  readonly feature_id?: string | undefined
}

/** The flags table as its list filters it. */
export const flagTable = filteredTable<FlagFilter>("flags", "fl", (sql, filter) => [
  filter.q && sql`(name LIKE ${`%${filter.q}%`} OR key LIKE ${`%${filter.q}%`})`,
  filter.ids.length > 0 && sql`id IN ${sql.in(filter.ids)}`,
  filter.feature_id && sql`feature_id = ${filter.feature_id}`
])
