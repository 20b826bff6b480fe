import { describe, expect, it } from "vitest"
import { type MetricPeriod, type MonthReset, windowAt } from "../src/internal/domain/metricPeriod.js"
import { call, sandboxForSuite } from "./support.js"

/** Every answer below also passes the check of Schematic's spec that `call` makes. */
describe("the entitlement model", () => {
  const sandbox = sandboxForSuite()
  const ok = async (method: string, path: string, body?: unknown) => {
    const response = await call(sandbox.url, method, path, body)
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`)
    return response.body.data
  }
  const feature = (name: string, fields: Record<string, unknown>) =>
    ok("POST", "/features", { name, description: "", ...fields })
  const plan = (name: string, planType: "plan" | "add_on" = "plan") =>
    ok("POST", "/plans", { name, plan_type: planType })
  const grant = (planId: string, featureId: string, value: Record<string, unknown>) =>
    ok("POST", "/plan-entitlements", { plan_id: planId, feature_id: featureId, ...value })
  const company = (key: string, fields: Record<string, unknown> = {}) =>
    ok("POST", "/companies", { keys: { crm_id: key }, name: key, ...fields })
  const check = (flag: string, key: string) => ok("POST", `/flags/${flag}/check`, { company: { crm_id: key } })
  const track = (key: string, event: string, extra: Record<string, unknown> = {}) =>
    ok("POST", "/events", { event_type: "track", body: { event, company: { crm_id: key } }, ...extra })

  it("creates each feature's flag with it, keyed from its name unless a flag is given", async () => {
    const reports = await feature("Report runs", { feature_type: "event", event_subtype: "report-run" })
    expect(reports.flags).toEqual([expect.objectContaining({ key: "report-runs", feature_id: reports.id })])
    const sso = await feature("SSO", {
      feature_type: "boolean",
      flag: { key: "sso", name: "SSO", description: "", flag_type: "boolean", default_value: false }
    })
    expect(sso.flags.map((flag: { key: string }) => flag.key)).toEqual(["sso"])
    const flags = await ok("GET", `/flags?feature_id=${sso.id}`)
    expect(flags).toEqual([expect.objectContaining({ key: "sso", feature: expect.objectContaining({ id: sso.id }) })])
    const again = await call(sandbox.url, "POST", "/features", {
      name: "SSO again",
      description: "",
      feature_type: "boolean",
      flag: { key: "sso", name: "SSO", description: "", flag_type: "boolean", default_value: false }
    })
    expect(again.status).toBe(400)
    expect(again.body.error).toMatch(/^flag\.key: /)
    // Nothing half-written: the feature whose flag was refused is not there either.
    expect(await ok("GET", "/features?q=SSO%20again")).toEqual([])
    const missingEvent = await call(sandbox.url, "POST", "/features", {
      name: "x",
      description: "",
      feature_type: "event"
    })
    expect(missingEvent.body.error).toMatch(/^event_subtype: /)
  })

  it("an override takes precedence over the plan; add-ons grant what the base plan lacks; the most generous plan wins", async () => {
    const seats = await feature("Projects", { feature_type: "event", event_subtype: "project-created" })
    const audit = await feature("Audit log", { feature_type: "boolean" })
    const base = await plan("Team")
    const extra = await plan("Compliance pack", "add_on")
    const bigger = await plan("More projects", "add_on")
    await grant(base.id, seats.id, { value_type: "numeric", value_numeric: 5 })
    await grant(bigger.id, seats.id, { value_type: "numeric", value_numeric: 50 })
    await grant(extra.id, audit.id, { value_type: "boolean", value_bool: true })
    const acme = await company("acme-1", { base_plan_id: base.id })
    expect((await check("projects", "acme-1")).entitlement).toMatchObject({ allocation: 5, usage: 0 })
    expect((await check("audit-log", "acme-1")).value).toBe(false)

    await ok("PUT", `/company-plans/${acme.id}`, { base_plan_id: base.id, add_on_ids: [extra.id, bigger.id] })
    const audited = await check("audit-log", "acme-1")
    expect(audited).toMatchObject({ value: true, rule_type: "plan_entitlement" })
    expect((await check("projects", "acme-1")).entitlement).toMatchObject({ allocation: 50 })

    const override = await ok("POST", "/company-overrides", {
      company_id: acme.id,
      feature_id: audit.id,
      value_type: "boolean",
      value_bool: false
    })
    expect(await check("audit-log", "acme-1")).toMatchObject({ value: false, rule_type: "company_override" })
    await ok("PUT", `/company-overrides/${override.id}`, { value_type: "unlimited" })
    expect(await check("audit-log", "acme-1")).toMatchObject({ value: true, rule_type: "company_override" })
    // An expired override no longer applies.
    await ok("PUT", `/company-overrides/${override.id}`, {
      value_type: "boolean",
      value_bool: false,
      expiration_date: new Date(Date.now() - 1000).toISOString()
    })
    expect(await check("audit-log", "acme-1")).toMatchObject({ value: true, rule_type: "plan_entitlement" })

    const detail = await ok("GET", `/companies/${acme.id}`)
    expect(detail.entitlements.map((item: { feature_key: string }) => item.feature_key).sort()).toEqual([
      "audit-log",
      "projects"
    ])
    expect(detail.metrics).toEqual([
      expect.objectContaining({ event_subtype: "project-created", period: "all_time", value: 0 })
    ])
  })

  it("trait features read the company's trait; trait entitlements take their allocation from a trait", async () => {
    const seats = await feature("Seats", { feature_type: "trait", trait_id: "seats" })
    const base = await plan("Per seat")
    await grant(base.id, seats.id, { value_type: "trait", value_trait_id: "seat_limit" })
    await company("globex", { base_plan_id: base.id, traits: { seats: 4, seat_limit: 5 } })
    expect(await check("seats", "globex")).toMatchObject({ value: true, entitlement: { usage: 4, allocation: 5 } })
    await company("globex", { traits: { seats: 5 } })
    expect(await check("seats", "globex")).toMatchObject({
      value: false,
      rule_type: "plan_entitlement_usage_exceeded",
      entitlement: { usage: 5, allocation: 5 }
    })
  })

  it("metric periods: a trusted clock counts an event in the period it was sent in, an untrusted one when received", async () => {
    const calls = await feature("Exports", { feature_type: "event", event_subtype: "export" })
    const monthly = await plan("Monthly exports")
    const daily = await plan("Daily exports", "add_on")
    await grant(monthly.id, calls.id, { value_type: "numeric", value_numeric: 100, metric_period: "current_month" })
    const initech = await company("initech", { base_plan_id: monthly.id })
    const now = new Date()
    const lastSecondOfLastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) - 1000).toISOString()
    await track("initech", "export", { sent_at: lastSecondOfLastMonth, trusted_client_clock: true })
    await track("initech", "export", { sent_at: lastSecondOfLastMonth })
    await track("initech", "export")
    const month = (await check("exports", "initech")).entitlement
    // The trusted one belongs to last month; the untrusted one counts when it arrived.
    expect(month).toMatchObject({ usage: 2, metric_period: "current_month", month_reset: "first_of_month" })
    expect(month.metric_reset_at).toBe(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString())

    await ok("PUT", `/company-plans/${initech.id}`, { base_plan_id: monthly.id, add_on_ids: [daily.id] })
    await grant(daily.id, calls.id, { value_type: "numeric", value_numeric: 1000, metric_period: "all_time" })
    expect((await check("exports", "initech")).entitlement).toMatchObject({ usage: 3, allocation: 1000 })

    const usage = await ok("GET", `/feature-usage?company_keys[crm_id]=initech`)
    expect(usage).toEqual([
      expect.objectContaining({ access: true, usage: 3, allocation: 1000, entitlement_type: "plan_entitlement" })
    ])
  })

  it("feature usage, companies with a feature, and every flag at once", async () => {
    const runs = await feature("Builds", { feature_type: "event", event_subtype: "build" })
    const base = await plan("CI")
    await grant(base.id, runs.id, { value_type: "numeric", value_numeric: 4, metric_period: "current_day" })
    const light = await company("light", { base_plan_id: base.id })
    await company("heavy", { base_plan_id: base.id })
    await ok("POST", "/events", {
      event_type: "track",
      body: { event: "build", company: { crm_id: "heavy" }, quantity: 3 }
    })
    const holders = await ok("GET", `/feature-companies?feature_id=${runs.id}`)
    expect(
      holders.map((item: { company: { name: string }; usage: number; percent_used: number }) => [
        item.company.name,
        item.usage,
        item.percent_used
      ])
    ).toEqual([
      ["heavy", 3, 75],
      ["light", 0, 0]
    ])
    const usage = await ok("GET", `/feature-usage?company_id=${light.id}`)
    expect(usage).toEqual([expect.objectContaining({ usage: 0, allocation: 4, period: "current_day" })])
    const all = await call(sandbox.url, "POST", "/flags/check", { company: { crm_id: "heavy" } })
    expect(all.status).toBe(201)
    expect(all.body.data.plan).toEqual({ id: base.id, name: "CI" })
    expect(all.body.data.flags.find((flag: { flag: string }) => flag.flag === "builds")).toMatchObject({
      value: true,
      entitlement: { usage: 3, allocation: 4, metric_period: "current_day" }
    })
    const missing = await call(sandbox.url, "GET", "/feature-usage?company_keys[crm_id]=nobody")
    expect(missing.status).toBe(404)
    const unknownCompany = await check("builds", "nobody")
    expect(unknownCompany).toMatchObject({ value: false, rule_type: "default", company_id: null })
  })

  it("a track event counts for a company an identify earlier in the same batch created", async () => {
    const views = await feature("Page views", { feature_type: "event", event_subtype: "page-view" })
    const base = await plan("Views")
    await grant(base.id, views.id, { value_type: "numeric", value_numeric: 10 })
    const batch = await call(sandbox.url, "POST", "/event-batch", {
      events: [
        {
          event_type: "identify",
          body: { keys: { email: "new@soylent.test" }, company: { keys: { crm_id: "soylent" } } }
        },
        { event_type: "track", body: { event: "page-view", company: { crm_id: "soylent" }, quantity: 4 } }
      ]
    })
    expect(batch.status).toBe(201)
    const soylent = await ok("GET", "/companies/lookup?keys[crm_id]=soylent")
    await ok("PUT", `/company-plans/${soylent.id}`, { base_plan_id: base.id, add_on_ids: [] })
    expect((await check("page-views", "soylent")).entitlement).toMatchObject({ usage: 4, allocation: 10 })
    // An event that names only the user counts for the user's company.
    await ok("POST", "/events", {
      event_type: "track",
      body: { event: "page-view", user: { email: "new@soylent.test" } }
    })
    expect((await check("page-views", "soylent")).entitlement).toMatchObject({ usage: 5 })
  })

  it("companies with a feature leave out those whose only grant expired, without short pages", async () => {
    const beta = await feature("Beta", { feature_type: "boolean" })
    const holders = []
    for (const name of ["beta-a", "beta-b", "beta-c"]) holders.push(await company(name))
    for (const [index, holder] of holders.entries()) {
      const expired = index > 0
      await ok("POST", "/company-overrides", {
        company_id: holder.id,
        feature_id: beta.id,
        value_type: "boolean",
        value_bool: true,
        ...(expired ? { expiration_date: new Date(Date.now() - 60_000).toISOString() } : {})
      })
    }
    const page = await ok("GET", `/feature-companies?feature_id=${beta.id}&limit=1`)
    expect(page.map((item: { company: { name: string } }) => item.company.name)).toEqual(["beta-a"])
    // A new override replaces an expired one.
    const renewed = await call(sandbox.url, "POST", "/company-overrides", {
      company_id: holders[2].id,
      feature_id: beta.id,
      value_type: "boolean",
      value_bool: true
    })
    expect(renewed.status).toBe(201)
    expect(await ok("GET", `/feature-companies?feature_id=${beta.id}`)).toHaveLength(2)
  })

  it("refuses a flag key another flag holds, and a flag for a feature that does not exist", async () => {
    const reports = await feature("Dashboards", { feature_type: "boolean" })
    await ok("POST", "/flags", {
      key: "dashboards-v2",
      name: "Dashboards v2",
      description: "",
      flag_type: "boolean",
      default_value: false,
      feature_id: reports.id
    })
    const clash = await call(sandbox.url, "PUT", `/features/${reports.id}`, {
      flag: { key: "dashboards-v2", name: "x", description: "", flag_type: "boolean", default_value: false }
    })
    expect(clash.status).toBe(400)
    expect(clash.body.error).toMatch(/^flag\.key: /)
    const flagId = reports.flags[0].id
    const orphan = await call(sandbox.url, "PUT", `/flags/${flagId}`, {
      key: "dashboards",
      name: "Dashboards",
      description: "",
      flag_type: "boolean",
      default_value: false,
      feature_id: "feat_missing"
    })
    expect(orphan.status).toBe(400)
    expect(orphan.body.error).toMatch(/^feature_id: /)
  })

  it("refuses what it does not model, and an entitlement missing its value, naming the field", async () => {
    const thing = await feature("Credits thing", { feature_type: "boolean" })
    const base = await plan("Credits")
    // The value type, and then the field each value type needs.
    for (const [valueType, field] of [
      ["unknown", "value_type"],
      ["credit", "value_credit_id"],
      ["numeric", "value_numeric"]
    ]) {
      const refused = await call(sandbox.url, "POST", "/plan-entitlements", {
        plan_id: base.id,
        feature_id: thing.id,
        value_type: valueType
      })
      expect(refused.status).toBe(400)
      expect(refused.body.error).toMatch(new RegExp(`^${field}: `))
    }
  })
})

describe("metric period windows", () => {
  const at = (iso: string) => Date.parse(iso)
  /** Each case: a period as `windowAt` takes it, at a time, and where its window starts and when it resets. */
  const expectWindows = (
    cases: ReadonlyArray<readonly [MetricPeriod, MonthReset, string, number | null, string, string]>
  ) => {
    for (const [period, monthReset, now, anchor, start, resetAt] of cases) {
      expect(windowAt(period, monthReset, at(now), anchor)).toEqual({ start: at(start), resetAt: at(resetAt) })
    }
  }
  it("days and weeks (from Monday) at 00:00 UTC", () => {
    expectWindows([
      ["current_day", "first_of_month", "2026-12-01T23:59:59Z", null, "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"],
      // 2026-12-06 is a Sunday: its week began on Monday the 30th of November.
      ["current_week", "first_of_month", "2026-12-06T12:00:00Z", null, "2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z"]
    ])
  })
  it("months from the first, or from the day the base plan began, clamped to short months", () => {
    // When the base plan began: the anchor of billing-cycle months.
    const began = at("2026-01-31T15:00:00Z")
    expectWindows([
      ["current_month", "first_of_month", "2026-12-31T23:59:59Z", null, "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"],
      ["current_month", "billing_cycle", "2026-02-28T10:00:00Z", began, "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z"],
      ["current_month", "billing_cycle", "2026-03-15T00:00:00Z", began, "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z"]
    ])
    expect(windowAt("current_month", "billing_cycle", at("2026-03-15T00:00:00Z"), null).start).toBe(
      at("2026-03-01T00:00:00Z")
    )
    expect(windowAt("all_time", "first_of_month", at("2026-03-15T00:00:00Z"), null)).toEqual({
      start: 0,
      resetAt: null
    })
  })
})
