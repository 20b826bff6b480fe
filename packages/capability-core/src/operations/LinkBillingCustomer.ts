import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { billingOf, CompanyBilling } from "../internal/billing.js"
import { present } from "../internal/present.js"
import * as Resolve from "../internal/resolve.js"
import { companyRoute } from "../internal/routes.js"
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
  product_id: field(Text(1, 255), "Billing product id (prod_...)", "a product id of 1 to 255 characters"),
  price_id: field(Text(1, 255), "Billing price id (price_...)", "a price id of 1 to 255 characters"),
  price: field(
    Schema.Int.pipe(Schema.between(0, 100_000_000_000)),
    "Price per unit, minor units",
    "a whole number of minor units >= 0"
  ),
  quantity: Schema.optional(
    field(Schema.Int.pipe(Schema.between(1, 1_000_000_000)), "Units (default 1)", "a whole number >= 1")
  ),
  interval: Schema.optional(Interval.annotations({ description: "Default: the subscription's" })),
  usage_type: Schema.optional(Schema.Literal("licensed", "metered").annotations({ description: "Default licensed" }))
})

const SubscriptionInput = Schema.Struct({
  id: field(Text(1, 255), "Billing subscription id (sub_...)", "a subscription id of 1 to 255 characters"),
  status: SubscriptionStatus.annotations({ description: "Its status in the billing system" }),
  interval: Interval.annotations({ description: "How often it bills" }),
  currency: Schema.optional(
    field(Schema.String.pipe(Schema.pattern(/^[a-z]{3}$/)), "Default usd", "3 lower-case letters")
  ),
  current_period_start: DateTime.annotations({ description: "Current period's start" }),
  current_period_end: DateTime.annotations({ description: "Current period's end" }),
  trial_end: Schema.optional(DateTime.annotations({ description: "When its trial ends" })),
  cancel_at: Schema.optional(DateTime.annotations({ description: "When it is set to end" })),
  cancel_at_period_end: Schema.optional(Schema.Boolean.annotations({ description: "Ends when the period does" })),
  items: Schema.Array(Item).pipe(Schema.minItems(1), Schema.maxItems(20)).annotations({ description: "Line items" })
})

export const LinkBillingCustomerInput = Schema.Struct({
  ...companyRefFields,
  customer_id: field(
    Text(1, 255),
    "Billing customer id, e.g. Stripe's cus_...",
    "a customer id of 1 to 255 characters"
  ),
  provider: Schema.optional(
    Schema.Literal("stripe", "orb", "metronome", "schematic").annotations({
      description: "Default stripe"
    })
  ),
  email: Schema.optional(
    field(Schema.String.pipe(Schema.maxLength(255)), "Billing email", "text of at most 255 characters")
  ),
  name: Schema.optional(field(Text(1, 255), "Default: the company's name", "text of 1 to 255 characters")),
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
  description:
    'Link a company to its billing customer and, optionally, subscription (upserts). Example: {"company_id": "comp_1", "customer_id": "cus_1"}',
  input: LinkBillingCustomerInput,
  output: CompanyBilling,
  hints: Operation.hints.upsertsSchematic,
  scope: "write",
  toolset: "billing",
  errors: CapabilityError.upstreamCodes,
  rest: companyRoute("PUT", "/billing"),
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
