import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { inspect } from "node:util"
import { Capability } from "@schematic-capability/capability-core"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CapabilityError, createCapability, type EmbeddedCapability } from "../src/index.js"

/** What a call threw. */
const failure = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`)
    },
    (error: unknown) => error
  )

describe("createCapability({ sandbox: true })", () => {
  let cap: EmbeddedCapability
  beforeAll(() => {
    cap = createCapability({ sandbox: true })
  })
  afterAll(() => cap.close())

  it("creates a company and gets it back, by method and by run alike", async () => {
    const created = await cap.upsertCompany({ keys: { crm_id: "acme-1" }, name: "Acme", traits: { seats: 3 } })
    expect(created.id).toMatch(/^comp_/)
    expect(created.keys).toEqual({ crm_id: "acme-1" })
    const byMethod = await cap.getCompany({ keys: { crm_id: "acme-1" } })
    const byRun = await cap.run("get-company", { keys: { crm_id: "acme-1" } })
    const byUnknown = await cap.runUnknown("get-company", { company_id: created.id })
    expect(byMethod.id).toBe(created.id)
    expect(byMethod.name).toBe("Acme")
    expect(byMethod.entitlements).toEqual([])
    expect(byRun).toEqual(byMethod)
    expect(byUnknown).toEqual(byMethod)
    const listed = await cap.listCompanies()
    expect(listed.companies.map((company) => company.id)).toEqual([created.id])
  })

  it("throws the core's CapabilityError itself for bad input, naming the field", async () => {
    // Refused by the types too; a host in plain JavaScript can still send it.
    const input = { keys: { crm_id: 5 } } as unknown as { keys: Record<string, string> }
    const error = await failure(cap.getCompany(input))
    expect(error).toBeInstanceOf(CapabilityError)
    const refused = error as CapabilityError
    expect(refused.code).toBe("invalid_input")
    expect(refused.fields?.map((field) => field.path)).toContain("keys.crm_id")
    expect(refused.message).toMatch(/keys\.crm_id/)
    // Not an Effect FiberFailure wrapping it.
    expect(Object.getPrototypeOf(refused)).toBe(CapabilityError.prototype)
    const same = await failure(cap.run("get-company", input))
    expect((same as CapabilityError).fields).toEqual(refused.fields)
  })

  it("runUnknown takes any name and MCP tool names; an unknown one is not_found", async () => {
    const event = await cap.runUnknown("track-usage-event", { event: "api-call", company: { crm_id: "acme-1" } })
    expect(event).toMatchObject({ status: "delivered" })
    const error = await failure(cap.runUnknown("drop-tables", {}))
    expect(error).toBeInstanceOf(CapabilityError)
    expect((error as CapabilityError).code).toBe("not_found")
    // run takes canonical names only, also when its types are got round.
    const mcpByRun = await failure(
      (cap.run as (name: string, input: unknown) => Promise<unknown>)("track-usage-event", {})
    )
    expect((mcpByRun as CapabilityError).code).toBe("not_found")
  })

  it("usage events go straight to the sandbox without a data folder", async () => {
    const event = await cap.createEvent({
      event_type: "track",
      body: { event: "api-call", company: { crm_id: "acme-1" } }
    })
    expect(event.status).toBe("delivered")
    expect(event.id).toMatch(/^evt_/)
  })

  it("runs Effect programs on its runtime", async () => {
    const listed = await cap.runtime.runPromise(Capability.run("list-companies", { limit: 1 }))
    expect(listed.companies).toHaveLength(1)
  })
})

describe("createCapability with a data folder", () => {
  it("keeps the sandbox's data and stores usage events durably, across a close and a new start", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "sdk-test-"))
    try {
      const first = createCapability({ sandbox: true, dataDir })
      const company = await first.upsertCompany({ keys: { crm_id: "kept" } })
      const event = await first.createEvent({
        event_type: "track",
        body: { event: "api-call", company: { crm_id: "kept" } }
      })
      expect(event.status).toBe("queued")
      await first.close()
      await first.close()
      const closed = await failure(first.getCompany({ company_id: company.id }))
      expect((closed as CapabilityError).code).toBe("unavailable")

      const second = createCapability({ sandbox: true, dataDir })
      try {
        expect((await second.getCompany({ keys: { crm_id: "kept" } })).id).toBe(company.id)
        const held = await second.getEvent({ idempotency_key: event.idempotency_key })
        expect(held.idempotency_key).toBe(event.idempotency_key)
        expect(held.event_id).toBe(event.id)
      } finally {
        await second[Symbol.asyncDispose]()
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})

describe("createCapability({ apiKey, baseUrl })", () => {
  // Schematic's API, played by a sandbox on a loopback port.
  const upstream = ManagedRuntime.make(SchematicSandbox.layer({ port: 0, dataDir: ":memory:", apiKey: "sch_test_key" }))
  let baseUrl: string
  beforeAll(async () => {
    baseUrl = await upstream.runPromise(SchematicSandbox.url)
  })
  afterAll(() => upstream.dispose())

  it("talks to it over HTTP with the key", async () => {
    const cap = createCapability({ apiKey: "sch_test_key", baseUrl })
    try {
      const created = await cap.upsertCompany({ keys: { crm_id: "remote" }, name: "Remote" })
      expect((await cap.getCompany({ company_id: created.id })).name).toBe("Remote")
    } finally {
      await cap.close()
    }
  })

  it("never shows the key: a refused key is upstream_unauthorized, and neither it nor the object prints it", async () => {
    const secret = "sch_wrong_secret_key"
    const cap = createCapability({ apiKey: Redacted.make(secret), baseUrl })
    try {
      const error = await failure(cap.listCompanies({}))
      expect(error).toBeInstanceOf(CapabilityError)
      expect((error as CapabilityError).code).toBe("upstream_unauthorized")
      expect(`${inspect(error, { depth: 10 })}${JSON.stringify(error)}`).not.toContain(secret)
      expect(inspect(cap, { depth: 10 })).not.toContain(secret)
      const context = await cap.runtime.runtime()
      expect(inspect(context, { depth: 6 })).not.toContain(secret)
    } finally {
      await cap.close()
    }
  })

  it("answers unavailable when its upstream cannot be reached, as a CapabilityError", async () => {
    const cap = createCapability({ apiKey: "sch_test_key", baseUrl: "http://127.0.0.1:9", readsPerSecond: 0 })
    try {
      const error = await failure(cap.listPlans())
      expect(error).toBeInstanceOf(CapabilityError)
      expect((error as CapabilityError).code).toMatch(/^upstream_(unavailable|timeout)$/)
    } finally {
      await cap.close()
    }
  })
})
