import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { ManagedRuntime } from "effect"
import { describe, expect, it } from "vitest"
import { rest, runServer, startServer, stdioJs, upstreamProxy } from "./support.js"

describe.concurrent("configuration", () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ REST_PORT: "abc" }, /REST_PORT/],
    [{ MCP_PORT: "70000" }, /MCP_PORT: must be a whole number from 0 to 65535/],
    [{ SANDBOX_PORT: "-1" }, /SANDBOX_PORT/],
    [{ SCHEMATIC_API_URL: "ftp://x" }, /SCHEMATIC_API_URL: must be an http\(s\) URL/],
    [{ SCHEMATIC_API_KEY: "  " }, /SCHEMATIC_API_KEY: must not be empty/],
    [{ SANDBOX_RATE_LIMIT: "fast" }, /SANDBOX_RATE_LIMIT/],
    [{ HOST: "bad host!" }, /HOST: must be an address/],
    [{ MCP_TOOLSETS: "billing,everything" }, /MCP_TOOLSETS: must be a comma-separated list of .*; not everything/]
  ]
  for (const [env, message] of cases) {
    it(`refuses ${JSON.stringify(env)} with a message naming it`, async () => {
      const result = await runServer(env)
      expect(result.code).toBe(2)
      expect(result.output).toMatch(/Invalid configuration/)
      expect(result.output).toMatch(message)
    })
  }
})

describe.concurrent("the server's lifecycle", () => {
  it("says it serves the embedded sandbox, and exits cleanly on SIGTERM and SIGINT", async () => {
    const server = await startServer()
    expect(server.logs()).toMatch(
      /No SCHEMATIC_API_KEY: serving the embedded Schematic sandbox on http:\/\/127\.0\.0\.1:\d+/
    )
    expect(await server.stop("SIGTERM")).toBe(0)
    expect(server.logs()).toMatch(/Shutting down/)
    const again = await startServer()
    expect(await again.stop("SIGINT")).toBe(0)
  })
})

describe.concurrent("what it starts on", () => {
  it("refuses a port in use with one line naming its setting, and exits 2", async () => {
    const taken = createServer()
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done))
    const { port } = taken.address() as { port: number }
    const dataDir = mkdtempSync(join(tmpdir(), "capability-port-"))
    try {
      for (const variable of ["REST_PORT", "SANDBOX_PORT"]) {
        const result = await runServer({ DATA_DIR: join(dataDir, variable), [variable]: String(port) })
        expect(result.code).toBe(2)
        expect(result.output).toContain(`Cannot start: ${variable}: port ${port} on 127.0.0.1 is already in use`)
        // One line, not a stack trace.
        expect(result.output).not.toMatch(/\n\s+at /)
      }
    } finally {
      taken.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it("refuses a second server on the same DATA_DIR, touching nothing of the first one's", async () => {
    const sandbox = ManagedRuntime.make(SchematicSandbox.layer({ port: 0, dataDir: ":memory:" }))
    // Upstream answers deliveries late: the first server holds its events in flight meanwhile.
    const slow = await upstreamProxy(await sandbox.runPromise(SchematicSandbox.url), { deliveryDelayMillis: 20_000 })
    const dataDir = mkdtempSync(join(tmpdir(), "capability-owner-"))
    const env = { SCHEMATIC_API_KEY: "sch_dev_sandbox", SCHEMATIC_API_URL: slow.url, DATA_DIR: dataDir }
    const first = await startServer(env)
    try {
      const events = ["a", "b", "c"].map((key) => ({
        event_type: "track",
        body: { event: "api-call", company: { crm: "owner" } },
        idempotency_key: `owner-${key}`
      }))
      expect((await rest(first.rest, "POST", "/v1/events/batch", { events })).status).toBe(202)
      for (let attempt = 0; attempt < 100 && slow.sent.size < events.length; attempt++) {
        await new Promise((done) => setTimeout(done, 20))
      }
      expect((await rest(first.rest, "GET", "/v1/events/outbox")).body).toMatchObject({ in_flight: 3 })

      const second = await runServer({ ...env, REST_PORT: "0", MCP_PORT: "0" })
      expect(second.code).toBe(2)
      expect(second.output).toContain(`Cannot start: DATA_DIR: ${dataDir} is in use by another server`)
      // Its events are still in flight with it: the second one did not put them back to pending.
      expect((await rest(first.rest, "GET", "/v1/events/outbox")).body).toMatchObject({ pending: 0, in_flight: 3 })

      // The stdio MCP server beside it is its guest: it serves, and leaves the first one's events in flight too.
      const client = new Client({ name: "guest", version: "1.0.0" })
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [stdioJs],
          env: { PATH: process.env.PATH ?? "", SANDBOX_SEED: "none", ...env },
          stderr: "pipe"
        })
      )
      try {
        const status = await client.callTool({ name: "get-event-delivery-status", arguments: {} })
        expect(status.structuredContent).toMatchObject({ pending: 0, in_flight: 3 })
        // Had it put them back to pending, its own worker would have sent them again by now.
        await new Promise((done) => setTimeout(done, 1000))
        expect([...slow.sent.values()]).toEqual([1, 1, 1])
      } finally {
        await client.close()
      }
      expect((await rest(first.rest, "GET", "/v1/events/outbox")).body).toMatchObject({ pending: 0, in_flight: 3 })
    } finally {
      await first.stop("SIGKILL")
      await slow.close()
      await sandbox.dispose()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 45_000)

  it("refuses events once its data directory is deleted, and /readyz says the outbox failed", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "capability-deleted-"))
    const server = await startServer({ DATA_DIR: dataDir })
    const event = (key: string) => ({
      event_type: "track",
      body: { event: "api-call", company: { crm: "deleted" } },
      idempotency_key: key
    })
    try {
      expect((await rest(server.rest, "POST", "/v1/events", event("before"))).status).toBe(202)
      rmSync(dataDir, { recursive: true, force: true })

      const refused = await rest(server.rest, "POST", "/v1/events", event("after"))
      expect(refused.status).toBe(503)
      expect(refused.body.error).toMatchObject({ code: "storage_unavailable" })
      expect(refused.body.error.message).toMatch(/events\.db was deleted while the server ran/)
      const ready = await rest(server.rest, "GET", "/readyz")
      expect(ready.status).toBe(503)
      expect(ready.body.error.message).toMatch(/^The event outbox could not store the events: .*was deleted/)
      // Log lines are written in batches, shortly after.
      const logged = /Event outbox storage failed: events are refused.*was deleted/
      for (let attempt = 0; attempt < 40 && !logged.test(server.logs()); attempt++) {
        await new Promise((done) => setTimeout(done, 25))
      }
      expect(server.logs()).toMatch(logged)
      // What it acknowledged before is still delivered.
      let status = (await rest(server.rest, "GET", "/v1/events/outbox")).body
      for (let attempt = 0; attempt < 100 && status.delivered < 1; attempt++) {
        await new Promise((done) => setTimeout(done, 50))
        status = (await rest(server.rest, "GET", "/v1/events/outbox")).body
      }
      expect(status).toMatchObject({ pending: 0, in_flight: 0, delivered: 1 })
    } finally {
      await server.stop()
    }
  })
})

describe.concurrent("against an upstream that fails", () => {
  it("maps 429s and a wrong key to clear errors, never a crash, and never logs the key", async () => {
    const sandbox = ManagedRuntime.make(SchematicSandbox.layer({ port: 0, dataDir: ":memory:", rateLimit: 1 }))
    const url = await sandbox.runPromise(SchematicSandbox.url)
    const [server, wrongKey] = await Promise.all([
      startServer({ SCHEMATIC_API_KEY: "sch_dev_sandbox", SCHEMATIC_API_URL: url }),
      startServer({ SCHEMATIC_API_KEY: "sch_dev_not_this_one", SCHEMATIC_API_URL: url })
    ])
    try {
      expect(server.logs()).toContain(`Using Schematic at ${url}`)

      // 429 storm: the sandbox allows 1 read/s; the client's budget (20/s) is Schematic's, not the sandbox's. Each
      // request is retried for about five seconds (honouring Retry-After), in which about five of twelve get through.
      const burst = await Promise.all(Array.from({ length: 12 }, () => rest(server.rest, "GET", "/v1/companies")))
      const limited = burst.filter((response) => response.status === 429)
      expect(burst.every((response) => response.status === 200 || response.status === 429)).toBe(true)
      expect(limited.length).toBeGreaterThan(0)
      expect(limited[0]?.body.error.code).toBe("rate_limited")
      expect(Number(limited[0]?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)

      const refused = await rest(wrongKey.rest, "GET", "/v1/insights/summary")
      expect(refused.status).toBe(502)
      expect(refused.body.error.code).toBe("upstream_unauthorized")
      expect((await rest(wrongKey.rest, "GET", "/readyz")).status).toBe(503)

      for (const logs of [server.logs(), wrongKey.logs()]) {
        expect(logs).not.toContain("sch_dev_sandbox")
        expect(logs).not.toContain("sch_dev_not_this_one")
      }
      expect(JSON.stringify(refused.body)).not.toContain("sch_dev")
    } finally {
      await server.stop()
      await wrongKey.stop()
      await sandbox.dispose()
    }
  }, 60_000)

  it("answers 503 unavailable once its upstream is gone, stays live, and never logs the key", async () => {
    const sandbox = ManagedRuntime.make(SchematicSandbox.layer({ port: 0, dataDir: ":memory:" }))
    const url = await sandbox.runPromise(SchematicSandbox.url)
    const server = await startServer({ SCHEMATIC_API_KEY: "sch_dev_sandbox", SCHEMATIC_API_URL: url })
    try {
      await sandbox.dispose()
      const down = await rest(server.rest, "POST", "/v1/companies", { keys: { crm: "down" } })
      expect(down.status).toBe(503)
      expect(down.body.error.code).toBe("upstream_unavailable")
      const ready = await rest(server.rest, "GET", "/readyz")
      expect(ready.status).toBe(503)
      expect((await rest(server.rest, "GET", "/healthz")).status).toBe(200)

      expect(server.logs()).not.toContain("sch_dev_sandbox")
      expect(JSON.stringify(down.body)).not.toContain("sch_dev")
    } finally {
      await server.stop()
      await sandbox.dispose()
    }
  }, 60_000)
})
