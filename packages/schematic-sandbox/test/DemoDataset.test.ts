import { describe, expect, it } from "vitest"
import { call, sandboxForSuite } from "./support.js"

/** A sandbox with the demo dataset for the enclosing suite: `data` GETs a path, which must answer 200, and its `data`. */
const demoData = () => {
  const sandbox = sandboxForSuite({ seed: "demo" })
  return async (path: string) => {
    const response = await call(sandbox.url, "GET", path)
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    return response.body.data
  }
}

/** The demo dataset, as a newcomer's first requests see it. */
describe("the demo dataset", () => {
  const data = demoData()

  it("has three base plans, two add-ons, and six features of each type with their entitlements", async () => {
    const plans = await data("/plans")
    expect(
      plans
        .filter((plan: { plan_type: string }) => plan.plan_type === "plan")
        .map((plan: { name: string }) => plan.name)
        .sort()
    ).toEqual(["Enterprise", "Free", "Pro"])
    expect(plans.filter((plan: { plan_type: string }) => plan.plan_type === "add_on")).toHaveLength(2)
    const features: Array<{ feature_type: string; flags: Array<unknown>; plans: Array<unknown> }> =
      await data("/features")
    for (const type of ["boolean", "event", "trait"]) {
      const ofType = features.filter((feature) => feature.feature_type === type)
      expect(ofType.length).toBeGreaterThanOrEqual(6)
      for (const feature of ofType) {
        expect(feature.flags).toHaveLength(1)
        expect(feature.plans.length).toBeGreaterThan(0)
      }
    }
  })

  it("has 200 companies with keys and users, some overrides, and this month's usage", async () => {
    expect((await data("/companies/count")).count).toBe(200)
    const acme = await data("/companies/lookup?keys[stripe_customer_id]=cus_demo001")
    expect(acme.keys.map((key: { key: string }) => key.key).sort()).toEqual(["crm_id", "stripe_customer_id"])
    expect(acme.user_count).toBeGreaterThan(0)
    expect(acme.entitlements.length).toBeGreaterThanOrEqual(12)
    expect(acme.metrics.some((metric: { value: number }) => metric.value > 0)).toBe(true)
    expect((await data("/company-overrides?limit=100")).length).toBeGreaterThanOrEqual(10)
    const top = await data(
      `/insights/top-features?start_time=${new Date(Date.now() - 30 * 86_400_000).toISOString()}&end_time=${new Date().toISOString()}`
    )
    expect(top.features.length).toBeGreaterThan(0)
  })

  it("has companies near and over their limits", async () => {
    const features = await data("/features?feature_type=event")
    const apiCalls = features.find((feature: { event_subtype: string }) => feature.event_subtype === "api-call")
    const holders: Array<{ percent_used: number | null }> = []
    for (let offset = 0; ; offset += 100) {
      const page = await data(`/feature-companies?feature_id=${apiCalls.id}&limit=100&offset=${offset}`)
      holders.push(...page)
      if (page.length < 100) break
    }
    expect(holders).toHaveLength(200)
    const near = holders.filter((holder) => (holder.percent_used ?? 0) >= 80)
    const over = holders.filter((holder) => (holder.percent_used ?? 0) >= 100)
    expect(near.length).toBeGreaterThan(5)
    expect(over.length).toBeGreaterThan(0)
  })
})

describe("the demo dataset's billing, trials and credits", () => {
  const data = demoData()

  it("gives most companies a subscription, some on a trial ending this week, and every company a last sighting", async () => {
    const companies: Array<{
      last_seen_at: string | null
      billing_subscription?: { status: string; trial_end?: number | null; products: Array<unknown> }
    }> = []
    for (let offset = 0; offset < 200; offset += 100)
      companies.push(...(await data(`/companies?limit=100&offset=${offset}`)))
    expect(companies.every((company) => company.last_seen_at !== null)).toBe(true)
    const subscribed = companies.filter((company) => company.billing_subscription !== undefined)
    expect(subscribed.length).toBeGreaterThan(150)
    const now = Date.now() / 1000
    const trials = subscribed.filter((company) => company.billing_subscription!.status === "trialing")
    expect(trials.length).toBeGreaterThan(3)
    expect(
      trials.filter((company) => company.billing_subscription!.trial_end! - now < 7 * 86_400).length
    ).toBeGreaterThan(0)
    expect((await data("/companies/count?subscription_statuses=trialing")).count).toBe(trials.length)
    const demo007 = await data("/companies/lookup?keys[stripe_customer_id]=cus_demo007")
    expect(demo007.billing_subscription.products.length).toBeGreaterThan(0)
    expect((await data("/insights/summary")).mrr[0].amount).toBeGreaterThan(0)
  })

  it("sells its plans with prices and a trial, and meters AI generations in AI credits", async () => {
    const plans: Array<{ name: string; monthly_price?: { price: number }; trial_days?: number | null }> =
      await data("/plans")
    const pro = plans.find((plan) => plan.name === "Pro")!
    expect(pro).toMatchObject({ monthly_price: { price: 4900 }, trial_days: 14, is_trialable: true })
    const [credit] = await data("/billing/credits?name=AI%20credits")
    expect(credit.name).toBe("AI credits")
    const entitlements = await data(`/plan-entitlements?plan_id=${(pro as { id?: string }).id}`)
    expect(entitlements.find((item: { value_type: string }) => item.value_type === "credit")).toMatchObject({
      consumption_rate: 2,
      value_credit: { id: credit.id }
    })
    const holders: Array<{ billing_credit_balances: Record<string, number> | null }> = await data(
      `/companies?credit_type_ids=${credit.id}&limit=100`
    )
    expect(holders.length).toBeGreaterThan(20)
    const balances = holders.map((company) => company.billing_credit_balances?.[credit.id] ?? 0)
    expect(balances.some((balance) => balance === 0)).toBe(true)
    expect(balances.some((balance) => balance > 0)).toBe(true)
  })

  it("has usage in the window before the last 30 days, for period-over-period insights", async () => {
    const end = Date.now()
    const top = await data(
      `/insights/top-features?start_time=${new Date(end - 30 * 86_400_000).toISOString()}&end_time=${new Date(end).toISOString()}`
    )
    expect(top.features.length).toBeGreaterThan(0)
    expect(top.features.every((feature: { prior_usage?: number }) => (feature.prior_usage ?? 0) > 0)).toBe(true)
  })
})
