import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { present } from "../internal/present.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { RequiredKeyMap, TraitsInput } from "./inputs.js"

export const UpsertUserInput = Schema.Struct({
  keys: RequiredKeyMap,
  name: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255))),
  email: Schema.optional(
    Schema.String.pipe(Schema.maxLength(320), Schema.pattern(/^[^\s@]+@[^\s@]+$/)).annotations({
      description: "Stored as the user's `email` trait"
    })
  ),
  traits: Schema.optional(TraitsInput),
  company: Schema.optional(
    RequiredKeyMap.annotations({ description: "Keys of the company to add the user to; it must exist" })
  )
})

export const upsertUser = Operation.make({
  name: "upsert-user",
  title: "Create or update a user",
  description:
    'Create or update a user by keys, optionally in a company. Example: {"keys": {"email": "ada@acme.com"}, "company": {"stripe_customer_id": "cus_1"}}',
  input: UpsertUserInput,
  output: Views.User,
  hints: Operation.hints.upsertsSchematic,
  scope: "write",
  toolset: "companies",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "POST", paths: ["/v1/users"], status: 200 },
  handler: (input) => {
    const traits = input.email === undefined ? input.traits : { ...input.traits, email: input.email }
    return withSchematic((client) =>
      client.users.upsert({
        keys: input.keys,
        ...present({ name: input.name, traits, company: input.company })
      })
    ).pipe(Effect.map(Views.user))
  }
})
