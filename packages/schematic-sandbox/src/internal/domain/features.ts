/** Features: what a company may be entitled to (on/off, metered by events, or counted by a trait), each with its flag. */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { newId } from "../ids.js"
import type { FeatureRow } from "../rows.js"
import { badRequest } from "../SandboxError.js"
import type { CreateFeature, UpdateFeature } from "../wire.js"
import { insertFlag, keyFromName } from "./flags.js"
import { byNameOrId, deleteRowById, filteredTable, insertRow, rowById, type SearchFilter } from "./tables.js"

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
    yield* insertRow("features", row)
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

/** `PUT /features/{id}`: changes what is given; a flag given replaces the feature's flag, or becomes it. */
export const updateFeature = (id: string, input: typeof UpdateFeature.Type, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
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
      updated_at: now
    }
    const invalid = checkType(next.feature_type, next.event_subtype, next.trait_id)
    if (invalid) return yield* invalid
    const { id: _, created_at: __, ...columns } = next
    yield* sql`UPDATE features SET ${sql.update(columns)} WHERE id = ${id}`
    if (input.flag !== undefined) {
      const taken = yield* sql<{ id: string }>`SELECT id FROM flags WHERE key = ${input.flag.key}`
      const [own] = yield* sql<{ id: string }>`SELECT id FROM flags WHERE feature_id = ${id} ORDER BY created_at`
      if (taken[0] !== undefined && taken[0].id !== own?.id) {
        return yield* badRequest(`flag.key: another flag has the key ${input.flag.key}`)
      }
      if (own === undefined) {
        yield* insertFlag({ ...input.flag, feature_id: id }, now, "flag.")
      } else {
        yield* sql`UPDATE flags SET ${sql.update({
          key: input.flag.key,
          name: input.flag.name,
          description: input.flag.description,
          default_value: input.flag.default_value ? 1 : 0,
          updated_at: now
        })} WHERE id = ${own.id}`
      }
    }
  })

/** Removes a feature with its flags, plan entitlements and overrides: nothing may point at a missing feature. */
export const deleteFeature = deleteRowById("features", "feature", (sql, id) => [
  sql`DELETE FROM flags WHERE feature_id = ${id}`,
  sql`DELETE FROM plan_entitlements WHERE feature_id = ${id}`,
  sql`DELETE FROM override_notes WHERE override_id IN (SELECT id FROM company_overrides WHERE feature_id = ${id})`,
  sql`DELETE FROM company_overrides WHERE feature_id = ${id}`
])

export interface FeatureFilter extends SearchFilter {
  readonly feature_type: ReadonlyArray<string>
}

/** The features table as its list filters it. */
export const featureTable = filteredTable<FeatureFilter>("features", "f", (sql, filter) => [
  ...byNameOrId(sql, filter),
  filter.feature_type.length > 0 && sql`feature_type IN ${sql.in(filter.feature_type)}`
])
