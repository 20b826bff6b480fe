import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { exactlyOne, Id, RequiredKeyMap } from "./inputs.js"

export const GetUserInput = Schema.Struct({
  user_id: Schema.optional(Id("user_", "user")),
  keys: Schema.optional(
    RequiredKeyMap.annotations({
      description: 'Any of the user\'s keys instead of its id, e.g. {"email": "ada@acme.com"} (REST: keys[email]=...)'
    })
  )
}).pipe(Schema.filter(exactlyOne("user_id", "keys")))

export const getUser = Operation.make({
  name: "get-user",
  title: "Get a user",
  description: 'A user with its traits and companies. Example: {"keys": {"email": "ada@acme.com"}}',
  input: GetUserInput,
  output: Views.User,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "companies",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/users/{user_id}", "/v1/users/lookup"], status: 200 },
  handler: (input) =>
    withSchematic((client) =>
      input.user_id !== undefined ? client.users.get(input.user_id) : client.users.lookup(input.keys ?? {})
    ).pipe(Effect.map(Views.user))
})
