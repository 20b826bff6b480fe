import { Chunk, Effect, Schema, Stream } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { featureNames, PlanDetail, PlanGrant, planGrant, planSummary } from "../internal/catalogue.js"
import { present } from "../internal/present.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { Limit, Offset, Search } from "./inputs.js"

export const PlanView = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
  type: PlanDetail.fields.type,
  prices: PlanDetail.fields.prices,
  trial_days: PlanDetail.fields.trial_days,
  company_count: Schema.Number,
  entitlements: Schema.optional(Schema.Array(PlanGrant)).annotations({
    description: "What it grants, feature by feature (with detail full)"
  })
})

export const ListPlansInput = Schema.Struct({
  limit: Limit,
  offset: Offset,
  q: Search,
  type: Schema.optional(
    Schema.Literal("plan", "add_on").annotations({ description: "Only base plans, or only add-ons" })
  ),
  detail: Schema.optional(Views.Detail)
})

export const ListPlansOutput = Schema.Struct({ plans: Schema.Array(PlanView), pagination: Views.Pagination })

export const listPlans = Operation.make({
  name: "list-plans",
  title: "List plans and add-ons",
  description: 'List plans and add-ons with what they grant, to compare or upgrade. Example: {"type": "plan"}',
  input: ListPlansInput,
  output: ListPlansOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "catalogue",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/plans"], status: 200 },
  handler: (input) =>
    Effect.gen(function* () {
      const plans = yield* withSchematic((client) =>
        client.plans.list({
          limit: input.limit,
          offset: input.offset,
          ...present({ q: input.q, plan_type: input.type })
        })
      )
      const full = input.detail === "full" && plans.length > 0
      const grants = full
        ? Chunk.toReadonlyArray(
            yield* withSchematic((client) =>
              Stream.runCollect(client.entitlements.streamPlanEntitlements({ plan_ids: plans.map((plan) => plan.id) }))
            )
          )
        : []
      const names = yield* featureNames(grants.map((grant) => grant.feature_id))
      return {
        plans: plans.map((plan) => ({
          ...planSummary(plan),
          ...(full
            ? {
                entitlements: grants
                  .filter((grant) => grant.plan_id === plan.id)
                  .map((grant) => planGrant(grant, names.get(grant.feature_id)))
              }
            : {})
        })),
        pagination: Views.pagination(input.limit, input.offset, plans.length)
      }
    })
})
