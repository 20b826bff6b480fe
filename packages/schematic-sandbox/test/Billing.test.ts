import { describe, expect, it } from "vitest"
import { call, sandboxForSuite, trialingSubscription } from "./support.js"

/**
 * Billing, trials and credits over Schematic's paths; every answer is checked against Schematic's spec by `call`.
 */
describe("billing, trials and credits", () => {
  const sandbox = sandboxForSuite()
  const post = (path: string, body: unknown) => call(sandbox.url, "POST", path, body)
  const get = (path: string) => call(sandbox.url, "GET", path)

  const now = Math.floor(Date.now() / 1000)

  it("links a customer and a trialing subscription to a company, which shows them", async () => {
    const company = (await post("/companies", { keys: { stripe_customer_id: "cus_trial" }, name: "Trial Co" })).body
      .data
    const customer = await post("/billing/customer/upsert", {
      external_id: "cus_trial",
      email: "billing@trial.test",
      name: "Trial Co",
      meta: {},
      company_id: company.id,
      provider_type: "stripe"
    })
    expect(customer.status).toBe(201)
    expect(customer.body.data).toMatchObject({ external_id: "cus_trial", company_id: company.id })
    const again = await post("/billing/customer/upsert", {
      external_id: "cus_trial",
      email: "ap@trial.test",
      name: "Trial Co",
      meta: {}
    })
    expect(again.body.data).toMatchObject({ id: customer.body.data.id, email: "ap@trial.test", company_id: company.id })

    const subscription = trialingSubscription(
      { subscription: "sub_trial", customer: "cus_trial", product: "prod_pro", price: "price_pro_month" },
      now,
      30,
      14
    )
    const upserted = await post("/billing/subscription/upsert", subscription)
    expect(upserted.status).toBe(201)
    // Found through its customer: the subscription names no company itself.
    expect(upserted.body.data).toMatchObject({ subscription_external_id: "sub_trial", company_id: company.id })

    const shown = (await get(`/companies/${company.id}`)).body.data
    expect(shown.billing_subscription).toMatchObject({
      status: "trialing",
      trial_end: now + 14 * 86_400,
      products: [expect.objectContaining({ external_id: "prod_pro", price: 4900, quantity: 1 })]
    })
    const customers = await get(`/billing/customers?company_ids=${company.id}`)
    expect(customers.body.data).toEqual([
      expect.objectContaining({ external_id: "cus_trial", subscriptions: [expect.anything()] })
    ])
    const trialing = await get("/companies/count?subscription_statuses=trialing")
    expect(trialing.body.data.count).toBe(1)

    // The trial ends: the same subscription, active.
    await post("/billing/subscription/upsert", { ...subscription, status: "active", trial_end: now + 1 })
    expect((await get(`/companies/${company.id}`)).body.data.billing_subscription.status).toBe("active")
    const summary = (await get("/insights/summary")).body.data
    expect(summary.mrr).toEqual([{ currency: "usd", amount: 4900 }])
  })

  it("refuses bad subscriptions, naming the field", async () => {
    const base = {
      subscription_external_id: "sub_bad",
      customer_external_id: "cus_bad",
      currency: "usd",
      total_price: 0,
      cancel_at_period_end: false,
      discounts: [],
      expired_at: new Date().toISOString(),
      product_external_ids: []
    }
    const cases: Array<[unknown, RegExp]> = [
      [{ ...base, period_start: now, period_end: now + 10, trial_end: now - 10 }, /^trial_end: /],
      [{ ...base, period_start: now, period_end: now - 10 }, /^period_end: /],
      [{ ...base, company_id: "comp_missing" }, /^company_id: no company/],
      [
        {
          ...base,
          product_external_ids: [
            {
              product_external_id: "p",
              price_external_id: "q",
              price: 1,
              currency: "usd",
              interval: "month",
              quantity: -1,
              usage_type: "licensed"
            }
          ]
        },
        /product_external_ids\.0\.quantity: /
      ],
      [{ ...base, expired_at: "soon" }, /expired_at: /]
    ]
    for (const [body, message] of cases) {
      const answer = await post("/billing/subscription/upsert", body)
      expect({ status: answer.status, error: answer.body.error }).toEqual({
        status: 400,
        error: expect.stringMatching(message)
      })
    }
    expect((await get("/billing/customers?q=cus_bad")).body.data).toEqual([])
  })

  it("links a plan to its billing product, prices and trial", async () => {
    const plan = (await post("/plans", { name: "Scale", plan_type: "plan" })).body.data
    const product = await post("/billing/product/upsert", { external_id: "prod_scale", price: 99, name: "Scale" })
    expect(product.status).toBe(201)
    const linked = await call(sandbox.url, "PUT", `/plans/${plan.id}/billing_products`, {
      charge_type: "recurring",
      is_trialable: true,
      trial_days: 14,
      billing_product_id: product.body.data.product_id,
      monthly_price: 9900,
      yearly_price: 99000
    })
    expect(linked.status).toBe(200)
    expect(linked.body.data).toMatchObject({ plan_id: plan.id, is_trialable: true, trial_days: 14 })
    const shown = (await get(`/plans/${plan.id}`)).body.data
    expect(shown).toMatchObject({
      is_trialable: true,
      trial_days: 14,
      charge_type: "recurring",
      monthly_price: { id: linked.body.data.monthly_price_id, price: 9900, interval: "month" },
      yearly_price: { price: 99000, interval: "year" },
      billing_product: { external_id: "prod_scale", prices: [expect.anything(), expect.anything()] }
    })
    const bad = await call(sandbox.url, "PUT", `/plans/${plan.id}/billing_products`, {
      charge_type: "recurring",
      is_trialable: false,
      billing_product_id: "prod_missing"
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatch(/^billing_product_id: /)
    const missing = await call(sandbox.url, "PUT", "/plans/plan_missing/billing_products", {
      charge_type: "free",
      is_trialable: false
    })
    expect(missing.status).toBe(404)
  })

  it("grants credits, draws them by usage of a credit-metered feature, refuses the flag at zero", async () => {
    const credits = await post("/billing/credits", { name: "AI credits", description: "For AI", currency: "usd" })
    expect(credits.status).toBe(201)
    const creditId = credits.body.data.id
    expect((await get(`/billing/credits/${creditId}`)).body.data.name).toBe("AI credits")
    expect((await get("/billing/credits?name=AI")).body.data).toHaveLength(1)
    const feature = (
      await post("/features", {
        name: "AI generations",
        description: "",
        feature_type: "event",
        event_subtype: "ai-generation"
      })
    ).body.data
    const plan = (await post("/plans", { name: "AI plan", plan_type: "plan" })).body.data
    const entitlement = await post("/plan-entitlements", {
      plan_id: plan.id,
      feature_id: feature.id,
      value_type: "credit",
      value_credit_id: creditId,
      credit_consumption_rate: 2
    })
    expect(entitlement.status).toBe(201)
    expect(entitlement.body.data).toMatchObject({ consumption_rate: 2, value_credit: { id: creditId } })
    const company = (await post("/companies", { keys: { crm_id: "ai-co" }, name: "AI Co", base_plan_id: plan.id })).body
      .data
    const flagKey = "ai-generations"
    const check = async () =>
      (await post(`/flags/${flagKey}/check`, { company: { crm_id: "ai-co" } })).body.data as {
        value: boolean
        reason: string
        entitlement: { credit_remaining: number }
      }
    expect((await check()).value).toBe(false)

    /** Grants the company `quantity` credits of the type for `reason`. */
    const grant = (quantity: number, reason: string, fields: Record<string, unknown> = {}) =>
      post("/billing/credits/grants/company", {
        company_id: company.id,
        credit_id: creditId,
        quantity,
        reason,
        ...fields
      })
    const soon = new Date(Date.now() + 86_400_000).toISOString()
    const first = await grant(6, "free", { expires_at: soon })
    expect(first.status).toBe(201)
    await grant(4, "purchased")
    expect((await check()).value).toBe(true)
    // 4 units at 2 credits each: 6 from the grant that expires first, 2 from the other.
    await post("/events", {
      event_type: "track",
      body: { event: "ai-generation", company: { crm_id: "ai-co" }, quantity: 4 }
    })
    const balance = (await get(`/billing/credits/balance?company_id=${company.id}`)).body.data
    expect(balance).toEqual([expect.objectContaining({ credit_id: creditId, remaining: 2, total: 10 })])
    const grants = (await get(`/billing/credits/grants/company/list?company_id=${company.id}&order=expires_at&dir=asc`))
      .body.data
    expect(grants.map((grant: { quantity_remaining: number }) => grant.quantity_remaining)).toEqual([0, 2])
    const ledger = (await get(`/v2/billing/credits/ledger?company_id=${company.id}&event_type=usage`)).body.data
    expect(ledger.map((entry: { amount: number }) => entry.amount).sort((a: number, b: number) => a - b)).toEqual([
      -6, -2
    ])
    expect(ledger[0]).toMatchObject({ feature_id: feature.id, feature: { name: "AI generations" } })
    // The docs' path for the ledger (not in the spec, where it would read as a credit type's id): the same answer.
    const alias = await fetch(`${sandbox.url}/billing/credits/ledger?company_id=${company.id}`, {
      headers: { "x-schematic-api-key": "sch_dev_sandbox" }
    })
    expect(((await alias.json()) as { data: unknown[] }).data).toHaveLength(4)
    expect((await get(`/v2/billing/credits/ledger/count?company_id=${company.id}`)).body.data.count).toBe(4)

    await post("/events", { event_type: "track", body: { event: "ai-generation", company: { crm_id: "ai-co" } } })
    const refused = await check()
    expect(refused.value).toBe(false)
    expect(refused.reason).toMatch(/^Out of credits: 0 AI credits left, and one use costs 2/)
    expect(refused.entitlement.credit_remaining).toBe(0)
    const bulk = await post("/flags/check-bulk", { contexts: [{ company: { crm_id: "ai-co" } }, { company: {} }] })
    expect(bulk.status).toBe(201)
    expect(bulk.body.data.data).toHaveLength(2)
    expect(bulk.body.data.data[0].credit_balances).toEqual({ [creditId]: { remaining: 0, reserved: 0, settled: 0 } })

    await grant(10, "purchased")
    expect((await check()).value).toBe(true)
    const shown = (await get(`/companies/${company.id}`)).body.data
    expect(shown.billing_credit_balances).toEqual({ [creditId]: 10 })
    expect((await get(`/companies?credit_type_ids=${creditId}`)).body.data).toHaveLength(1)
  })

  it("refuses bad credit input, naming the field", async () => {
    const company = (await post("/companies", { keys: { crm_id: "bad-credits" }, name: "Bad" })).body.data
    const type = (await post("/billing/credits", { name: "Tokens", description: "", currency: "usd" })).body.data
    const cases: Array<[string, unknown, RegExp]> = [
      [
        "/billing/credits/grants/company",
        { company_id: company.id, credit_id: "bcrd_missing", quantity: 1, reason: "free" },
        /^credit_id: /
      ],
      [
        "/billing/credits/grants/company",
        { company_id: "comp_missing", credit_id: type.id, quantity: 1, reason: "free" },
        /^company_id: /
      ],
      [
        "/billing/credits/grants/company",
        { company_id: company.id, credit_id: type.id, quantity: -5, reason: "free" },
        /quantity: /
      ],
      [
        "/billing/credits/grants/company",
        { company_id: company.id, credit_id: type.id, quantity: 1, reason: "gift" },
        /reason: /
      ],
      [
        "/billing/credits/grants/company",
        { company_id: company.id, credit_id: type.id, quantity: 1, reason: "free", expires_at: "2001-01-01T00:00:00Z" },
        /^expires_at: /
      ],
      ["/billing/credits", { name: "", description: "", currency: "usd" }, /name: /]
    ]
    for (const [path, body, message] of cases) {
      const answer = await post(path, body)
      expect({ path, status: answer.status, error: answer.body.error }).toEqual({
        path,
        status: 400,
        error: expect.stringMatching(message)
      })
    }
    expect((await get("/v2/billing/credits/ledger")).status).toBe(400)
    expect((await get(`/billing/credits/grants/company/list?company_id=${company.id}`)).body.data).toEqual([])
  })
})
