import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import Ajv2020Module from "ajv/dist/2020.js"
import { ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, rest, startServer, upstreamProxy } from "./support.js"

const Ajv2020 = Ajv2020Module.default
const READER = "reader-token-0123456789"
const WRITER = "writer-token-0123456789"
const ADMIN = "admin-token-01234567890"
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/**
 * Customer management over REST and MCP, on the embedded sandbox loaded with the demo dataset: companies and users by
 * id or keys, plans, features, overrides, usage and entitlement checks.
 */
// The embedded default, and real mode: the server calls a standalone sandbox as it calls Schematic, with its key.
describe.each(["embedded", "real"] as const)("customer management, end to end (%s)", (mode) => {
  let server: RunningServer
  let upstream: { readonly dispose: () => Promise<void> } | undefined
  let spec: Awaited<ReturnType<typeof upstreamProxy>> | undefined
  // biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document as JSON
  let document: any
  const ajv = new Ajv2020({ strict: false, allErrors: true })

  /** The documented operation a concrete path and method reach (a template segment `{x}` matches any one segment). */
  const documented = (method: string, path: string) => {
    const bare = path.split("?")[0]!
    const templates = Object.keys(document.paths).filter(
      (template) => document.paths[template][method.toLowerCase()] !== undefined
    )
    const template =
      templates.find((candidate) => candidate === bare) ??
      templates.find((candidate) => new RegExp(`^${candidate.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(bare))
    return template === undefined ? undefined : document.paths[template][method.toLowerCase()]
  }

  /** A REST call as the admin, whose answer must match the schema the OpenAPI document publishes for it. */
  const call = async (method: string, path: string, body?: unknown, token = ADMIN) => {
    const response = await rest(server.rest, method, path, body, bearer(token))
    const operation = documented(method, path)
    expect(operation, `${method} ${path} is documented`).toBeDefined()
    const schema = operation.responses[String(response.status)]?.content?.["application/json"]?.schema
    expect(schema, `${method} ${path} ${response.status} is documented`).toBeDefined()
    const validate = ajv.compile({ ...schema, components: document.components })
    if (!validate(response.body)) {
      throw new Error(`${method} ${path} ${response.status}: ${ajv.errorsText(validate.errors)}`)
    }
    return response
  }

  const connect = async (token: string) => {
    const client = new Client({ name: "customer-management-test", version: "1.0.0" })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.mcp), { requestInit: { headers: bearer(token) } })
    )
    return client
  }
  const tool = async (client: Client, name: string, args: Record<string, unknown>) => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult
    return {
      isError: result.isError === true,
      // biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert on them
      data: result.structuredContent as any,
      text: JSON.stringify(result.content)
    }
  }

  beforeAll(async () => {
    const tokens = `dashboard:${READER}:read,ingest:${WRITER}:write,ops:${ADMIN}:admin`
    if (mode === "embedded") {
      server = await startServer({ SANDBOX_SEED: "demo", CAPABILITY_TOKENS: tokens })
    } else {
      const sandbox = ManagedRuntime.make(SchematicSandbox.layer({ port: 0, dataDir: ":memory:", seed: "demo" }))
      upstream = sandbox
      const url = await sandbox.runPromise(SchematicSandbox.url)
      // Every call the server makes is checked against Schematic's OpenAPI document on its way.
      spec = await upstreamProxy(url, { checkAgainstSpec: true })
      server = await startServer({
        SCHEMATIC_API_KEY: "sch_dev_sandbox",
        SCHEMATIC_API_URL: spec.url,
        SCHEMATIC_READS_PER_SECOND: "0",
        SCHEMATIC_WRITES_PER_SECOND: "0",
        CAPABILITY_TOKENS: tokens
      })
    }
    document = (await rest(server.rest, "GET", "/openapi.json", undefined, bearer(READER))).body
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      ajv.addSchema(schema as object, `#/components/schemas/${name}`)
    }
  }, 60_000)
  afterAll(async () => {
    await server.stop()
    await spec?.close()
    await upstream?.dispose()
  })

  /** A demo company on the Free plan (its API-call limit is 1,000 a month), by its Stripe id. */
  const freeCompany = async () => {
    const plans = (await call("GET", "/v1/plans?type=plan")).body.plans
    const free = plans.find((plan: { name: string }) => plan.name === "Free")
    const companies = (await call("GET", `/v1/companies?plan_id=${free.id}&limit=100`)).body.companies
    // One without an override, so the plan's value is what it has.
    for (const company of companies) {
      const overrides = (await call("GET", `/v1/overrides?company_id=${company.id}`)).body.overrides
      if (overrides.length === 0) return company
    }
    throw new Error("no Free company without overrides in the demo dataset")
  }

  it("the support agent's job through MCP: look up by Stripe id, read usage, raise the limit, check it, put it back", async () => {
    const company = await freeCompany()
    const stripeId = company.keys.stripe_customer_id
    const agent = await connect(WRITER)
    const found = await tool(agent, "get-company", { keys: { stripe_customer_id: stripeId } })
    expect(found.isError).toBe(false)
    expect(found.data).toMatchObject({ id: company.id, plan: { name: "Free" } })
    const apiCalls = found.data.entitlements.find((item: { feature_key: string }) => item.feature_key === "api-calls")
    expect(apiCalls).toMatchObject({ source: "plan", value: 1000, allocation: 1000, period: "current_month" })

    const usage = await tool(agent, "get-feature-usage", { keys: { stripe_customer_id: stripeId } })
    const used = usage.data.usage.find((item: { feature_key: string }) => item.feature_key === "api-calls").usage
    expect(used).toBeGreaterThan(0)

    const endOfMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1) - 1000)
    const set = await tool(agent, "set-company-override", {
      keys: { stripe_customer_id: stripeId },
      feature_key: "api-calls",
      value: 50_000,
      expires_at: endOfMonth.toISOString(),
      note: "Raised for the launch"
    })
    expect(set.isError, set.text).toBe(false)
    expect(set.data.entitlement).toMatchObject({ source: "override", allocation: 50_000, usage: used })
    // Setting it again updates the same override.
    const again = await tool(agent, "set-company-override", {
      keys: { stripe_customer_id: stripeId },
      feature_key: "api-calls",
      value: 50_000,
      expires_at: endOfMonth.toISOString()
    })
    expect(again.data.override.id).toBe(set.data.override.id)
    const listed = await tool(agent, "list-company-overrides", { company_id: company.id })
    expect(listed.data.overrides).toHaveLength(1)

    const checked = await tool(agent, "check-entitlement", {
      keys: { stripe_customer_id: stripeId },
      feature_key: "api-calls"
    })
    expect(checked.data).toMatchObject({ allowed: true, allocation: 50_000, usage: used, period: "current_month" })

    const removed = await tool(agent, "remove-company-override", { company_id: company.id, feature_key: "api-calls" })
    expect(removed.data).toMatchObject({ removed: true, entitlement: { source: "plan", allocation: 1000 } })
    const back = await tool(agent, "check-entitlement", { company_id: company.id, feature_key: "api-calls" })
    expect(back.data).toMatchObject({ allocation: 1000, allowed: used < 1000 })

    // track-usage-event also identifies a user and its company; delivered through the outbox.
    const email = `agent-${mode}@demo.example`
    const identified = await tool(agent, "track-usage-event", {
      event_type: "identify",
      user: { email },
      user_name: "New Agent",
      company: { stripe_customer_id: stripeId }
    })
    expect(identified.isError, identified.text).toBe(false)
    expect(identified.data.status).toBe("queued")
    let user: Awaited<ReturnType<typeof tool>> | undefined
    for (let attempt = 0; attempt < 100; attempt++) {
      user = await tool(agent, "get-user", { keys: { email } })
      if (!user.isError) break
      await new Promise((done) => setTimeout(done, 100))
    }
    expect(user?.data).toMatchObject({ name: "New Agent", company_ids: [company.id] })
    // A track event that names only the user is metered for the user's company.
    const before = (await tool(agent, "check-entitlement", { company_id: company.id, feature_key: "api-calls" })).data
    const byUser = await tool(agent, "track-usage-event", { event: "api-call", user: { email }, quantity: 7 })
    expect(byUser.isError, byUser.text).toBe(false)
    let after = before
    for (let attempt = 0; attempt < 100 && after.usage === before.usage; attempt++) {
      await new Promise((done) => setTimeout(done, 100))
      after = (await tool(agent, "check-entitlement", { company_id: company.id, feature_key: "api-calls" })).data
    }
    expect(after.usage).toBe(before.usage + 7)
    for (const [args, field] of [
      [{ event_type: "identify" }, "user"],
      [{ event_type: "identify", company: { stripe_customer_id: stripeId }, user_name: "Nobody" }, "user_name"],
      [{ company: { stripe_customer_id: stripeId } }, "event"],
      [{ event: "api-call" }, "company"]
    ] as const) {
      const refused = await tool(agent, "track-usage-event", args)
      expect(refused.isError).toBe(true)
      expect(refused.text).toContain(field)
    }
    await agent.close()
  })

  it("every operation over REST, each answer as documented", async () => {
    const company = await freeCompany()
    const byId = await call("GET", `/v1/companies/${company.id}`)
    expect(byId.status).toBe(200)
    expect(byId.body.entitlements.length).toBeGreaterThanOrEqual(12)
    const byKeys = await call("GET", `/v1/companies/lookup?keys[crm_id]=${company.keys.crm_id}`)
    expect(byKeys.body.id).toBe(company.id)

    const one = (await call("GET", `/v1/companies?ids=${company.id}`)).body.companies
    expect(one.map((item: { id: string }) => item.id)).toEqual([company.id])
    const onFree = (await call("GET", `/v1/companies?plan_ids=${company.plan.id}&without_plan=false&limit=250`)).body
    expect(onFree.companies.every((item: { plan: { id: string } }) => item.plan.id === company.plan.id)).toBe(true)

    const features = (await call("GET", "/v1/features?type=event")).body.features
    expect(features.map((feature: { key: string }) => feature.key)).toContain("api-calls")
    expect(features.every((feature: { event_name: string | null }) => feature.event_name !== null)).toBe(true)
    const plans = (await call("GET", "/v1/plans?detail=full")).body.plans
    const pro = plans.find((plan: { name: string }) => plan.name === "Pro")
    const extra = plans.find((plan: { name: string }) => plan.name === "Extra API calls")
    expect(pro.entitlements.length).toBeGreaterThan(0)

    const moved = await call("PUT", `/v1/companies/${company.id}/plan`, {
      base_plan_id: pro.id,
      add_on_ids: [extra.id]
    })
    expect(moved.body).toMatchObject({ plan: { id: pro.id }, add_ons: [{ id: extra.id }] })
    const calls = moved.body.entitlements.find((item: { feature_key: string }) => item.feature_key === "api-calls")
    expect(calls).toMatchObject({ source: "add_on", allocation: 200_000 })

    const set = await call("PUT", `/v1/companies/${company.id}/overrides/sso`, { value: true })
    expect(set.body.entitlement).toMatchObject({ source: "override", allowed: true })
    expect(
      (await call("GET", "/v1/overrides?feature_key=sso")).body.overrides.map(
        (item: { company_id: string }) => item.company_id
      )
    ).toContain(company.id)
    const usage = await call("GET", `/v1/companies/${company.id}/usage`)
    expect(usage.body.usage.find((item: { feature_key: string }) => item.feature_key === "sso")).toMatchObject({
      source: "override"
    })
    expect((await call("DELETE", `/v1/companies/${company.id}/overrides/sso`)).body.removed).toBe(true)

    const check = await call("POST", "/v1/entitlements/check", { company_id: company.id, feature_key: "sso" })
    expect(check.body).toMatchObject({ allowed: false, feature_key: "sso" })

    const near = await call("GET", "/v1/features/api-calls/companies?min_usage_percent=90&limit=5")
    expect(near.body.companies.length).toBeGreaterThan(0)
    const shares = near.body.companies.map((item: { percent_used: number }) => item.percent_used)
    expect(shares).toEqual([...shares].sort((a, b) => b - a))
    expect(shares.every((share: number) => share >= 90)).toBe(true)

    const user = (await call("POST", "/v1/users", { keys: { email: "cm@acme.test" }, company: company.keys })).body
    expect((await call("GET", `/v1/users/${user.id}`)).body.company_ids).toEqual([company.id])
    expect((await call("GET", "/v1/users/lookup?keys[email]=cm@acme.test")).body.id).toBe(user.id)
    expect((await call("DELETE", `/v1/users/${user.id}`)).body).toEqual({ deleted: true, id: user.id })
    expect((await call("GET", `/v1/users/${user.id}`)).status).toBe(404)

    const doomed = (await call("POST", "/v1/companies", { keys: { crm_id: `doomed-${mode}` }, name: "Doomed" })).body
    expect((await call("DELETE", `/v1/companies/${doomed.id}`)).body).toEqual({ deleted: true, id: doomed.id })
    expect((await call("GET", `/v1/companies/${doomed.id}`)).body.error.code).toBe("not_found")
  })

  it("every new tool through the official MCP client: a good call, and bad arguments named", async () => {
    const company = await freeCompany()
    const admin = await connect(ADMIN)
    const plans = await tool(admin, "list-plans", { type: "plan", detail: "full" })
    const pro = plans.data.plans.find((plan: { name: string }) => plan.name === "Pro")
    expect(pro.entitlements.length).toBeGreaterThan(0)
    const features = await tool(admin, "list-features", { type: "trait" })
    expect(features.data.features.every((feature: { trait: string | null }) => feature.trait !== null)).toBe(true)
    const moved = await tool(admin, "set-company-plan", { company_id: company.id, base_plan_id: pro.id })
    expect(moved.data.plan.id).toBe(pro.id)
    const near = await tool(admin, "find-companies-near-limit", { feature_key: "api-calls", min_usage_percent: 100 })
    expect(near.data.companies.every((item: { percent_used: number }) => item.percent_used >= 100)).toBe(true)
    const doomed = (await call("POST", "/v1/companies", { keys: { crm_id: `mcp-doomed-${mode}` } })).body
    expect((await tool(admin, "delete-company", { company_id: doomed.id })).data).toEqual({
      deleted: true,
      id: doomed.id
    })
    const user = (await call("POST", "/v1/users", { keys: { email: `mcp-doomed-${mode}@x.test` } })).body
    expect((await tool(admin, "delete-user", { user_id: user.id })).data).toEqual({ deleted: true, id: user.id })

    const bad: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
      ["get-company", {}, "company_id"],
      ["delete-company", { company_id: 5 }, "company_id"],
      ["get-user", { user_id: "user_1", keys: { email: "x" } }, "keys"],
      ["delete-user", {}, "user_id"],
      ["list-plans", { type: "bundle" }, "type"],
      ["set-company-plan", { company_id: company.id, base_plan_id: pro.id, add_on_ids: "all" }, "add_on_ids"],
      ["list-features", { limit: 0 }, "limit"],
      ["list-company-overrides", { company_id: "" }, "company_id"],
      ["set-company-override", { company_id: company.id, feature_key: "sso" }, "value"],
      ["remove-company-override", { company_id: company.id }, "feature_id"],
      ["get-feature-usage", { keys: {} }, "keys"],
      ["find-companies-near-limit", { feature_key: "api-calls", min_usage_percent: -5 }, "min_usage_percent"],
      ["check-entitlement", { company_id: company.id, feature_key: "" }, "feature_key"],
      // What cannot go into a URL is bad input, not a fault of the server.
      ["delete-company", { company_id: "\ud800" }, "company_id"],
      ["delete-user", { user_id: "user_\udc00" }, "user_id"],
      ["get-company", { keys: { stripe_customer_id: "   " } }, "keys.stripe_customer_id"],
      ["set-company-override", { company_id: company.id, feature_key: "sso", value: 5 }, "value"]
    ]
    for (const [name, args, field] of bad) {
      const refused = await tool(admin, name, args)
      expect(refused.isError, name).toBe(true)
      expect(refused.text, name).toMatch(/invalid_input/)
      expect(refused.text, name).toContain(field)
    }
    await admin.close()
  })

  it("bad input names the field; an unknown company or feature is not_found", async () => {
    const company = await freeCompany()
    const cases: ReadonlyArray<readonly [string, string, unknown, string]> = [
      ["GET", "/v1/companies/lookup", undefined, "company_id"],
      ["GET", `/v1/companies/${company.id}?keys[crm_id]=x`, undefined, "keys"],
      ["PUT", `/v1/companies/${company.id}/overrides/api-calls`, { value: "lots" }, "value"],
      ["PUT", `/v1/companies/${company.id}/overrides/api-calls`, { value: -1 }, "value"],
      ["PUT", `/v1/companies/${company.id}/overrides/api-calls`, { value: 5, expires_at: "soon" }, "expires_at"],
      // Checked by meaning: the value must fit the feature's type, and an expiry must be ahead.
      ["PUT", `/v1/companies/${company.id}/overrides/sso`, { value: 5 }, "value"],
      ["PUT", `/v1/companies/${company.id}/overrides/api-calls`, { value: true }, "value"],
      [
        "PUT",
        `/v1/companies/${company.id}/overrides/api-calls`,
        { value: 5, expires_at: "2020-01-01T00:00:00Z" },
        "expires_at"
      ],
      ["PUT", `/v1/companies/${company.id}/overrides/api-calls`, { value: 5, company_id: "comp_other" }, "company_id"],
      ["PUT", `/v1/companies/${company.id}/plan`, { add_on_ids: [] }, "base_plan_id"],
      ["GET", "/v1/features/api-calls/companies?min_usage_percent=high", undefined, "min_usage_percent"],
      ["POST", "/v1/entitlements/check", { keys: { crm_id: "x" } }, "feature_id"],
      ["GET", "/v1/features?type=metered", undefined, "type"]
    ]
    for (const [method, path, body, field] of cases) {
      const response = await call(method, path, body)
      expect(response.status, `${method} ${path}`).toBe(400)
      expect(response.body.error.code).toBe("invalid_input")
      expect(response.body.error.fields.map((item: { path: string }) => item.path)).toContain(field)
    }
    const messageOf = async (path: string, body: unknown) =>
      (await call("PUT", path, body)).body.error.fields.find((item: { path: string }) => item.path === "value").message
    expect(await messageOf(`/v1/companies/${company.id}/overrides/sso`, { value: 5 })).toMatch(/true or false.*on\/off/)
    expect(await messageOf(`/v1/companies/${company.id}/overrides/api-calls`, { value: -5 })).toMatch(
      /whole number >= 0/
    )
    // Nothing was written by the refusals: the company still has no override.
    expect((await call("GET", `/v1/overrides?company_id=${company.id}`)).body.overrides).toEqual([])
    const missing: ReadonlyArray<readonly [string, string, unknown]> = [
      ["GET", "/v1/companies/comp_missing", undefined],
      ["GET", "/v1/companies/lookup?keys[crm_id]=nobody", undefined],
      ["PUT", `/v1/companies/${company.id}/overrides/no-such-feature`, { value: true }],
      ["GET", "/v1/features/no-such-feature/companies", undefined],
      ["POST", "/v1/entitlements/check", { keys: { crm_id: "nobody" }, feature_key: "api-calls" }],
      ["DELETE", "/v1/users/user_missing", undefined]
    ]
    for (const [method, path, body] of missing) {
      const response = await call(method, path, body)
      expect(response.status, `${method} ${path}`).toBe(404)
      expect(response.body.error.code).toBe("not_found")
    }
  })

  it("scopes: a read token sees no write or admin tool; a write token cannot delete", async () => {
    const reader = await connect(READER)
    const readerTools = (await reader.listTools()).tools.map((item) => item.name)
    expect(readerTools).toEqual(
      expect.arrayContaining(["get-company", "check-entitlement", "find-companies-near-limit"])
    )
    for (const name of ["set-company-override", "remove-company-override", "set-company-plan", "delete-company"]) {
      expect(readerTools).not.toContain(name)
    }
    await reader.close()
    const writer = await connect(WRITER)
    const writerTools = (await writer.listTools()).tools.map((item) => item.name)
    expect(writerTools).toContain("set-company-override")
    expect(writerTools).not.toContain("delete-company")
    expect(writerTools).not.toContain("delete-user")
    await writer.close()
    const refused = await rest(server.rest, "DELETE", "/v1/companies/comp_any", undefined, bearer(WRITER))
    expect(refused.status).toBe(403)
  })

  it.runIf(mode === "embedded")("list tools answer compact rows that fit an agent's context", async () => {
    const agent = await connect(READER)
    const sizes: Record<string, number> = {}
    for (const [name, args] of [
      ["list-companies", {}],
      ["list-users", {}],
      ["list-plans", {}],
      ["list-features", {}],
      ["find-companies-near-limit", { feature_key: "api-calls", min_usage_percent: 50 }],
      ["list-company-overrides", {}]
    ] as const) {
      const result = await agent.callTool({ name, arguments: args })
      expect(result.isError, name).toBeFalsy()
      // The text is the structured content as compact JSON: the same data, once each.
      const content = result.content as Array<{ type: string; text: string }>
      expect(JSON.parse(content[0]!.text), name).toEqual(result.structuredContent)
      expect(content[0]!.text, name).not.toContain("\n")
      sizes[name] = Buffer.byteLength(JSON.stringify(result))
    }
    console.log(`result bytes, default page: ${JSON.stringify(sizes)}`)
    expect(sizes["list-companies"]).toBeLessThanOrEqual(12_000)
    const companies = (await agent.callTool({ name: "list-companies", arguments: {} })).structuredContent as {
      companies: Array<Record<string, unknown>>
      total: number
      pagination: { has_more: boolean }
    }
    expect(companies.companies).toHaveLength(25)
    expect(Object.keys(companies.companies[0]!).sort()).toEqual(["id", "keys", "name", "plan"])
    expect(companies.total).toBeGreaterThanOrEqual(200)
    expect(companies.pagination.has_more).toBe(true)
    await agent.close()
  })

  it.runIf(mode === "real")("called Schematic only as its OpenAPI document says it may be called", () => {
    expect(spec!.requests.length).toBeGreaterThan(50)
    expect(spec!.violations).toEqual([])
  })
})
