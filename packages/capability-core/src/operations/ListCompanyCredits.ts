import { Chunk, Effect, Schema, Stream } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { creditBalances } from "../internal/billing.js"
import { creditType, Grant, grant, isLive } from "../internal/credits.js"
import * as Resolve from "../internal/resolve.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import { companyRefFields, creditRefFields, exactlyOne } from "./inputs.js"

export const ListCompanyCreditsInput = Schema.Struct({
  ...companyRefFields,
  ...creditRefFields,
  include_spent: Schema.optional(
    Schema.Boolean.annotations({ description: "Also list grants used up, expired or emptied (default false)" })
  )
}).pipe(
  Schema.filter(exactlyOne("company_id", "keys")),
  Schema.filter((input) =>
    input.credit_id !== undefined && input.credit !== undefined
      ? { path: ["credit"], message: "give credit_id or credit, not both" }
      : true
  )
)

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
  rest: { method: "GET", paths: ["/v1/companies/{company_id}/credits", "/v1/companies/lookup/credits"], status: 200 },
  handler: (input) =>
    Effect.gen(function* () {
      const [company, only] = yield* Effect.all(
        [
          Resolve.company(input),
          input.credit_id === undefined && input.credit === undefined ? Effect.succeed(undefined) : creditType(input)
        ],
        { concurrency: 2 }
      )
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
