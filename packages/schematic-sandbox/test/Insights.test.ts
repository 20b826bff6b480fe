import { describe, expect, it } from "vitest"
import { call, sandboxForSuite } from "./support.js"

const HOUR = 3_600_000

describe("insights are computed from stored data", () => {
  const sandbox = sandboxForSuite()

  it("top-features: usage in [start, end) against the window of equal length before it", async () => {
    await call(sandbox.url, "POST", "/features", {
      name: "API calls",
      description: "",
      feature_type: "event",
      event_subtype: "api-call",
      plural_name: "calls"
    })
    await call(sandbox.url, "POST", "/features", {
      name: "Exports",
      description: "",
      feature_type: "event",
      event_subtype: "export"
    })
    await call(sandbox.url, "POST", "/features", {
      name: "Unused",
      description: "",
      feature_type: "event",
      event_subtype: "never"
    })
    // A window that starts and ends mid-hour, so both the hourly rollup and the raw edges count.
    const end = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR + 20 * 60_000
    const start = end - 30 * HOUR - 17 * 60_000
    const priorStart = start - (end - start)
    const at = (time: number, event: string, quantity: number) => ({
      event_type: "track",
      body: { event, quantity },
      backfill: true,
      sent_at: new Date(time).toISOString()
    })
    const response = await call(sandbox.url, "POST", "/event-batch", {
      events: [
        at(start, "api-call", 1), // first instant of the window: counts
        at(start + 5 * HOUR, "api-call", 10),
        at(end - 1, "api-call", 100), // last instant: counts
        at(end, "api-call", 1000), // after the window
        at(start - 1, "api-call", 7), // prior window, its last instant
        at(priorStart, "api-call", 20), // prior window, its first instant
        at(priorStart - 1, "api-call", 5000), // before both
        at(start + HOUR, "export", 4),
        at(start + 2 * HOUR, "unmetered-event", 9)
      ]
    })
    expect(response.status).toBe(201)
    const top = await call(
      sandbox.url,
      "GET",
      `/insights/top-features?start_time=${new Date(start).toISOString()}&end_time=${new Date(end).toISOString()}`
    )
    expect(top.status).toBe(200)
    expect(top.body.data.features).toEqual([
      expect.objectContaining({
        feature_name: "API calls",
        plural_name: "calls",
        usage: 111,
        prior_usage: 27,
        change_pct: 311.11
      }),
      expect.objectContaining({ feature_name: "Exports", usage: 4, prior_usage: 0, change_pct: null })
    ])
    const limited = await call(
      sandbox.url,
      "GET",
      `/insights/top-features?start_time=${new Date(start).toISOString()}&end_time=${new Date(end).toISOString()}&limit=1`
    )
    expect(limited.body.data.features.map((feature: { feature_name: string }) => feature.feature_name)).toEqual([
      "API calls"
    ])
  })

  it("summary and plan-growth follow plan assignments and list prices", async () => {
    const pro = (await call(sandbox.url, "POST", "/plans", { name: "Pro", plan_type: "plan", monthly_price: 5000 }))
      .body.data
    const yearly = (
      await call(sandbox.url, "POST", "/plans", { name: "Annual", plan_type: "plan", yearly_price: 12000 })
    ).body.data
    const free = (await call(sandbox.url, "POST", "/plans", { name: "Free", plan_type: "plan" })).body.data
    const seats = (
      await call(sandbox.url, "POST", "/plans", { name: "Seats", plan_type: "add_on", monthly_price: 700 })
    ).body.data
    const company = async (key: string, plan: string) =>
      (await call(sandbox.url, "POST", "/companies", { keys: { crm: key }, name: key, base_plan_id: plan })).body.data
    const a = await company("a", pro.id)
    const b = await company("b", pro.id)
    await company("c", yearly.id)
    await company("d", free.id)
    await call(sandbox.url, "PUT", `/company-plans/${a.id}`, { base_plan_id: pro.id, add_on_ids: [seats.id] })
    await call(sandbox.url, "PUT", `/company-plans/${b.id}`, { base_plan_id: free.id, add_on_ids: [] })

    const summary = (await call(sandbox.url, "GET", "/insights/summary")).body.data
    expect(summary).toEqual({
      total_companies: 4,
      paid_companies: 2,
      total_plans: 4,
      total_features: 3,
      active_credits: 0,
      mrr: [{ currency: "usd", amount: 5000 + 700 + 1000 }]
    })

    const plan = (await call(sandbox.url, "GET", `/plans/${pro.id}`)).body.data
    expect(plan.company_count).toBe(1)

    const growth = (await call(sandbox.url, "GET", "/insights/plan-growth?months=3")).body.data
    const thisMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1)).toISOString()
    const counts = Object.fromEntries(
      growth.points.map((point: { month: string; plan_name: string; subscribers: number }) => [
        `${point.month} ${point.plan_name}`,
        point.subscribers
      ])
    )
    expect(counts).toEqual({
      [`${thisMonth} Annual`]: 1,
      [`${thisMonth} Free`]: 2,
      [`${thisMonth} Pro`]: 1,
      [`${thisMonth} Seats`]: 1
    })

    await call(sandbox.url, "DELETE", `/companies/${a.id}`)
    const afterDelete = (await call(sandbox.url, "GET", "/insights/summary")).body.data
    expect(afterDelete.paid_companies).toBe(1)
    expect(afterDelete.mrr).toEqual([{ currency: "usd", amount: 1000 }])
  })
})
