import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { billingOf, CompanyBilling } from "../internal/billing.js"
import { present } from "../internal/present.js"
import * as Resolve from "../internal/resolve.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import { companyRefFields, DateTime, exactlyOne, field, Text } from "./inputs.js"

/** A billing system's subscription statuses (Stripe's). */
export const SubscriptionStatus = Schema.Literal(
  "active",
  "trialing",
  "past_due",
  "canceled",
  "unpaid",
  "incomplete",
  "incomplete_expired",
  "paused"
)

const Interval = Schema.Literal("day", "week", "month", "year")

const Item = Schema.Struct({
  product_id: field(
    Text(1, 255),
    "The billing system's product id, e.g. prod_...",
    "a product id of 1 to 255 characters"
  ),
  price_id: field(Text(1, 255), "The billing system's price id, e.g. price_...", "a price id of 1 to 255 characters"),
  price: field(
    Schema.Int.pipe(Schema.between(0, 100_000_000_000)),
    "Price per unit and interval, in minor units (4900 is 49.00)",
    "a whole number of minor units >= 0"
  ),
  quantity: Schema.optional(
    field(Schema.Int.pipe(Schema.between(1, 1_000_000_000)), "Units (default 1), e.g. seats", "a whole number >= 1")
  ),
  interval: Schema.optional(
    Interval.annotations({ description: "The price's interval (default: the subscription's)" })
  ),
  usage_type: Schema.optional(
    Schema.Literal("licensed", "metered").annotations({ description: "licensed (default): a fixed quantity; metered" })
  )
})

const SubscriptionInput = Schema.Struct({
  id: field(
    Text(1, 255),
    "The billing system's subscription id, e.g. sub_...",
    "a subscription id of 1 to 255 characters"
  ),
  status: SubscriptionStatus.annotations({ description: "The subscription's status in the billing system" }),
  interval: Interval.annotations({ description: "How often it bills" }),
  currency: Schema.optional(
    field(
      Schema.String.pipe(Schema.pattern(/^[a-z]{3}$/)),
      "ISO currency, lower case (default usd)",
      "3 lower-case letters"
    )
  ),
  current_period_start: DateTime.annotations({ description: "Start of the current billing period" }),
  current_period_end: DateTime.annotations({ description: "End of the current billing period" }),
  trial_end: Schema.optional(DateTime.annotations({ description: "When its trial ends (or ended)" })),
  cancel_at: Schema.optional(DateTime.annotations({ description: "When it is set to end" })),
  cancel_at_period_end: Schema.optional(Schema.Boolean.annotations({ description: "Ends at the period's end" })),
  items: Schema.Array(Item)
    .pipe(Schema.minItems(1), Schema.maxItems(20))
    .annotations({ description: "Its line items: product, price and quantity (1 to 20)" })
})

export const LinkBillingCustomerInput = Schema.Struct({
  ...companyRefFields,
  customer_id: field(
    Text(1, 255),
    "The billing system's customer id, e.g. Stripe's cus_...",
    "a customer id of 1 to 255 characters"
  ),
  provider: Schema.optional(
    Schema.Literal("stripe", "orb", "metronome", "schematic").annotations({
      description: "The billing system (default stripe)"
    })
  ),
  email: Schema.optional(
    field(Schema.String.pipe(Schema.maxLength(255)), "The customer's billing email", "text of at most 255 characters")
  ),
  name: Schema.optional(
    field(Text(1, 255), "The customer's name (default: the company's)", "text of 1 to 255 characters")
  ),
  subscription: Schema.optional(SubscriptionInput)
}).pipe(Schema.filter(exactlyOne("company_id", "keys")))
export type LinkBillingCustomerInput = typeof LinkBillingCustomerInput.Type

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000)

/** The subscription's dates by meaning: a period that ends after it starts, a trial that ends within or after it. */
const datesFit = (subscription: NonNullable<LinkBillingCustomerInput["subscription"]>) => {
  const start = Date.parse(subscription.current_period_start)
  if (Date.parse(subscription.current_period_end) <= start) {
    return { path: "subscription.current_period_end", message: "must be after current_period_start" }
  }
  if (subscription.trial_end !== undefined && Date.parse(subscription.trial_end) < start) {
    return { path: "subscription.trial_end", message: "must not be before current_period_start" }
  }
  if (subscription.status === "trialing" && subscription.trial_end === undefined) {
    return { path: "subscription.trial_end", message: "is required for a trialing subscription" }
  }
  return undefined
}

export const linkBillingCustomer = Operation.make({
  name: "link-billing-customer",
  title: "Link a company to its billing customer",
  description: [
    "Link a company to its customer in the billing system (Stripe, Orb, Metronome) and, optionally, its",
    "subscription: status, interval, current period, trial end, cancel date and line items (price ids, prices in",
    "minor units, quantities). Both are upserts by the billing system's ids: calling it again updates them. Use it",
    "when a customer's billing was set up outside Schematic's sync, or to record a trial or a renewal. Answers as",
    "get-company-billing. Example:",
    '{"keys": {"crm_id": "acme"}, "customer_id": "cus_123", "email": "billing@acme.com", "subscription": {"id":',
    '"sub_123", "status": "trialing", "interval": "month", "current_period_start": "2026-12-01T00:00:00Z",',
    '"current_period_end": "2027-01-01T00:00:00Z", "trial_end": "2026-12-15T00:00:00Z", "items": [{"product_id":',
    '"prod_pro", "price_id": "price_pro_monthly", "price": 4900}]}}'
  ].join(" "),
  input: LinkBillingCustomerInput,
  output: CompanyBilling,
  hints: Operation.hints.upsertsSchematic,
  scope: "write",
  toolset: "billing",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "PUT", paths: ["/v1/companies/{company_id}/billing", "/v1/companies/lookup/billing"], status: 200 },
  handler: (input) =>
    Effect.gen(function* () {
      const wanted = input.subscription
      const misfit = wanted === undefined ? undefined : datesFit(wanted)
      if (misfit !== undefined) return yield* CapabilityError.invalidFields([misfit])
      const company = yield* Resolve.company(input)
      const provider = input.provider ?? "stripe"
      yield* withSchematic((client) =>
        client.billing.upsertCustomer({
          external_id: input.customer_id,
          email: input.email ?? "",
          name: input.name ?? company.name,
          meta: {},
          company_id: company.id,
          provider_type: provider
        })
      )
      if (wanted !== undefined) {
        const currency = wanted.currency ?? "usd"
        const items = wanted.items.map((item) => ({
          product_external_id: item.product_id,
          price_external_id: item.price_id,
          price: item.price,
          currency,
          interval: item.interval ?? wanted.interval,
          quantity: item.quantity ?? 1,
          usage_type: item.usage_type ?? "licensed"
        }))
        const periodEnd = seconds(wanted.current_period_end)
        yield* withSchematic((client) =>
          client.billing.upsertSubscription({
            subscription_external_id: wanted.id,
            customer_external_id: input.customer_id,
            company_id: company.id,
            currency,
            total_price: items.reduce((sum, item) => sum + item.price * item.quantity, 0),
            cancel_at_period_end: wanted.cancel_at_period_end ?? false,
            discounts: [],
            // Schematic requires it even for a live subscription: when it ends as things stand.
            expired_at: new Date(
              (wanted.cancel_at === undefined ? periodEnd : seconds(wanted.cancel_at)) * 1000
            ).toISOString(),
            product_external_ids: items,
            status: wanted.status,
            interval: wanted.interval,
            period_start: seconds(wanted.current_period_start),
            period_end: periodEnd,
            provider_type: provider,
            ...present({
              trial_end: wanted.trial_end === undefined ? undefined : seconds(wanted.trial_end),
              cancel_at: wanted.cancel_at === undefined ? undefined : seconds(wanted.cancel_at)
            })
          })
        ).pipe(
          // The customer is linked by now: a caller told only of the failure would not know it.
          Effect.mapError(
            CapabilityError.after(`The customer ${input.customer_id} is linked; the subscription ${wanted.id} was not`)
          )
        )
      }
      return yield* billingOf(yield* Resolve.company({ company_id: company.id }))
    })
})
