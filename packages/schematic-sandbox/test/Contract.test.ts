import { describe, expect, it } from "vitest"
import { requestViolations } from "./contract.js"
import { call, expectMatchesSpec, sandboxForSuite, trialingSubscription } from "./support.js"

/**
 * Walks every endpoint the sandbox serves and checks each answer, success and error alike, against the
 * response schema in Schematic's OpenAPI document for that operation.
 */
describe("every sandbox response matches Schematic's spec", () => {
  const sandbox = sandboxForSuite()

  const checked = async (method: string, template: string, path: string, body: unknown, status: number) => {
    const response = await call(sandbox.url, method, path, body)
    expect(response.status, JSON.stringify(response.body)).toBe(status)
    expectMatchesSpec(method, template, status, response.body)
    return response.body
  }

  /** Shorthand for the walks below, each request checked by `check`: a read, and a creation at a path of no ids. */
  const shorthand = (check: typeof checked) => ({
    read: (template: string, path = template) => check("GET", template, path, undefined, 200),
    create: (path: string, body: unknown) => check("POST", path, path, body, 201)
  })

  it("catalog, companies, users, overrides, events and insights", async () => {
    const { read, create } = shorthand(checked)
    const plan = await create("/plans", { name: "Pro", plan_type: "plan", monthly_price: 4900 })
    const addOn = await create("/plans", { name: "Seats", plan_type: "add_on" })
    await read("/plans", "/plans?limit=10")
    await read("/plans/{plan_id}", `/plans/${plan.data.id}`)
    const feature = await create("/features", {
      name: "API calls",
      description: "Calls to the API",
      feature_type: "event",
      event_subtype: "api-call"
    })
    await read("/features", "/features?feature_type=event")
    const featureRead = await read("/features/{feature_id}", `/features/${feature.data.id}`)

    const company = await checked(
      "POST",
      "/companies",
      "/companies",
      { keys: { stripe_customer_id: "cus_1" }, name: "Acme", traits: { seats: 5 }, base_plan_id: plan.data.id },
      200
    )
    await checked(
      "PUT",
      "/company-plans/{company_id}",
      `/company-plans/${company.data.id}`,
      { base_plan_id: plan.data.id, add_on_ids: [addOn.data.id] },
      200
    )
    await read("/companies", "/companies?q=Acme&limit=5")
    await read("/companies/count")
    await read("/companies/{company_id}", `/companies/${company.data.id}`)
    await read(
      "/companies/lookup",
      `/companies/lookup?keys=${encodeURIComponent(JSON.stringify({ stripe_customer_id: "cus_1" }))}`
    )

    const user = await checked(
      "POST",
      "/users",
      "/users",
      { keys: { email: "ada@acme.test" }, name: "Ada", company: { stripe_customer_id: "cus_1" } },
      200
    )
    await read("/users", `/users?company_id=${company.data.id}`)
    await read("/users/{user_id}", `/users/${user.data.id}`)
    await read("/users/lookup", `/users/lookup?keys[email]=ada%40acme.test`)

    const override = await create("/company-overrides", {
      company_id: company.data.id,
      feature_id: feature.data.id,
      value_type: "numeric",
      value_numeric: 1000,
      note: "Pilot"
    })
    await read("/company-overrides", `/company-overrides?company_id=${company.data.id}`)
    const overridePath = `/company-overrides/${override.data.id}`
    const overrideRead = await read("/company-overrides/{company_override_id}", overridePath)
    // An override's feature is the feature as its own route renders it (FeatureResponseData's fields).
    const featureFields = Object.keys(overrideRead.data.feature)
    expect(featureFields).toEqual(expect.arrayContaining(["trait_id", "singular_name", "plural_name"]))
    expect(overrideRead.data.feature).toEqual(
      Object.fromEntries(featureFields.map((field) => [field, featureRead.data[field]]))
    )
    await checked(
      "PUT",
      "/company-overrides/{company_override_id}",
      overridePath,
      { value_type: "numeric", value_numeric: 2000 },
      200
    )

    const event = await create("/events", {
      event_type: "track",
      body: { event: "api-call", company: { stripe_customer_id: "cus_1" }, user: { email: "ada@acme.test" } },
      idempotency_key: "k-1"
    })
    await create("/event-batch", {
      events: [
        { event_type: "track", body: { event: "api-call", company: { stripe_customer_id: "cus_1" }, quantity: 3 } },
        {
          event_type: "identify",
          body: { keys: { email: "bob@acme.test" }, company: { keys: { stripe_customer_id: "cus_1" } } }
        }
      ]
    })
    await read("/events", `/events?company_id=${company.data.id}&event_types=track`)
    await read("/events/{event_id}", `/events/${event.data.event_id}`)
    await read("/event-types")

    const entitlement = await create("/plan-entitlements", {
      plan_id: plan.data.id,
      feature_id: feature.data.id,
      value_type: "numeric",
      value_numeric: 100,
      metric_period: "current_month",
      metric_period_month_reset: "billing_cycle"
    })
    const entitlementPath = `/plan-entitlements/${entitlement.data.id}`
    await read("/plan-entitlements", `/plan-entitlements?plan_id=${plan.data.id}`)
    await read("/plan-entitlements/{plan_entitlement_id}", entitlementPath)
    await checked(
      "PUT",
      "/plan-entitlements/{plan_entitlement_id}",
      entitlementPath,
      { value_type: "numeric", value_numeric: 200, metric_period: "current_week" },
      200
    )
    await read("/flags", "/flags?q=api")
    const flagId = feature.data.flags[0].id
    await read("/flags/{flag_id}", `/flags/${flagId}`)
    await checked(
      "POST",
      "/flags/{key}/check",
      "/flags/api-calls/check",
      { company: { stripe_customer_id: "cus_1" } },
      200
    )
    await create("/flags/check", { company: { stripe_customer_id: "cus_1" } })
    await read("/feature-usage", `/feature-usage?company_id=${company.data.id}`)
    await read("/feature-companies", `/feature-companies?feature_id=${feature.data.id}`)
    const standalone = await create("/flags", {
      key: "beta-ui",
      name: "Beta UI",
      description: "",
      flag_type: "boolean",
      default_value: true
    })
    await checked(
      "PUT",
      "/flags/{flag_id}",
      `/flags/${standalone.data.id}`,
      { key: "beta-ui", name: "Beta UI", description: "New UI", flag_type: "boolean", default_value: false },
      200
    )
    await checked("DELETE", "/flags/{flag_id}", `/flags/${standalone.data.id}`, undefined, 200)
    const boolean = await create("/features", { name: "SSO", description: "", feature_type: "boolean" })
    await checked(
      "PUT",
      "/features/{feature_id}",
      `/features/${boolean.data.id}`,
      { description: "Single sign-on" },
      200
    )
    await checked("DELETE", "/features/{feature_id}", `/features/${boolean.data.id}`, undefined, 200)

    await read("/insights/summary")
    await read("/insights/plan-growth", "/insights/plan-growth?months=3")
    const end = new Date(Date.now() + 60_000).toISOString()
    const start = new Date(Date.now() - 86_400_000).toISOString()
    await read("/insights/top-features", `/insights/top-features?start_time=${start}&end_time=${end}&limit=5`)

    await checked("DELETE", "/company-overrides/{company_override_id}", overridePath, undefined, 200)
    await checked("DELETE", "/plan-entitlements/{plan_entitlement_id}", entitlementPath, undefined, 200)
    await checked("DELETE", "/users/{user_id}", `/users/${user.data.id}`, undefined, 200)
    await checked("DELETE", "/companies/{company_id}", `/companies/${company.data.id}`, undefined, 200)
  })

  it("billing, credits, plan billing links, counts and bulk checks, with requests the spec takes", async () => {
    // Here each request is one Schematic's spec takes, too: what the capability sends, the sandbox answers.
    const sent = async (method: string, template: string, path: string, body: unknown, status: number) => {
      expect(requestViolations(method, path, body)).toEqual([])
      return checked(method, template, path, body, status)
    }
    const { read, create } = shorthand(sent)
    const company = await sent("POST", "/companies", "/companies", { keys: { stripe_customer_id: "cus_c1" } }, 200)
    const companyId = company.data.id
    await create("/billing/customer/upsert", {
      external_id: "cus_c1",
      email: "a@c1.test",
      name: "C1",
      meta: {},
      company_id: companyId,
      provider_type: "stripe"
    })
    await read("/billing/customers", `/billing/customers?company_ids=${companyId}&limit=10`)
    const product = await create("/billing/product/upsert", {
      external_id: "prod_c1",
      price: 49,
      name: "C1 plan",
      provider_type: "stripe"
    })
    const now = Math.floor(Date.now() / 1000)
    await create("/billing/subscription/upsert", {
      ...trialingSubscription(
        { subscription: "sub_c1", customer: "cus_c1", product: "prod_c1", price: "price_c1" },
        now,
        1,
        1
      ),
      company_id: companyId,
      trial_end_setting: "subscribe",
      provider_type: "stripe"
    })
    await read("/companies/{company_id}", `/companies/${companyId}`)
    await read("/companies/count", "/companies/count?subscription_statuses=trialing")
    const active = await read("/company-subscriptions", `/company-subscriptions?company_id=${companyId}`)
    expect(active.data).toEqual([
      expect.objectContaining({
        subscription_external_id: "sub_c1",
        trial_end: new Date((now + 86_400) * 1000).toISOString()
      })
    ])
    const plan = await create("/plans", { name: "C1 plan", plan_type: "plan", description: "" })
    await sent(
      "PUT",
      "/plans/{plan_id}/billing_products",
      `/plans/${plan.data.id}/billing_products`,
      {
        charge_type: "recurring",
        is_trialable: true,
        trial_days: 14,
        billing_product_id: product.data.product_id,
        monthly_price: 4900,
        yearly_price: 49000,
        currency: "usd"
      },
      200
    )
    await read("/plans/{plan_id}", `/plans/${plan.data.id}`)
    await read("/plans", "/plans?limit=5")
    const credit = await create("/billing/credits", { name: "C1 credits", description: "", currency: "usd" })
    const creditId = credit.data.id
    await read("/billing/credits", `/billing/credits?ids=${creditId}`)
    await read("/billing/credits/count")
    await read("/billing/credits/{credit_id}", `/billing/credits/${creditId}`)
    const feature = await create("/features", {
      name: "C1 renders",
      description: "",
      feature_type: "event",
      event_subtype: "c1-render"
    })
    const entitlement = await create("/plan-entitlements", {
      plan_id: plan.data.id,
      feature_id: feature.data.id,
      value_type: "credit",
      value_credit_id: creditId,
      credit_consumption_rate: 2
    })
    await sent(
      "PUT",
      "/plan-entitlements/{plan_entitlement_id}",
      `/plan-entitlements/${entitlement.data.id}`,
      { value_type: "credit", value_credit_id: creditId, credit_consumption_rate: 1 },
      200
    )
    await sent(
      "PUT",
      "/company-plans/{company_id}",
      `/company-plans/${companyId}`,
      { base_plan_id: plan.data.id, add_on_ids: [] },
      200
    )
    await create("/billing/credits/grants/company", {
      company_id: companyId,
      credit_id: creditId,
      quantity: 5,
      reason: "free",
      expires_at: new Date(Date.now() + 86_400_000).toISOString()
    })
    await create("/events", {
      event_type: "track",
      body: { event: "c1-render", company: { stripe_customer_id: "cus_c1" }, quantity: 2 }
    })
    const list = `/billing/credits/grants/company/list?company_id=${companyId}&order=expires_at&dir=asc`
    await read("/billing/credits/grants/company/list", list)
    await read("/billing/credits/balance", `/billing/credits/balance?company_id=${companyId}`)
    await read("/v2/billing/credits/ledger", `/v2/billing/credits/ledger?company_id=${companyId}`)
    await read(
      "/v2/billing/credits/ledger/count",
      `/v2/billing/credits/ledger/count?company_id=${companyId}&event_type=usage`
    )
    await create("/flags/check", { company: { stripe_customer_id: "cus_c1" } })
    await create("/flags/check-bulk", { contexts: [{ company: { stripe_customer_id: "cus_c1" } }] })
    await read("/company-overrides/count", `/company-overrides/count?company_id=${companyId}`)
    await read("/feature-usage", `/feature-usage?company_id=${companyId}`)
    await sent("DELETE", "/plans/{plan_id}", `/plans/${plan.data.id}`, undefined, 200)

    // Their refusals, in Schematic's error body.
    await checked("GET", "/billing/credits/{credit_id}", "/billing/credits/bcrd_missing", undefined, 404)
    await checked("GET", "/billing/credits/balance", "/billing/credits/balance", undefined, 400)
    await checked("GET", "/v2/billing/credits/ledger", "/v2/billing/credits/ledger", undefined, 400)
    await checked(
      "POST",
      "/billing/credits/grants/company",
      "/billing/credits/grants/company",
      { company_id: companyId, credit_id: creditId, quantity: 0, reason: "free" },
      400
    )
    await checked("POST", "/billing/subscription/upsert", "/billing/subscription/upsert", { status: "active" }, 400)
    await checked("POST", "/flags/check-bulk", "/flags/check-bulk", { contexts: [] }, 400)
    await checked(
      "PUT",
      "/plans/{plan_id}/billing_products",
      "/plans/plan_missing/billing_products",
      {
        charge_type: "free",
        is_trialable: false
      },
      404
    )
  })

  it("error answers", async () => {
    await checked("GET", "/companies/{company_id}", "/companies/comp_missing", undefined, 404)
    await checked("POST", "/companies", "/companies", { name: "no keys" }, 400)
    await checked("POST", "/flags/{key}/check", "/flags/no-such-flag/check", {}, 404)
    await checked("GET", "/feature-companies", "/feature-companies", undefined, 400)
    await checked("POST", "/event-batch", "/event-batch", { events: [{ event_type: "track", body: {} }] }, 400)
    const unauthorized = await call(sandbox.url, "GET", "/companies", undefined, { "x-schematic-api-key": "wrong" })
    expect(unauthorized.status).toBe(401)
    expectMatchesSpec("GET", "/companies", 401, unauthorized.body)
  })
})

describe("the contract check itself", () => {
  it("rejects a body that breaks the spec, naming the field", () => {
    expect(() =>
      expectMatchesSpec("GET", "/companies/{company_id}", 200, { data: { id: 1, name: "x" }, params: {} })
    ).toThrow(/must be string|must have required property/)
  })
})
