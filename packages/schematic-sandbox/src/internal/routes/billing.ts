import { HttpRouter } from "@effect/platform"
import { Effect, Schema } from "effect"
import {
  listCustomers,
  mainSubscription,
  subscriptionsOf,
  upsertCustomer,
  upsertProduct,
  upsertSubscription
} from "../domain/billing.js"
import { readQuery } from "../http/request.js"
import { create, envelope } from "../http/response.js"
import {
  renderCompanySubscription,
  renderCustomer,
  renderCustomersWithSubscriptions,
  renderProduct,
  renderUpsertedSubscription
} from "../render/billing.js"
import { badRequest } from "../SandboxError.js"
import { ProviderType, UpsertBillingCustomer, UpsertBillingProduct, UpsertBillingSubscription } from "../wire.js"

/** Every billing upsert answers 201, as a create does, whether it created or updated. */
const upsert = <A, I, Row, E, R, Out, E2, R2>(
  schema: Schema.Schema<A, I>,
  store: (input: A, now: number) => Effect.Effect<Row, E, R>,
  render: (row: Row) => Effect.Effect<Out, E2, R2>
) => create(schema, store, (rows) => Effect.forEach(rows, render))

/** The billing mirror, by Schematic's paths. */
export const billingRoutes = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/billing/customer/upsert",
    upsert(UpsertBillingCustomer, upsertCustomer, (row) => Effect.succeed(renderCustomer(row)))
  ),
  HttpRouter.get(
    "/billing/customers",
    Effect.gen(function* () {
      const filter = yield* readQuery((q) => {
        const provider = q.string("provider_type")
        if (provider !== undefined && !Schema.is(ProviderType)(provider)) {
          throw badRequest("provider_type: must be one of metronome, orb, schematic, stripe")
        }
        return {
          company_ids: q.list("company_ids"),
          q: q.string("q", 512),
          name: q.string("name", 255),
          provider_type: provider,
          ...q.page()
        }
      })
      return envelope(yield* renderCustomersWithSubscriptions(yield* listCustomers(filter)), filter)
    })
  ),
  HttpRouter.post(
    "/billing/subscription/upsert",
    upsert(UpsertBillingSubscription, upsertSubscription, renderUpsertedSubscription)
  ),
  HttpRouter.get(
    "/company-subscriptions",
    Effect.gen(function* () {
      const filter = yield* readQuery((q) => {
        const ids = q.ids("company_id", "company_ids")
        if (ids.length === 0) throw badRequest("company_id: is required (or company_ids)")
        if (ids.length > 100) throw badRequest("company_ids: must have at most 100 ids")
        return { company_ids: ids, ...q.page() }
      })
      const held = yield* subscriptionsOf(filter.company_ids)
      // Each company's active subscription: the newest one that keeps entitlements, as the company shows it.
      const active = filter.company_ids.flatMap((id) => {
        const main = mainSubscription(held.get(id))
        return main === undefined ? [] : [renderCompanySubscription(main)]
      })
      return envelope(active.slice(filter.offset, filter.offset + filter.limit), filter)
    })
  ),
  HttpRouter.post(
    "/billing/product/upsert",
    upsert(UpsertBillingProduct, upsertProduct, (row) => Effect.succeed(renderProduct(row)))
  )
)
