import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll } from "vitest"
import { upstreamProxy as outboxUpstreamProxy } from "../../../packages/event-outbox/test/upstreamProxy.js"
import { requestViolations } from "../../../packages/schematic-sandbox/test/contract.js"
import { jsonClient } from "../../../packages/schematic-sandbox/test/jsonClient.js"

const here = dirname(fileURLToPath(import.meta.url))
export const mainJs = resolve(here, "../dist/main.js")
export const stdioJs = resolve(here, "../dist/mcpStdio.js")
export const syncJs = resolve(here, "../dist/sync.js")

/** What a command printed by the time it ended: each stream, and both as they came (`output`). */
export interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly output: string
}

/** Runs one of the server's commands to its end with `env` alone (and PATH). */
const runToEnd = (script: string, args: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<Finished>((done) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    let output = ""
    child.stdout?.on("data", (chunk) => {
      stdout += chunk
      output += chunk
    })
    child.stderr?.on("data", (chunk) => {
      stderr += chunk
      output += chunk
    })
    child.on("exit", (code) => done({ code, stdout, stderr, output }))
  })

/** Runs the sync command to its end: its exit code and what it printed. */
export const runSync = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => runToEnd(syncJs, args, env)

/** What the server starts with in the tests unless told otherwise: free ports and an empty sandbox. */
const serverDefaults = { REST_PORT: "0", MCP_PORT: "0", SANDBOX_PORT: "0", SANDBOX_SEED: "none" }

/** Runs the server to its end (for a start it refuses): its exit code and what it printed. */
export const runServer = (env: Record<string, string>) => runToEnd(mainJs, [], { ...serverDefaults, ...env })

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
    env: { PATH: process.env.PATH ?? "", ...serverDefaults, DATA_DIR: dataDir, ...env } as Record<string, string>,
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

/**
 * The server the tests of the enclosing `describe` share: started before the first of them (with `env`, as
 * `startServer` takes it) and stopped after the last.
 */
export const serverForSuite = (env: Record<string, string | undefined> = {}): RunningServer => {
  let running: RunningServer | undefined
  beforeAll(async () => {
    running = await startServer(env)
  })
  afterAll(() => running?.stop())
  const current = () => {
    if (running === undefined) throw new Error("the suite's server is read before its tests run")
    return running
  }
  return {
    get rest() {
      return current().rest
    },
    get mcp() {
      return current().mcp
    },
    get child() {
      return current().child
    },
    logs: () => current().logs(),
    stop: (signal) => current().stop(signal)
  }
}

/** The header that presents `token`. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** A JSON call to the REST API; an answer that is not JSON is its text. */
export const rest = jsonClient(
  (body) => (body === undefined ? {} : { "content-type": "application/json" }),
  (text) => {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
)

/**
 * The outbox tests' proxy in front of an upstream (see `upstreamProxy` there), which can also check each request
 * against Schematic's OpenAPI document and keep what the document does not take in `violations`.
 */
export const upstreamProxy = async (
  target: string,
  options: NonNullable<Parameters<typeof outboxUpstreamProxy>[1]> & { readonly checkAgainstSpec?: boolean } = {}
) => {
  const violations: Array<string> = []
  const proxy = await outboxUpstreamProxy(target, {
    ...options,
    onRequest: (request) => {
      if (options.checkAgainstSpec === true) {
        const text = request.body.toString()
        violations.push(
          ...requestViolations(request.method, request.url, text.length > 0 ? JSON.parse(text) : undefined)
        )
      }
      return options.onRequest?.(request)
    }
  })
  return { ...proxy, violations }
}

/** Every company the server lists, by its Stripe id. */
export const allCompanies = async (base: string) => {
  const byKey = new Map<string, { name: string; traits: Record<string, unknown>; updated_at: string }>()
  for (let offset = 0; ; offset += 250) {
    const page = (await rest(base, "GET", `/v1/companies?limit=250&detail=full&offset=${offset}`)).body.companies
    for (const company of page) byKey.set(company.keys.stripe_customer_id, company)
    if (page.length < 250) return byKey
  }
}

/** The outbox's counts, as the server reports them. */
export const outbox = async (base: string) => (await rest(base, "GET", "/v1/events/outbox")).body
