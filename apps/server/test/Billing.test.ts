import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, rest, startServer, upstreamProxy } from "./support.js"

const DAY = 86_400_000

/**
 * In front of the spec-checking proxy: it refuses, as Schematic would refuse what it does not take, the creation of
 * a plan entitlement for a feature named in `refused` (so a test can make the third of three writes fail).
 */
const refusingProxy = async (target: string) => {
  const refused = new Set<string>()
  const proxy = await upstreamProxy(target, {
    onRequest: ({ method, url, body }) => {
      if (method !== "POST" || url !== "/plan-entitlements") return undefined
      const featureId = JSON.parse(body.toString()).feature_id
      return refused.has(featureId)
        ? { status: 400, body: { error: `feature_id: ${featureId} cannot be granted by this plan` } }
        : undefined
    }
  })
  return { ...proxy, refused }
}

/**
 * A support case about billing, trials and credits, end to end: the server in real mode against the sandbox loaded
 * with the demo, every upstream request checked against Schematic's OpenAPI document on its way.
 */
describe("billing, trials and credits, end to end", () => {
  let server: RunningServer
  let upstream: ManagedRuntime.ManagedRuntime<unknown, unknown>
  let spec: Awaited<ReturnType<typeof upstreamProxy>>
  let faults: Awaited<ReturnType<typeof refusingProxy>>
  const call = (method: string, path: string, body?: unknown) => rest(server.rest, method, path, body)

  beforeAll(async () => {
    upstream = ManagedRuntime.make(SchematicSandbox.layer({ port: 0, dataDir: ":memory:", seed: "demo" })) as never
    const url = await upstream.runPromise(SchematicSandbox.url as never)
    spec = await upstreamProxy(url as string, { checkAgainstSpec: true })
    faults = await refusingProxy(spec.url)
    server = await startServer({
      SCHEMATIC_API_KEY: "sch_dev_sandbox",
      SCHEMATIC_API_URL: faults.url,
      SCHEMATIC_READS_PER_SECOND: "0",
      SCHEMATIC_WRITES_PER_SECOND: "0"
    })
  }, 60_000)
  afterAll(async () => {
    await server.stop()
    await faults.close()
    await spec.close()
    await upstream.dispose()
  })

  /** Checks the entitlement until `done` holds (usage reaches the sandbox through the outbox, a moment later). */
  const checkUntil = async (companyId: string, featureKey: string, done: (answer: { allowed: boolean }) => boolean) => {
    for (let attempt = 0; ; attempt++) {
      const answer = await call("POST", "/v1/entitlements/check", { company_id: companyId, feature_key: featureKey })
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
      if (done(answer.body) || attempt > 100) return answer.body
      await new Promise((wait) => setTimeout(wait, 50))
    }
  }

  it("a trial, its customer, the trial's end, a plan, credits granted, drawn, run out and topped up", async () => {
    const company = await call("POST", "/v1/companies", {
      keys: { stripe_customer_id: "cus_support1" },
      name: "Support Co"
    })
    expect(company.status).toBe(200)
    const companyId = company.body.id

    // A plan sold at 29.00 a month with a 14-day trial, whose image renders cost 5 AI credits each.
    const feature = await call("POST", "/v1/features", {
      name: "Image renders",
      type: "metered",
      event_name: "image-render"
    })
    expect(feature.status, JSON.stringify(feature.body)).toBe(201)
    const plan = await call("POST", "/v1/plans", {
      name: "Builder",
      type: "plan",
      billing: { product_id: "prod_builder", monthly_price: 2900, trial_days: 14 }
    })
    expect(plan.status, JSON.stringify(plan.body)).toBe(201)
    const planId = plan.body.id
    const granted = await call("PUT", `/v1/plans/${planId}/entitlements`, {
      entitlements: [{ feature_key: "image-renders", credits: { credit: "AI credits", consumption_rate: 5 } }]
    })
    expect(granted.status, JSON.stringify(granted.body)).toBe(200)
    const shownPlan = await call("GET", `/v1/plans/${planId}`)
    expect(JSON.stringify(shownPlan.body)).toContain("2900")
    expect(JSON.stringify(shownPlan.body)).toMatch(/"trial_days":14/)

    // On trial: the customer linked with its trialing subscription.
    const now = Date.now()
    const trialStart = new Date(now - 11 * DAY).toISOString()
    const trialEnd = new Date(now + 3 * DAY).toISOString()
    /** The company's one subscription, to the plan's product, as the billing system reports it. */
    const subscription = (status: string, periodStart: string, periodEnd: string) => ({
      id: "sub_support1",
      status,
      interval: "month",
      current_period_start: periodStart,
      current_period_end: periodEnd,
      trial_end: trialEnd,
      items: [{ product_id: "prod_builder", price_id: "price_builder_month", price: 2900 }]
    })
    const onTrial = await call("PUT", `/v1/companies/${companyId}/billing`, {
      customer_id: "cus_support1",
      email: "billing@support.test",
      subscription: subscription("trialing", trialStart, trialEnd)
    })
    expect(onTrial.status, JSON.stringify(onTrial.body)).toBe(200)
    expect(onTrial.body).toMatchObject({
      customers: [expect.objectContaining({ customer_id: "cus_support1", provider: "stripe" })],
      subscription: { status: "trialing", trial: { status: "active", days_left: 3 } },
      mrr: { amount: 0, currency: "usd" }
    })

    // The trial ends: the subscription is active, and the company is put on the plan.
    const paidUntil = new Date(now + 33 * DAY).toISOString()
    const converted = await call("PUT", `/v1/companies/lookup/billing`, {
      keys: { stripe_customer_id: "cus_support1" },
      customer_id: "cus_support1",
      subscription: subscription("active", trialEnd, paidUntil)
    })
    expect(converted.status, JSON.stringify(converted.body)).toBe(200)
    expect(converted.body.subscription).toMatchObject({ status: "active", trial: { status: "converted" } })
    expect(converted.body.mrr).toEqual({ amount: 2900, currency: "usd" })
    const onPlan = await call("PUT", `/v1/companies/${companyId}/plan`, { base_plan_id: planId })
    expect(onPlan.status, JSON.stringify(onPlan.body)).toBe(200)
    expect((await call("GET", `/v1/companies/${companyId}/billing`)).body.plan).toMatchObject({
      id: planId,
      price: 2900,
      period: "month"
    })

    // No credits yet: refused.
    expect((await checkUntil(companyId, "image-renders", () => true)).allowed).toBe(false)

    // 20 credits, granted once even when the grant is sent again with its idempotency key.
    const grant = { credit: "AI credits", quantity: 20, idempotency_key: "support-grant-1" }
    const first = await call("POST", `/v1/companies/${companyId}/credits`, grant)
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    expect(first.body).toMatchObject({ balance: { remaining: 20 }, repeated: false })
    const retried = await call("POST", `/v1/companies/${companyId}/credits`, grant)
    expect(retried.body).toMatchObject({
      grant: { id: first.body.grant.id },
      balance: { remaining: 20 },
      repeated: true
    })
    const listed = await call("GET", `/v1/companies/${companyId}/credits`)
    expect(listed.body.grants).toHaveLength(1)
    const allowed = await checkUntil(companyId, "image-renders", (answer) => answer.allowed)
    expect(allowed).toMatchObject({ allowed: true, credits: { remaining: 20, consumption_rate: 5 } })

    // Four renders cost 20 credits: none left, refused, and the reason says why.
    const tracked = await call("POST", "/v1/events", {
      event_type: "track",
      body: { event: "image-render", company: { stripe_customer_id: "cus_support1" }, quantity: 4 }
    })
    expect(tracked.status, JSON.stringify(tracked.body)).toBe(202)
    const refused = await checkUntil(companyId, "image-renders", (answer) => !answer.allowed)
    expect(refused).toMatchObject({ allowed: false, credits: { remaining: 0 } })
    expect(refused.reason).toMatch(/credits/i)
    const ledger = await call("GET", `/v1/companies/${companyId}/credits/ledger`)
    expect(ledger.status, JSON.stringify(ledger.body)).toBe(200)
    expect(JSON.stringify(ledger.body)).toContain("-20")

    // Topped up: allowed again; the agent checks it over MCP.
    const more = await call("POST", `/v1/companies/${companyId}/credits`, {
      credit: "AI credits",
      quantity: 10,
      reason: "purchased"
    })
    expect(more.body.balance.remaining).toBe(10)
    const agent = new Client({ name: "billing-test", version: "1.0.0" })
    await agent.connect(new StreamableHTTPClientTransport(new URL(server.mcp)))
    try {
      const check = (await agent.callTool({
        name: "check-entitlement",
        arguments: { keys: { stripe_customer_id: "cus_support1" }, feature_key: "image-renders" }
      })) as CallToolResult
      expect(check.isError).not.toBe(true)
      expect(check.structuredContent).toMatchObject({ allowed: true, credits: { remaining: 10 } })
      const billing = (await agent.callTool({
        name: "get-company-billing",
        arguments: { keys: { stripe_customer_id: "cus_support1" } }
      })) as CallToolResult
      expect(billing.structuredContent).toMatchObject({
        subscription: { id: "sub_support1", status: "active" },
        credits: [expect.objectContaining({ name: "AI credits", remaining: 10 })]
      })
    } finally {
      await agent.close()
    }
    expect(spec.violations).toEqual([])
  })

  it("answers bad input with the fields it names, and changes nothing", async () => {
    const company = await call("POST", "/v1/companies", { keys: { crm_id: "bad-input-co" }, name: "Bad Input Co" })
    const companyId = company.body.id
    const now = Date.now()
    /** A month's subscription from now, with `fields` (one of them wrong) in place of the valid ones. */
    const billingWith = (fields: Record<string, unknown>) => ({
      customer_id: "cus_bad",
      subscription: {
        id: "sub_bad",
        status: "active",
        interval: "month",
        current_period_start: new Date(now).toISOString(),
        current_period_end: new Date(now + 30 * DAY).toISOString(),
        items: [{ product_id: "prod_x", price_id: "price_x", price: 100 }],
        ...fields
      }
    })
    const cases: Array<[string, string, unknown, string]> = [
      [
        "PUT",
        `/v1/companies/${companyId}/billing`,
        billingWith({ status: "trialing", trial_end: new Date(now - DAY).toISOString() }),
        "subscription.trial_end"
      ],
      [
        "PUT",
        `/v1/companies/${companyId}/billing`,
        billingWith({ items: [{ product_id: "prod_x", price_id: "price_x", price: 100, quantity: -1 }] }),
        "subscription.items.0.quantity"
      ],
      ["POST", `/v1/companies/${companyId}/credits`, { credit: "AI credits", quantity: -5 }, "quantity"],
      ["POST", `/v1/companies/${companyId}/credits`, { credit: "Gold coins", quantity: 5 }, "credit"],
      ["PUT", `/v1/companies/${companyId}/plan`, { base_plan_id: "plan_missing" }, "base_plan_id"]
    ]
    for (const [method, path, body, field] of cases) {
      const answer = await call(method, path, body)
      expect({ path, field, status: answer.status >= 400 && answer.status < 500 }).toEqual({
        path,
        field,
        status: true
      })
      expect(JSON.stringify(answer.body), `${method} ${path}`).toContain(field)
    }
    const billing = await call("GET", `/v1/companies/${companyId}/billing`)
    expect(billing.body).toMatchObject({ customers: [], subscription: null, credits: [] })
  })

  it("set-plan-entitlements failing on its third feature leaves none changed", async () => {
    const plan = (await call("POST", "/v1/plans", { name: "Three features", type: "plan" })).body
    const features = []
    for (const name of ["Widgets", "Gadgets", "Gizmos"]) {
      const created = await call("POST", "/v1/features", { name, type: "metered", event_name: name.toLowerCase() })
      features.push(created.body)
    }
    const before = await call("PUT", `/v1/plans/${plan.id}/entitlements`, {
      entitlements: [{ feature_key: "widgets", value: 10 }]
    })
    expect(before.status, JSON.stringify(before.body)).toBe(200)
    faults.refused.add(features[2].id)
    const failed = await call("PUT", `/v1/plans/${plan.id}/entitlements`, {
      entitlements: [
        { feature_key: "widgets", value: 500 },
        { feature_key: "gadgets", value: "unlimited" },
        { feature_key: "gizmos", value: 5 }
      ]
    })
    expect(failed.status).toBeGreaterThanOrEqual(400)
    expect(JSON.stringify(failed.body)).toMatch(/nothing changed/)
    const after = await call("GET", `/v1/plans/${plan.id}`)
    expect(after.body.entitlements).toEqual([expect.objectContaining({ feature_key: "widgets", value: 10 })])
  })
})
