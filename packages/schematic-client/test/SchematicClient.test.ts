import { assert, describe, expect, it, layer } from "@effect/vitest"
import { Chunk, Effect, Exit, Stream, Tracer } from "effect"
import { SchematicClient, SchematicConfig } from "../src/index.js"
import { clientWithSandbox } from "./support.js"

const Client = SchematicClient.SchematicClient

layer(clientWithSandbox())("SchematicClient against the sandbox", (it) => {
  it.effect("each request is a span when a tracer listens, and none is made when tracing is off", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const native = yield* Effect.tracer
      const names: Array<string> = []
      const recording = Tracer.make({
        span: (...args: Parameters<Tracer.Tracer["span"]>) => {
          names.push(args[0])
          return native.span(...args)
        },
        context: native.context
      })
      yield* client.companies.list({ limit: 1 }).pipe(Effect.withTracer(recording))
      expect(names).toEqual(["schematic GET /companies"])
      names.length = 0
      yield* client.companies.list({ limit: 1 }).pipe(Effect.withTracer(recording), Effect.withTracerEnabled(false))
      expect(names).toEqual([])
    })
  )

  it.effect("companies: upsert by keys, merge, get, lookup, list, count, stream, delete", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const created = yield* client.companies.upsert({
        keys: { stripe_customer_id: "cus_100" },
        name: "Acme",
        traits: { seats: 5, region: "eu" }
      })
      assert.match(created.id, /^comp_/)
      assert.deepStrictEqual(
        created.keys.map((key) => [key.key, key.value]),
        [["stripe_customer_id", "cus_100"]]
      )
      // Matching on any key, merging traits and adding the new key.
      const merged = yield* client.companies.upsert({
        keys: { stripe_customer_id: "cus_100", salesforce_id: "sf-9" },
        traits: { seats: 7 }
      })
      assert.strictEqual(merged.id, created.id)
      assert.deepStrictEqual(merged.traits, { seats: 7, region: "eu" })
      assert.deepStrictEqual(merged.keys.map((key) => key.key).sort(), ["salesforce_id", "stripe_customer_id"])
      // Fields the client does not declare still reach the caller.
      assert.deepStrictEqual((merged as unknown as { entity_traits: unknown }).entity_traits, [])

      assert.strictEqual((yield* client.companies.get(created.id)).name, "Acme")
      assert.strictEqual((yield* client.companies.lookup({ salesforce_id: "sf-9" })).id, created.id)

      for (let i = 0; i < 6; i++) yield* client.companies.upsert({ keys: { batch: `b-${i}` }, name: `Batch ${i}` })
      const page = yield* client.companies.list({ q: "Batch", limit: 4 })
      assert.strictEqual(page.length, 4)
      assert.strictEqual(yield* client.companies.count({ q: "Batch" }), 6)
      const all = yield* Stream.runCollect(client.companies.stream({ q: "Batch", pageSize: 4 }))
      assert.deepStrictEqual(
        Chunk.toArray(all)
          .map((company) => company.name)
          .sort(),
        ["Batch 0", "Batch 1", "Batch 2", "Batch 3", "Batch 4", "Batch 5"]
      )

      assert.isTrue(yield* client.companies.delete(created.id))
      const gone = yield* Effect.flip(client.companies.get(created.id))
      assert.strictEqual(gone._tag, "SchematicNotFound")
    })
  )

  it.effect("users: upsert into a company, list by company, count, get, lookup, delete", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const company = yield* client.companies.upsert({ keys: { crm: "users-co" }, name: "Users Co" })
      const user = yield* client.users.upsert({
        keys: { email: "ada@users.test" },
        name: "Ada",
        company: { crm: "users-co" },
        traits: { role: "admin" }
      })
      assert.match(user.id, /^user_/)
      assert.deepStrictEqual(
        user.company_memberships.map((membership) => membership.company_id),
        [company.id]
      )
      const listed = yield* client.users.list({ company_id: company.id })
      assert.deepStrictEqual(
        listed.map((item) => item.id),
        [user.id]
      )
      assert.strictEqual(yield* client.users.count({ company_id: company.id }), 1)
      assert.strictEqual((yield* client.users.get(user.id)).name, "Ada")
      assert.strictEqual((yield* client.users.lookup({ email: "ada@users.test" })).id, user.id)
      assert.strictEqual((yield* client.companies.get(company.id)).user_count, 1)
      assert.isTrue(yield* client.users.delete(user.id))
      assert.strictEqual(
        (yield* Effect.flip(client.users.lookup({ email: "ada@users.test" })))._tag,
        "SchematicNotFound"
      )
    })
  )

  it.effect("features, plans, company plans and company overrides", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const feature = yield* client.features.create({
        name: "Seats",
        description: "Seats in use",
        feature_type: "event",
        event_subtype: "seat-added"
      })
      assert.match(feature.id, /^feat_/)
      assert.strictEqual((yield* client.features.get(feature.id)).event_subtype, "seat-added")
      assert.isTrue((yield* client.features.list({ feature_type: ["event"] })).some((item) => item.id === feature.id))

      const plan = yield* client.plans.create({ name: "Team", plan_type: "plan", description: "For teams" })
      const addOn = yield* client.plans.create({ name: "Extra seats", plan_type: "add_on" })
      assert.match(plan.id, /^plan_/)
      assert.strictEqual((yield* client.plans.get(plan.id)).name, "Team")
      assert.strictEqual((yield* client.plans.list({ plan_type: "add_on" }))[0]?.id, addOn.id)

      const company = yield* client.companies.upsert({ keys: { crm: "override-co" }, name: "Override Co" })
      const assigned = yield* client.companies.updatePlans(company.id, {
        base_plan_id: plan.id,
        add_on_ids: [addOn.id]
      })
      assert.strictEqual(assigned.plan?.id, plan.id)
      assert.deepStrictEqual(
        assigned.add_ons.map((item) => item.id),
        [addOn.id]
      )

      const override = yield* client.companyOverrides.create({
        company_id: company.id,
        feature_id: feature.id,
        value_type: "numeric",
        value_numeric: 50,
        note: "Enterprise pilot"
      })
      assert.match(override.id, /^cmov_/)
      assert.strictEqual(override.notes[0]?.note, "Enterprise pilot")
      const updated = yield* client.companyOverrides.update(override.id, { value_type: "numeric", value_numeric: 75 })
      assert.strictEqual(updated.value_numeric, 75)
      assert.strictEqual((yield* client.companyOverrides.get(override.id)).value_numeric, 75)
      assert.deepStrictEqual(
        (yield* client.companyOverrides.list({ company_id: company.id })).map((item) => item.id),
        [override.id]
      )
      const duplicate = yield* Effect.flip(
        client.companyOverrides.create({ company_id: company.id, feature_id: feature.id, value_type: "unlimited" })
      )
      assert.strictEqual(duplicate._tag, "SchematicBadRequest")
      assert.match(duplicate.message, /already has an override/)
      assert.isTrue(yield* client.companyOverrides.delete(override.id))
      assert.strictEqual((yield* Effect.flip(client.companyOverrides.get(override.id)))._tag, "SchematicNotFound")
    })
  )

  it.effect("events: create, batch, idempotency, list, get, event types", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const company = yield* client.companies.upsert({ keys: { crm: "events-co" }, name: "Events Co" })
      const first = yield* client.events.create({
        event_type: "track",
        body: { event: "api-call", company: { crm: "events-co" }, quantity: 3 },
        idempotency_key: "evt-key-1"
      })
      assert.match(first.event_id ?? "", /^evt_/)
      const repeat = yield* client.events.create({
        event_type: "track",
        body: { event: "api-call", company: { crm: "events-co" }, quantity: 3 },
        idempotency_key: "evt-key-1"
      })
      assert.strictEqual(repeat.event_id, first.event_id)
      const batch = yield* client.events.createBatch({
        events: [
          { event_type: "track", body: { event: "api-call", company: { crm: "events-co" } } },
          {
            event_type: "identify",
            body: { keys: { email: "ev@events.test" }, company: { keys: { crm: "events-co" } } }
          }
        ]
      })
      assert.strictEqual(batch.events.length, 2)

      const tracked = yield* client.events.list({ company_id: company.id, event_types: ["track"] })
      assert.deepStrictEqual(tracked.map((event) => event.quantity).sort(), [1, 3])
      assert.deepStrictEqual(
        (yield* client.events.list({ idempotency_key: "evt-key-1" })).map((event) => event.id),
        [first.event_id]
      )
      const one = yield* client.events.get(first.event_id!)
      assert.strictEqual(one.subtype, "api-call")
      assert.strictEqual(one.company_id, company.id)
      const types = yield* client.events.types({ event_subtypes: ["api-call"] })
      assert.deepStrictEqual(
        types.map((type) => [type.event_subtype, type.event_count, type.company_count]),
        [["api-call", 2, 1]]
      )
      // Two track events and the identify event that joined a user to the company, one page at a time.
      const all = yield* Stream.runCollect(client.events.stream({ company_id: company.id, pageSize: 1 }))
      assert.deepStrictEqual(
        Chunk.toArray(all)
          .map((event) => event.type)
          .sort(),
        ["identify", "track", "track"]
      )
    })
  )

  it.effect("insights: summary, plan growth, top features", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const summary = yield* client.insights.summary()
      assert.isAbove(summary.total_companies, 0)
      assert.isAbove(summary.total_features, 0)
      const growth = yield* client.insights.planGrowth({ months: 2 })
      assert.isTrue(growth.points.some((point) => point.plan_name === "Team" && point.subscribers === 1))
      const top = yield* client.insights.topFeatures({
        start_time: new Date(Date.now() - 3_600_000).toISOString(),
        end_time: new Date(Date.now() + 60_000).toISOString(),
        limit: 5
      })
      assert.isArray(top.features)
    })
  )

  it.effect("upstream refusals come back as typed errors with upstream's message", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const invalid = yield* Effect.flip(
        client.companyOverrides.create({
          company_id: "comp_missing",
          feature_id: "feat_missing",
          value_type: "unlimited"
        })
      )
      assert.strictEqual(invalid._tag, "SchematicBadRequest")
      assert.match(invalid.message, /company_id: no company comp_missing/)
      const missing = yield* Effect.flip(client.plans.get("plan_missing"))
      assert.strictEqual(missing._tag, "SchematicNotFound")
    })
  )

  it.effect("requests that break the spec are refused before anything is sent, naming the field", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const events = Array.from({ length: 1001 }, () => ({ event_type: "track" as const, body: { event: "x" } }))
      const tooMany = yield* Effect.flip(client.events.createBatch({ events }))
      assert.strictEqual(tooMany._tag, "SchematicInvalidRequest")
      assert.match(tooMany.message, /events/)
      const longKey = yield* Effect.flip(
        client.events.create({ event_type: "track", body: { event: "x" }, idempotency_key: "k".repeat(256) })
      )
      assert.strictEqual(longKey._tag, "SchematicInvalidRequest")
      assert.match(longKey.message, /idempotency_key/)
      const badLimit = yield* Effect.exit(client.companies.list({ limit: 500 }))
      assert.isTrue(Exit.isFailure(badLimit))
      const stored = yield* client.events.list({ event_subtype: "x" })
      assert.strictEqual(stored.length, 0)
    })
  )
})

layer(clientWithSandbox({}, { apiKey: "sch_dev_wrong" }))("a client with the wrong key", (it) => {
  it.effect("gets SchematicUnauthorized", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const error = yield* Effect.flip(client.companies.list())
      assert.strictEqual(error._tag, "SchematicUnauthorized")
    })
  )
})

describe("configuration", () => {
  it("refuses a bad base URL, an empty key or a negative budget, naming it", () => {
    expect(() => SchematicConfig.make({ apiKey: "" })).toThrow(/apiKey/)
    expect(() => SchematicConfig.make({ apiKey: "k", baseUrl: "ftp://x" })).toThrow(/baseUrl/)
    expect(() => SchematicConfig.make({ apiKey: "k", readsPerSecond: -1 })).toThrow(/readsPerSecond/)
    const config = SchematicConfig.make({ apiKey: "sch_dev_x", baseUrl: "http://127.0.0.1:1/" })
    expect(config.baseUrl).toBe("http://127.0.0.1:1")
    expect(String(config.apiKey)).not.toContain("sch_dev_x")
  })
})
