/**
 * What operations answer: trimmed views of Schematic's resources, with keys as the same map callers send.
 *
 * @since 0.1.0
 */
import type {
  Company as SchematicCompany,
  CompanyOverride as SchematicCompanyOverride,
  Entitlement as SchematicEntitlement,
  User as SchematicUser
} from "@schematic-capability/schematic-client"
import { Schema } from "effect"

export const KeyMap = Schema.Record({ key: Schema.String, value: Schema.String }).annotations({
  description: 'Your own identifiers, key name to value, e.g. {"stripe_customer_id": "cus_123"}'
})

export const Traits = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  description: "Free-form attributes, trait name to any JSON value"
})

const PlanRef = Schema.Struct({ id: Schema.String, name: Schema.String })

/** A company in a list: who it is and its plan. `detail: "full"` gives `Company`. */
export const CompanyRow = Schema.Struct({
  id: Schema.String.annotations({ description: "Schematic's id (comp_...)" }),
  name: Schema.String,
  keys: KeyMap,
  plan: Schema.NullOr(PlanRef).annotations({ description: "The base plan, or null" })
})
export interface CompanyRow extends Schema.Schema.Type<typeof CompanyRow> {}

export const Company = Schema.Struct({
  ...CompanyRow.fields,
  traits: Traits,
  add_ons: Schema.Array(PlanRef),
  user_count: Schema.Number,
  last_seen_at: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  updated_at: Schema.String
})
export interface Company extends Schema.Schema.Type<typeof Company> {}

/** A user in a list: who it is and its companies. `detail: "full"` gives `User`. */
export const UserRow = Schema.Struct({
  id: Schema.String.annotations({ description: "Schematic's id (user_...)" }),
  name: Schema.String,
  keys: KeyMap,
  company_ids: Schema.Array(Schema.String)
})
export interface UserRow extends Schema.Schema.Type<typeof UserRow> {}

export const User = Schema.Struct({
  ...UserRow.fields,
  traits: Traits,
  last_seen_at: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  updated_at: Schema.String
})
export interface User extends Schema.Schema.Type<typeof User> {}

export const Period = Schema.Literal("all_time", "current_day", "current_week", "current_month")

/** A value a feature is granted: on/off, a number, or unlimited. */
export const Value = Schema.Union(Schema.Boolean, Schema.Number, Schema.Literal("unlimited")).annotations({
  description: 'true / false for an on/off feature, a number (a limit), or "unlimited"'
})

export const Entitlement = Schema.Struct({
  feature_id: Schema.String,
  feature_key: Schema.NullOr(Schema.String).annotations({ description: "The feature's flag key, what apps check" }),
  feature_name: Schema.String,
  feature_type: Schema.String,
  value_type: Schema.String.annotations({ description: "boolean, numeric, unlimited or trait" }),
  value: Schema.NullOr(Value),
  allowed: Schema.Boolean.annotations({ description: "Whether the company may use the feature now" }),
  usage: Schema.NullOr(Schema.Number),
  allocation: Schema.NullOr(Schema.Number),
  percent_used: Schema.NullOr(Schema.Number),
  period: Schema.NullOr(Period),
  resets_at: Schema.NullOr(Schema.String),
  source: Schema.Literal("plan", "add_on", "override").annotations({
    description: "Where the entitlement comes from: the base plan, an add-on, or a company override"
  }),
  plan: Schema.NullOr(PlanRef),
  override_id: Schema.NullOr(Schema.String),
  expires_at: Schema.NullOr(Schema.String)
})
export interface Entitlement extends Schema.Schema.Type<typeof Entitlement> {}

export const CompanyDetail = Schema.Struct({
  ...Company.fields,
  entitlements: Schema.Array(Entitlement)
})
export interface CompanyDetail extends Schema.Schema.Type<typeof CompanyDetail> {}

/** An override in a list: whose, of what, the value and until when. `detail: "full"` gives `Override`. */
export const OverrideRow = Schema.Struct({
  id: Schema.String,
  company_id: Schema.String,
  feature_id: Schema.String,
  feature_key: Schema.NullOr(Schema.String),
  feature_name: Schema.NullOr(Schema.String),
  value: Schema.NullOr(Value),
  expires_at: Schema.NullOr(Schema.String)
})
export interface OverrideRow extends Schema.Schema.Type<typeof OverrideRow> {}

export const Override = Schema.Struct({
  ...OverrideRow.fields,
  value_type: Schema.String,
  period: Schema.NullOr(Period),
  notes: Schema.Array(Schema.String),
  created_at: Schema.String,
  updated_at: Schema.String
})
export interface Override extends Schema.Schema.Type<typeof Override> {}

export const Pagination = Schema.Struct({
  limit: Schema.Number,
  offset: Schema.Number,
  has_more: Schema.Boolean.annotations({ description: "Whether another page follows: ask again with next_offset" }),
  next_offset: Schema.NullOr(Schema.Number).annotations({
    description: "The offset of the next page, or null when this page was the last"
  })
})
export interface Pagination extends Schema.Schema.Type<typeof Pagination> {}

/** A page's pagination: there is more when the page came full (or, when the total is known, when it says so). */
export const pagination = (limit: number, offset: number, received: number, total?: number): Pagination => {
  const more = total === undefined ? received >= limit && limit > 0 : offset + received < total
  return { limit, offset, has_more: more, next_offset: more ? offset + limit : null }
}

/** What a list answers per item: compact rows by default, or the full record. */
export const Detail = Schema.Literal("compact", "full").annotations({
  description: "compact (default): the row's essentials; full: the whole record"
})

export const companyRow = (upstream: SchematicCompany.Company): CompanyRow => ({
  id: upstream.id,
  name: upstream.name,
  keys: keyMap(upstream.keys),
  plan: upstream.plan ? { id: upstream.plan.id, name: upstream.plan.name } : null
})

export const userRow = (upstream: SchematicUser.User): UserRow => ({
  id: upstream.id,
  name: upstream.name,
  keys: keyMap(upstream.keys),
  company_ids: upstream.company_memberships.map((membership) => membership.company_id)
})

const keyMap = (keys: ReadonlyArray<{ readonly key: string; readonly value: string }>) =>
  Object.fromEntries(keys.map((key) => [key.key, key.value]))

export const company = (upstream: SchematicCompany.Company): Company => ({
  ...companyRow(upstream),
  traits: upstream.traits ?? {},
  add_ons: upstream.add_ons.map((plan) => ({ id: plan.id, name: plan.name })),
  user_count: upstream.user_count,
  last_seen_at: upstream.last_seen_at ?? null,
  created_at: upstream.created_at,
  updated_at: upstream.updated_at
})

export const user = (upstream: SchematicUser.User): User => ({
  ...userRow(upstream),
  traits: upstream.traits ?? {},
  last_seen_at: upstream.last_seen_at ?? null,
  created_at: upstream.created_at,
  updated_at: upstream.updated_at
})

/** A grant's value: on/off, a limit, or unlimited (null for what the capability does not model). */
export const grantValue = (grant: {
  readonly value_type: string
  readonly value_bool?: boolean | null | undefined
  readonly value_numeric?: number | null | undefined
}): boolean | number | "unlimited" | null =>
  grant.value_type === "boolean"
    ? (grant.value_bool ?? false)
    : grant.value_type === "numeric"
      ? (grant.value_numeric ?? null)
      : grant.value_type === "unlimited"
        ? "unlimited"
        : null

/** A feature's key: the key of its (first) flag, what apps check; null when it has none. */
export const featureKey = (flags: ReadonlyArray<Readonly<Record<string, unknown>>> | undefined): string | null => {
  const key = flags?.[0]?.key
  return typeof key === "string" ? key : null
}

export const entitlement = (usage: SchematicEntitlement.FeatureUsage): Entitlement => {
  const override = usage.entitlement_type === "company_override"
  const value: Entitlement["value"] =
    usage.allocation_type === "boolean"
      ? override && usage.company_override
        ? grantValue(usage.company_override)
        : usage.access
      : usage.allocation_type === "unlimited"
        ? "unlimited"
        : (usage.allocation ?? null)
  return {
    feature_id: usage.feature?.id ?? "",
    feature_key: featureKey(usage.feature?.flags),
    feature_name: usage.feature?.name ?? "",
    feature_type: usage.feature?.feature_type ?? "boolean",
    value_type: usage.allocation_type,
    value,
    allowed: usage.access,
    usage: usage.usage ?? null,
    allocation: usage.allocation ?? null,
    percent_used: usage.percent_used ?? null,
    period: usage.period ?? null,
    resets_at: usage.metric_reset_at ?? null,
    source: override ? "override" : usage.plan?.plan_type === "add_on" ? "add_on" : "plan",
    plan: !override && usage.plan ? { id: usage.plan.id, name: usage.plan.name } : null,
    override_id: override ? usage.entitlement_id : null,
    expires_at: usage.entitlement_expiration_date ?? null
  }
}

/** A feature's key and name, as views show them beside its id. */
export interface FeatureName {
  readonly key: string | null
  readonly name: string
}

export const overrideRow = (
  upstream: SchematicCompanyOverride.CompanyOverride,
  feature: FeatureName | undefined
): OverrideRow => ({
  id: upstream.id,
  company_id: upstream.company_id,
  feature_id: upstream.feature_id,
  feature_key: feature?.key ?? null,
  feature_name: feature?.name ?? null,
  value: grantValue(upstream),
  expires_at: upstream.expiration_date ?? null
})

export const override = (
  upstream: SchematicCompanyOverride.CompanyOverride,
  feature: FeatureName | undefined
): Override => ({
  ...overrideRow(upstream, feature),
  value_type: upstream.value_type,
  period: upstream.metric_period ?? null,
  notes: upstream.notes.map((note) => note.note),
  created_at: upstream.created_at,
  updated_at: upstream.updated_at
})
