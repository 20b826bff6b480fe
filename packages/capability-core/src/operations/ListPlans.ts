import { Chunk, Effect, Schema, Stream } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { present } from "../internal/present.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { Limit, Offset, Search } from "./inputs.js"

export const PlanView = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
  type: Schema.Literal("plan", "add_on").annotations({ description: "plan: a base plan; add_on: bought on top" }),
  company_count: Schema.Number,
  entitlements: Schema.Array(
    Schema.Struct({
      feature_id: Schema.String,
      value_type: Schema.String,
      value: Schema.NullOr(Views.Value),
      period: Schema.NullOr(Views.Period)
    })
  )
})

export const ListPlansInput = Schema.Struct({
  limit: Limit,
  offset: Offset,
  q: Search,
  type: Schema.optional(
    Schema.Literal("plan", "add_on").annotations({ description: "Only base plans, or only add-ons" })
  )
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
      const grants =
        plans.length === 0
          ? []
          : Chunk.toReadonlyArray(
              yield* withSchematic((client) =>
                Stream.runCollect(
                  client.entitlements.streamPlanEntitlements({ plan_ids: plans.map((plan) => plan.id) })
                )
              )
            )
      return {
        plans: plans.map((plan) => ({
          id: plan.id,
          name: plan.name,
          description: plan.description,
          type: plan.plan_type,
          company_count: plan.company_count,
          entitlements: grants
            .filter((grant) => grant.plan_id === plan.id)
            .map((grant) => ({
              feature_id: grant.feature_id,
              value_type: grant.value_type,
              value: Views.grantValue(grant),
              period: grant.metric_period ?? null
            }))
        })),
        pagination: Views.pagination(input.limit, input.offset, plans.length)
      }
    })
})
