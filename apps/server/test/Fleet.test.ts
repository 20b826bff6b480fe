/**
 * Several replicas on one PostgreSQL outbox, in front of one upstream (a standalone sandbox, as Schematic would be).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import Database from "better-sqlite3"
import { ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningPostgres, startPostgres } from "../../../packages/event-outbox/test/postgres.js"
import { type RunningServer, rest, startServer, upstreamProxy } from "./support.js"

const KEY = "sch_dev_sandbox"

describe("a fleet of replicas on a PostgreSQL outbox", () => {
  let postgres: RunningPostgres
  let upstreamDir: string
  let upstream: { readonly dispose: () => Promise<void> }
  let env: Record<string, string>

  beforeAll(async () => {
    postgres = await startPostgres()
    upstreamDir = mkdtempSync(join(tmpdir(), "fleet-upstream-"))
    const sandbox = ManagedRuntime.make(SchematicSandbox.layer({ port: 0, dataDir: upstreamDir }))
    upstream = sandbox
    const url = await sandbox.runPromise(SchematicSandbox.url)
    env = {
      SCHEMATIC_API_KEY: KEY,
      SCHEMATIC_API_URL: url,
      SCHEMATIC_READS_PER_SECOND: "0",
      SCHEMATIC_WRITES_PER_SECOND: "0",
      OUTBOX_DATABASE_URL: await postgres.createDatabase("fleet"),
      // Short, so the test sees a dead replica's events taken over.
      OUTBOX_LEASE_SECONDS: "2"
    }
  }, 60_000)
  afterAll(async () => {
    await upstream?.dispose()
    await postgres?.stop()
    if (upstreamDir !== undefined) rmSync(upstreamDir, { recursive: true, force: true })
  })

  /** How often upstream holds each event key with this prefix. */
  const upstreamKeys = (prefix: string) => {
    const db = new Database(join(upstreamDir, "schematic-sandbox.db"), { readonly: true })
    try {
      const rows = db
        .prepare("SELECT idempotency_key AS key, COUNT(*) AS n FROM events WHERE idempotency_key LIKE ? GROUP BY 1")
        .all(`${prefix}%`) as Array<{ key: string; n: number }>
      return new Map(rows.map((row) => [row.key, row.n]))
    } finally {
      db.close()
    }
  }

  const track = (key: string) => ({
    event_type: "track",
    body: { event: "api-call", company: { crm: "fleet" } },
    idempotency_key: key
  })

  it("delivers every event acknowledged by either replica exactly once when one is SIGKILLed under load", async () => {
    // The replica to be killed gets its deliveries answered slowly, so it dies holding leased events.
    const slow = await upstreamProxy(env.SCHEMATIC_API_URL!, { deliveryDelayMillis: 5000 })
    const fast = await upstreamProxy(env.SCHEMATIC_API_URL!)
    const replicas: Array<RunningServer> = [await startServer({ ...env, SCHEMATIC_API_URL: slow.url })]
    const a = replicas[0]!
    try {
      // A takes these and is still waiting for upstream's answer when it is killed below.
      const held = Array.from({ length: 100 }, (_, i) => `fleet-held-${i}`)
      expect((await rest(a.rest, "POST", "/v1/events/batch", { events: held.map(track) })).status).toBe(202)
      for (let attempt = 0; attempt < 100 && slow.sent.size < held.length; attempt++) {
        await new Promise((done) => setTimeout(done, 20))
      }
      expect(slow.sent.size).toBe(held.length)
      replicas.push(await startServer({ ...env, SCHEMATIC_API_URL: fast.url }))
      const b = replicas[1]!

      // A retry that reaches the other replica is the same event.
      const first = await rest(a.rest, "POST", "/v1/events", track("fleet-retry"))
      const retried = await rest(b.rest, "POST", "/v1/events", track("fleet-retry"))
      expect(first.status).toBe(202)
      expect(retried.body.id).toBe(first.body.id)

      const acknowledged = new Set<string>(["fleet-retry", ...held])
      let next = 0
      let killed = false
      const until = Date.now() + 3000
      const caller = async (index: number) => {
        while (Date.now() < until) {
          const target = index % 2 === 0 && !killed ? a : b
          const keys = Array.from({ length: 20 }, () => `fleet-${next++}`)
          try {
            const answer = await rest(target.rest, "POST", "/v1/events/batch", { events: keys.map(track) })
            if (answer.status === 202) for (const key of keys) acknowledged.add(key)
          } catch {
            // The killed replica's connections fail: those events were not acknowledged.
          }
        }
      }
      const load = Promise.all([0, 1, 2, 3].map(caller))
      await new Promise((done) => setTimeout(done, 1000))
      killed = true
      await a.stop("SIGKILL")
      await load
      expect(acknowledged.size).toBeGreaterThan(100)

      // The survivor delivers everything, the dead replica's leased events once their lease has passed.
      let status = (await rest(b.rest, "GET", "/v1/events/outbox")).body
      for (let attempt = 0; attempt < 300 && status.pending + status.in_flight > 0; attempt++) {
        await new Promise((done) => setTimeout(done, 100))
        status = (await rest(b.rest, "GET", "/v1/events/outbox")).body
      }
      expect(status).toMatchObject({ pending: 0, in_flight: 0, dead_lettered: 0, durable: true })
      console.log(`fleet: ${acknowledged.size} events acknowledged by the two replicas`)

      // The survivor sent again what the dead replica had sent and not recorded: upstream counted each once.
      const resent = [...slow.sent.keys()].filter((key) => fast.sent.has(key))
      expect(resent).toEqual(expect.arrayContaining(held))
      const delivered = upstreamKeys("fleet-")
      const missing = [...acknowledged].filter((key) => delivered.get(key) !== 1)
      expect(missing).toEqual([])
      // Events not acknowledged (cut off by the kill) may have been stored; none may arrive twice.
      expect([...delivered.values()].every((count) => count === 1)).toBe(true)
      console.log(`fleet: ${resent.length} events the killed replica held were delivered by the survivor`)
    } finally {
      for (const replica of replicas) await replica.stop()
      await slow.close()
      await fast.close()
    }
  })

  it("refuses to start when the outbox database cannot be reached, without printing its password", async () => {
    const failed = await startServer({
      ...env,
      OUTBOX_DATABASE_URL: "postgres://outbox:hunter2@127.0.0.1:9/outbox"
    }).catch((error: Error) => error)
    expect(failed).toBeInstanceOf(Error)
    const message = (failed as Error).message
    expect(message).toContain("exited (1)")
    expect(message).toContain("The event outbox database could not be opened")
    expect(message).not.toContain("hunter2")
  })
})
