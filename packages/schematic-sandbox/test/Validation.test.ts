import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { call, startSandbox } from "./support.js"

/** Bad input gets 400 with a message naming the field, never a 500, and nothing is half-written. */
describe("bad input", () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>
  beforeAll(async () => {
    sandbox = await startSandbox()
  })
  afterAll(() => sandbox.close())

  const cases: Array<[string, string, unknown, RegExp]> = [
    ["POST", "/companies", "{not json", /not valid JSON/],
    ["POST", "/companies", [], /body/],
    ["POST", "/companies", {}, /keys: is missing/],
    ["POST", "/companies", { keys: {} }, /keys: .*at least one key/],
    ["POST", "/companies", { keys: { a: 1 } }, /keys\.a: Expected string/],
    ["POST", "/companies", { keys: { a: "b" }, name: 5 }, /name: /],
    ["POST", "/companies", { keys: { a: "b" }, name: "x".repeat(300) }, /name: /],
    [
      "POST",
      "/companies",
      { keys: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, "v"])) },
      /keys: .*100/
    ],
    ["POST", "/companies", { keys: { a: "b" }, base_plan_id: "plan_missing" }, /base_plan_id: no plan/],
    ["POST", "/users", { keys: { email: "a@b.c" }, company: { x: "missing" } }, /company: no company/],
    ["POST", "/users", { keys: { email: "a@b.c" }, traits: "x" }, /traits: /],
    ["POST", "/events", {}, /event_type/],
    ["POST", "/events", { event_type: "track", body: {} }, /body\.event: is missing/],
    ["POST", "/events", { event_type: "track", body: { event: "x", quantity: 1.5 } }, /body\.quantity: /],
    [
      "POST",
      "/events",
      { event_type: "track", body: { event: "x" }, idempotency_key: "k".repeat(256) },
      /idempotency_key: /
    ],
    [
      "POST",
      "/events",
      { event_type: "track", body: { event: "x" }, trusted_client_clock: true },
      /sent_at: is required/
    ],
    [
      "POST",
      "/events",
      { event_type: "track", body: { event: "x" }, trusted_client_clock: true, sent_at: "2000-01-01T00:00:00Z" },
      /sent_at: cannot be more than 34 days/
    ],
    ["POST", "/events", { event_type: "nope", body: {} }, /event_type/],
    ["POST", "/event-batch", { events: "x" }, /events: /],
    ["POST", "/features", { name: "F", description: "", feature_type: "event" }, /event_subtype: is required/],
    ["POST", "/features", { name: "F", description: "", feature_type: "magic" }, /feature_type: /],
    ["POST", "/plans", { name: "", plan_type: "plan" }, /name: /],
    ["POST", "/plans", { name: "P", plan_type: "tier" }, /plan_type: /],
    ["POST", "/company-overrides", { company_id: "comp_x", feature_id: "feat_x" }, /value_type: is missing/],
    [
      "POST",
      "/company-overrides",
      { company_id: "comp_x", feature_id: "feat_x", value_type: "boolean" },
      /value_bool: is required/
    ],
    [
      "POST",
      "/company-overrides",
      { company_id: "comp_x", feature_id: "feat_x", value_type: "unlimited" },
      /company_id: no company/
    ],
    ["PUT", "/company-plans/comp_missing", { add_on_ids: [] }, /not found/],
    ["GET", "/companies?limit=251", undefined, /limit: must be a whole number from 0 to 250/],
    ["GET", "/companies?limit=abc", undefined, /limit: /],
    ["GET", "/companies?offset=-1", undefined, /offset: /],
    ["GET", "/users?limit=1000", undefined, /limit: /],
    ["GET", "/events?event_types=bogus", undefined, /event_types\.0: /],
    ["GET", "/events?limit=300", undefined, /limit: /],
    ["GET", "/companies/lookup", undefined, /keys: is required/],
    ["GET", "/companies/lookup?keys=%7Bbad", undefined, /keys: must be a JSON object/],
    ["GET", "/users/lookup?keys=%5B1%5D", undefined, /keys: must be a JSON object/],
    ["GET", "/insights/plan-growth?months=25", undefined, /months: /],
    ["GET", "/insights/top-features", undefined, /start_time: is required/],
    [
      "GET",
      "/insights/top-features?start_time=yesterday&end_time=2026-01-01T00:00:00Z",
      undefined,
      /start_time: must be an ISO/
    ],
    [
      "GET",
      "/insights/top-features?start_time=2026-01-02T00:00:00Z&end_time=2026-01-01T00:00:00Z",
      undefined,
      /end_time: must be after/
    ],
    [
      "GET",
      "/insights/top-features?start_time=2026-01-01T00:00:00Z&end_time=2026-01-02T00:00:00Z&limit=21",
      undefined,
      /limit: /
    ],
    ["GET", "/plans?plan_type=x", undefined, /plan_type: /]
  ]

  for (const [method, path, body, message] of cases) {
    it(`${method} ${path} ${typeof body === "string" ? body : JSON.stringify(body ?? "").slice(0, 60)}`, async () => {
      const response = await call(sandbox.url, method, path, body)
      expect(response.status).toBe(path.startsWith("/company-plans/comp_missing") ? 404 : 400)
      expect(response.body.error).toMatch(message)
    })
  }

  it("a batch with one bad event stores none of them, and names the bad one", async () => {
    const before = await call(sandbox.url, "GET", "/events?limit=250")
    const good = { event_type: "track", body: { event: "ok" } }
    const response = await call(sandbox.url, "POST", "/event-batch", {
      events: [good, good, { event_type: "track", body: { event: "" } }, good]
    })
    expect(response.status).toBe(400)
    expect(response.body.error).toMatch(/events\.2\.body\.event/)
    const after = await call(sandbox.url, "GET", "/events?limit=250")
    expect(after.body.data).toHaveLength(before.body.data.length)
  })

  it("a batch over 1000 events is refused whole", async () => {
    const events = Array.from({ length: 1001 }, () => ({ event_type: "track", body: { event: "bulk" } }))
    const response = await call(sandbox.url, "POST", "/event-batch", { events })
    expect(response.status).toBe(400)
    expect(response.body.error).toMatch(/events: must have at most 1000 events/)
    const stored = await call(sandbox.url, "GET", "/events?event_subtype=bulk")
    expect(stored.body.data).toHaveLength(0)
  })

  it("a user upsert that fails on its company creates no user", async () => {
    const response = await call(sandbox.url, "POST", "/users", {
      keys: { email: "ghost@x.test" },
      company_id: "comp_nope"
    })
    expect(response.status).toBe(400)
    const lookup = await call(sandbox.url, "GET", "/users/lookup?keys[email]=ghost%40x.test")
    expect(lookup.status).toBe(404)
  })

  it("a company upsert whose key belongs to another company changes nothing", async () => {
    const a = await call(sandbox.url, "POST", "/companies", { keys: { crm: "a" }, name: "A" })
    await call(sandbox.url, "POST", "/companies", { keys: { crm: "b" }, name: "B" })
    const clash = await call(sandbox.url, "POST", "/companies", {
      keys: { crm: "a" },
      name: "A2",
      remove_keys: ["crm"]
    })
    expect(clash.status).toBe(400)
    expect(clash.body.error).toMatch(/remove_keys/)
    const ambiguous = await call(sandbox.url, "POST", "/companies", { keys: { crm: "a", other: "x" } })
    expect(ambiguous.status).toBe(200)
    const both = await call(sandbox.url, "POST", "/companies", { keys: { crm: "b", other: "x" } })
    expect(both.status).toBe(400)
    expect(both.body.error).toMatch(/keys: the keys match 2 different companies/)
    const after = await call(sandbox.url, "GET", `/companies/${a.body.data.id}`)
    expect(after.body.data.name).toBe("A")
  })

  it("unknown paths answer 404 with Schematic's error body", async () => {
    const response = await call(sandbox.url, "GET", "/nope")
    expect(response.status).toBe(404)
    expect(response.body).toEqual({ error: "Not found" })
  })
})
