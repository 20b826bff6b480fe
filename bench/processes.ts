/** Starting the product's own processes for a benchmark, and waiting until they say they listen. */
import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"

export const KEY = "sch_dev_sandbox"

/** Resolves with the first match of `pattern` in the child's output. */
export const waitFor = (child: ChildProcess, pattern: RegExp) =>
  new Promise<RegExpExecArray>((done, fail) => {
    let output = ""
    const onExit = (code: number | null) => fail(new Error(`exited ${code}: ${output}`))
    // Stops listening once found: the child keeps logging (a line a request), and matching against all of it
    // again on every chunk made the load generator, not the server, the limit.
    const onData = (chunk: Buffer) => {
      output += chunk
      const match = pattern.exec(output)
      if (match === null) return
      child.off("exit", onExit)
      child.stdout?.off("data", onData)
      done(match)
    }
    child.on("exit", onExit)
    child.stdout?.on("data", onData)
  })

/**
 * Starts a process whose output goes to a file (`output.log` in `dir`), as a deployment's logs go to a collector, and
 * resolves with the first match of `pattern` in it. The load generator must not be the log reader too: with a line
 * a request, reading them took its time and woke it between a request and its answer.
 */
export const startLogged = async (
  dir: string,
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  pattern: RegExp
) => {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, "output.log")
  const fd = openSync(file, "w")
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", fd, "inherit"] })
  closeSync(fd)
  const match = await new Promise<RegExpExecArray>((done, fail) => {
    const onExit = (code: number | null) => {
      clearInterval(timer)
      fail(new Error(`exited ${code}: ${readFileSync(file, "utf8")}`))
    }
    const timer = setInterval(() => {
      const found = pattern.exec(readFileSync(file, "utf8"))
      if (found === null) return
      clearInterval(timer)
      child.off("exit", onExit)
      done(found)
    }, 25)
    child.on("exit", onExit)
  })
  return { child, match, log: file }
}

export const startSandbox = async (dataDir: string) => {
  const { child, match } = await startLogged(
    dataDir,
    [resolve(import.meta.dirname, "../packages/schematic-sandbox/dist/bin.js"), "--port", "0", "--data-dir", dataDir],
    process.env,
    /listening on (http:\/\/\S+)/
  )
  return { url: match[1]!, child }
}

/**
 * The server pointed at `upstream` as if it were Schematic, with its client budgets off; without `upstream`, as it
 * starts by default (no SCHEMATIC_API_KEY): on its embedded sandbox, here on a free port. `nodeArgs` go to node
 * before the script (`--trace-gc-nvp`, say); `log` is the file its output goes to.
 */
export const startServer = async (
  dataDir: string,
  upstream?: string,
  env: Record<string, string> = {},
  nodeArgs: ReadonlyArray<string> = []
) => {
  const { child, match, log } = await startLogged(
    dataDir,
    [...nodeArgs, resolve(import.meta.dirname, "../apps/server/dist/main.js")],
    {
      PATH: process.env.PATH ?? "",
      ...(upstream === undefined
        ? { SANDBOX_PORT: "0", SANDBOX_SEED: "none" }
        : {
            SCHEMATIC_API_KEY: KEY,
            SCHEMATIC_API_URL: upstream,
            SCHEMATIC_READS_PER_SECOND: "0",
            SCHEMATIC_WRITES_PER_SECOND: "0"
          }),
      // Room for every event a run accepts: ingestion is measured with upstream unreachable, so nothing drains.
      OUTBOX_MAX_ROWS: "5000000",
      OUTBOX_MAX_BYTES: String(4 * 1024 ** 3),
      REST_PORT: "0",
      MCP_PORT: "0",
      DATA_DIR: dataDir,
      ...env
    },
    // Both servers say where they listen, in either order.
    /(?:REST API|MCP) listening on (http:\/\/\S+?)"[\s\S]*(?:REST API|MCP) listening on (http:\/\/\S+?)"/
  )
  const [, first, second] = match
  const rest = [first, second].find((url) => !url!.endsWith("/mcp"))
  const mcp = [first, second].find((url) => url!.endsWith("/mcp"))
  return { rest: rest!, mcp: mcp!, child, log }
}
