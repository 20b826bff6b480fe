import { Chunk, Effect, Schema, Stream } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import * as Resolve from "../internal/resolve.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { exactlyOne, featureRefFields, field, Limit, Offset } from "./inputs.js"

export const FindCompaniesNearLimitInput = Schema.Struct({
  ...featureRefFields,
  min_usage_percent: Schema.optionalWith(
    field(
      Schema.Number.pipe(Schema.between(0, 1000)),
      "Smallest share of the allocation used, in percent (default 80)",
      "a number from 0 to 1000"
    ),
    { default: () => 80 }
  ),
  limit: Limit,
  offset: Offset
}).pipe(Schema.filter(exactlyOne("feature_id", "feature_key")))

export const FindCompaniesNearLimitOutput = Schema.Struct({
  feature_id: Schema.String,
  feature_key: Schema.NullOr(Schema.String),
  feature_name: Schema.String,
  companies: Schema.Array(
    Schema.Struct({
      company: Views.CompanyRow,
      usage: Schema.NullOr(Schema.Number),
      allocation: Schema.NullOr(Schema.Number),
      percent_used: Schema.Number,
      period: Schema.NullOr(Views.Period),
      resets_at: Schema.NullOr(Schema.String)
    })
  ),
  pagination: Views.Pagination
})

export const findCompaniesNearLimit = Operation.make({
  name: "find-companies-near-limit",
  title: "Find companies near a limit",
  description:
    'Companies past min_usage_percent (default 80) of a feature\'s limit this period. Example: {"feature_key": "api-calls"}',
  input: FindCompaniesNearLimitInput,
  output: FindCompaniesNearLimitOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "usage",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/features/{feature_id}/companies"], status: 200 },
  handler: (input) =>
    Effect.gen(function* () {
      const feature = yield* Resolve.feature(input)
      // Schematic lists every company holding the feature; the share is filtered and ordered here.
      const holders = yield* withSchematic((client) =>
        Stream.runCollect(client.entitlements.streamFeatureCompanies({ feature_id: feature.id }))
      )
      const near = Chunk.toReadonlyArray(holders)
        .flatMap((holder) =>
          holder.company !== undefined &&
          typeof holder.percent_used === "number" &&
          holder.percent_used >= input.min_usage_percent
            ? [{ holder, company: holder.company, percent: holder.percent_used }]
            : []
        )
        .sort((a, b) => b.percent - a.percent)
      const page = near.slice(input.offset, input.offset + input.limit)
      return {
        feature_id: feature.id,
        feature_key: feature.key,
        feature_name: feature.name,
        companies: page.map(({ holder, company, percent }) => ({
          company: Views.companyRow(company),
          usage: holder.usage ?? null,
          allocation: holder.allocation ?? null,
          percent_used: percent,
          period: holder.period ?? null,
          resets_at: holder.metric_reset_at ?? null
        })),
        pagination: Views.pagination(input.limit, input.offset, page.length, near.length)
      }
    })
})
