import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

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

/** Starts the deployable server as a child process on free ports and waits until both APIs listen. */
export const startServer = async (env: Record<string, string> = {}): Promise<RunningServer> => {
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
      ...env
    },
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
