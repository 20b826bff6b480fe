import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
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
  offset: Offset
})

export const ListCompanyOverridesOutput = Schema.Struct({
  overrides: Schema.Array(Views.Override),
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
      return {
        overrides: rows.map(Views.override),
        pagination: Views.pagination(input.limit, input.offset, rows.length)
      }
    })
})
