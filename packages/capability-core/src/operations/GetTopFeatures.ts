import type { Insights } from "@schematic-capability/schematic-client"
import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { featureNames } from "../internal/catalogue.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import { DateTime, OptionalWholeNumber } from "./inputs.js"

const DAY = 86_400_000

export const TopFeaturesInput = Schema.Struct({
  start_time: Schema.optional(
    DateTime.annotations({ description: "Window start, inclusive (default: end_time minus 30 days)" })
  ),
  end_time: Schema.optional(DateTime.annotations({ description: "Window end, exclusive (default: now)" })),
  limit: OptionalWholeNumber("How many features", 1, 20, 10)
})

export const TopFeaturesOutput = Schema.Struct({
  start_time: Schema.String,
  end_time: Schema.String,
  features: Schema.Array(
    Schema.Struct({
      feature_id: Schema.String,
      feature_key: Schema.NullOr(Schema.String),
      feature_name: Schema.String,
      usage: Schema.Number.annotations({ description: "Units used in the window" }),
      prior_usage: Schema.Number.annotations({ description: "Units used in the window of equal length before it" }),
      change_pct: Schema.NullOr(Schema.Number).annotations({ description: "Percent change; null without prior usage" })
    })
  )
})

export const getTopFeatures = Operation.make({
  name: "get-top-features",
  title: "Get top features by usage",
  description: 'Most-used metered features in a window, against the one before. Example: {"limit": 5}',
  input: TopFeaturesInput,
  output: TopFeaturesOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "insights",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/insights/top-features"], status: 200 },
  handler: (input) =>
    Effect.gen(function* () {
      const end = input.end_time === undefined ? Date.now() : Date.parse(input.end_time)
      const start = input.start_time === undefined ? end - 30 * DAY : Date.parse(input.start_time)
      if (start >= end) {
        return yield* Effect.fail(invalidWindow("start_time must be before end_time"))
      }
      const params: Insights.TopFeaturesParams = {
        start_time: new Date(start).toISOString(),
        end_time: new Date(end).toISOString(),
        limit: input.limit
      }
      const top = yield* withSchematic((client) => client.insights.topFeatures(params))
      const names = yield* featureNames(top.features.map((feature) => feature.feature_id))
      return {
        start_time: params.start_time,
        end_time: params.end_time,
        features: top.features.map((feature) => ({
          feature_id: feature.feature_id,
          feature_key: names.get(feature.feature_id)?.key ?? null,
          feature_name: feature.feature_name,
          usage: feature.usage,
          prior_usage: feature.prior_usage,
          change_pct: feature.change_pct ?? null
        }))
      }
    })
})

const invalidWindow = (message: string) =>
  new CapabilityError.CapabilityError({ code: "invalid_input", message, fields: [{ path: "start_time", message }] })
