import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { present } from "../internal/present.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { field, Id, Ids, Limit, Offset, Search } from "./inputs.js"

export const ListCompaniesInput = Schema.Struct({
  limit: Limit,
  offset: Offset,
  q: Search,
  plan_id: Schema.optional(Id("plan_", "plan the companies are on")),
  plan_ids: Ids("plan_", "plan"),
  ids: Ids("comp_", "company", "companies"),
  without_plan: Schema.optional(
    field(Schema.Boolean, "true: only companies without a base plan; false: only those with one", "true or false")
  ),
  detail: Schema.optional(Views.Detail)
})

export const ListCompaniesOutput = Schema.Struct({
  companies: Schema.Array(Schema.Union(Views.Company, Views.CompanyRow)).annotations({
    description: "Each company: id, name, keys and plan (with detail full: its traits, add-ons, dates too)"
  }),
  total: Schema.Number.annotations({ description: "How many companies match, on every page together" }),
  pagination: Views.Pagination
})

export const listCompanies = Operation.make({
  name: "list-companies",
  title: "List companies",
  description: 'Find companies by name or key (q), or on a plan (plan_id), with the total. Example: {"q": "acme"}',
  input: ListCompaniesInput,
  output: ListCompaniesOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "companies",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/companies"], status: 200 },
  handler: (input) => {
    const filters = present({
      q: input.q,
      plan_id: input.plan_id,
      plan_ids: input.plan_ids,
      ids: input.ids,
      without_plan: input.without_plan
    })
    return Effect.all(
      [
        withSchematic((client) => client.companies.list({ limit: input.limit, offset: input.offset, ...filters })),
        // Schematic's count takes the same filters: the total without fetching every page.
        withSchematic((client) => client.companies.count(filters))
      ],
      { concurrency: 2 }
    ).pipe(
      Effect.map(([rows, total]) => ({
        companies: rows.map(input.detail === "full" ? Views.company : Views.companyRow),
        total,
        pagination: Views.pagination(input.limit, input.offset, rows.length, total)
      }))
    )
  }
})
