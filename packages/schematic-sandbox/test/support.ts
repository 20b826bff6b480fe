import { ManagedRuntime } from "effect"
import { afterAll, beforeAll } from "vitest"
import { SchematicSandbox } from "../src/index.js"
import type { SandboxConfig } from "../src/SandboxConfig.js"
import { expectMatchesSpec, hasSchema, loadContract, specPathFor } from "./contract.js"
import { type JsonCall, jsonClient } from "./jsonClient.js"

export { expectMatchesSpec } from "./contract.js"

export const API_KEY = "sch_dev_sandbox"

/** Starts a sandbox in-process on a free loopback port; `close` stops it. */
export const startSandbox = async (options: Partial<SandboxConfig> = {}) => {
  // Parsing the spec blocks for a while; do it before the clock matters to anything under test.
  loadContract()
  const runtime = ManagedRuntime.make(SchematicSandbox.layer({ port: 0, dataDir: ":memory:", ...options }))
  const url = await runtime.runPromise(SchematicSandbox.url)
  return { url, close: () => runtime.dispose() }
}

/**
 * The sandbox the tests of the enclosing `describe` share: started before the first of them, closed after the last.
 * Its `url` is there once they run.
 */
export const sandboxForSuite = (options: Partial<SandboxConfig> = {}): { readonly url: string } => {
  const suite = { url: "" }
  let close = () => Promise.resolve()
  beforeAll(async () => {
    const sandbox = await startSandbox(options)
    suite.url = sandbox.url
    close = sandbox.close
  })
  afterAll(() => close())
  return suite
}

/**
 * A `POST /billing/subscription/upsert` body: a trialing subscription of one licensed monthly line at 49.00 USD,
 * its period (and expiry) `periodDays` from `now`, its trial `trialDays` (times in epoch seconds).
 */
export const trialingSubscription = (
  ids: { readonly subscription: string; readonly customer: string; readonly product: string; readonly price: string },
  now: number,
  periodDays: number,
  trialDays: number
) => ({
  subscription_external_id: ids.subscription,
  customer_external_id: ids.customer,
  currency: "usd",
  total_price: 4900,
  cancel_at_period_end: false,
  discounts: [],
  expired_at: new Date((now + periodDays * 86_400) * 1000).toISOString(),
  product_external_ids: [
    {
      product_external_id: ids.product,
      price_external_id: ids.price,
      price: 4900,
      currency: "usd",
      interval: "month",
      quantity: 1,
      usage_type: "licensed"
    }
  ],
  status: "trialing",
  interval: "month",
  period_start: now,
  period_end: now + periodDays * 86_400,
  trial_end: now + trialDays * 86_400
})

const send = jsonClient(
  () => ({ "x-schematic-api-key": API_KEY, "content-type": "application/json" }),
  (text) => (text.length > 0 ? JSON.parse(text) : undefined)
)

/** A call as a test would make it with fetch: JSON in, `{status, body, headers}` out. */
export const call: JsonCall = async (url, method, path, body, headers) => {
  const answer = await send(url, method, path, body, headers)
  // Every answer a test sees is also checked against Schematic's spec for its operation and status.
  const template = specPathFor(method, path.split("?")[0]!)
  if (template !== undefined && hasSchema(method, template, answer.status)) {
    expectMatchesSpec(method, template, answer.status, answer.body)
  }
  return answer
}
