import { Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { present } from "../internal/present.js"
import { SyncOutput, syncInput, syncing, syncRoute } from "../internal/sync.js"
import * as Operation from "../Operation.js"
import { RequiredKeyMap, TraitsInput } from "./inputs.js"

/** One company as a sync takes it: what upsert-company takes, without a plan. */
export const CompanyRecord = Schema.Struct({
  keys: RequiredKeyMap,
  name: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(256))),
  traits: Schema.optional(TraitsInput)
})

export const SyncCompaniesInput = syncInput(CompanyRecord, 'A company: {"keys": {...}, "name": "...", "traits": {...}}')

export const syncCompanies = Operation.make({
  name: "sync-companies",
  title: "Sync companies in bulk",
  description:
    'Create or update up to 10000 companies at once; bad records are refused by index, repeats apply once a day. Example: {"source": "crm", "records": [{"keys": {"crm_id": "1"}, "name": "Acme"}]}',
  input: SyncCompaniesInput,
  output: SyncOutput,
  hints: Operation.hints.upsertsSchematic,
  scope: "write",
  toolset: "companies",
  rest: syncRoute("/v1/companies/sync"),
  handler: syncing("companies", CompanyRecord, (record) => ({
    // Empty user keys: the identify names the company alone.
    keys: {},
    company: { keys: record.keys, ...present({ name: record.name, traits: record.traits }) }
  })),
  errors: [...CapabilityError.sinkCodes, "not_found"]
})
