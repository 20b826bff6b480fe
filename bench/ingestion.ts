/**
 * Event ingestion and delivery, in one run:
 * - POST /v1/events (one event a request) against a bare node:http server that answers 202 without storing
 *   anything (the ceiling), durability on (WAL, synchronous=FULL, group commit), at several numbers of concurrent
 *   callers, each against the ceiling at as many: the ratio moves with the number (with more callers the bare
 *   server can serve fewer requests a second, while the durable one, whose commits then carry more requests, can
 *   hold or gain), so one number of callers alone would not show it;
 * - POST /v1/events/batch (1000 events a request), with keys in order (a client's counter) and with random
 *   UUIDv4 keys;
 * - delivery from the outbox to the sandbox.
 * Targets: single-event ingestion >= half the ceiling; batch >= 100k events/s; delivery >= 10k events/s.
 */
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Agent, request } from "undici"
import { type LoadResult, load, medianLoad } from "./load.ts"
import { startSandbox, startServer, waitFor } from "./processes.ts"

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
/** Numbers of concurrent callers for single events, e.g. `BENCH_INGEST_CONCURRENCY=32,64`. */
const CONCURRENCY = (process.env.BENCH_INGEST_CONCURRENCY ?? "32,64,128").split(",").map(Number)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

const BARE = `
const http = require("node:http")
const server = http.createServer((req, res) => {
  const chunks = []
  req.on("data", (c) => chunks.push(c))
  req.on("end", () => {
    JSON.parse(Buffer.concat(chunks).toString() || "{}")
    res.writeHead(202, { "content-type": "application/json" })
    res.end('{"status":"queued"}')
  })
})
server.listen(0, "127.0.0.1", () => console.log("bare listening on http://127.0.0.1:" + server.address().port))
`

const event = (key: string) => ({
  event_type: "track",
  body: { event: "api-call", company: { crm: "bench" }, quantity: 1 },
  idempotency_key: key
})

/** `event(key)` as JSON text. */
const eventText = (key: string) =>
  `{"event_type":"track","body":{"event":"api-call","company":{"crm":"bench"},"quantity":1},"idempotency_key":${JSON.stringify(key)}}`

export const run = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-ingest-"))
  const agent = new Agent({ connections: Math.max(...CONCURRENCY) })
  const children: Array<ReturnType<typeof spawn>> = []
  try {
    const bare = spawn(process.execPath, ["-e", BARE], { stdio: ["ignore", "pipe", "inherit"] })
    children.push(bare)
    const bareUrl = (await waitFor(bare, /bare listening on (http:\/\/\S+)/))[1]!

    // Ingestion alone: upstream is unreachable, so the worker only backs off while we measure.
    const server = await startServer(dataDir, "http://127.0.0.1:9")
    children.push(server.child)
    let n = 0
    // The load generator shares this machine's two cores with what it measures, so it is a lean client: undici's
    // request on keep-alive connections. (With fetch, the client itself was the limit: it spent more CPU a request
    // than the bare server did, and that server's "ceiling" was really fetch's, several times below what it serves.)
    const post = (url: string, body: () => unknown) => async () => {
      const payload = body()
      const response = await request(url, {
        dispatcher: agent,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: typeof payload === "string" ? payload : JSON.stringify(payload)
      })
      if (response.statusCode !== 202) throw new Error(`${url}: ${response.statusCode} ${await response.body.text()}`)
      await response.body.arrayBuffer()
    }
    // The ceiling and the durable server take turns, a few rounds each, and each figure is the median of its
    // rounds: these two cores are shared and noisy, and one run of each could land on a fast and a slow moment.
    const singles: Array<{ callers: number; ceiling: LoadResult; single: LoadResult }> = []
    for (const callers of CONCURRENCY) {
      const options = { concurrency: callers, seconds: SECONDS / ROUNDS }
      const ceilingRounds: Array<LoadResult> = []
      const singleRounds: Array<LoadResult> = []
      for (let round = 0; round < ROUNDS; round++) {
        ceilingRounds.push(
          await load(
            `bare node:http, 202 without storing (ceiling), ${callers} callers`,
            post(`${bareUrl}/v1/events`, () => event(`b-${n++}`)),
            options
          )
        )
        singleRounds.push(
          await load(
            `POST /v1/events, 1 event a request (durable), ${callers} callers`,
            post(`${server.rest}/v1/events`, () => event(`s-${n++}`)),
            options
          )
        )
      }
      singles.push({ callers, ceiling: medianLoad(ceilingRounds), single: medianLoad(singleRounds) })
    }
    const BATCH = 1000
    const batch = await load(
      "POST /v1/events/batch, 1000 events a request (durable)",
      // The body is written as text: the load generator shares this machine's cores with the server, and building
      // then serialising 1000 objects a request took a noticeable share of the server's time away from it.
      post(`${server.rest}/v1/events/batch`, () => {
        const events = Array.from({ length: BATCH }, () => eventText(`m-${n++}`))
        return `{"events":[${events.join(",")}]}`
      }),
      { concurrency: 4, seconds: SECONDS }
    )
    server.child.kill("SIGTERM")
    await new Promise((done) => server.child.on("exit", done))

    // Keys in no order (UUIDv4, as many clients make them): each event lands on a page of the key index of its
    // own. A server of its own, so that the delivery measured below is the same as before.
    const unordered = await startServer(join(dataDir, "random-keys"), "http://127.0.0.1:9")
    children.push(unordered.child)
    const randomKeys = await load(
      "POST /v1/events/batch, 1000 events a request, random UUIDv4 keys (durable)",
      post(`${unordered.rest}/v1/events/batch`, () => {
        const events = Array.from({ length: BATCH }, () => eventText(randomUUID()))
        return `{"events":[${events.join(",")}]}`
      }),
      { concurrency: 4, seconds: SECONDS }
    )
    unordered.child.kill("SIGTERM")
    await new Promise((done) => unordered.child.on("exit", done))

    // Delivery: the same outbox, now with the sandbox up.
    const sandbox = await startSandbox(join(dataDir, "upstream"))
    children.push(sandbox.child)
    const upstream = sandbox.url
    const started = performance.now()
    const delivering = await startServer(dataDir, upstream)
    children.push(delivering.child)
    let status = { pending: 1, in_flight: 0, delivered: 0 }
    while (status.pending + status.in_flight > 0) {
      await new Promise((done) => setTimeout(done, 200))
      status = (await (await fetch(`${delivering.rest}/v1/events/outbox`)).json()) as typeof status
    }
    const deliverySeconds = (performance.now() - started) / 1000

    // Batches are set against the ceiling at the fewest callers.
    const ceiling = singles[0]!.ceiling
    const rows = [
      ...singles.flatMap(({ ceiling: bare, single }) => [
        {
          path: bare.name,
          "events/s": Math.round(bare.perSecond),
          "p99 ms": bare.p99.toFixed(2),
          "vs ceiling": "1.00"
        },
        {
          path: single.name,
          "events/s": Math.round(single.perSecond),
          "p99 ms": single.p99.toFixed(2),
          "vs ceiling": (single.perSecond / bare.perSecond).toFixed(2)
        }
      ]),
      {
        path: batch.name,
        "events/s": Math.round(batch.perSecond * BATCH),
        "p99 ms": batch.p99.toFixed(2),
        "vs ceiling": ((batch.perSecond * BATCH) / ceiling.perSecond).toFixed(2)
      },
      {
        path: randomKeys.name,
        "events/s": Math.round(randomKeys.perSecond * BATCH),
        "p99 ms": randomKeys.p99.toFixed(2),
        "vs ceiling": ((randomKeys.perSecond * BATCH) / ceiling.perSecond).toFixed(2)
      },
      {
        path: `delivery, outbox -> sandbox POST /event-batch (${status.delivered} events, incl. server start)`,
        "events/s": Math.round(status.delivered / deliverySeconds),
        "p99 ms": "",
        "vs ceiling": ""
      }
    ]
    console.log(
      `\nIngestion (single events at ${CONCURRENCY.join(", ")} callers: each the median of ${ROUNDS} rounds taking turns with the ceiling at as many callers, ${SECONDS} s in all each; batches: 4 callers, ${SECONDS} s, set against the ceiling at ${CONCURRENCY[0]} callers) and delivery`
    )
    console.table(rows)
  } finally {
    await agent.close()
    for (const child of children) child.kill("SIGTERM")
    await new Promise((done) => setTimeout(done, 500))
    rmSync(dataDir, { recursive: true, force: true })
  }
}
