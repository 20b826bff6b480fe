import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { creditType, Grant, grant } from "../internal/credits.js"
import { once } from "../internal/once.js"
import { present } from "../internal/present.js"
import * as Resolve from "../internal/resolve.js"
import { companyRoute } from "../internal/routes.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import { companyRefFields, creditRefFields, exactlyOne, FutureDateTime, field, Text } from "./inputs.js"

export const GrantCompanyCreditsInput = Schema.Struct({
  ...companyRefFields,
  ...creditRefFields,
  quantity: field(
    Schema.Int.pipe(Schema.between(1, 1_000_000_000)),
    "How many credits to grant",
    "a whole number from 1 to 1000000000"
  ),
  reason: Schema.optional(
    Schema.Literal("free", "adjustment", "purchased", "plan").annotations({
      description: "free (default): goodwill; adjustment: a correction, drawn first; purchased; plan"
    })
  ),
  expires_at: Schema.optional(
    FutureDateTime.annotations({ description: "When the granted credits expire (in the future); none: they stay" })
  ),
  idempotency_key: Schema.optional(
    field(
      Text(1, 255),
      "Your id for this grant: a retry with the same key grants once (for 24 hours). Use one whenever you may retry.",
      "text of 1 to 255 characters"
    )
  )
}).pipe(Schema.filter(exactlyOne("company_id", "keys")), Schema.filter(exactlyOne("credit_id", "credit")))

export const GrantCompanyCreditsOutput = Schema.Struct({
  grant: Grant,
  balance: Schema.Struct({
    credit_id: Schema.String,
    name: Schema.String,
    remaining: Schema.Number.annotations({ description: "Credits the company can draw now" })
  }),
  repeated: Schema.Boolean.annotations({
    description: "true: this idempotency_key had granted already, and this is that grant (nothing granted again)"
  })
})

/** How far before the first call's start a grant it made may be dated (clocks differ). */
const SKEW_MILLIS = 60_000

export const grantCompanyCredits = Operation.make({
  name: "grant-company-credits",
  title: "Grant credits to a company",
  description:
    'Grant a company credits, optionally expiring; an idempotency_key grants once. Example: {"company_id": "comp_1", "credit": "AI credits", "quantity": 500}',
  input: GrantCompanyCreditsInput,
  output: GrantCompanyCreditsOutput,
  hints: Operation.hints.createsInSchematic,
  scope: "write",
  toolset: "billing",
  errors: [...CapabilityError.upstreamCodes, "conflict"],
  rest: companyRoute("POST", "/credits", 201),
  handler: (input) =>
    Effect.gen(function* () {
      const [company, credit] = yield* Effect.all([Resolve.company(input), creditType(input)], { concurrency: 2 })
      const reason = input.reason ?? "free"
      const granted = yield* once({
        scope: "grant-company-credits",
        key: input.idempotency_key,
        input: { company: company.id, credit: credit.id, quantity: input.quantity, reason, expires: input.expires_at },
        write: Effect.map(
          withSchematic((client) =>
            client.credits.grant({
              company_id: company.id,
              credit_id: credit.id,
              quantity: input.quantity,
              reason,
              ...present({ expires_at: input.expires_at })
            })
          ),
          grant
        ),
        // A grant the first call made: of this credit, this quantity and reason, made since it began.
        written: (startedAt) =>
          Effect.map(
            withSchematic((client) =>
              client.credits.companyGrants({ company_id: company.id, order: "created_at", dir: "desc", limit: 100 })
            ),
            (grants) => {
              const made = grants.find(
                (item) =>
                  item.credit_id === credit.id &&
                  item.quantity === input.quantity &&
                  item.grant_reason === reason &&
                  Date.parse(item.created_at) >= startedAt - SKEW_MILLIS
              )
              return made === undefined ? undefined : grant(made)
            }
          )
      })
      const after = yield* Resolve.company({ company_id: company.id })
      return {
        grant: granted.answer,
        balance: {
          credit_id: credit.id,
          name: credit.name,
          remaining: after.billing_credit_balances?.[credit.id] ?? 0
        },
        repeated: granted.repeated
      }
    })
})
