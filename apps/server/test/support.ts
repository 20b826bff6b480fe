import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type IncomingHttpHeaders } from "node:http"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { requestViolations } from "../../../packages/schematic-sandbox/test/contract.js"

const here = dirname(fileURLToPath(import.meta.url))
export const mainJs = resolve(here, "../dist/main.js")
export const stdioJs = resolve(here, "../dist/mcpStdio.js")
export const syncJs = resolve(here, "../dist/sync.js")

/** Runs the sync command to its end: its exit code and what it printed. */
export const runSync = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((done) => {
    const child = spawn(process.execPath, [syncJs, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout?.on("data", (chunk) => {
      stdout += chunk
    })
    child.stderr?.on("data", (chunk) => {
      stderr += chunk
    })
    child.on("exit", (code) => done({ code, stdout, stderr }))
  })

export interface RunningServer {
  readonly rest: string
  readonly mcp: string
  readonly child: ChildProcess
  readonly logs: () => string
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/**
 * Starts the deployable server as a child process on free ports and waits until both APIs listen. `env` adds to the
 * tests' defaults (an empty sandbox); a variable set to undefined is left unset, as on a default start.
 */
export const startServer = async (env: Record<string, string | undefined> = {}): Promise<RunningServer> => {
  // A caller's DATA_DIR is the caller's to keep (a restart test reuses it); ours is removed on stop.
  const ownDataDir = env.DATA_DIR === undefined
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), "capability-server-"))
  const child = spawn(process.execPath, [mainJs], {
    env: {
      PATH: process.env.PATH ?? "",
      REST_PORT: "0",
      MCP_PORT: "0",
      SANDBOX_PORT: "0",
      DATA_DIR: dataDir,
      SANDBOX_SEED: "none",
      ...env
    } as Record<string, string>,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk) => {
    output += chunk
  })
  child.stderr?.on("data", (chunk) => {
    output += chunk
  })
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
  const urls = await new Promise<{ rest: string; mcp: string }>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the server did not start:\n${output}`)), 20_000)
    const check = () => {
      const rest = /REST API listening on (http:\/\/\S+?)"/.exec(output)?.[1]
      const mcp = /MCP listening on (http:\/\/\S+?)"/.exec(output)?.[1]
      if (rest && mcp) {
        clearTimeout(timer)
        done({ rest, mcp })
      }
    }
    child.stdout?.on("data", check)
    exited.then((code) => {
      clearTimeout(timer)
      fail(new Error(`the server exited (${code}) before listening:\n${output}`))
    })
  })
  return {
    ...urls,
    child,
    logs: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal)
      const code = await exited
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true })
      return code
    }
  }
}

/** A JSON call to the REST API. */
export const rest = async (
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {}
) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
  })
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {}
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert on them
  return { status: response.status, body: parsed as any, headers: response.headers }
}

/**
 * A proxy in front of an upstream (the sandbox as Schematic): it records every request's method, path and headers,
 * and the idempotency keys each delivery (`POST /event-batch`) carries; it answers a delivery `deliveryDelayMillis`
 * after upstream did, so a replica killed in that time dies holding its lease on events upstream has.
 */
export const upstreamProxy = async (
  target: string,
  options: {
    readonly deliveryDelayMillis?: number
    /** Check each request against Schematic's OpenAPI document, and keep what it does not take in `violations`. */
    readonly checkAgainstSpec?: boolean
  } = {}
) => {
  const sent = new Map<string, number>()
  const violations: Array<string> = []
  const requests: Array<{ readonly method: string; readonly url: string; readonly headers: IncomingHttpHeaders }> = []
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk) => chunks.push(chunk))
    request.on("end", async () => {
      const body = Buffer.concat(chunks)
      requests.push({ method: request.method ?? "GET", url: request.url ?? "/", headers: request.headers })
      if (options.checkAgainstSpec === true) {
        const text = body.toString()
        violations.push(
          ...requestViolations(
            request.method ?? "GET",
            request.url ?? "/",
            text.length > 0 ? JSON.parse(text) : undefined
          )
        )
      }
      const delivery = request.url?.startsWith("/event-batch") === true
      if (delivery) {
        for (const event of JSON.parse(body.toString()).events) {
          sent.set(event.idempotency_key, (sent.get(event.idempotency_key) ?? 0) + 1)
        }
      }
      const answer = await fetch(`${target}${request.url}`, {
        method: request.method ?? "GET",
        headers: Object.fromEntries(
          Object.entries(request.headers).filter(([name]) => !["host", "content-length", "connection"].includes(name))
        ) as Record<string, string>,
        ...(body.length > 0 ? { body } : {})
      })
      const text = await answer.text()
      if (delivery) await new Promise((done) => setTimeout(done, options.deliveryDelayMillis ?? 0))
      response.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" })
      response.end(text)
    })
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    requests,
    violations,
    close: () => new Promise<void>((done) => server.close(() => done()))
  }
}
