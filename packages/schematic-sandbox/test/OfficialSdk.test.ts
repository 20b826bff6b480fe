import type { SchematicClient } from "@schematichq/schematic-typescript-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { officialSdk } from "./officialSdk.js"
import { call, sandboxForSuite } from "./support.js"

/** Schematic's own Node SDK, pointed at the sandbox, must work unchanged: the sandbox is wire-compatible. */
describe("Schematic's official Node SDK against the sandbox", () => {
  const sandbox = sandboxForSuite()
  let client: SchematicClient
  beforeAll(() => {
    client = officialSdk(sandbox.url)
  })
  afterAll(() => client.close())

  it("upserts, lists and looks up companies", async () => {
    const created = await client.companies.upsertCompany({
      keys: { hubspot_id: "hs-1" },
      name: "Globex",
      traits: { tier: "gold" }
    })
    expect(created.data.name).toBe("Globex")
    const again = await client.companies.upsertCompany({ keys: { hubspot_id: "hs-1", domain: "globex.test" } })
    expect(again.data.id).toBe(created.data.id)
    expect(again.data.keys.map((key) => key.key).sort()).toEqual(["domain", "hubspot_id"])
    expect(again.data.traits).toEqual({ tier: "gold" })
    const listed = await client.companies.listCompanies({ q: "Globex" })
    expect(listed.data.map((company) => company.id)).toEqual([created.data.id])
    const found = await client.companies.lookupCompany({ keys: { domain: "globex.test" } })
    expect(found.data.id).toBe(created.data.id)
  })

  it("upserts and lists users", async () => {
    const company = await client.companies.upsertCompany({ keys: { hubspot_id: "hs-2" }, name: "Initech" })
    const user = await client.companies.upsertUser({
      keys: { email: "peter@initech.test" },
      name: "Peter",
      company: { hubspot_id: "hs-2" }
    })
    expect(user.data.companyMemberships.map((membership) => membership.companyId)).toEqual([company.data.id])
    const listed = await client.companies.listUsers({ companyId: company.data.id })
    expect(listed.data.map((item) => item.id)).toEqual([user.data.id])
  })

  it("creates an event and an event batch", async () => {
    await client.companies.upsertCompany({ keys: { hubspot_id: "hs-3" }, name: "Hooli" })
    const one = await client.events.createEvent({
      eventType: "track",
      body: { event: "report-run", company: { hubspot_id: "hs-3" }, quantity: 2 },
      idempotencyKey: "sdk-1"
    })
    expect(one.data.eventId).toMatch(/^evt_/)
    const batch = await client.events.createEventBatch({
      events: [
        { eventType: "track", body: { event: "report-run", company: { hubspot_id: "hs-3" } } },
        { eventType: "track", body: { event: "report-run", company: { hubspot_id: "hs-3" } }, idempotencyKey: "sdk-1" }
      ]
    })
    expect(batch.data.events).toHaveLength(2)
    // The repeated idempotency key was accepted and answered with the first event, not stored twice.
    expect(batch.data.events[1]?.eventId).toBe(one.data.eventId)
    const stored = await call(sandbox.url, "GET", "/events?event_subtype=report-run")
    expect(stored.body.data).toHaveLength(2)
  })

  it("records each event's processing status: processed, or failed with why", async () => {
    await client.companies.upsertCompany({ keys: { hubspot_id: "hs-4" }, name: "Vandelay" })
    await client.events.createEventBatch({
      events: [
        { eventType: "track", body: { event: "export", company: { hubspot_id: "hs-4" } }, idempotencyKey: "st-ok" },
        { eventType: "track", body: { event: "export", company: { hubspot_id: "nobody" } }, idempotencyKey: "st-co" },
        { eventType: "track", body: { event: "export", user: { email: "ghost@x.test" } }, idempotencyKey: "st-user" }
      ]
    })
    const statusOf = async (key: string) => (await client.events.listEvents({ idempotencyKey: key })).data[0]
    expect(await statusOf("st-ok")).toMatchObject({ status: "processed" })
    expect((await statusOf("st-ok"))?.errorMessage ?? null).toBeNull()
    expect(await statusOf("st-co")).toMatchObject({
      status: "failed",
      errorMessage: "no company matches the event's company keys"
    })
    expect(await statusOf("st-user")).toMatchObject({
      status: "failed",
      errorMessage: "no user matches the event's user keys"
    })
  })

  it("reads the three insights", async () => {
    await client.plans.createPlan({ name: "Starter", planType: "plan" })
    await client.features.createFeature({
      name: "Reports",
      description: "Report runs",
      featureType: "event",
      eventSubtype: "report-run"
    })
    const summary = await client.insights.getSummary()
    expect(summary.data.totalCompanies).toBeGreaterThanOrEqual(3)
    expect(summary.data.totalPlans).toBe(1)
    const growth = await client.insights.getPlanGrowth({ months: 6 })
    expect(Array.isArray(growth.data.points)).toBe(true)
    const top = await client.insights.getTopFeaturesByUsage({
      startTime: new Date(Date.now() - 3_600_000),
      endTime: new Date(Date.now() + 60_000),
      limit: 5
    })
    expect(top.data.features).toEqual([expect.objectContaining({ featureName: "Reports", usage: 3, priorUsage: 0 })])
  })
})
