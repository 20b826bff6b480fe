/**
 * The capability's overhead: GET /v1/companies through the server against GET /companies straight to the
 * embedded sandbox it calls, and MCP tools/call list-companies, measured in one run on the same machine.
 * Targets: under 1 ms added at p50; at least half of the direct throughput.
 *
 * These two cores are shared (with the sandbox, the server and this load generator) and noisy, so every path is
 * warmed first (the JIT of all three processes settles). One caller's latency is then taken in short turns that
 * rotate between the paths (see `interleaved`), and throughput under load in several rounds that take turns, each
 * figure the median of its rounds.
 *
 * Before any of it, each process's idle memory (see `memory.ts`): the server in real mode (the one measured here)
 * and on its embedded sandbox (the default), against the bare proxy. Target: under 150 MB.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { Agent, request } from "undici"
import { interleaved, type LoadResult, load, loadTable, medianLoad } from "./load.ts"
import { idleMemory, idleSeconds, memoryTable } from "./memory.ts"
import { KEY, startSandbox, startServer, waitFor } from "./processes.ts"

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const TURNS = Number(process.env.BENCH_TURNS ?? 20)
const IDLE_TARGET_MB = 150

/**
 * What one more hop costs on this machine, for reference: a bare node:http server that passes each request to the
 * sandbox with undici (keep-alive, as the capability's client) and its answer back untouched. No parsing, no
 * checks, no logging: the floor under any service that sits between a caller and Schematic.
 */
const BARE_PROXY = (upstream: string) => `
const http = require("node:http")
const { Agent } = require(${JSON.stringify(createRequire(import.meta.url).resolve("undici"))})
const agent = new Agent({ connections: ${CONCURRENCY} })
const server = http.createServer((req, res) => {
  agent
    .request({ origin: ${JSON.stringify(upstream)}, path: req.url.replace("/v1", ""), method: "GET", headers: { "x-schematic-api-key": ${JSON.stringify(KEY)} } })
    .then(async (answer) => {
      const body = await answer.body.text()
      res.writeHead(answer.statusCode, { "content-type": "application/json" })
      res.end(body)
    })
    .catch(() => { res.writeHead(502); res.end() })
})
server.listen(0, "127.0.0.1", () => console.log("proxy listening on http://127.0.0.1:" + server.address().port))
`

/**
 * The sandbox runs in its own process, as Schematic would be a service of its own; the server points at it
 * with its budgets off, so both paths reach the same upstream and only the capability differs.
 */
const start = async (dataDir: string) => {
  const sandbox = await startSandbox(join(dataDir, "sandbox"))
  const server = await startServer(dataDir, sandbox.url)
  const proxy = spawn(process.execPath, ["-e", BARE_PROXY(sandbox.url)], { stdio: ["ignore", "pipe", "inherit"] })
  const proxyUrl = (await waitFor(proxy, /proxy listening on (http:\/\/\S+)/))[1]!
  return {
    rest: server.rest,
    mcp: server.mcp,
    sandbox: sandbox.url,
    proxy: proxyUrl,
    pids: { sandbox: sandbox.child.pid!, server: server.child.pid!, proxy: proxy.pid! },
    stop: () => {
      server.child.kill("SIGTERM")
      sandbox.child.kill("SIGTERM")
      proxy.kill("SIGTERM")
    }
  }
}

/**
 * The idle memory of the processes `start` started (the server in real mode), of the server started on its embedded
 * sandbox (stopped after), and of an empty Node process for reference.
 */
const idleMemoryTable = async (dataDir: string, pids: Awaited<ReturnType<typeof start>>["pids"]) => {
  const embedded = await startServer(join(dataDir, "embedded"))
  const empty = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" })
  try {
    const [baseline, ...others] = await idleMemory([
      { name: "bare proxy (node:http and undici; baseline)", pid: pids.proxy },
      { name: "node -e with nothing to do (reference)", pid: empty.pid! },
      { name: "the sandbox, standalone (reference)", pid: pids.sandbox },
      {
        name: "capability server, real mode (SCHEMATIC_API_KEY, SCHEMATIC_API_URL: the sandbox)",
        pid: pids.server,
        targetMb: IDLE_TARGET_MB
      },
      {
        name: "capability server, embedded sandbox (the default: no SCHEMATIC_API_KEY)",
        pid: embedded.child.pid!,
        targetMb: IDLE_TARGET_MB
      }
    ])
    memoryTable(
      `Idle memory: resident set (RSS) ${idleSeconds.settle} s and ${idleSeconds.idle} s after start, with no requests; baseline: the bare proxy's`,
      baseline!,
      others
    )
  } finally {
    embedded.child.kill("SIGTERM")
    empty.kill("SIGTERM")
  }
}

export const run = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-capability-"))
  const server = await start(dataDir)
  // A lean client (undici on keep-alive connections) for every path, so the client's own work is small and the same
  // for each; the official MCP client is measured beside it, for what an agent using it sees.
  const agent = new Agent({ connections: CONCURRENCY })
  const clients: Array<Client> = []
  try {
    await idleMemoryTable(dataDir, server.pids)
    for (let i = 0; i < 20; i++) {
      await fetch(`${server.rest}/v1/companies`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ keys: { crm: `bench-${i}` }, name: `Bench ${i}` })
      })
    }
    const send =
      (url: string, init: { method?: "GET" | "POST"; headers?: Record<string, string>; body?: string } = {}) =>
      async () => {
        const response = await request(url, { dispatcher: agent, ...init })
        const text = await response.body.text()
        if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${text}`)
        // A tool's failure is an answer with isError, not an HTTP error: it would be measured as success.
        if (text.includes('"isError":true')) throw new Error(`${url}: ${text}`)
      }
    const toolCall = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "list-companies", arguments: { limit: 20 } }
    })
    for (let i = 0; i < CONCURRENCY; i++) {
      const client = new Client({ name: "bench", version: "1.0.0" })
      await client.connect(new StreamableHTTPClientTransport(new URL(server.mcp)))
      clients.push(client)
    }
    let next = 0
    const paths: Array<readonly [string, () => Promise<void>]> = [
      [
        "GET /companies?limit=20 (sandbox, direct: baseline)",
        send(`${server.sandbox}/companies?limit=20`, { headers: { "x-schematic-api-key": KEY } })
      ],
      [
        "GET /v1/companies?limit=20 (bare proxy, reference: one more hop with no work)",
        send(`${server.proxy}/v1/companies?limit=20`)
      ],
      ["GET /v1/companies?limit=20 (capability REST)", send(`${server.rest}/v1/companies?limit=20`)],
      [
        "MCP tools/call list-companies {limit: 20} (capability MCP)",
        send(server.mcp, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: toolCall
        })
      ],
      [
        "the same through the official MCP client (reference: includes the client's own work)",
        async () => {
          const client = clients[next++ % clients.length]!
          const result = await client.callTool({ name: "list-companies", arguments: { limit: 20 } })
          if (result.isError) throw new Error(JSON.stringify(result.content))
        }
      ]
    ]
    for (const [name, path] of paths) await load(name, path, { concurrency: CONCURRENCY, seconds: 2 })
    const alone = await interleaved(paths, { turns: TURNS, turnSeconds: 0.5, warmupSeconds: 0.1 })
    const loadedRounds = paths.map((): Array<LoadResult> => [])
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, [name, path]] of paths.entries()) {
        loadedRounds[index]!.push(await load(name, path, { concurrency: CONCURRENCY, seconds: SECONDS }))
      }
    }
    const [direct, ...others] = paths.map(([name], index) => ({
      name,
      alone: alone[index]!,
      loaded: medianLoad(loadedRounds[index]!)
    }))
    loadTable(
      `Capability overhead: 1 caller (${TURNS} turns of 0.5 s a path, taking turns), then ${CONCURRENCY} concurrent callers (median of ${ROUNDS} rounds of ${SECONDS} s); 20 companies a page; sandbox and server in separate processes`,
      direct!,
      others
    )
  } finally {
    await Promise.all(clients.map((client) => client.close()))
    await agent.close()
    server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
