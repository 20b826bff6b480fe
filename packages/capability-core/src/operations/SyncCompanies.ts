import { Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { present } from "../internal/present.js"
import { MAX_RECORDS, Records, RefusedBeforeSending, Source, SyncId, SyncOutput, syncing } from "../internal/sync.js"
import * as Operation from "../Operation.js"
import { RequiredKeyMap, TraitsInput } from "./inputs.js"

/** One company as a sync takes it: what upsert-company takes, without a plan. */
export const CompanyRecord = Schema.Struct({
  keys: RequiredKeyMap,
  name: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(256))),
  traits: Schema.optional(TraitsInput)
})

export const SyncCompaniesInput = Schema.Struct({
  source: Schema.optional(Source),
  sync_id: Schema.optional(SyncId),
  refused_before_sending: Schema.optional(RefusedBeforeSending),
  records: Records(CompanyRecord, 'A company: {"keys": {...}, "name": "...", "traits": {...}}')
})

export const syncCompanies = Operation.make({
  name: "sync-companies",
  title: "Sync companies in bulk",
  description: [
    `Create or update up to ${MAX_RECORDS} companies in one call, e.g. from a CRM or billing export. Each record is`,
    "checked on its own: valid ones are stored durably before the answer and delivered to Schematic in the",
    "background (as identify events, 1000 to a request, not held to the 20 writes a second of upsert-company);",
    "invalid ones are refused with their index and the field at fault. Sending the same records from the same",
    "source again the same day (UTC) applies nothing twice. Pass the answer's sync_id to add more records to the same sync, and to",
    "get-sync-status to see them delivered; records you refused yourself (lines of a file that are not records) go",
    "as refused_before_sending, so the sync's refused counts them. For one company at a time, upsert-company answers",
    "with the company.",
    'Example: {"source": "hubspot", "records": [{"keys": {"hubspot_id": "123"}, "name": "Acme", "traits": {"seats": 25}}]}'
  ].join(" "),
  input: SyncCompaniesInput,
  output: SyncOutput,
  hints: Operation.hints.upsertsSchematic,
  scope: "write",
  toolset: "companies",
  rest: {
    method: "POST",
    paths: ["/v1/companies/sync"],
    status: 202,
    maxBodyBytes: 32 * 1024 * 1024,
    records: "records"
  },
  handler: syncing("companies", CompanyRecord, (record) => ({
    // Empty user keys: the identify names the company alone.
    keys: {},
    company: { keys: record.keys, ...present({ name: record.name, traits: record.traits }) }
  })),
  errors: [...CapabilityError.sinkCodes, "not_found"]
})
