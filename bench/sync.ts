/**
 * Customer sync, 100,000 companies from a CSV, in one run:
 * - the sync command against a bare node:http server that reads each chunk and answers as the server does without
 *   storing anything (the ceiling: the command's own reading, CSV parsing and HTTP);
 * - the sync command against the server (upstream unreachable, so only acceptance is measured), against the ceiling;
 * - the server alone: the same records as NDJSON chunks of 5000, two requests at a time (what the command sends);
 * - the whole sync on the embedded default (the server with its sandbox in-process): the command with `--wait`,
 *   until the sandbox has every record.
 * Target: the server accepts at least 20,000 records/s.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Agent, request } from "undici"
import { crmMapping, writeCrmExport } from "../apps/server/test/crmExport.ts"
import { startServer, waitFor } from "./processes.ts"

const RECORDS = Number(process.env.BENCH_SYNC_RECORDS ?? 100_000)
const CHUNK = 5000
const syncJs = resolve(import.meta.dirname, "../apps/server/dist/sync.js")

const BARE = `
const http = require("node:http")
const server = http.createServer((req, res) => {
  const chunks = []
  req.on("data", (c) => chunks.push(c))
  req.on("end", () => {
    const records = Buffer.concat(chunks).toString().split("\\n").filter((line) => line !== "").map((line) => JSON.parse(line))
    res.writeHead(202, { "content-type": "application/json" })
    res.end(JSON.stringify({ sync_id: "syn_" + "0".repeat(32), source: "bench", accepted: records.length, already_accepted: 0, refused: [] }))
  })
})
server.listen(0, "127.0.0.1", () => console.log("bare listening on http://127.0.0.1:" + server.address().port))
`

/** The sync command over `file` against `url` (waiting for delivery with `wait`): its wall time, and its output. */
const command = async (file: string, url: string, wait = false) => {
  const started = performance.now()
  const child = spawn(
    process.execPath,
    [syncJs, "companies", file, "--url", url, ...crmMapping, ...(wait ? ["--wait"] : [])],
    { stdio: ["ignore", "pipe", "inherit"] }
  )
  let output = ""
  child.stdout.on("data", (chunk) => {
    output += chunk
  })
  const code = await new Promise((done) => child.on("exit", done))
  const seconds = (performance.now() - started) / 1000
  if (code !== 0) throw new Error(`the sync command exited ${code}: ${output}`)
  return { seconds, output }
}

export const run = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-sync-"))
  const children: Array<ReturnType<typeof spawn>> = []
  const agent = new Agent({ connections: 4 })
  try {
    const file = writeCrmExport(join(dataDir, "companies.csv"), RECORDS)

    const bare = spawn(process.execPath, ["-e", BARE], { stdio: ["ignore", "pipe", "inherit"] })
    children.push(bare)
    const bareUrl = (await waitFor(bare, /bare listening on (http:\/\/\S+)/))[1]!
    const ceiling = await command(file, bareUrl)

    // Acceptance alone: upstream is unreachable, so the worker only backs off while we measure.
    const server = await startServer(join(dataDir, "accept"), "http://127.0.0.1:9")
    children.push(server.child)
    const accepted = await command(file, server.rest)

    // The server alone, on other records (new keys): chunks as the command sends them, two at a time.
    const chunks = Array.from({ length: RECORDS / CHUNK }, (_, c) =>
      Array.from({ length: CHUNK }, (_, i) => {
        const n = RECORDS + c * CHUNK + i
        return JSON.stringify({
          keys: { stripe_customer_id: `cus_${n}` },
          name: `Company ${n}, Inc`,
          traits: { seats: n % 50, tier: `tier-${n % 3}`, active: n % 2 === 0 }
        })
      }).join("\n")
    )
    const post = async (body: string) => {
      const response = await request(`${server.rest}/v1/companies/sync?source=bench`, {
        dispatcher: agent,
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body
      })
      const text = await response.body.text()
      if (response.statusCode !== 202) throw new Error(`${response.statusCode} ${text}`)
    }
    const direct = performance.now()
    let next = 0
    await Promise.all(
      [0, 1].map(async () => {
        while (next < chunks.length) await post(chunks[next++]!)
      })
    )
    const directSeconds = (performance.now() - direct) / 1000
    server.child.kill("SIGTERM")
    await new Promise((done) => server.child.on("exit", done))

    // The whole sync on the embedded default. (Not the outbox filled above: its events were backed off while
    // upstream was unreachable, and would wait out their backoff.)
    const embedded = await startServer(join(dataDir, "embedded"))
    children.push(embedded.child)
    const whole = await command(file, embedded.rest, true)
    const delivered = /delivered\s+([\d,]+)/.exec(whole.output)?.[1]?.replaceAll(",", "")
    if (Number(delivered) !== RECORDS) throw new Error(`delivered ${delivered} of ${RECORDS}: ${whole.output}`)

    const perSecond = (seconds: number) => Math.round(RECORDS / seconds)
    console.log(
      `\nCustomer sync: ${RECORDS} companies from a CSV (chunks of ${CHUNK}, two at a time); target: the server accepts >= 20,000 records/s`
    )
    console.table([
      {
        path: "sync command -> bare node:http that parses and answers (ceiling)",
        seconds: ceiling.seconds.toFixed(2),
        "records/s": perSecond(ceiling.seconds),
        "vs ceiling": "1.00"
      },
      {
        path: "sync command -> server: CSV read, records accepted (stored durably)",
        seconds: accepted.seconds.toFixed(2),
        "records/s": perSecond(accepted.seconds),
        "vs ceiling": (ceiling.seconds / accepted.seconds).toFixed(2)
      },
      {
        path: "server alone: NDJSON chunks posted, records accepted (stored durably)",
        seconds: directSeconds.toFixed(2),
        "records/s": perSecond(directSeconds),
        "vs ceiling": (ceiling.seconds / directSeconds).toFixed(2)
      },
      {
        path: "sync command --wait on the embedded default: accepted and delivered to its sandbox",
        seconds: whole.seconds.toFixed(2),
        "records/s": perSecond(whole.seconds),
        "vs ceiling": (ceiling.seconds / whole.seconds).toFixed(2)
      }
    ])
  } finally {
    await agent.close()
    for (const child of children) child.kill("SIGTERM")
    await new Promise((done) => setTimeout(done, 500))
    rmSync(dataDir, { recursive: true, force: true })
  }
}
