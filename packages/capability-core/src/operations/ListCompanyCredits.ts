import { Chunk, Effect, Schema, Stream } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { creditBalances } from "../internal/billing.js"
import { companyAndCreditType, Grant, grant, isLive } from "../internal/credits.js"
import { companyRoute } from "../internal/routes.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import { atMostOne, companyRefFields, creditRefFields, exactlyOne } from "./inputs.js"

export const ListCompanyCreditsInput = Schema.Struct({
  ...companyRefFields,
  ...creditRefFields,
  include_spent: Schema.optional(
    Schema.Boolean.annotations({ description: "Also list grants used up, expired or emptied (default false)" })
  )
}).pipe(Schema.filter(exactlyOne("company_id", "keys")), Schema.filter(atMostOne("credit_id", "credit")))

export const ListCompanyCreditsOutput = Schema.Struct({
  balances: Schema.Array(
    Schema.Struct({
      credit_id: Schema.String,
      name: Schema.String,
      remaining: Schema.Number.annotations({ description: "Credits it can draw now" }),
      granted: Schema.Number.annotations({ description: "Credits of its grants that are still live" }),
      next_expiry: Schema.NullOr(Schema.String).annotations({ description: "When the next live grant expires" })
    })
  ),
  grants: Schema.Array(Grant)
})

export const listCompanyCredits = Operation.make({
  name: "list-company-credits",
  title: "List a company's credits",
  description: 'A company\'s credit balances and the live grants behind them. Example: {"company_id": "comp_1"}',
  input: ListCompanyCreditsInput,
  output: ListCompanyCreditsOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "billing",
  errors: CapabilityError.upstreamCodes,
  rest: companyRoute("GET", "/credits"),
  handler: (input) =>
    Effect.gen(function* () {
      const [company, only] = yield* companyAndCreditType(input)
      const [all, balances] = yield* Effect.all(
        [
          withSchematic((client) =>
            Stream.runCollect(
              client.credits.streamCompanyGrants({ company_id: company.id, order: "expires_at", dir: "asc" })
            )
          ),
          creditBalances(company.billing_credit_balances)
        ],
        { concurrency: 2 }
      )
      const now = Date.now()
      const grants = Chunk.toReadonlyArray(all).filter((item) => only === undefined || item.credit_id === only.id)
      return {
        balances: balances
          .filter((balance) => only === undefined || balance.credit_id === only.id)
          .map((balance) => {
            const live = grants.filter((item) => item.credit_id === balance.credit_id && isLive(item, now))
            const expiries = live.flatMap((item) => (item.expires_at ? [item.expires_at] : [])).sort()
            return {
              ...balance,
              granted: live.reduce((sum, item) => sum + item.quantity, 0),
              next_expiry: expiries[0] ?? null
            }
          }),
        grants: grants.filter((item) => input.include_spent === true || isLive(item, now)).map(grant)
      }
    })
})
