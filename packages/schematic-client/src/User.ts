/**
 * Users: people who belong to companies.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { EntityKey, KeyMap, Page, Timestamp, Traits } from "./Common.js"
import { CompanySummary } from "./Company.js"
import { entityFields, upsertFields } from "./internal/fields.js"

export const CompanyMembership = Schema.Struct({
  id: Schema.String,
  company_id: Schema.String,
  user_id: Schema.String,
  created_at: Timestamp,
  updated_at: Timestamp,
  company: Schema.optional(CompanySummary)
})
export interface CompanyMembership extends Schema.Schema.Type<typeof CompanyMembership> {}

export const User = Schema.Struct({
  ...entityFields,
  keys: Schema.Array(EntityKey),
  traits: Schema.optional(Traits),
  company_memberships: Schema.Array(CompanyMembership)
})
export interface User extends Schema.Schema.Type<typeof User> {}

export const ListUsersParams = Schema.Struct({
  ...Page.fields,
  company_id: Schema.optional(Schema.String),
  ids: Schema.optional(Schema.Array(Schema.String)),
  plan_id: Schema.optional(Schema.String),
  q: Schema.optional(Schema.String.pipe(Schema.maxLength(512)))
})
export interface ListUsersParams extends Schema.Schema.Type<typeof ListUsersParams> {}

export const CountUsersParams = ListUsersParams.omit("limit", "offset")
export interface CountUsersParams extends Schema.Schema.Type<typeof CountUsersParams> {}

export const UpsertUserBody = Schema.Struct({
  ...upsertFields(255),
  remove_keys: Schema.optional(Schema.Array(Schema.String)),
  /** Keys of a company to add the user to. */
  company: Schema.optional(Schema.NullOr(KeyMap)),
  /** Keys of every company the user belongs to (replaces the memberships). */
  companies: Schema.optional(Schema.Array(KeyMap)),
  company_id: Schema.optional(Schema.NullOr(Schema.String)),
  company_ids: Schema.optional(Schema.Array(Schema.String))
})
export interface UpsertUserBody extends Schema.Schema.Type<typeof UpsertUserBody> {}
