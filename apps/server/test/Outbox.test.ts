import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { ManagedRuntime } from "effect"
import { describe, expect, it } from "vitest"
import { rest, startServer } from "./support.js"

const KEY = "sch_dev_sandbox"

/** How many events the sandbox stored under each idempotency key. */
const upstreamKeys = async (url: string) => {
  const counts = new Map<string, number>()
  for (let offset = 0; ; offset += 250) {
    const response = await fetch(`${url}/events?limit=250&offset=${offset}`, {
      headers: { "x-schematic-api-key": KEY }
    })
    const page = (await response.json()) as { data: Array<{ idempotency_key?: string | null }> }
    for (const event of page.data) {
      if (event.idempotency_key) counts.set(event.idempotency_key, (counts.get(event.idempotency_key) ?? 0) + 1)
    }
    if (page.data.length < 250) return counts
  }
}

/**
 * Runs `test` with a sandbox as upstream and a data directory of its own, both gone after it; `env` starts the server
 * in real mode against that sandbox (with no rate budget) on that directory.
 */
const againstSandbox = async (
  dataDirPrefix: string,
  test: (upstream: string, env: Record<string, string>) => Promise<void>
) => {
  const sandbox = ManagedRuntime.make(SchematicSandbox.layer({ port: 0, dataDir: ":memory:" }))
  const dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix))
  try {
    const upstream = await sandbox.runPromise(SchematicSandbox.url)
    await test(upstream, {
      SCHEMATIC_API_KEY: KEY,
      SCHEMATIC_API_URL: upstream,
      SCHEMATIC_READS_PER_SECOND: "0",
      SCHEMATIC_WRITES_PER_SECOND: "0",
      DATA_DIR: dataDir
    })
  } finally {
    await sandbox.dispose()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** Waits until the server's outbox has nothing pending or in flight, failing after `millis`. */
const drained = async (base: string, millis: number) => {
  const deadline = Date.now() + millis
  for (;;) {
    const status = (await rest(base, "GET", "/v1/events/outbox")).body
    if (status.pending === 0 && status.in_flight === 0) return
    if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(status)}`)
    await new Promise((done) => setTimeout(done, 50))
  }
}

describe("accepted events survive kill -9", () => {
  it(
    "delivers every acknowledged event exactly once after the server is killed under load and restarted",
    () =>
      againstSandbox("capability-crash-", async (upstream, env) => {
        const first = await startServer(env)
        const acknowledged: Array<string> = []
        let sent = 0
        let stop = false
        const caller = async (worker: number) => {
          while (!stop) {
            const n = sent++
            const batch = n % 5 === 0
            const keys = batch ? [0, 1, 2].map((i) => `crash-${worker}-${n}-${i}`) : [`crash-${worker}-${n}`]
            const event = (key: string) => ({
              event_type: "track",
              body: { event: "api-call", company: { crm: "load" } },
              idempotency_key: key
            })
            try {
              const response = batch
                ? await rest(first.rest, "POST", "/v1/events/batch", { events: keys.map(event) })
                : await rest(first.rest, "POST", "/v1/events", event(keys[0]!))
              if (response.status === 202) acknowledged.push(...keys)
            } catch {
              // The connection died with the server: not acknowledged, so the caller would retry it.
            }
          }
        }
        const callers = Array.from({ length: 8 }, (_, worker) => caller(worker))
        // Killed mid-load once enough is acknowledged to mean something (sooner on a fast machine, later on a busy one).
        const started = Date.now()
        while (acknowledged.length <= 200 && Date.now() - started < 20_000) {
          await new Promise((done) => setTimeout(done, 50))
        }
        first.child.kill("SIGKILL")
        stop = true
        await Promise.all(callers)
        await first.stop()
        expect(acknowledged.length).toBeGreaterThan(100)
        console.log(`kill -9 test: ${acknowledged.length} events acknowledged before the kill`)

        const second = await startServer(env)
        try {
          await drained(second.rest, 30_000)
          const counts = await upstreamKeys(upstream)
          const missing = acknowledged.filter((key) => counts.get(key) !== 1)
          expect(missing).toEqual([])
          expect([...counts.values()].every((count) => count === 1)).toBe(true)
        } finally {
          await second.stop()
        }
      }),
    60_000
  )
})

describe("shutdown", () => {
  it(
    "exits cleanly on SIGTERM with undelivered events kept on disk, and delivers them after a restart",
    () =>
      againstSandbox("capability-term-", async (upstream, env) => {
        // Upstream unreachable: everything stays pending.
        const first = await startServer({ ...env, SCHEMATIC_API_URL: "http://127.0.0.1:9" })
        const keys = Array.from({ length: 30 }, (_, i) => `term-${i}`)
        for (const key of keys) {
          const response = await rest(first.rest, "POST", "/v1/events", {
            event_type: "track",
            body: { event: "api-call", company: { crm: "t" } },
            idempotency_key: key
          })
          expect(response.status).toBe(202)
        }
        const acceptedBy = Date.now()
        expect(await first.stop("SIGTERM")).toBe(0)

        const second = await startServer(env)
        try {
          await drained(second.rest, 15_000)
          const counts = await upstreamKeys(upstream)
          expect(keys.map((key) => counts.get(key))).toEqual(keys.map(() => 1))
          // Metered when accepted, not when delivered after the restart: Schematic was told to trust the time sent.
          const delivered = (await (
            await fetch(`${upstream}/events?event_subtype=api-call&limit=100`, {
              headers: { "x-schematic-api-key": KEY }
            })
          ).json()) as { data: Array<{ captured_at: string }> }
          expect(delivered.data).toHaveLength(keys.length)
          for (const event of delivered.data) expect(Date.parse(event.captured_at)).toBeLessThanOrEqual(acceptedBy)
        } finally {
          await second.stop()
        }
      }),
    40_000
  )
})

describe("ingestion over REST", () => {
  it("answers 202 queued, dedupes by key, validates a batch all-or-nothing, and reports delivery", async () => {
    const server = await startServer()
    try {
      const event = {
        event_type: "track",
        body: { event: "api-call", company: { crm: "rest" } },
        idempotency_key: "ingest-1"
      }
      const first = await rest(server.rest, "POST", "/v1/events", event)
      expect(first.status).toBe(202)
      expect(first.body).toMatchObject({ idempotency_key: "ingest-1", status: "queued" })
      expect((await rest(server.rest, "POST", "/v1/events", event)).body.id).toBe(first.body.id)

      const bad = await rest(server.rest, "POST", "/v1/events/batch", {
        events: [event, { ...event, body: { event: "" } }, event, { event_type: "nope" }]
      })
      expect(bad.status).toBe(400)
      const paths = bad.body.error.fields.map((field: { path: string }) => field.path)
      expect(paths).toEqual(expect.arrayContaining(["events.1.body.event", "events.3.event_type"]))
      // A track event names its company, its user, or both.
      const nobody = await rest(server.rest, "POST", "/v1/events", { event_type: "track", body: { event: "api-call" } })
      expect(nobody.status).toBe(400)
      expect(nobody.body.error.fields).toEqual([
        { path: "body.company", message: expect.stringContaining("its company's keys, its user's, or both") },
        { path: "body.user", message: expect.stringContaining("its company's keys, its user's, or both") }
      ])
      const byUser = await rest(server.rest, "POST", "/v1/events", {
        event_type: "track",
        body: { event: "api-call", user: { email: "rest@example.com" } }
      })
      expect(byUser.status).toBe(202)
      const tooMany = await rest(server.rest, "POST", "/v1/events/batch", {
        events: Array.from({ length: 1001 }, () => event)
      })
      expect(tooMany.status).toBe(400)
      expect(tooMany.body.error.message).toMatch(/at most 1000 events/)

      const batch = await rest(server.rest, "POST", "/v1/events/batch", {
        events: Array.from({ length: 50 }, (_, i) => ({ ...event, idempotency_key: `batch-${i}` }))
      })
      expect(batch.status).toBe(202)
      expect(batch.body.events).toHaveLength(50)

      const deadline = Date.now() + 15_000
      let status = (await rest(server.rest, "GET", "/v1/events/outbox")).body
      while (status.pending + status.in_flight > 0 && Date.now() < deadline) {
        await new Promise((done) => setTimeout(done, 50))
        status = (await rest(server.rest, "GET", "/v1/events/outbox")).body
      }
      // The first event, the one naming only its user, and the batch.
      expect(status).toMatchObject({ pending: 0, in_flight: 0, delivered: 52, dead_lettered: 0, durable: true })
      expect((await rest(server.rest, "GET", "/v1/events/outbox/dead-letters")).body.events).toEqual([])
      expect((await rest(server.rest, "POST", "/v1/events/outbox/requeue", { all: true })).body).toEqual({
        requeued: 0
      })
      const neither = await rest(server.rest, "POST", "/v1/events/outbox/requeue", {})
      expect(neither.status).toBe(400)
    } finally {
      await server.stop()
    }
  })
})
