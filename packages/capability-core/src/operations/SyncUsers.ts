import { Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { present } from "../internal/present.js"
import { MAX_RECORDS, Records, RefusedBeforeSending, Source, SyncId, SyncOutput, syncing } from "../internal/sync.js"
import * as Operation from "../Operation.js"
import { RequiredKeyMap, TraitsInput } from "./inputs.js"

/** One user as a sync takes it, with the keys of the company it belongs to. */
export const UserRecord = Schema.Struct({
  keys: RequiredKeyMap,
  name: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255))),
  traits: Schema.optional(TraitsInput),
  company: Schema.optional(RequiredKeyMap.annotations({ description: "Keys of the company the user belongs to" }))
})

export const SyncUsersInput = Schema.Struct({
  source: Schema.optional(Source),
  sync_id: Schema.optional(SyncId),
  refused_before_sending: Schema.optional(RefusedBeforeSending),
  records: Records(UserRecord, 'A user: {"keys": {...}, "name": "...", "traits": {...}, "company": {...}}')
})

export const syncUsers = Operation.make({
  name: "sync-users",
  title: "Sync users in bulk",
  description: [
    `Create or update up to ${MAX_RECORDS} users in one call, each optionally in the company its company keys name.`,
    "Each record is checked on its own: valid ones are stored durably before the answer and delivered to Schematic",
    "in the background (as identify events); invalid ones are refused with their index and the field at fault.",
    "Sending the same records from the same source again the same day (UTC) applies nothing twice. Pass the",
    "answer's sync_id to add more records to the same sync, and to get-sync-status to see them delivered; records",
    "you refused yourself (lines of a file that are not records) go as refused_before_sending, so the sync's refused",
    "counts them.",
    'Example: {"source": "auth0", "records": [{"keys": {"email": "ada@acme.com"}, "name": "Ada", "company": {"hubspot_id": "123"}}]}'
  ].join(" "),
  input: SyncUsersInput,
  output: SyncOutput,
  hints: Operation.hints.upsertsSchematic,
  scope: "write",
  toolset: "companies",
  rest: {
    method: "POST",
    paths: ["/v1/users/sync"],
    status: 202,
    maxBodyBytes: 32 * 1024 * 1024,
    records: "records"
  },
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
