import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { companyAndCreditType } from "../internal/credits.js"
import { present } from "../internal/present.js"
import { companyRoute } from "../internal/routes.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import {
  atMostOne,
  companyRefFields,
  creditRefFields,
  DateTime,
  exactlyOne,
  Offset,
  OptionalWholeNumber
} from "./inputs.js"

export const GetCreditLedgerInput = Schema.Struct({
  ...companyRefFields,
  ...creditRefFields,
  type: Schema.optional(
    Schema.Literal("grant", "usage", "zero_out", "transfer").annotations({
      description: "Only this kind: grant, usage, zero_out (expiry) or transfer"
    })
  ),
  start_time: Schema.optional(DateTime.annotations({ description: "Entries from this time on" })),
  end_time: Schema.optional(DateTime.annotations({ description: "Entries before this time" })),
  limit: OptionalWholeNumber("Entries per page", 1, 250, 50),
  offset: Offset
}).pipe(
  Schema.filter(exactlyOne("company_id", "keys")),
  Schema.filter(atMostOne("credit_id", "credit")),
  Schema.filter((input) =>
    input.start_time !== undefined &&
    input.end_time !== undefined &&
    Date.parse(input.end_time) <= Date.parse(input.start_time)
      ? { path: ["end_time"], message: "must be after start_time" }
      : true
  )
)

export const LedgerEntry = Schema.Struct({
  id: Schema.String,
  at: Schema.String,
  type: Schema.String.annotations({ description: "grant, usage, zero_out or transfer" }),
  amount: Schema.Number.annotations({ description: "Signed: a grant adds, usage and expiry take away" }),
  credit_id: Schema.String,
  credit_name: Schema.String,
  grant_id: Schema.NullOr(Schema.String),
  reason: Schema.NullOr(Schema.String).annotations({
    description: "The grant's reason, the usage's (track, ...) or why a grant was emptied"
  }),
  feature: Schema.NullOr(Schema.Struct({ id: Schema.String, name: Schema.String })).annotations({
    description: "For usage: the feature whose use drew the credits"
  }),
  event_id: Schema.NullOr(Schema.String).annotations({ description: "For usage: the usage event's id (evt_...)" })
})

export const GetCreditLedgerOutput = Schema.Struct({ entries: Schema.Array(LedgerEntry), pagination: Views.Pagination })

export const getCreditLedger = Operation.make({
  name: "get-credit-ledger",
  title: "Get a company's credit ledger",
  description:
    'A company\'s credit ledger: grants, usage, expiries. Example: {"company_id": "comp_1", "type": "usage"}',
  input: GetCreditLedgerInput,
  output: GetCreditLedgerOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "billing",
  errors: CapabilityError.upstreamCodes,
  rest: companyRoute("GET", "/credits/ledger"),
  handler: (input) =>
    Effect.gen(function* () {
      const [company, credit] = yield* companyAndCreditType(input)
      const entries = yield* withSchematic((client) =>
        client.credits.ledger({
          company_id: company.id,
          limit: input.limit,
          offset: input.offset,
          ...present({
            billing_credit_id: credit?.id,
            event_type: input.type,
            start_time: input.start_time,
            end_time: input.end_time
          })
        })
      )
      return {
        entries: entries.map((entry) => ({
          id: entry.event_id,
          at: entry.event_at,
          type: entry.event_type,
          amount: entry.amount,
          credit_id: entry.billing_credit_id,
          credit_name: entry.credit_name,
          grant_id: entry.grant_id ?? null,
          reason: entry.grant_reason ?? entry.usage_reason ?? entry.zeroed_out_reason ?? null,
          feature: entry.feature ?? (entry.feature_id ? { id: entry.feature_id, name: entry.feature_id } : null),
          event_id: entry.usage_event_id ?? null
        })),
        pagination: Views.pagination(input.limit, input.offset, entries.length)
      }
    })
})
