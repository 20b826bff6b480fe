import type { Entitlement, SchematicClient } from "@schematic-capability/schematic-client"
import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { PlanDetail, planOf } from "../internal/catalogue.js"
import { creditType } from "../internal/credits.js"
import * as Resolve from "../internal/resolve.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { creditRefFields, FeatureLimit, field, Id } from "./inputs.js"
import { grantOf } from "./SetCompanyOverride.js"

const Grant = Schema.Struct({
  feature_id: Schema.optional(
    field(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512)), "The feature's id (feat_...)", "a feature id")
  ),
  feature_key: Schema.optional(
    field(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512)), "The feature's flag key", "a flag key")
  ),
  value: Schema.optional(
    field(
      Schema.Union(Schema.Boolean, FeatureLimit, Schema.Literal("unlimited")),
      'On/off, a limit, or "unlimited"',
      'true, false, a whole number >= 0, or "unlimited"'
    )
  ),
  credits: Schema.optional(
    Schema.Struct({
      ...creditRefFields,
      consumption_rate: field(
        Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1_000_000)),
        "Credits one unit of usage costs",
        "a number above 0"
      )
    }).annotations({ description: "Instead of value: the feature draws on a credit type, at a rate" })
  ),
  period: Schema.optional(
    Views.Period.annotations({
      description: "A metered limit's period (default current_month)"
    })
  )
})

export const SetPlanEntitlementsInput = Schema.Struct({
  plan_id: Id("plan_", "plan or add-on"),
  entitlements: Schema.Array(Grant)
    .pipe(Schema.minItems(1), Schema.maxItems(50))
    .annotations({ description: "What to grant, per feature; one granted already is updated" })
})
type GrantInput = (typeof SetPlanEntitlementsInput.Type)["entitlements"][number]

export const SetPlanEntitlementsOutput = Schema.Struct({
  plan: PlanDetail,
  changed: Schema.Array(Schema.String).annotations({ description: "The features' keys (or ids) granted or updated" })
})

type Body = Entitlement.UpdatePlanEntitlementBody

interface Planned {
  readonly featureId: string
  readonly name: string
  readonly body: Body
  readonly existing: Entitlement.PlanEntitlement | undefined
}

/** A grant's value in Schematic's terms, from a checked input. */
const bodyOf = (grant: GrantInput, creditId: string | undefined, metered: boolean): Body => {
  if (creditId !== undefined) {
    return { value_type: "credit", value_credit_id: creditId, credit_consumption_rate: grant.credits!.consumption_rate }
  }
  const value = grantOf(grant.value!)
  return value.value_type === "numeric" && metered
    ? {
        ...value,
        metric_period: grant.period ?? "current_month",
        metric_period_month_reset: "first_of_month"
      }
    : value
}

/** Why a grant does not fit its feature, or undefined. */
const misfit = (grant: GrantInput, type: string): { path: string; message: string } | undefined => {
  if ((grant.value === undefined) === (grant.credits === undefined)) {
    return { path: "value", message: "give value or credits, one of the two" }
  }
  if (type === "boolean") {
    if (grant.credits !== undefined || typeof grant.value !== "boolean") {
      return { path: "value", message: "must be true or false: it is an on/off feature" }
    }
  } else if (typeof grant.value === "boolean") {
    return { path: "value", message: `must be a limit or "unlimited": it is a ${type} feature that counts usage` }
  }
  if (grant.credits !== undefined && type !== "event") {
    return { path: "credits", message: `are for a metered (event) feature, not a ${type} one` }
  }
  if (grant.period !== undefined && (type !== "event" || typeof grant.value !== "number")) {
    return { path: "period", message: "is for a limit on a metered (event) feature" }
  }
  return undefined
}

const write = (
  planId: string,
  item: Planned
): Effect.Effect<unknown, CapabilityError.CapabilityError, SchematicClient.SchematicClient> =>
  withSchematic((client) =>
    item.existing === undefined
      ? client.planEntitlements.create({ plan_id: planId, feature_id: item.featureId, ...item.body })
      : client.planEntitlements.update(item.existing.id, item.body)
  )

/** Puts back what a write changed: the grant as it was, or none where there was none. */
const undo = (item: Planned, created: unknown) =>
  withSchematic<unknown>((client) =>
    item.existing === undefined
      ? client.planEntitlements.delete((created as Entitlement.PlanEntitlement).id)
      : client.planEntitlements.update(item.existing.id, {
          value_type: item.existing.value_type,
          value_bool: item.existing.value_bool ?? null,
          value_numeric: item.existing.value_numeric ?? null,
          value_trait_id: item.existing.value_trait_id ?? null,
          value_credit_id: item.existing.value_credit?.id ?? null,
          credit_consumption_rate: item.existing.consumption_rate ?? null,
          metric_period: item.existing.metric_period ?? null,
          metric_period_month_reset: item.existing.metric_period_month_reset ?? null
        })
  )

export const setPlanEntitlements = Operation.make({
  name: "set-plan-entitlements",
  title: "Set what a plan grants",
  description:
    'Grant or change a plan\'s features: on/off, limit, unlimited or credits; checked first, undone on failure. Example: {"plan_id": "plan_1", "entitlements": [{"feature_key": "sso", "value": true}]}',
  input: SetPlanEntitlementsInput,
  output: SetPlanEntitlementsOutput,
  hints: Operation.hints.upsertsSchematic,
  scope: "admin",
  toolset: "catalogue",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "PUT", paths: ["/v1/plans/{plan_id}/entitlements"], status: 200 },
  handler: (input) =>
    Effect.gen(function* () {
      // Everything is read and checked before the first write.
      const [, existing] = yield* Effect.all(
        [
          withSchematic((client) => client.plans.get(input.plan_id)),
          withSchematic((client) => client.planEntitlements.list({ plan_id: input.plan_id, limit: 250 }))
        ],
        { concurrency: 2 }
      )
      const named = input.entitlements.map((grant, index) => {
        const given = [grant.feature_id, grant.feature_key].filter((name) => name !== undefined).length
        return given === 1
          ? undefined
          : {
              path: `entitlements.${index}.${given === 0 ? "feature_key" : "feature_id"}`,
              message: "give feature_id or feature_key, one of the two"
            }
      })
      const unnamed = named.filter((issue) => issue !== undefined)
      if (unnamed.length > 0) return yield* CapabilityError.invalidFields(unnamed)
      const features = yield* Effect.forEach(
        input.entitlements,
        (grant, index) =>
          Resolve.feature(grant).pipe(
            Effect.mapError((error) =>
              error.code === "not_found"
                ? CapabilityError.invalidFields([
                    {
                      path: `entitlements.${index}.${grant.feature_key === undefined ? "feature_id" : "feature_key"}`,
                      message: "names no feature"
                    }
                  ])
                : error
            )
          ),
        { concurrency: 4 }
      )
      const credits = yield* Effect.forEach(
        input.entitlements,
        (grant, index) =>
          grant.credits === undefined
            ? Effect.succeed(undefined)
            : creditType(grant.credits).pipe(
                Effect.mapError((error) =>
                  error.code === "not_found"
                    ? CapabilityError.invalidFields([
                        { path: `entitlements.${index}.credits`, message: "names no credit type" }
                      ])
                    : error
                )
              ),
        { concurrency: 4 }
      )
      const issues = input.entitlements.flatMap((grant, index) => {
        const issue = misfit(grant, features[index]!.type)
        const repeated = features.findIndex((feature) => feature.id === features[index]!.id) !== index
        return [
          ...(issue === undefined ? [] : [{ path: `entitlements.${index}.${issue.path}`, message: issue.message }]),
          ...(repeated ? [{ path: `entitlements.${index}`, message: "names a feature already named before it" }] : [])
        ]
      })
      if (issues.length > 0) return yield* CapabilityError.invalidFields(issues)
      const planned: ReadonlyArray<Planned> = input.entitlements.map((grant, index) => {
        const feature = features[index]!
        return {
          featureId: feature.id,
          name: feature.key ?? feature.id,
          body: bodyOf(grant, credits[index]?.id, feature.type === "event"),
          existing: existing.find((item) => item.feature_id === feature.id)
        }
      })
      // Written one by one; a failure undoes those before it, or says which stand.
      const done: Array<{ readonly item: Planned; readonly written: unknown }> = []
      for (const item of planned) {
        const written = yield* Effect.either(write(input.plan_id, item))
        if (written._tag === "Right") {
          done.push({ item, written: written.right })
          continue
        }
        const undone = yield* Effect.either(
          Effect.forEach([...done].reverse(), (entry) => undo(entry.item, entry.written), { discard: true })
        )
        return yield* CapabilityError.after(
          undone._tag === "Right"
            ? `Granting ${item.name} failed, and the ${done.length} granted before it were undone: nothing changed`
            : `Granting ${item.name} failed, and undoing those before it failed too: ${done.map((entry) => entry.item.name).join(", ") || "none"} may stand changed`
        )(written.left)
      }
      return { plan: yield* planOf(input.plan_id), changed: planned.map((item) => item.name) }
    })
})
