/**
 * Event ingestion and delivery, in one run:
 * - POST /v1/events (one event a request) with delivery on, real mode: the server sends what it stores to a
 *   stand-in upstream (a lean node:http process answering `POST /event-batch` as Schematic does) while it takes
 *   requests. Against a bare node:http server that answers 202 without storing anything (the ceiling), at several
 *   numbers of concurrent callers, each against the ceiling at as many: the ratio moves with the number (with more
 *   callers the bare server can serve fewer requests a second, while the durable one, whose commits then carry more
 *   requests, can hold or gain), so one number of callers alone would not show it. Beside the rates: CPU per event
 *   from /proc (all the server's threads, its main thread alone, and its busiest other thread, the outbox's) against
 *   the bare server's, and what its heaps allocated and promoted per event (from `--trace-gc-nvp`);
 * - POST /v1/events/batch (1000 events a request), with keys in order (a client's counter) and with random
 *   UUIDv4 keys, upstream unreachable (storing alone);
 * - delivery from the outbox to the stand-in upstream: the ordered batches' events, drained.
 * Targets: single events >= 0.5x the ceiling at 32 callers and >= 0.7x at 128, main-thread CPU <= 60 us an event,
 * all threads <= 2x the bare server's, allocation <= 8 KB and promotion <= 1 KB an event; batches >= 200k events/s
 * with ordered keys and >= 100k with random ones; delivery >= 18k events/s.
 */
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Agent, request } from "undici"
import { type CpuSample, cpuOf, cpuSince, type HeapTraffic, heapTraffic } from "./cpu.ts"
import { type LoadResult, load, medianLoad } from "./load.ts"
import { startLogged, startServer, waitFor } from "./processes.ts"

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

/**
 * Schematic's `POST /event-batch` as a stand-in: reads the batch, answers 201 with an entry an event as Schematic
 * does, and counts the events and their distinct idempotency keys (GET /count), so the run can tell that every
 * event arrived and none twice.
 */
const STAND_IN = `
const http = require("node:http")
let events = 0
const keys = new Set()
let next = 0
const server = http.createServer((req, res) => {
  const chunks = []
  req.on("data", (c) => chunks.push(c))
  req.on("end", () => {
    if (req.url === "/count") {
      res.writeHead(200, { "content-type": "application/json" })
      return res.end(JSON.stringify({ events, distinct: keys.size }))
    }
    if (req.method !== "POST" || !req.url.startsWith("/event-batch")) {
      res.writeHead(404, { "content-type": "application/json" })
      return res.end('{"error":"not found"}')
    }
    const batch = JSON.parse(Buffer.concat(chunks).toString())
    const captured_at = new Date().toISOString()
    const answers = batch.events.map((event) => {
      events++
      keys.add(event.idempotency_key)
      return { captured_at, event_id: "evt_" + (next++).toString(16).padStart(12, "0"), remote_ip: "127.0.0.1", remote_addr: "127.0.0.1", user_agent: "bench" }
    })
    res.writeHead(201, { "content-type": "application/json" })
    res.end(JSON.stringify({ data: { events: answers }, params: {} }))
  })
})
server.listen(0, "127.0.0.1", () => console.log("stand-in listening on http://127.0.0.1:" + server.address().port))
`

/**
 * A track event as JSON text. Written as text: the load generator shares this machine's cores with the server, and
 * serialising objects took a noticeable share of the server's time away from it.
 */
const eventText = (key: string) =>
  `{"event_type":"track","body":{"event":"api-call","company":{"crm":"bench"},"quantity":1},"idempotency_key":${JSON.stringify(key)}}`

/** The text a file has gained since `offset`. */
const readFrom = (file: string, offset: number) => {
  const size = statSync(file).size
  const buffer = Buffer.alloc(Math.max(0, size - offset))
  const fd = openSync(file, "r")
  try {
    readSync(fd, buffer, 0, buffer.length, offset)
  } finally {
    closeSync(fd)
  }
  return buffer.toString("utf8")
}

/** A load's figures with what its process spent over the measured part. */
interface Measured {
  readonly load: LoadResult
  readonly cpu: CpuSample
  readonly heap?: HeapTraffic | undefined
}

/** `load`, with the CPU of `pid` (and the heap traffic in `gcLog`, when given) over its measured part. */
const measured = async (
  name: string,
  send: () => Promise<void>,
  options: { readonly concurrency: number; readonly seconds: number },
  pid: number,
  gcLog?: string
): Promise<Measured> => {
  let cpuBefore: CpuSample = { all: undefined, main: undefined }
  let cpu: CpuSample = { all: undefined, main: undefined }
  let logOffset = 0
  let heap: HeapTraffic | undefined
  const result = await load(name, send, {
    ...options,
    measuring: {
      start: () => {
        cpuBefore = cpuOf(pid)
        if (gcLog !== undefined) logOffset = statSync(gcLog).size
      },
      end: () => {
        cpu = cpuSince(cpuBefore, cpuOf(pid))
        if (gcLog !== undefined) heap = heapTraffic(readFrom(gcLog, logOffset))
      }
    }
  })
  return { load: result, cpu, heap }
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** A figure per event of each round (`of` gives the round's total), as the median of the rounds. */
const perEvent = (rounds: ReadonlyArray<Measured>, of: (round: Measured) => number | undefined) => {
  const values = rounds.flatMap((round) => {
    const total = of(round)
    return total === undefined || round.load.requests === 0 ? [] : [total / round.load.requests]
  })
  return values.length === 0 ? undefined : median(values)
}

const micros = (seconds: number | undefined) => (seconds === undefined ? "" : (seconds * 1e6).toFixed(1))
const kilobytes = (bytes: number | undefined) => (bytes === undefined ? "" : (bytes / 1024).toFixed(2))

export const run = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-ingest-"))
  const agent = new Agent({ connections: Math.max(...CONCURRENCY) })
  const children: Array<ReturnType<typeof spawn>> = []
  try {
    // Its heap traffic is taken as the server's is, from its log: the floor the server's is set against.
    const {
      child: bare,
      match,
      log: bareLog
    } = await startLogged(
      join(dataDir, "bare"),
      ["--trace-gc-nvp", "-e", BARE],
      process.env,
      /bare listening on (http:\/\/\S+)/
    )
    children.push(bare)
    const bareUrl = match[1]!
    const standIn = spawn(process.execPath, ["-e", STAND_IN], { stdio: ["ignore", "pipe", "inherit"] })
    children.push(standIn)
    const upstream = (await waitFor(standIn, /stand-in listening on (http:\/\/\S+)/))[1]!
    const upstreamCount = async () =>
      (await (await fetch(`${upstream}/count`)).json()) as { readonly events: number; readonly distinct: number }

    // Single events with delivery on: what the server stores it sends on, while it takes requests.
    const server = await startServer(join(dataDir, "single"), upstream, {}, ["--trace-gc-nvp"])
    children.push(server.child)
    let n = 0
    // Every single event sent is answered 202 (anything else ends the run), so this counts what was acknowledged.
    let singlesSent = 0
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
    const singles: Array<{
      callers: number
      ceiling: LoadResult
      single: LoadResult
      bareRounds: Array<Measured>
      singleRounds: Array<Measured>
    }> = []
    for (const callers of CONCURRENCY) {
      const options = { concurrency: callers, seconds: SECONDS / ROUNDS }
      const bareRounds: Array<Measured> = []
      const singleRounds: Array<Measured> = []
      for (let round = 0; round < ROUNDS; round++) {
        bareRounds.push(
          await measured(
            `bare node:http, 202 without storing (ceiling), ${callers} callers`,
            post(`${bareUrl}/v1/events`, () => eventText(`b-${n++}`)),
            options,
            bare.pid!,
            bareLog
          )
        )
        singleRounds.push(
          await measured(
            `POST /v1/events, 1 event a request (durable, delivering), ${callers} callers`,
            post(`${server.rest}/v1/events`, () => eventText(`s-${singlesSent++}`)),
            options,
            server.child.pid!,
            server.log
          )
        )
      }
      singles.push({
        callers,
        ceiling: medianLoad(bareRounds.map((round) => round.load)),
        single: medianLoad(singleRounds.map((round) => round.load)),
        bareRounds,
        singleRounds
      })
    }
    // Every event acknowledged reaches the stand-in, once.
    let status = { pending: 1, in_flight: 0, delivered: 0 }
    while (status.pending + status.in_flight > 0) {
      await new Promise((done) => setTimeout(done, 200))
      status = (await (await fetch(`${server.rest}/v1/events/outbox`)).json()) as typeof status
    }
    const arrived = await upstreamCount()
    server.child.kill("SIGTERM")
    await new Promise((done) => server.child.on("exit", done))

    // Batches: storing alone (upstream unreachable, so the worker only backs off while we measure).
    const stored = await startServer(join(dataDir, "batches"), "http://127.0.0.1:9")
    children.push(stored.child)
    const BATCH = 1000
    const batch = await load(
      "POST /v1/events/batch, 1000 events a request (durable)",
      // The body is written as text: the load generator shares this machine's cores with the server, and building
      // then serialising 1000 objects a request took a noticeable share of the server's time away from it.
      post(`${stored.rest}/v1/events/batch`, () => {
        const events = Array.from({ length: BATCH }, () => eventText(`m-${n++}`))
        return `{"events":[${events.join(",")}]}`
      }),
      { concurrency: 4, seconds: SECONDS }
    )
    stored.child.kill("SIGTERM")
    await new Promise((done) => stored.child.on("exit", done))

    // Keys in no order (UUIDv4, as many clients make them): each event lands on a page of the key index of its
    // own. A server of its own, so that the delivery measured below drains the ordered batches alone.
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

    // Delivery: the ordered batches' outbox, now with the stand-in upstream.
    const before = await upstreamCount()
    const started = performance.now()
    const delivering = await startServer(join(dataDir, "batches"), upstream)
    children.push(delivering.child)
    status = { pending: 1, in_flight: 0, delivered: 0 }
    while (status.pending + status.in_flight > 0) {
      await new Promise((done) => setTimeout(done, 200))
      status = (await (await fetch(`${delivering.rest}/v1/events/outbox`)).json()) as typeof status
    }
    const deliverySeconds = (performance.now() - started) / 1000
    const drained = (await upstreamCount()).events - before.events

    // Batches are set against the ceiling at the fewest callers.
    const ceiling = singles[0]!.ceiling
    const rows = [
      ...singles.flatMap(({ ceiling: bareLoad, single, bareRounds, singleRounds }) => {
        const bareCpu = perEvent(bareRounds, (round) => round.cpu.all)
        const singleCpu = perEvent(singleRounds, (round) => round.cpu.all)
        return [
          {
            path: bareLoad.name,
            "events/s": Math.round(bareLoad.perSecond),
            "p99 ms": bareLoad.p99.toFixed(2),
            "vs ceiling": "1.00",
            "CPU µs/event": micros(bareCpu),
            "main µs/event": micros(perEvent(bareRounds, (round) => round.cpu.main)),
            "thread µs/event": "",
            "CPU vs bare": "1.00",
            "alloc KB/event": kilobytes(perEvent(bareRounds, (round) => round.heap?.allocated)),
            "promoted KB/event": kilobytes(perEvent(bareRounds, (round) => round.heap?.promoted))
          },
          {
            path: single.name,
            "events/s": Math.round(single.perSecond),
            "p99 ms": single.p99.toFixed(2),
            "vs ceiling": (single.perSecond / bareLoad.perSecond).toFixed(2),
            "CPU µs/event": micros(singleCpu),
            "main µs/event": micros(perEvent(singleRounds, (round) => round.cpu.main)),
            "thread µs/event": micros(perEvent(singleRounds, (round) => round.cpu.busiestOther)),
            "CPU vs bare": bareCpu === undefined || singleCpu === undefined ? "" : (singleCpu / bareCpu).toFixed(2),
            "alloc KB/event": kilobytes(perEvent(singleRounds, (round) => round.heap?.allocated)),
            "promoted KB/event": kilobytes(perEvent(singleRounds, (round) => round.heap?.promoted))
          }
        ]
      }),
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
        path: `delivery, outbox -> stand-in POST /event-batch (${drained} events, incl. server start)`,
        "events/s": Math.round(drained / deliverySeconds),
        "p99 ms": "",
        "vs ceiling": ""
      }
    ]
    console.log(
      `\nIngestion (single events at ${CONCURRENCY.join(", ")} callers, delivering to a stand-in upstream: each the median of ${ROUNDS} rounds taking turns with the ceiling at as many callers, ${SECONDS} s in all each; batches: 4 callers, ${SECONDS} s, upstream unreachable, set against the ceiling at ${CONCURRENCY[0]} callers) and delivery`
    )
    console.table(rows)
    console.log(
      `Single events acknowledged: ${singlesSent}; at the stand-in after they were delivered: ${arrived.events} received, ${arrived.distinct} distinct keys`
    )
  } finally {
    await agent.close()
    for (const child of children) child.kill("SIGTERM")
    await new Promise((done) => setTimeout(done, 500))
    rmSync(dataDir, { recursive: true, force: true })
  }
}
