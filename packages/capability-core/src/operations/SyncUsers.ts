import { Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { present } from "../internal/present.js"
import { SyncOutput, syncInput, syncing, syncRoute } from "../internal/sync.js"
import * as Operation from "../Operation.js"
import { RequiredKeyMap, TraitsInput } from "./inputs.js"

/** One user as a sync takes it, with the keys of the company it belongs to. */
export const UserRecord = Schema.Struct({
  keys: RequiredKeyMap,
  name: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255))),
  traits: Schema.optional(TraitsInput),
  company: Schema.optional(RequiredKeyMap.annotations({ description: "Keys of the company the user belongs to" }))
})

export const SyncUsersInput = syncInput(
  UserRecord,
  'A user: {"keys": {...}, "name": "...", "traits": {...}, "company": {...}}'
)

export const syncUsers = Operation.make({
  name: "sync-users",
  title: "Sync users in bulk",
  description:
    'As sync-companies, for users, each in the company its company keys name. Example: {"records": [{"keys": {"email": "a@b.co"}, "company": {"crm_id": "1"}}]}',
  input: SyncUsersInput,
  output: SyncOutput,
  hints: Operation.hints.upsertsSchematic,
  scope: "write",
  toolset: "companies",
  rest: syncRoute("/v1/users/sync"),
  handler: syncing("users", UserRecord, (record) => ({
    keys: record.keys,
    ...present({
      name: record.name,
      traits: record.traits,
      company: record.company === undefined ? undefined : { keys: record.company }
    })
  })),
  errors: [...CapabilityError.sinkCodes, "not_found"]
})
