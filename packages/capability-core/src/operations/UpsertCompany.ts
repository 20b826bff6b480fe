import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { present } from "../internal/present.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { Id, RequiredKeyMap, TraitsInput } from "./inputs.js"

export const UpsertCompanyInput = Schema.Struct({
  keys: RequiredKeyMap,
  name: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(256))),
  traits: Schema.optional(TraitsInput),
  base_plan_id: Schema.optional(
    Id("plan_", "plan").annotations({ description: "Plan to put a new company on (ignored for existing ones)" })
  )
})

export const upsertCompany = Operation.make({
  name: "upsert-company",
  title: "Create or update a company",
  description:
    'Create a company, or update the one holding any of the keys; traits merge. Example: {"keys": {"stripe_customer_id": "cus_1"}, "name": "Acme"}',
  input: UpsertCompanyInput,
  output: Views.Company,
  hints: Operation.hints.upsertsSchematic,
  scope: "write",
  toolset: "companies",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "POST", paths: ["/v1/companies"], status: 200 },
  handler: (input) =>
    withSchematic((client) =>
      client.companies.upsert({
        keys: input.keys,
        ...present({ name: input.name, traits: input.traits, base_plan_id: input.base_plan_id })
      })
    ).pipe(Effect.map(Views.company))
})
