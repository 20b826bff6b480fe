import { Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { deleting } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import { Deleted } from "./DeleteCompany.js"
import { Id } from "./inputs.js"

export const DeleteUserInput = Schema.Struct({ user_id: Id("user_", "user to delete") })

export const deleteUser = Operation.make({
  name: "delete-user",
  title: "Delete a user",
  description: 'Delete a user for good, with its keys and memberships. Example: {"user_id": "user_123"}',
  input: DeleteUserInput,
  output: Deleted,
  hints: Operation.hints.deletesSchematic,
  scope: "admin",
  toolset: "companies",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "DELETE", paths: ["/v1/users/{user_id}"], status: 200 },
  handler: (input) => deleting(input.user_id, (client, id) => client.users.delete(id))
})
