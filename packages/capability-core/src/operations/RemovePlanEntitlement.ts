import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { PlanDetail, planOf } from "../internal/catalogue.js"
import * as Resolve from "../internal/resolve.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import { exactlyOne, featureRefFields, Id } from "./inputs.js"

export const RemovePlanEntitlementInput = Schema.Struct({
  plan_id: Id("plan_", "plan or add-on"),
  ...featureRefFields
}).pipe(Schema.filter(exactlyOne("feature_id", "feature_key")))

export const RemovePlanEntitlementOutput = Schema.Struct({
  removed: Schema.Boolean.annotations({ description: "false when the plan did not grant the feature" }),
  plan: PlanDetail
})

export const removePlanEntitlement = Operation.make({
  name: "remove-plan-entitlement",
  title: "Stop a plan granting a feature",
  description: 'Stop a plan granting a feature. Example: {"plan_id": "plan_123", "feature_key": "sso"}',
  input: RemovePlanEntitlementInput,
  output: RemovePlanEntitlementOutput,
  hints: Operation.hints.deletesSchematic,
  scope: "admin",
  toolset: "catalogue",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "DELETE", paths: ["/v1/plans/{plan_id}/entitlements/{feature_id}"], status: 200 },
  handler: (input) =>
    Effect.gen(function* () {
      const feature = yield* Resolve.feature(input)
      const grants = yield* withSchematic((client) =>
        client.planEntitlements.list({ plan_id: input.plan_id, feature_id: feature.id, limit: 10 })
      )
      for (const grant of grants) yield* withSchematic((client) => client.planEntitlements.delete(grant.id))
      return { removed: grants.length > 0, plan: yield* planOf(input.plan_id) }
    })
})
