import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { EventSink } from "@schematic-capability/capability-core"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { EventOutbox } from "../src/index.js"

const KEY = "sch_dev_sandbox"
const fast = { pollInterval: "20 millis", baseBackoff: "20 millis", maxBackoff: "300 millis" } as const

const freePort = () =>
  new Promise<number>((done) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => done(port))
    })
  })

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A sandbox on a fixed port (so it can be stopped and started again at the same address). */
const sandboxAt = async (port: number, dataDir: string, rateLimit = 0) => {
  const runtime = ManagedRuntime.make(SchematicSandbox.layer({ port, dataDir, rateLimit }))
  await runtime.runPromise(SchematicSandbox.url)
  return runtime
}

/** An outbox (real SQLite file) in front of a client pointed at `url`. */
const outboxFor = (url: string, options: Partial<EventOutbox.Options> = {}) => {
  const dir = mkdtempSync(join(tmpdir(), "outbox-"))
  const runtime = ManagedRuntime.make(
    EventOutbox.layer({ filename: join(dir, "events.db"), ...fast, ...options }).pipe(
      Layer.provide(
        SchematicClient.layer({
          apiKey: KEY,
          baseUrl: url,
          readsPerSecond: 0,
          writesPerSecond: 0,
          retry: { maxRetries: 1, baseDelay: "10 millis", maxDelay: "200 millis" }
        })
      )
    )
  )
  cleanups.push(async () => {
    await runtime.dispose()
    rmSync(dir, { recursive: true, force: true })
  })
  const sink = runtime.runPromise(EventSink.EventSink)
  return {
    submit: async (events: ReadonlyArray<EventSink.KeyedEvent>) => runtime.runPromise((await sink).submit(events)),
    submitExit: async (events: ReadonlyArray<EventSink.KeyedEvent>) =>
      runtime.runPromise(Effect.either((await sink).submit(events))),
    status: async () => runtime.runPromise((await sink).status),
    deadLetters: async () => runtime.runPromise((await sink).deadLetters({ limit: 100, offset: 0 })),
    requeue: async (target: { ids?: ReadonlyArray<string>; all?: boolean }) =>
      runtime.runPromise((await sink).requeue(target))
  }
}

const track = (key: string, company = "acme", event = "api-call"): EventSink.KeyedEvent => ({
  event_type: "track",
  body: { event, company: { crm: company }, quantity: 1 },
  idempotency_key: key
})

const until = async (check: () => Promise<boolean>, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((done) => setTimeout(done, 25))
  }
}

const upstream = async (url: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { "x-schematic-api-key": KEY, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  // biome-ignore lint/suspicious/noExplicitAny: upstream answers are read loosely and asserted on
  return (await response.json()) as { data: any }
}

/** How many events upstream stored with each idempotency key. */
const upstreamKeys = async (url: string) => {
  const counts = new Map<string, number>()
  for (let offset = 0; ; offset += 250) {
    const page = await upstream(url, "GET", `/events?limit=250&offset=${offset}`)
    for (const event of page.data) {
      if (event.idempotency_key) counts.set(event.idempotency_key, (counts.get(event.idempotency_key) ?? 0) + 1)
    }
    if (page.data.length < 250) return counts
  }
}

const settled = (outbox: ReturnType<typeof outboxFor>) => async () => {
  const status = await outbox.status()
  return status.pending === 0 && status.in_flight === 0
}

describe("the event outbox", () => {
  it("answers queued once stored, delivers, and stores a repeated key once", async () => {
    const port = await freePort()
    const sandbox = await sandboxAt(port, ":memory:")
    cleanups.push(() => sandbox.dispose())
    const url = `http://127.0.0.1:${port}`
    await upstream(url, "POST", "/companies", { keys: { crm: "acme" }, name: "Acme" })
    const outbox = outboxFor(url)
    const first = await outbox.submit([track("k-1"), track("k-2")])
    expect(first.map((event) => event.status)).toEqual(["queued", "queued"])
    expect(first[0]?.id).toMatch(/^oev_/)
    const again = await outbox.submit([track("k-1")])
    expect(again[0]?.id).toBe(first[0]?.id)
    await until(settled(outbox), "delivery")
    expect((await outbox.status()).delivered).toBe(2)
    const keys = await upstreamKeys(url)
    expect([keys.get("k-1"), keys.get("k-2")]).toEqual([1, 1])
  })

  it("isolates an event upstream refuses, dead-letters it with upstream's message, and can requeue it", async () => {
    const port = await freePort()
    const sandbox = await sandboxAt(port, ":memory:")
    cleanups.push(() => sandbox.dispose())
    const url = `http://127.0.0.1:${port}`
    await upstream(url, "POST", "/companies", { keys: { crm: "acme" }, name: "Acme" })
    const other = await upstream(url, "POST", "/companies", { keys: { other: "b" }, name: "B" })
    const outbox = outboxFor(url)
    // Its company keys match two different companies: Schematic refuses the whole batch that carries it.
    const poison: EventSink.KeyedEvent = {
      event_type: "identify",
      body: { keys: { email: "p@x.test" }, company: { keys: { crm: "acme", other: "b" } } },
      idempotency_key: "poison"
    }
    const good = Array.from({ length: 10 }, (_, i) => track(`good-${i}`))
    await outbox.submit([...good.slice(0, 5), poison, ...good.slice(5)])
    await until(settled(outbox), "delivery")
    const status = await outbox.status()
    expect(status).toMatchObject({ delivered: 10, dead_lettered: 1 })
    const dead = await outbox.deadLetters()
    expect(dead.map((event) => event.idempotency_key)).toEqual(["poison"])
    expect(dead[0]?.error).toMatch(/match 2 different companies/)
    const keys = await upstreamKeys(url)
    expect(good.every((event) => keys.get(event.idempotency_key) === 1)).toBe(true)
    expect(keys.has("poison")).toBe(false)

    // Fix the cause upstream, then requeue: it is delivered, once.
    await upstream(url, "DELETE", `/companies/${other.data.id}`)
    expect(await outbox.requeue({ ids: [dead[0]!.id] })).toBe(1)
    await until(settled(outbox), "redelivery")
    expect(await outbox.status()).toMatchObject({ delivered: 11, dead_lettered: 0 })
    expect((await upstreamKeys(url)).get("poison")).toBe(1)
  })

  it("keeps events through an upstream outage and delivers them all, once, when it is back", async () => {
    const port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), "outage-"))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    let sandbox = await sandboxAt(port, dir)
    const url = `http://127.0.0.1:${port}`
    await upstream(url, "POST", "/companies", { keys: { crm: "acme" }, name: "Acme" })
    await sandbox.dispose()
    const outbox = outboxFor(url)
    const keys = Array.from({ length: 40 }, (_, i) => `outage-${i}`)
    for (const key of keys) await outbox.submit([track(key)])
    await until(async () => (await outbox.status()).last_upstream_error !== null, "a recorded upstream error")
    const during = await outbox.status()
    expect(during.pending + during.in_flight).toBe(40)
    expect(during.last_upstream_error?.message).toMatch(/Connect|Connection/)
    sandbox = await sandboxAt(port, dir)
    cleanups.push(() => sandbox.dispose())
    await until(settled(outbox), "delivery after the outage")
    const counts = await upstreamKeys(url)
    expect(keys.map((key) => counts.get(key))).toEqual(keys.map(() => 1))
  })

  it("gets everything through a storm of 429s", async () => {
    const port = await freePort()
    const sandbox = await sandboxAt(port, ":memory:", 2)
    cleanups.push(() => sandbox.dispose())
    const url = `http://127.0.0.1:${port}`
    const outbox = outboxFor(url, { batchSize: 4 })
    const keys = Array.from({ length: 24 }, (_, i) => `storm-${i}`)
    await Promise.all(keys.map((key) => outbox.submit([track(key, "nobody")])))
    await until(settled(outbox), "delivery through 429s", 30_000)
    const counts = await upstreamKeys(url)
    expect(keys.map((key) => counts.get(key))).toEqual(keys.map(() => 1))
  }, 40_000)

  it("answers outbox_full (503, retry later) when full, and drops nothing it accepted", async () => {
    const port = await freePort()
    const outbox = outboxFor(`http://127.0.0.1:${port}`, { maxRows: 3 })
    expect(await outbox.submit([track("f-1"), track("f-2"), track("f-3")])).toHaveLength(3)
    const refused = await outbox.submitExit([track("f-4")])
    expect(refused._tag).toBe("Left")
    if (refused._tag === "Left") {
      expect(refused.left).toMatchObject({ code: "outbox_full", status: 503, retryAfterSeconds: 5 })
    }
    const status = await outbox.status()
    expect(status.pending + status.in_flight).toBe(3)
  })

  it("dead-letters events it could not deliver within the maximum age", async () => {
    const port = await freePort()
    const outbox = outboxFor(`http://127.0.0.1:${port}`, { maxAge: "100 millis" })
    await outbox.submit([track("old-1")])
    await until(async () => (await outbox.status()).dead_lettered === 1, "expiry")
    const dead = await outbox.deadLetters()
    expect(dead[0]?.error).toMatch(/Not delivered within/)
  })
})
