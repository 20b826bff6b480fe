/**
 * What operations answer: trimmed views of Schematic's resources, with keys as the same map callers send.
 *
 * @since 0.1.0
 */
import type { Company as SchematicCompany, User as SchematicUser } from "@schematic-capability/schematic-client"
import { Schema } from "effect"

export const KeyMap = Schema.Record({ key: Schema.String, value: Schema.String }).annotations({
  description: 'Your own identifiers, key name to value, e.g. {"stripe_customer_id": "cus_123"}'
})

export const Traits = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  description: "Free-form attributes, trait name to any JSON value"
})

const PlanRef = Schema.Struct({ id: Schema.String, name: Schema.String })

export const Company = Schema.Struct({
  id: Schema.String.annotations({ description: "Schematic's id (comp_...)" }),
  name: Schema.String,
  keys: KeyMap,
  traits: Traits,
  plan: Schema.NullOr(PlanRef).annotations({ description: "The base plan, or null" }),
  add_ons: Schema.Array(PlanRef),
  user_count: Schema.Number,
  last_seen_at: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  updated_at: Schema.String
})
export interface Company extends Schema.Schema.Type<typeof Company> {}

export const User = Schema.Struct({
  id: Schema.String.annotations({ description: "Schematic's id (user_...)" }),
  name: Schema.String,
  keys: KeyMap,
  traits: Traits,
  company_ids: Schema.Array(Schema.String),
  last_seen_at: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  updated_at: Schema.String
})
export interface User extends Schema.Schema.Type<typeof User> {}

export const Pagination = Schema.Struct({
  limit: Schema.Number,
  offset: Schema.Number,
  next_offset: Schema.NullOr(Schema.Number).annotations({
    description: "The offset of the next page, or null when this page was the last"
  })
})
export interface Pagination extends Schema.Schema.Type<typeof Pagination> {}

export const pagination = (limit: number, offset: number, received: number): Pagination => ({
  limit,
  offset,
  next_offset: received >= limit && limit > 0 ? offset + limit : null
})

const keyMap = (keys: ReadonlyArray<{ readonly key: string; readonly value: string }>) =>
  Object.fromEntries(keys.map((key) => [key.key, key.value]))

export const company = (upstream: SchematicCompany.Company): Company => ({
  id: upstream.id,
  name: upstream.name,
  keys: keyMap(upstream.keys),
  traits: upstream.traits ?? {},
  plan: upstream.plan ? { id: upstream.plan.id, name: upstream.plan.name } : null,
  add_ons: upstream.add_ons.map((plan) => ({ id: plan.id, name: plan.name })),
  user_count: upstream.user_count,
  last_seen_at: upstream.last_seen_at ?? null,
  created_at: upstream.created_at,
  updated_at: upstream.updated_at
})

export const user = (upstream: SchematicUser.User): User => ({
  id: upstream.id,
  name: upstream.name,
  keys: keyMap(upstream.keys),
  traits: upstream.traits ?? {},
  company_ids: upstream.company_memberships.map((membership) => membership.company_id),
  last_seen_at: upstream.last_seen_at ?? null,
  created_at: upstream.created_at,
  updated_at: upstream.updated_at
})
