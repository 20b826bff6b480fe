import { HttpRouter } from "@effect/platform"
import { Effect, Schema } from "effect"
import {
  balancesOf,
  creditTypeTable,
  getCreditType,
  grantCredits,
  insertCreditType,
  ledgerTable,
  listGrants,
  listLedger
} from "../domain/credits.js"
import { readQuery } from "../http/request.js"
import { countMatching, create, envelope, getById, listing, listNewestFirst } from "../http/response.js"
import { renderCreditTypes, renderGrants, renderLedger } from "../render/credits.js"
import { badRequest } from "../SandboxError.js"
import { CreateCreditType, GrantCompanyCredits } from "../wire.js"

const creditTypeListing = listing(creditTypeTable, (q) => ({
  q: q.string("q", 512),
  ids: q.list("ids"),
  name: q.string("name", 255),
  ...q.page()
}))

const GrantOrder = Schema.Literal("created_at", "expires_at", "quantity", "quantity_remaining")
const EventType = Schema.Literal("grant", "transfer", "usage", "zero_out")

const ledgerListing = listing(ledgerTable, (q) => {
  const companyId = q.required("company_id")
  const eventType = q.string("event_type")
  if (eventType !== undefined && !Schema.is(EventType)(eventType)) {
    throw badRequest("event_type: must be one of grant, transfer, usage, zero_out")
  }
  const start = q.time("start_time", false)
  const end = q.time("end_time", false)
  if (start !== undefined && end !== undefined && end <= start) throw badRequest("end_time: must be after start_time")
  return {
    company_id: companyId,
    billing_credit_id: q.string("billing_credit_id"),
    event_type: eventType,
    feature_id: q.string("feature_id"),
    start,
    end,
    ...q.page()
  }
})

const ledgerParams = (filter: Effect.Effect.Success<typeof ledgerListing.filter>) => ({
  company_id: filter.company_id,
  billing_credit_id: filter.billing_credit_id,
  event_type: filter.event_type,
  feature_id: filter.feature_id,
  start_time: filter.start === undefined ? undefined : new Date(filter.start).toISOString(),
  end_time: filter.end === undefined ? undefined : new Date(filter.end).toISOString(),
  limit: filter.limit,
  offset: filter.offset
})

const ledger = Effect.gen(function* () {
  const filter = yield* ledgerListing.filter
  return envelope(yield* renderLedger(yield* listLedger(filter)), ledgerParams(filter))
})

/** Credit types, company grants, balances and the ledger, by Schematic's paths. */
export const creditRoutes = HttpRouter.empty.pipe(
  HttpRouter.get("/billing/credits", listNewestFirst(creditTypeListing, renderCreditTypes)),
  HttpRouter.get(
    "/billing/credits/count",
    countMatching(creditTypeListing, (filter) => ({ ids: filter.ids, name: filter.name }))
  ),
  HttpRouter.post("/billing/credits", create(CreateCreditType, insertCreditType, renderCreditTypes)),
  HttpRouter.post("/billing/credits/grants/company", create(GrantCompanyCredits, grantCredits, renderGrants)),
  HttpRouter.get(
    "/billing/credits/grants/company/list",
    Effect.gen(function* () {
      const filter = yield* readQuery((q) => {
        const companyId = q.required("company_id")
        const order = q.string("order") ?? "created_at"
        if (!Schema.is(GrantOrder)(order)) {
          throw badRequest("order: must be one of created_at, expires_at, quantity, quantity_remaining")
        }
        const dir = q.string("dir") ?? "desc"
        if (dir !== "asc" && dir !== "desc") throw badRequest("dir: must be asc or desc")
        return { company_id: companyId, order, dir: dir as "asc" | "desc", ...q.page() }
      })
      return envelope(yield* renderGrants(yield* listGrants(filter)), filter)
    })
  ),
  HttpRouter.get(
    "/billing/credits/balance",
    Effect.gen(function* () {
      const params = yield* readQuery((q) => ({ company_id: q.required("company_id") }))
      const balances = (yield* balancesOf([params.company_id], Date.now())).get(params.company_id)
      return envelope(
        [...(balances?.values() ?? [])].map((balance) => ({
          credit_id: balance.creditId,
          remaining: balance.remaining,
          reserved: 0,
          settled: balance.remaining,
          total: balance.total,
          source: "schematic"
        })),
        params
      )
    })
  ),
  HttpRouter.get("/v2/billing/credits/ledger", ledger),
  // The docs' path for the same ledger; Schematic's spec lists only the /v2 one.
  HttpRouter.get("/billing/credits/ledger", ledger),
  HttpRouter.get("/v2/billing/credits/ledger/count", countMatching(ledgerListing, ledgerParams)),
  HttpRouter.get("/billing/credits/:credit_id", getById("credit_id", getCreditType, renderCreditTypes))
)
