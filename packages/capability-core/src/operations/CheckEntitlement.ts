import type { Entitlement as SchematicEntitlement } from "@schematic-capability/schematic-client"
import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import * as Resolve from "../internal/resolve.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { companyRefFields, exactlyOne, featureRefFields, RequiredKeyMap } from "./inputs.js"

export const CheckEntitlementInput = Schema.Struct({
  ...companyRefFields,
  user_keys: Schema.optional(
    RequiredKeyMap.annotations({ description: "The user asking, by any of its keys, when the check is for a user" })
  ),
  ...featureRefFields
}).pipe(Schema.filter(exactlyOne("company_id", "keys")), Schema.filter(exactlyOne("feature_id", "feature_key")))

export const CheckEntitlementOutput = Schema.Struct({
  allowed: Schema.Boolean.annotations({ description: "Whether the company may use the feature now" }),
  feature_key: Schema.String,
  value_type: Schema.NullOr(Schema.String),
  value: Schema.NullOr(Views.Value),
  usage: Schema.NullOr(Schema.Number),
  allocation: Schema.NullOr(Schema.Number),
  period: Schema.NullOr(Views.Period),
  resets_at: Schema.NullOr(Schema.String),
  credits: Schema.NullOr(
    Schema.Struct({
      credit_id: Schema.String,
      remaining: Schema.NullOr(Schema.Number).annotations({ description: "Credits left to draw" }),
      consumption_rate: Schema.NullOr(Schema.Number).annotations({ description: "Credits one unit of usage costs" })
    })
  ).annotations({ description: "For a credit-based feature: the credits it draws on; refused once they run out" }),
  reason: Schema.String.annotations({ description: "Why, in Schematic's words" })
})
export type CheckEntitlementOutput = typeof CheckEntitlementOutput.Type

/** A flag check's answer as the capability gives it. */
export const checkOf = (check: SchematicEntitlement.FlagCheck): CheckEntitlementOutput => {
  const entitlement = check.entitlement
  return {
    allowed: check.value,
    feature_key: check.flag,
    value_type: entitlement?.value_type ?? null,
    value:
      entitlement === undefined
        ? null
        : entitlement.value_type === "boolean"
          ? check.value
          : entitlement.value_type === "unlimited"
            ? "unlimited"
            : (entitlement.allocation ?? null),
    usage: entitlement?.usage ?? null,
    allocation: entitlement?.allocation ?? null,
    period: entitlement?.metric_period ?? null,
    resets_at: entitlement?.metric_reset_at ?? null,
    credits:
      entitlement?.credit_id === null || entitlement?.credit_id === undefined
        ? null
        : {
            credit_id: entitlement.credit_id,
            remaining: entitlement.credit_remaining ?? null,
            consumption_rate: entitlement.consumption_rate ?? null
          },
    reason: check.reason
  }
}

export const checkEntitlement = Operation.make({
  name: "check-entitlement",
  title: "Check an entitlement",
  description:
    'May a company use a feature now, and why: value, usage, allocation, credits left. Example: {"company_id": "comp_1", "feature_key": "api-calls"}',
  input: CheckEntitlementInput,
  output: CheckEntitlementOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "usage",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "POST", paths: ["/v1/entitlements/check"], status: 200 },
  handler: (input) =>
    Effect.gen(function* () {
      const feature = yield* Resolve.feature(input)
      if (feature.key === null) {
        return yield* new CapabilityError.CapabilityError({
          code: "not_found",
          message: `Feature ${feature.id} has no flag to check`
        })
      }
      // A check names the company by keys: with only an id, its keys are looked up first.
      const keys =
        input.keys ??
        Object.fromEntries((yield* Resolve.company(input)).keys.map((key) => [key.key, key.value] as const))
      const check = yield* withSchematic((client) =>
        client.flags.check(feature.key!, { company: keys, ...(input.user_keys ? { user: input.user_keys } : {}) })
      )
      if (check.company_id === null || check.company_id === undefined) {
        return yield* new CapabilityError.CapabilityError({
          code: "not_found",
          message: "No company matches these keys"
        })
      }
      return checkOf(check)
    })
})
