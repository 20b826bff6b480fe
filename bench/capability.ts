/**
 * The capability's overhead: GET /v1/companies through the server against GET /companies straight to the
 * embedded sandbox it calls, and MCP tools/call list-companies, measured in one run on the same machine.
 * Targets: under 1 ms added at p50; at least half of the direct throughput.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { loadTable, measurePath } from "./load.ts"

const KEY = "sch_dev_sandbox"
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)

const waitFor = (child: ReturnType<typeof spawn>, pattern: RegExp) =>
  new Promise<RegExpExecArray>((done, fail) => {
    let output = ""
    child.on("exit", (code) => fail(new Error(`exited ${code}: ${output}`)))
    child.stdout?.on("data", (chunk) => {
      output += chunk
      const match = pattern.exec(output)
      if (match) done(match)
    })
  })

/**
 * The sandbox runs in its own process, as Schematic would be a service of its own; the server points at it
 * with its budgets off, so both paths reach the same upstream and only the capability differs.
 */
const start = async (dataDir: string) => {
  const sandbox = spawn(
    process.execPath,
    [
      resolve(import.meta.dirname, "../packages/schematic-sandbox/dist/bin.js"),
      "--port",
      "0",
      "--data-dir",
      join(dataDir, "sandbox")
    ],
    { stdio: ["ignore", "pipe", "inherit"] }
  )
  const sandboxUrl = (await waitFor(sandbox, /listening on (http:\/\/\S+)/))[1]!
  const server = spawn(process.execPath, [resolve(import.meta.dirname, "../apps/server/dist/main.js")], {
    env: {
      PATH: process.env.PATH ?? "",
      SCHEMATIC_API_KEY: KEY,
      SCHEMATIC_API_URL: sandboxUrl,
      SCHEMATIC_READS_PER_SECOND: "0",
      SCHEMATIC_WRITES_PER_SECOND: "0",
      REST_PORT: "0",
      MCP_PORT: "0",
      DATA_DIR: dataDir
    },
    stdio: ["ignore", "pipe", "inherit"]
  })
  const [, rest, mcp] = await waitFor(
    server,
    /REST API listening on (http:\/\/\S+?)"[\s\S]*MCP listening on (http:\/\/\S+?)"/
  )
  // Keep reading the request log so the pipe never fills.
  server.stdout?.on("data", () => {})
  sandbox.stdout?.on("data", () => {})
  return {
    rest: rest!,
    mcp: mcp!,
    sandbox: sandboxUrl,
    stop: () => {
      server.kill("SIGTERM")
      sandbox.kill("SIGTERM")
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
