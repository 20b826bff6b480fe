import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { featureNames } from "../internal/catalogue.js"
import { present } from "../internal/present.js"
import * as Resolve from "../internal/resolve.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { featureRefFields, Id, Limit, Offset } from "./inputs.js"

export const ListCompanyOverridesInput = Schema.Struct({
  company_id: Schema.optional(Id("comp_", "company whose overrides to list")),
  ...featureRefFields,
  limit: Limit,
  offset: Offset,
  detail: Schema.optional(Views.Detail)
})

export const ListCompanyOverridesOutput = Schema.Struct({
  overrides: Schema.Array(Schema.Union(Views.Override, Views.OverrideRow)),
  pagination: Views.Pagination
})

export const listCompanyOverrides = Operation.make({
  name: "list-company-overrides",
  title: "List company overrides",
  description:
    'Overrides (a company\'s own value for a feature) by company and/or feature. Example: {"company_id": "comp_1"}',
  input: ListCompanyOverridesInput,
  output: ListCompanyOverridesOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "usage",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/overrides"], status: 200 },
  handler: (input) =>
    Effect.gen(function* () {
      const named = input.feature_id !== undefined || input.feature_key !== undefined
      const feature = named ? yield* Resolve.feature(input) : undefined
      const rows = yield* withSchematic((client) =>
        client.companyOverrides.list({
          limit: input.limit,
          offset: input.offset,
          without_expired: true,
          ...present({ company_id: input.company_id, feature_id: feature?.id })
        })
      )
      const names = yield* featureNames(rows.map((row) => row.feature_id))
      return {
        overrides: rows.map((row) =>
          (input.detail === "full" ? Views.override : Views.overrideRow)(row, names.get(row.feature_id))
        ),
        pagination: Views.pagination(input.limit, input.offset, rows.length)
      }
    })
})
