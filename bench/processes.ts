/** Starting the product's own processes for a benchmark, and waiting until they say they listen. */
import { type ChildProcess, spawn } from "node:child_process"
import { resolve } from "node:path"

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

/** Keeps reading a child's output so its pipe never fills. */
const drain = (child: ChildProcess) => child.stdout?.on("data", () => {})

export const startSandbox = async (dataDir: string) => {
  const child = spawn(
    process.execPath,
    [resolve(import.meta.dirname, "../packages/schematic-sandbox/dist/bin.js"), "--port", "0", "--data-dir", dataDir],
    { stdio: ["ignore", "pipe", "inherit"] }
  )
  const url = (await waitFor(child, /listening on (http:\/\/\S+)/))[1]!
  drain(child)
  return { url, child }
}

/** The server pointed at `upstream` as if it were Schematic, with its client budgets off. */
export const startServer = async (dataDir: string, upstream: string) => {
  const child = spawn(process.execPath, [resolve(import.meta.dirname, "../apps/server/dist/main.js")], {
    env: {
      PATH: process.env.PATH ?? "",
      SCHEMATIC_API_KEY: KEY,
      SCHEMATIC_API_URL: upstream,
      SCHEMATIC_READS_PER_SECOND: "0",
      SCHEMATIC_WRITES_PER_SECOND: "0",
      // Room for every event a run accepts: ingestion is measured with upstream unreachable, so nothing drains.
      OUTBOX_MAX_ROWS: "5000000",
      OUTBOX_MAX_BYTES: String(4 * 1024 ** 3),
      REST_PORT: "0",
      MCP_PORT: "0",
      DATA_DIR: dataDir
    },
    stdio: ["ignore", "pipe", "inherit"]
  })
  // Both servers say where they listen, in either order.
  const [, first, second] = await waitFor(
    child,
    /(?:REST API|MCP) listening on (http:\/\/\S+?)"[\s\S]*(?:REST API|MCP) listening on (http:\/\/\S+?)"/
  )
  const rest = [first, second].find((url) => !url!.endsWith("/mcp"))
  const mcp = [first, second].find((url) => url!.endsWith("/mcp"))
  drain(child)
  return { rest: rest!, mcp: mcp!, child }
}
