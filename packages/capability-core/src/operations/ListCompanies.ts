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
  ids: Ids("comp_", "company"),
  without_plan: Schema.optional(
    field(Schema.Boolean, "true: only companies without a base plan; false: only those with one", "true or false")
  )
})

export const ListCompaniesOutput = Schema.Struct({
  companies: Schema.Array(Views.Company),
  total: Schema.Number.annotations({ description: "How many companies match, on every page together" }),
  pagination: Views.Pagination
})

export const listCompanies = Operation.make({
  name: "list-companies",
  title: "List companies",
  description: [
    "List customer companies in Schematic, newest first, one page at a time.",
    "Use it to find a company by name or by one of your identifiers (q), or to see who is on a plan (plan_id).",
    "Each company comes with its keys (your identifiers such as stripe_customer_id), traits, base plan and add-ons.",
    "total says how many match in all (e.g. how many are on a plan), so counting needs no paging.",
    "Page with limit and offset; pagination.next_offset is null on the last page.",
    'Example: {"q": "acme", "limit": 10}'
  ].join(" "),
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
        companies: rows.map(Views.company),
        total,
        pagination: Views.pagination(input.limit, input.offset, rows.length)
      }))
    )
  }
})
