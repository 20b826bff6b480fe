import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { entitlementTo } from "../internal/entitlements.js"
import { overrideOf } from "../internal/overrides.js"
import { present } from "../internal/present.js"
import * as Resolve from "../internal/resolve.js"
import { companyRoute } from "../internal/routes.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { companyRefFields, exactlyOne, FeatureLimit, FutureDateTime, featureRefFields, field } from "./inputs.js"

export const SetCompanyOverrideInput = Schema.Struct({
  ...companyRefFields,
  ...featureRefFields,
  value: field(
    Schema.Union(Schema.Boolean, FeatureLimit, Schema.Literal("unlimited")),
    'The company\'s value: true or false for an on/off feature, a whole number (a limit), or "unlimited"',
    'true, false, a whole number >= 0, or "unlimited"'
  ),
  expires_at: Schema.optional(
    FutureDateTime.annotations({
      description: "When the override ends (in the future), e.g. the end of the month; none: it stays"
    })
  ),
  note: Schema.optional(
    field(
      Schema.String.pipe(Schema.maxLength(4096)),
      "Why, for whoever reads it later",
      "text of at most 4096 characters"
    )
  )
}).pipe(Schema.filter(exactlyOne("company_id", "keys")), Schema.filter(exactlyOne("feature_id", "feature_key")))

export const SetCompanyOverrideOutput = Schema.Struct({
  override: Views.Override,
  entitlement: Schema.NullOr(Views.Entitlement).annotations({
    description: "The company's entitlement to the feature now that the override is set"
  })
})

/**
 * Whether `value` fits the feature: on or off for an on/off feature, a limit or unlimited for one that counts; the
 * refusal names the type expected.
 */
const valueFits = (feature: Resolve.ResolvedFeature, value: boolean | number | "unlimited") => {
  const name = feature.key ?? feature.name
  if (feature.type === "boolean") {
    return typeof value === "boolean"
      ? undefined
      : `must be true or false: ${name} is an on/off feature (a limit or "unlimited" is for a feature that counts)`
  }
  return typeof value === "boolean"
    ? `must be a whole number >= 0 (a limit) or "unlimited": ${name} is a ${feature.type} feature that counts usage`
    : undefined
}

/** An override's value in Schematic's terms. */
export const grantOf = (value: boolean | number | "unlimited") =>
  typeof value === "boolean"
    ? ({ value_type: "boolean", value_bool: value } as const)
    : value === "unlimited"
      ? ({ value_type: "unlimited" } as const)
      : ({ value_type: "numeric", value_numeric: value } as const)

export const setCompanyOverride = Operation.make({
  name: "set-company-override",
  title: "Set a company override",
  description:
    'Give a company its own value for a feature (on/off, limit, unlimited), optionally until expires_at. Example: {"company_id": "comp_1", "feature_key": "api-calls", "value": 50000}',
  input: SetCompanyOverrideInput,
  output: SetCompanyOverrideOutput,
  hints: Operation.hints.upsertsSchematic,
  scope: "write",
  toolset: "usage",
  errors: CapabilityError.upstreamCodes,
  rest: companyRoute("PUT", "/overrides/{feature_id}"),
  handler: (input) =>
    Effect.gen(function* () {
      const { company, feature } = yield* Resolve.companyAndFeature(input)
      const misfit = valueFits(feature, input.value)
      if (misfit !== undefined) return yield* CapabilityError.invalidFields([{ path: "value", message: misfit }])
      const body = {
        ...grantOf(input.value),
        // Schematic's update replaces the whole override: an absent expiry clears the one it had.
        expiration_date: input.expires_at ?? null,
        ...present({ note: input.note })
      }
      const existing = yield* overrideOf(company.id, feature.id)
      const saved = yield* withSchematic((client) =>
        existing === undefined
          ? client.companyOverrides.create({ company_id: company.id, feature_id: feature.id, ...body })
          : client.companyOverrides.update(existing.id, body)
      )
      return { override: Views.override(saved, feature), entitlement: yield* entitlementTo(company.id, feature.id) }
    })
})
