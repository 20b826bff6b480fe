/**
 * A company's billing as the billing operations answer it: its billing customers, its subscription (status, period,
 * trial, line items), what it pays a month, and its credits. Read from Schematic's copy of the billing system.
 */
import type {
  Billing as SchematicBilling,
  SchematicClient,
  Company as SchematicCompany
} from "@schematic-capability/schematic-client"
import { Effect, Schema } from "effect"
import type { CapabilityError } from "../CapabilityError.js"
import * as Views from "../Views.js"
import { withSchematic } from "./schematic.js"

const Money = Schema.Struct({
  amount: Schema.Number.annotations({ description: "In minor units (cents): 4900 is 49.00" }),
  currency: Schema.String
})

export const Subscription = Schema.Struct({
  id: Schema.String.annotations({ description: "The billing system's subscription id, e.g. sub_..." }),
  customer_id: Schema.String.annotations({ description: "The billing system's customer id, e.g. cus_..." }),
  status: Schema.String.annotations({
    description: "active, trialing, past_due, canceled, unpaid, incomplete, paused... (the billing system's)"
  }),
  interval: Schema.String,
  currency: Schema.String,
  total_price: Schema.Number.annotations({ description: "Minor units a period" }),
  current_period: Schema.Struct({ start: Schema.String, end: Schema.String }),
  trial: Schema.NullOr(
    Schema.Struct({
      ends_at: Schema.String,
      status: Schema.Literal("active", "converted", "expired").annotations({
        description: "active: still on trial; converted: paying since it ended; expired: ended without paying"
      }),
      days_left: Schema.NullOr(Schema.Number).annotations({ description: "Whole days until it ends, while active" })
    })
  ),
  cancel_at: Schema.NullOr(Schema.String),
  cancel_at_period_end: Schema.Boolean,
  items: Schema.Array(
    Schema.Struct({
      product_id: Schema.String,
      product_name: Schema.String,
      price_id: Schema.String,
      price: Schema.Number.annotations({ description: "Minor units per unit and interval" }),
      quantity: Schema.Number,
      interval: Schema.String,
      usage_type: Schema.String
    })
  )
})
export type Subscription = typeof Subscription.Type

export const CompanyBilling = Schema.Struct({
  company: Schema.Struct({ id: Schema.String, name: Schema.String, keys: Views.KeyMap }),
  plan: Schema.NullOr(
    Schema.Struct({
      id: Schema.String,
      name: Schema.String,
      price: Schema.NullOr(Schema.Number).annotations({ description: "The plan's price, minor units" }),
      period: Schema.NullOr(Schema.String)
    })
  ),
  customers: Schema.Array(
    Schema.Struct({
      id: Schema.String.annotations({ description: "Schematic's id of the billing customer" }),
      customer_id: Schema.String.annotations({ description: "The billing system's id, e.g. cus_..." }),
      provider: Schema.String,
      email: Schema.String,
      name: Schema.String
    })
  ),
  subscription: Schema.NullOr(Subscription).annotations({ description: "Its main subscription, or null" }),
  mrr: Schema.NullOr(Money).annotations({
    description:
      "What it pays a month now: its recurring line items, normalised to a month, while the subscription is active or past due (0 on trial); null without one"
  }),
  credits: Schema.Array(
    Schema.Struct({
      credit_id: Schema.String,
      name: Schema.String,
      remaining: Schema.Number.annotations({ description: "Credits it can draw now" })
    })
  )
})
export type CompanyBilling = typeof CompanyBilling.Type

const DAY = 86_400_000
const iso = (seconds: number) => new Date(seconds * 1000).toISOString()

/** Statuses whose subscription is paid for (a trial is not, yet). */
const PAYING = new Set(["active", "past_due"])

/** Months in one interval of a recurring price; one-time prices recur never. */
const monthsIn = (interval: string): number | undefined => {
  switch (interval) {
    case "day":
      return 12 / 365
    case "week":
      return 12 / 52
    case "month":
      return 1
    case "quarter":
      return 3
    case "year":
      return 12
    default:
      return undefined
  }
}

/** What a subscription pays a month: its recurring licensed items, each price × quantity over its interval. */
export const monthlyRevenue = (subscription: SchematicBilling.SubscriptionView): number => {
  if (!PAYING.has(subscription.status)) return 0
  let monthly = 0
  for (const item of subscription.products) {
    const months = monthsIn(item.interval)
    if (months === undefined || item.usage_type !== "licensed") continue
    monthly += (item.price * item.quantity) / months
  }
  return Math.round(monthly)
}

const trialOf = (subscription: SchematicBilling.SubscriptionView, now: number): Subscription["trial"] => {
  const end = subscription.trial_end
  if (end === null || end === undefined) return null
  const endsAt = end * 1000
  const status =
    endsAt > now && subscription.status === "trialing"
      ? "active"
      : PAYING.has(subscription.status)
        ? "converted"
        : "expired"
  return {
    ends_at: iso(end),
    status,
    days_left: status === "active" ? Math.ceil((endsAt - now) / DAY) : null
  }
}

export const subscription = (view: SchematicBilling.SubscriptionView, now = Date.now()): Subscription => ({
  id: view.subscription_external_id,
  customer_id: view.customer_external_id,
  status: view.status,
  interval: view.interval,
  currency: view.currency,
  total_price: view.total_price,
  current_period: { start: iso(view.period_start), end: iso(view.period_end) },
  trial: trialOf(view, now),
  cancel_at: view.cancel_at === null || view.cancel_at === undefined ? null : iso(view.cancel_at),
  cancel_at_period_end: view.cancel_at_period_end,
  items: view.products.map((item) => ({
    product_id: item.external_id,
    product_name: item.name,
    price_id: item.price_external_id,
    price: item.price,
    quantity: item.quantity,
    interval: item.interval,
    usage_type: item.usage_type
  }))
})

/** The credit types a company holds, by id, with their names (one call for all of them). */
export const creditBalances = (
  balances: Readonly<Record<string, number>> | null | undefined
): Effect.Effect<CompanyBilling["credits"], CapabilityError, SchematicClient.SchematicClient> => {
  const ids = Object.keys(balances ?? {})
  if (ids.length === 0) return Effect.succeed([])
  return Effect.map(
    withSchematic((client) => client.credits.listTypes({ ids, limit: 100 })),
    (types) =>
      ids.map((id) => ({
        credit_id: id,
        name: types.find((type) => type.id === id)?.name ?? id,
        remaining: balances![id]!
      }))
  )
}

/** A company's billing, read from Schematic: the company (with its subscription), its customers, its credits. */
export const billingOf = (
  company: SchematicCompany.Company
): Effect.Effect<CompanyBilling, CapabilityError, SchematicClient.SchematicClient> =>
  Effect.gen(function* () {
    const [customers, credits] = yield* Effect.all(
      [
        withSchematic((client) => client.billing.listCustomers({ company_ids: [company.id], limit: 100 })),
        creditBalances(company.billing_credit_balances)
      ],
      { concurrency: 2 }
    )
    const view = company.billing_subscription
    return {
      company: { id: company.id, name: company.name, keys: Views.company(company).keys },
      plan: company.plan
        ? {
            id: company.plan.id,
            name: company.plan.name,
            price: company.plan.plan_price ?? null,
            period: company.plan.plan_period ?? null
          }
        : null,
      customers: customers.map((customer) => ({
        id: customer.id,
        customer_id: customer.external_id,
        provider: customer.provider_type,
        email: customer.email,
        name: customer.name
      })),
      subscription: view === undefined ? null : subscription(view),
      mrr: view === undefined ? null : { amount: monthlyRevenue(view), currency: view.currency },
      credits
    }
  })
