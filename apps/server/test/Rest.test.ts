import { readFileSync } from "node:fs"
import { Operations } from "@schematic-capability/capability-core"
import { Validator } from "@seriousme/openapi-schema-validator"
import Ajv2020Module from "ajv/dist/2020.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, rest, startServer } from "./support.js"

// ajv is CommonJS: under NodeNext its class sits on `.default`.
const Ajv2020 = Ajv2020Module.default

const serverVersion = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version

describe("the REST API, end to end over the embedded sandbox", () => {
  let server: RunningServer
  // biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document as JSON
  let document: any
  const ajv = new Ajv2020({ strict: false, allErrors: true })

  /** A call whose success answer must match the response schema our own OpenAPI document publishes. */
  const call = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const response = await rest(server.rest, method, path, body, headers)
    const template = path.split("?")[0]!
    const operation = document.paths[template]?.[method.toLowerCase()]
    const schema = operation?.responses?.[String(response.status)]?.content?.["application/json"]?.schema
    if (schema !== undefined) {
      const validate = ajv.compile({ ...schema, components: document.components })
      if (!validate(JSON.parse(JSON.stringify(response.body)))) {
        throw new Error(
          `${method} ${path} ${response.status} breaks its documented schema: ${ajv.errorsText(validate.errors)}`
        )
      }
    }
    return response
  }

  beforeAll(async () => {
    server = await startServer()
    document = (await rest(server.rest, "GET", "/openapi.json")).body
    // The document's error schema is referenced as #/components/schemas/Error from every response.
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      ajv.addSchema(schema as object, `#/components/schemas/${name}`)
    }
  })
  afterAll(() => server.stop())

  it("publishes a valid OpenAPI 3.1 document covering every operation", async () => {
    const result = await new Validator().validate(document)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(document.openapi).toBe("3.1.0")
    // The version is the server's own, from its package.json.
    expect(document.info.version).toBe(serverVersion)
    // Every path of every operation, and the server's own, documented; nothing else.
    expect(Object.keys(document.paths).sort()).toEqual(
      [...new Set(["/healthz", "/readyz", ...Operations.all.flatMap((operation) => operation.rest.paths)])].sort()
    )
    expect(JSON.stringify(document)).not.toMatch(/"\$ref":"#\/\$defs/)
    const docs = await rest(server.rest, "GET", "/docs")
    expect(docs.status).toBe(200)
    expect(docs.headers.get("content-type")).toMatch(/text\/html/)
    expect(docs.body).toContain("list-companies")
  })

  it("documents each operation's failures from the error table, grouped by resource, each operation listed once", async () => {
    const codesOf = (operation: { responses: Record<string, { description: string }> }) =>
      Object.fromEntries(
        Object.entries(operation.responses)
          .filter(([status]) => Number(status) >= 400)
          .map(([status, response]) => [status, response.description.split("; ").map((part) => part.split(":")[0])])
      )
    const events = codesOf(document.paths["/v1/events"].post)
    expect(events["413"]).toEqual(["payload_too_large"])
    expect(events["415"]).toEqual(["unsupported_media_type"])
    expect(events["503"]).toEqual(expect.arrayContaining(["outbox_full", "storage_unavailable", "unavailable"]))
    expect(events["400"]).toEqual(expect.arrayContaining(["invalid_input", "upstream_rejected"]))
    const companies = codesOf(document.paths["/v1/companies"].get)
    expect(Object.keys(companies).sort()).toEqual([
      "400",
      "403",
      "404",
      "409",
      "422",
      "429",
      "500",
      "502",
      "503",
      "504"
    ])
    // Open server (no tokens): no 401 and no security requirement.
    expect(companies["401"]).toBeUndefined()
    expect(document.security).toBeUndefined()
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" })

    const tags = (path: string, method: string) => document.paths[path][method].tags
    expect([
      tags("/v1/companies", "get"),
      tags("/v1/users", "post"),
      tags("/v1/events/batch", "post"),
      tags("/v1/insights/summary", "get")
    ]).toEqual([["Companies"], ["Users"], ["Events"], ["Insights"]])
    const alias = document.paths["/v1/insights"].get
    expect(alias["x-scalar-ignore"]).toBe(true)
    expect(alias.summary).toMatch(/alias of GET \/v1\/insights\/summary/)
    expect(document.paths["/v1/insights/summary"].get.description).toMatch(/Also served at GET \/v1\/insights/)
  })

  it("health and readiness", async () => {
    expect((await call("GET", "/healthz")).body).toEqual({ status: "ok" })
    expect((await call("GET", "/readyz")).body).toEqual({ status: "ready" })
  })

  it("companies: upsert by keys, list with search and pagination", async () => {
    const created = await call("POST", "/v1/companies", {
      keys: { stripe_customer_id: "cus_rest_1" },
      name: "Rest Co",
      traits: { seats: 4 }
    })
    expect(created.status).toBe(200)
    expect(created.body).toMatchObject({
      name: "Rest Co",
      keys: { stripe_customer_id: "cus_rest_1" },
      traits: { seats: 4 }
    })
    const merged = await call("POST", "/v1/companies", {
      keys: { stripe_customer_id: "cus_rest_1", hubspot_id: "hs-1" },
      traits: { region: "eu" }
    })
    expect(merged.body.id).toBe(created.body.id)
    expect(merged.body.traits).toEqual({ seats: 4, region: "eu" })
    for (const n of [2, 3, 4]) {
      await call("POST", "/v1/companies", { keys: { stripe_customer_id: `cus_rest_${n}` }, name: `Rest Co ${n}` })
    }
    const page = await call("GET", "/v1/companies?q=Rest%20Co&limit=3")
    expect(page.status).toBe(200)
    expect(page.body.companies).toHaveLength(3)
    expect(page.body.pagination).toEqual({ limit: 3, offset: 0, has_more: true, next_offset: 3 })
    expect(page.body.total).toBe(4)
    const last = await call("GET", "/v1/companies?q=Rest%20Co&limit=3&offset=3")
    expect(last.body.companies).toHaveLength(1)
    expect(last.body.pagination.next_offset).toBeNull()
  })

  it("users: upsert into a company, list by company", async () => {
    const company = await call("POST", "/v1/companies", { keys: { crm: "users-rest" }, name: "Users Rest" })
    const user = await call("POST", "/v1/users", {
      keys: { email: "ada@rest.test" },
      name: "Ada",
      email: "ada@rest.test",
      company: { crm: "users-rest" }
    })
    expect(user.status).toBe(200)
    expect(user.body).toMatchObject({ name: "Ada", company_ids: [company.body.id], traits: { email: "ada@rest.test" } })
    const listed = await call("GET", `/v1/users?company_id=${company.body.id}`)
    expect(listed.body.users.map((item: { id: string }) => item.id)).toEqual([user.body.id])
  })

  it("events: track with Schematic's body shape, idempotent by key; identify", async () => {
    await call("POST", "/v1/companies", { keys: { crm: "events-rest" }, name: "Events Rest" })
    const event = {
      event_type: "track",
      body: { event: "api-call", company: { crm: "events-rest" }, quantity: 3 },
      idempotency_key: "rest-evt-1"
    }
    const first = await call("POST", "/v1/events", event)
    expect(first.status).toBe(202)
    expect(first.body).toMatchObject({ idempotency_key: "rest-evt-1", status: "queued" })
    expect(first.body.id).toMatch(/^oev_/)
    const again = await call("POST", "/v1/events", event)
    expect(again.body.id).toBe(first.body.id)
    const generated = await call("POST", "/v1/events", { ...event, idempotency_key: undefined })
    expect(generated.body.idempotency_key).toMatch(/^cap-/)
    const identify = await call("POST", "/v1/events", {
      event_type: "identify",
      body: { keys: { email: "id@rest.test" }, company: { keys: { crm: "events-rest" } } }
    })
    expect(identify.status).toBe(202)
    // A company alone, as a sync sends it: with no user keys, or with none given.
    for (const body of [
      { keys: {}, company: { keys: { crm: "events-rest-alone" }, name: "Alone" } },
      { company: { keys: { crm: "events-rest-alone" }, traits: { seats: 3 } } }
    ]) {
      expect((await call("POST", "/v1/events", { event_type: "identify", body })).status).toBe(202)
    }
    const neither = await call("POST", "/v1/events", { event_type: "identify", body: { keys: {} } })
    expect(neither.status).toBe(400)
    expect(neither.body.error.fields.map((field: { path: string }) => field.path)).toContain("body.company")
  })

  it("get-event: where an event is on its way, and what Schematic made of it", async () => {
    const until = async (
      path: string,
      done: (body: { delivery: { state: string } | null; schematic: unknown }) => boolean
    ) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const response = await call("GET", path)
        if (response.status === 200 && done(response.body)) return response
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error(`${path} did not settle`)
    }
    const orphan = await call("POST", "/v1/events", {
      event_type: "track",
      body: { event: "api-call", company: { crm: "get-event-nobody" } },
      idempotency_key: "rest-get-event-orphan"
    })
    expect(orphan.status).toBe(202)
    const failed = await until(`/v1/events/${orphan.body.id}`, (body) => body.schematic !== null)
    expect(failed.body).toMatchObject({
      event_id: orphan.body.id,
      idempotency_key: "rest-get-event-orphan",
      event: { event_type: "track", body: { event: "api-call" } },
      delivery: { state: "delivered", attempts: 1, last_error: null },
      schematic: { status: "failed", error_message: "no company matches the event's company keys", company_id: null }
    })
    expect(failed.body.next_step).toMatch(/upsert-company.*new idempotency_key/)
    const byKey = await call("GET", "/v1/events/lookup?idempotency_key=rest-get-event-orphan")
    expect(byKey.body).toEqual(failed.body)

    await call("POST", "/v1/companies", { keys: { crm: "get-event-known" } })
    const counted = await call("POST", "/v1/events", {
      event_type: "track",
      body: { event: "api-call", company: { crm: "get-event-known" } }
    })
    const processed = await until(`/v1/events/${counted.body.id}`, (body) => body.schematic !== null)
    expect(processed.body.schematic).toMatchObject({ status: "processed", error_message: null })
    expect(processed.body.next_step).toMatch(/processed/)

    expect((await call("GET", "/v1/events/oev_00000000000000000000000000000001")).status).toBe(404)
    expect((await call("GET", "/v1/events/lookup?idempotency_key=never-sent")).status).toBe(404)
    const both = await call("GET", `/v1/events/${orphan.body.id}?idempotency_key=x`)
    expect(both.status).toBe(400)
  })

  it("a huge array is refused by its length at once, and a refusal stays small however much is wrong", async () => {
    const huge = await call("POST", "/v1/events/batch", `{"events":[${Array(300_000).fill("1").join(",")}]}`)
    expect(huge.status).toBe(400)
    expect(huge.body.error.fields).toEqual([
      { path: "events", message: "must have at most 1000 events (it has 300000)" }
    ])
    const bad = await call("POST", "/v1/events/batch", { events: Array.from({ length: 1000 }, (_, i) => ({ i })) })
    expect(bad.status).toBe(400)
    expect(bad.body.error.fields).toHaveLength(20)
    expect(bad.body.error.message).toMatch(/; and \d+ more$/)
    expect(JSON.stringify(bad.body).length).toBeLessThan(64 * 1024)
    expect((await call("GET", "/healthz")).status).toBe(200)
  })

  it("insights: summary on both paths, plan growth, top features with and without a window", async () => {
    const summary = await call("GET", "/v1/insights/summary")
    expect(summary.body.total_companies).toBeGreaterThan(0)
    expect((await call("GET", "/v1/insights")).body).toEqual(summary.body)
    const growth = await call("GET", "/v1/insights/plan-growth?months=3")
    expect(growth.status).toBe(200)
    expect(Array.isArray(growth.body.points)).toBe(true)
    const top = await call("GET", "/v1/insights/top-features")
    expect(top.status).toBe(200)
    expect(Date.parse(top.body.end_time) - Date.parse(top.body.start_time)).toBe(30 * 86_400_000)
    const windowed = await call(
      "GET",
      "/v1/insights/top-features?start_time=2026-01-01T00:00:00Z&end_time=2026-02-01T00:00:00Z&limit=5"
    )
    expect(windowed.body.start_time).toBe("2026-01-01T00:00:00.000Z")
  })

  const bad: Array<[string, string, unknown, number, string, RegExp?]> = [
    ["GET", "/v1/companies?limit=0", undefined, 400, "invalid_input", /limit/],
    ["GET", "/v1/companies?limit=abc", undefined, 400, "invalid_input", /limit/],
    ["GET", "/v1/companies?offset=-1", undefined, 400, "invalid_input", /offset/],
    ["GET", "/v1/companies?limit=1&limit=2", undefined, 400, "invalid_input", /limit/],
    ["GET", "/v1/companies?nope=1", undefined, 400, "invalid_input", /nope/],
    ["GET", `/v1/companies?q=${"x".repeat(600)}`, undefined, 400, "invalid_input", /q/],
    ["GET", "/v1/users?limit=251", undefined, 400, "invalid_input", /limit/],
    ["GET", "/v1/users?company_id=", undefined, 400, "invalid_input", /company_id/],
    ["GET", "/v1/insights/plan-growth?months=25", undefined, 400, "invalid_input", /months/],
    ["GET", "/v1/insights/top-features?start_time=yesterday", undefined, 400, "invalid_input", /start_time/],
    ["GET", "/v1/insights/top-features?limit=21", undefined, 400, "invalid_input", /limit/],
    [
      "GET",
      "/v1/insights/top-features?start_time=2026-02-01T00:00:00Z&end_time=2026-01-01T00:00:00Z",
      undefined,
      400,
      "invalid_input",
      /start_time/
    ],
    ["GET", "/v1/insights/summary?x=1", undefined, 400, "invalid_input", /x/],
    ["POST", "/v1/companies", "{not json", 400, "invalid_input"],
    ["POST", "/v1/companies", {}, 400, "invalid_input", /keys/],
    ["POST", "/v1/companies", { keys: {} }, 400, "invalid_input", /keys/],
    ["POST", "/v1/companies", { keys: { a: 1 } }, 400, "invalid_input", /keys\.a/],
    ["POST", "/v1/companies", { keys: { a: "b" }, name: 7 }, 400, "invalid_input", /name/],
    [
      "POST",
      "/v1/companies",
      { keys: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, "v"])) },
      400,
      "invalid_input",
      /keys/
    ],
    [
      "POST",
      "/v1/companies",
      { keys: { a: "b" }, base_plan_id: "plan_missing" },
      400,
      "upstream_rejected",
      /base_plan_id/
    ],
    ["POST", "/v1/companies", [1, 2], 400, "invalid_input"],
    ["POST", "/v1/users", { keys: { email: "a@b.c" }, email: "not-an-email" }, 400, "invalid_input", /email/],
    [
      "POST",
      "/v1/users",
      { keys: { email: "a@b.c" }, company: { crm: "nobody" } },
      400,
      "upstream_rejected",
      /company/
    ],
    ["POST", "/v1/events", { event_type: "track", body: { event: "x" } }, 400, "invalid_input", /company/],
    ["POST", "/v1/events", { event_type: "flag_check", body: {} }, 400, "invalid_input", /event_type/],
    [
      "POST",
      "/v1/events",
      { event_type: "track", body: { event: "x", company: { a: "b" }, quantity: 1.5 } },
      400,
      "invalid_input",
      /quantity/
    ],
    [
      "POST",
      "/v1/events",
      { event_type: "track", body: { event: "x", company: { a: "b" } }, idempotency_key: "k".repeat(256) },
      400,
      "invalid_input",
      /idempotency_key/
    ]
  ]

  for (const [method, path, body, status, code, field] of bad) {
    it(`${method} ${path.slice(0, 60)} ${typeof body === "string" ? body : JSON.stringify(body ?? "").slice(0, 60)} -> ${status} ${code}`, async () => {
      const response = await call(method, path, body)
      expect(response.status).toBe(status)
      expect(response.body.error.code).toBe(code)
      expect(response.body.error.request_id).toBe(response.headers.get("x-request-id"))
      if (field !== undefined)
        expect(JSON.stringify(response.body.error.fields ?? response.body.error.message)).toMatch(field)
    })
  }

  it("refuses non-JSON bodies (415) and bodies over the limit (413)", async () => {
    const text = await rest(server.rest, "POST", "/v1/companies", "keys=a", { "content-type": "text/plain" })
    expect(text.status).toBe(415)
    expect(text.body.error.code).toBe("unsupported_media_type")
    const huge = await rest(server.rest, "POST", "/v1/companies", {
      keys: { a: "b" },
      traits: { blob: "x".repeat(1_100_000) }
    })
    expect(huge.status).toBe(413)
    expect(huge.body.error.code).toBe("payload_too_large")
  })

  it("unknown routes answer 404 in the same format; request ids are echoed", async () => {
    const response = await rest(server.rest, "GET", "/v2/nothing", undefined, { "x-request-id": "trace-123" })
    expect(response.status).toBe(404)
    expect(response.body.error).toMatchObject({ code: "not_found", request_id: "trace-123" })
    expect(response.headers.get("x-request-id")).toBe("trace-123")
  })

  it("logs one JSON line per request with its request id", async () => {
    await rest(server.rest, "GET", "/healthz", undefined, { "x-request-id": "log-check-1" })
    await new Promise((done) => setTimeout(done, 100))
    const line = server
      .logs()
      .split("\n")
      .find((text) => text.includes("log-check-1"))
    expect(line).toBeDefined()
    expect(JSON.parse(line!)).toMatchObject({
      message: "request",
      annotations: { request_id: "log-check-1", status: 200 }
    })
  })
})
