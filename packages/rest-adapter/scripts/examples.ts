/**
 * The examples of the API's documentation, taken from the demo: each operation is run once against an embedded
 * sandbox loaded with the demo dataset, and its request and (shortened) answer are written to
 * `src/internal/examples.json`, which the OpenAPI document shows (through `src/internal/examples.ts`). The examples
 * are data, so they are written as JSON. `pnpm run docs` runs it; a test decodes every example with its operation's
 * schemas, so an example cannot drift from what the API accepts and answers.
 */
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Capability, EventSink, Operations } from "@schematic-capability/capability-core"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { Effect, Layer } from "effect"

const target = fileURLToPath(new URL("../src/internal/examples.json", import.meta.url))

/** Lists in an example show two items: enough to see the shape, short enough to read. */
const SHOWN = 2

const shortened = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.slice(0, SHOWN).map(shortened)
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shortened(item)]))
  }
  return value
}

type Row = Record<string, unknown>

const program = Effect.gen(function* () {
  const run = (name: string, input: Row) =>
    Capability.runUnknown(name, input, { shape: "canonical" }).pipe(
      Effect.mapError((error) => new Error(`${name} ${JSON.stringify(input)}: ${JSON.stringify(error)}`))
    )
  const examples: Record<string, { request: Row; response: unknown }> = {}
  const example = (name: string, request: Row) =>
    Effect.map(run(name, request), (response) => {
      examples[name] = { request, response: shortened(response) }
      return response as Row
    })

  // Reads of the demo first, so that they show it as loaded; then writes on what the reads found.
  const keys = { stripe_customer_id: "cus_demo007" }
  const company_id = ((yield* run("get-company", { keys })) as Row).id as string
  yield* example("get-company", { company_id })
  const catalogue = (yield* run("list-features", { limit: 100 })) as { features: Array<Row> }
  const apiCalls = catalogue.features.find((feature) => feature.key === "api-calls")?.id
  yield* example("list-companies", { q: "Demo", limit: 2 })
  const users = yield* example("list-users", { company_id, limit: 2 })
  const user = ((users.users as Array<Row>)[0] ?? {}) as Row
  yield* example("get-user", { user_id: user.id })
  yield* example("check-entitlement", { company_id, feature_key: "api-calls" })
  yield* example("check-entitlements", {
    companies: [{ keys }, { keys: { stripe_customer_id: "cus_demo008" } }],
    feature_keys: ["api-calls", "sso"]
  })
  yield* example("get-feature-usage", { company_id })
  yield* example("list-company-overrides", { company_id })
  yield* example("find-companies-near-limit", { feature_id: apiCalls, min_usage_percent: 50, limit: 2 })
  yield* example("get-company-billing", { company_id })
  yield* example("list-company-credits", { company_id })
  yield* example("get-credit-ledger", { company_id, limit: 2 })
  yield* example("list-features", { limit: 2 })
  yield* example("get-feature", { feature_id: apiCalls })
  const plans = yield* example("list-plans", { type: "plan", limit: 2 })
  const plan = ((plans.plans as Array<Row>)[0] ?? {}) as Row
  yield* example("get-plan", { plan_id: plan.id })
  yield* example("get-insights-summary", {})
  yield* example("get-top-features", { limit: 2 })
  yield* example("get-plan-growth", { months: 3 })

  const acme = yield* example("upsert-company", {
    keys: { stripe_customer_id: "cus_123" },
    name: "Acme",
    traits: { seats: 12 }
  })
  const ada = yield* example("upsert-user", {
    keys: { email: "ada@acme.com" },
    name: "Ada",
    company: { stripe_customer_id: "cus_123" }
  })
  yield* example("set-company-override", {
    company_id,
    feature_id: apiCalls,
    value: 50000,
    expires_at: "2030-12-31T23:59:59Z",
    note: "Launch week"
  })
  yield* example("remove-company-override", { company_id, feature_id: apiCalls })
  yield* example("set-company-plan", { company_id: acme.id, base_plan_id: plan.id })
  yield* example("link-billing-customer", {
    company_id: acme.id,
    customer_id: "cus_123",
    email: "billing@acme.com",
    subscription: {
      id: "sub_123",
      status: "trialing",
      interval: "month",
      current_period_start: "2026-12-01T00:00:00Z",
      current_period_end: "2027-01-01T00:00:00Z",
      trial_end: "2026-12-15T00:00:00Z",
      items: [{ product_id: "prod_pro", price_id: "price_pro_monthly", price: 4900, quantity: 1 }]
    }
  })
  yield* example("grant-company-credits", {
    company_id: acme.id,
    credit: "AI credits",
    quantity: 500,
    reason: "free",
    expires_at: "2030-01-01T00:00:00Z",
    idempotency_key: "goodwill-2026-12"
  })
  const feature = yield* example("create-feature", { name: "Exports", type: "on_off" })
  const addOn = yield* example("create-plan", { name: "Exports add-on", type: "add_on" })
  yield* example("set-plan-entitlements", {
    plan_id: addOn.id,
    entitlements: [{ feature_id: feature.id, value: true }]
  })
  yield* example("remove-plan-entitlement", { plan_id: addOn.id, feature_id: feature.id })
  const event = yield* example("create-event", {
    event_type: "track",
    body: { event: "api-call", company: { stripe_customer_id: "cus_123" }, quantity: 3 },
    idempotency_key: "order-1234"
  })
  yield* example("create-event-batch", {
    events: [
      { event_type: "track", body: { event: "api-call", company: { stripe_customer_id: "cus_123" } } },
      { event_type: "track", body: { event: "api-call", company: { stripe_customer_id: "cus_123" }, quantity: 2 } }
    ]
  })
  yield* example("get-event", { idempotency_key: event.idempotency_key })
  yield* example("get-event-delivery-status", {})
  yield* example("list-dead-letter-events", { limit: 2 })
  yield* example("requeue-dead-letter-events", { all: true })
  const sync = yield* example("sync-companies", {
    source: "crm",
    records: [{ keys: { crm_id: "1" }, name: "Acme" }]
  })
  yield* example("sync-users", {
    source: "crm",
    records: [{ keys: { email: "ada@acme.com" }, company: { crm_id: "1" } }]
  })
  yield* example("get-sync-status", { sync_id: sync.sync_id })
  yield* example("delete-user", { user_id: ada.id })
  yield* example("delete-company", { company_id: acme.id })

  const missing = Operations.all.map((operation) => operation.name).filter((name) => !(name in examples))
  if (missing.length > 0) return yield* Effect.die(new Error(`no example for ${missing.join(", ")}`))
  const ordered = Object.fromEntries(Operations.all.map((operation) => [operation.name, examples[operation.name]]))
  writeFileSync(target, `${JSON.stringify(ordered, null, 2)}\n`)
})

const Client = Layer.unwrapEffect(
  Effect.map(SchematicSandbox.url, (baseUrl) =>
    SchematicClient.layer({ apiKey: "sch_dev_sandbox", baseUrl, readsPerSecond: 0, writesPerSecond: 0 })
  )
)
const Host = Layer.provideMerge(EventSink.direct, Client).pipe(
  Layer.provideMerge(SchematicSandbox.layer({ port: 0, dataDir: ":memory:", seed: "demo" }))
)

Effect.runPromise(program.pipe(Effect.provide(Host), Effect.scoped)).catch((error) => {
  console.error(error)
  process.exit(1)
})
