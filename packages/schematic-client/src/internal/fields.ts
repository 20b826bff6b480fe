/**
 * Field groups that several resources' schemas share, spread into each `Schema.Struct` in Schematic's order.
 * Kept internal so the public modules export exactly the schemas they did.
 */
import { Schema } from "effect"
import { KeyMap, OptionalNullable, Page, Timestamp, Traits } from "../Common.js"

/** What a company and a user both answer with, first. */
export const entityFields = {
  id: Schema.String,
  name: Schema.String,
  environment_id: Schema.String,
  created_at: Timestamp,
  updated_at: Timestamp,
  last_seen_at: OptionalNullable(Timestamp)
}

/** The fields both key-map upserts (company and user) open with; only the longest name differs. */
export const upsertFields = (maxName: number) => ({
  keys: KeyMap,
  name: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(maxName)))),
  traits: Schema.optional(Traits),
  id: Schema.optional(Schema.NullOr(Schema.String)),
  last_seen_at: Schema.optional(Schema.NullOr(Timestamp)),
  update_only: Schema.optional(Schema.NullOr(Schema.Boolean))
})

/** How the searchable lists open: a page, free-text `q` and a list of ids. */
export const searchPageFields = <Q extends Schema.Schema.Any>(q: Q) => ({
  ...Page.fields,
  q: Schema.optional(q),
  ids: Schema.optional(Schema.Array(Schema.String))
})
