/**
 * The capability's overhead: GET /v1/companies through the server against GET /companies straight to the
 * embedded sandbox it calls, and MCP tools/call list-companies, measured in one run on the same machine.
 * Targets: under 1 ms added at p50; at least half of the direct throughput.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { loadTable, measurePath } from "./load.ts"
import { KEY, startSandbox, startServer } from "./processes.ts"

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)

/**
 * The sandbox runs in its own process, as Schematic would be a service of its own; the server points at it
 * with its budgets off, so both paths reach the same upstream and only the capability differs.
 */
const start = async (dataDir: string) => {
  const sandbox = await startSandbox(join(dataDir, "sandbox"))
  const server = await startServer(dataDir, sandbox.url)
  return {
    rest: server.rest,
    mcp: server.mcp,
    sandbox: sandbox.url,
    stop: () => {
      server.child.kill("SIGTERM")
      sandbox.child.kill("SIGTERM")
    }
  }
}

export const run = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-capability-"))
  const server = await start(dataDir)
  try {
    for (let i = 0; i < 20; i++) {
      await fetch(`${server.rest}/v1/companies`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ keys: { crm: `bench-${i}` }, name: `Bench ${i}`, traits: { seats: i } })
      })
    }
    const get =
      (url: string, headers: Record<string, string> = {}) =>
      async () => {
        const response = await fetch(url, { headers })
        if (!response.ok) throw new Error(`${url}: ${response.status}`)
        await response.arrayBuffer()
      }
    const options = { concurrency: CONCURRENCY, seconds: SECONDS }
    const direct = await measurePath(
      "GET /companies?limit=20 (sandbox, direct: baseline)",
      get(`${server.sandbox}/companies?limit=20`, { "x-schematic-api-key": KEY }),
      options
    )
    const capability = await measurePath(
      "GET /v1/companies?limit=20 (capability REST)",
      get(`${server.rest}/v1/companies?limit=20`),
      options
    )

    const clients = await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        const client = new Client({ name: "bench", version: "1.0.0" })
        await client.connect(new StreamableHTTPClientTransport(new URL(server.mcp)))
        return client
      })
    )
    let next = 0
    const mcp = await measurePath(
      "MCP tools/call list-companies {limit: 20} (capability MCP)",
      async () => {
        const client = clients[next++ % clients.length]!
        const result = await client.callTool({ name: "list-companies", arguments: { limit: 20 } })
        if (result.isError) throw new Error(JSON.stringify(result.content))
      },
      options
    )
    await Promise.all(clients.map((client) => client.close()))
    loadTable(
      `Capability overhead: 1 caller, then ${CONCURRENCY} concurrent callers, ${SECONDS} s each; 20 companies a page; sandbox and server in separate processes`,
      direct,
      [capability, mcp]
    )
  } finally {
    server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
