import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { present } from "../internal/present.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { Id, Ids, Limit, Offset, Search } from "./inputs.js"

export const ListUsersInput = Schema.Struct({
  company_id: Schema.optional(Id("comp_", "company whose users to list")),
  ids: Ids("user_", "user"),
  plan_id: Schema.optional(Id("plan_", "plan the users' companies are on")),
  limit: Limit,
  offset: Offset,
  q: Search,
  detail: Schema.optional(Views.Detail)
})

export const ListUsersOutput = Schema.Struct({
  users: Schema.Array(Schema.Union(Views.User, Views.UserRow)).annotations({
    description: "Each user: id, name, keys and companies (with detail full: its traits and dates too)"
  }),
  pagination: Views.Pagination
})

export const listUsers = Operation.make({
  name: "list-users",
  title: "List users",
  description: 'List users of a company, or by name or key (q). Example: {"company_id": "comp_123"}',
  input: ListUsersInput,
  output: ListUsersOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "companies",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/users"], status: 200 },
  handler: (input) =>
    withSchematic((client) =>
      client.users.list({
        limit: input.limit,
        offset: input.offset,
        ...present({ q: input.q, company_id: input.company_id, ids: input.ids, plan_id: input.plan_id })
      })
    ).pipe(
      Effect.map((rows) => ({
        users: rows.map(input.detail === "full" ? Views.user : Views.userRow),
        pagination: Views.pagination(input.limit, input.offset, rows.length)
      }))
    )
})
