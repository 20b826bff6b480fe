/** Credit answers: credit types, grants, balances and ledger entries. */
import { Effect } from "effect"
import { creditTypesById } from "../domain/credits.js"
import { rowsIn } from "../domain/tables.js"
import { ENVIRONMENT_ID, iso } from "../ids.js"
import type { CompanyRow, CreditGrantRow, CreditLedgerRow, CreditTypeRow, FeatureRow, PlanRow } from "../rows.js"

/** `BillingCreditResponseData`. */
export const renderCreditType = (row: CreditTypeRow) => ({
  id: row.id,
  name: row.name,
  description: row.description,
  singular_name: row.singular_name,
  plural_name: row.plural_name,
  icon: null,
  burn_strategy: row.burn_strategy,
  cost_editable: true,
  currency_prices: [],
  default_expiry_unit: "days",
  default_expiry_unit_count: null,
  default_rollover_policy: "none",
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at)
})

export const renderCreditTypes = (rows: ReadonlyArray<CreditTypeRow>) => Effect.succeed(rows.map(renderCreditType))

const SOURCE_LABELS: Record<string, string> = {
  adjustment: "Adjustment",
  billing_credit_auto_topup: "Auto top-up",
  free: "Free grant",
  plan: "Plan grant",
  purchased: "Purchase",
  rollover: "Rollover"
}

/** `BillingCreditGrantResponseData`, with the company's and the credit type's names. */
export const renderGrants = (rows: ReadonlyArray<CreditGrantRow>) =>
  Effect.gen(function* () {
    if (rows.length === 0) return []
    const companies = yield* rowsIn<CompanyRow>("companies")(rows, (row) => row.company_id)
    const types = yield* creditTypesById([...new Set(rows.map((row) => row.credit_id))])
    const plans = yield* rowsIn<PlanRow>("plans")(rows, (row) => row.plan_id)
    return rows.map((row) => ({
      id: row.id,
      company_id: row.company_id,
      company_name: companies.find((company) => company.id === row.company_id)?.name ?? "",
      credit_id: row.credit_id,
      credit_name: types.get(row.credit_id)?.name ?? row.credit_id,
      grant_reason: row.reason,
      quantity: row.quantity,
      quantity_remaining: row.quantity_remaining,
      quantity_used: row.quantity - row.quantity_remaining,
      renewal_enabled: false,
      source_label: SOURCE_LABELS[row.reason] ?? row.reason,
      valid_from: iso(row.valid_from),
      expires_at: iso(row.expires_at),
      zeroed_out_date: iso(row.zeroed_out_at),
      zeroed_out_reason: row.zeroed_out_reason,
      plan_id: row.plan_id,
      plan_name: plans.find((plan) => plan.id === row.plan_id)?.name ?? null,
      reserved: 0,
      settled: row.quantity - row.quantity_remaining,
      transfers: [],
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at)
    }))
  })

/** `CreditEventLedgerResponseData`, with the credit type's and the feature's names. */
export const renderLedger = (rows: ReadonlyArray<CreditLedgerRow>) =>
  Effect.gen(function* () {
    if (rows.length === 0) return []
    const types = yield* creditTypesById([...new Set(rows.map((row) => row.credit_id))])
    const features = yield* rowsIn<FeatureRow>("features")(rows, (row) => row.feature_id)
    const grants = yield* rowsIn<CreditGrantRow>("credit_grants")(rows, (row) => row.grant_id)
    return rows.map((row) => {
      const type = types.get(row.credit_id)
      const feature = features.find((item) => item.id === row.feature_id)
      const grant = grants.find((item) => item.id === row.grant_id)
      return {
        event_id: row.id,
        event_type: row.event_type,
        event_at: iso(row.event_at),
        amount: row.amount,
        billing_credit_id: row.credit_id,
        credit_name: type?.name ?? row.credit_id,
        company_id: row.company_id,
        environment_id: ENVIRONMENT_ID,
        source_id: row.seq,
        grant_id: row.grant_id,
        grant_reason: grant?.reason ?? null,
        grant_quantity: grant?.quantity ?? null,
        grant_quantity_remaining: grant?.quantity_remaining ?? null,
        grant_expires_at: iso(grant?.expires_at),
        feature_id: row.feature_id,
        usage_event_id: row.usage_event_id,
        usage_reason: row.event_type === "usage" ? "track" : null,
        ...(feature === undefined ? {} : { feature: { id: feature.id, name: feature.name } }),
        ...(type === undefined ? {} : { credit: { id: type.id, name: type.name } })
      }
    })
  })
