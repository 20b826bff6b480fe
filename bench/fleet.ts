/**
 * The outbox on PostgreSQL shared by two replicas, beside the embedded SQLite outbox of one, in the same run:
 * - ingestion: POST /v1/events/batch (1000 events a request, 4 callers) and POST /v1/events (one event a request,
 *   32 callers), with upstream unreachable so only storing is measured; on PostgreSQL the callers alternate between
 *   the two replicas;
 * - delivery: 100,000 events posted in batches while upstream (a sandbox) is up, until the outbox has delivered them
 *   all; on PostgreSQL both replicas deliver.
 * The figures are set against SQLite's.
 */
import type { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Agent, request } from "undici"
import { startPostgres } from "../packages/event-outbox/test/postgres.ts"
import { type LoadResult, load } from "./load.ts"
import { startSandbox, startServer } from "./processes.ts"

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const DELIVERED = Number(process.env.BENCH_FLEET_EVENTS ?? 100_000)
const BATCH = 1000

const eventText = (key: string) =>
  `{"event_type":"track","body":{"event":"api-call","company":{"crm":"bench"},"quantity":1},"idempotency_key":${JSON.stringify(key)}}`

export const run = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-fleet-"))
  const agent = new Agent({ connections: 64 })
  const children: Array<ReturnType<typeof spawn>> = []
  const postgres = await startPostgres()
  let n = 0
  const post = (urls: ReadonlyArray<string>, body: () => string) => {
    let turn = 0
    return async () => {
      const response = await request(urls[turn++ % urls.length]!, {
        dispatcher: agent,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: body()
      })
      if (response.statusCode !== 202) throw new Error(`${response.statusCode} ${await response.body.text()}`)
      await response.body.arrayBuffer()
    }
  }
  const batchBody = () => `{"events":[${Array.from({ length: BATCH }, () => eventText(`f-${n++}`)).join(",")}]}`
  const singleBody = () => eventText(`f-${n++}`)
  const stop = async (servers: ReadonlyArray<{ readonly child: ReturnType<typeof spawn> }>) => {
    for (const server of servers) server.child.kill("SIGTERM")
    await Promise.all(servers.map((server) => new Promise((done) => server.child.on("exit", done))))
  }

  try {
    type Setup = {
      readonly name: string
      readonly start: (
        label: string,
        upstream: string
      ) => Promise<Array<{ rest: string; child: ReturnType<typeof spawn> }>>
    }
    let databases = 0
    const setups: ReadonlyArray<Setup> = [
      {
        name: "SQLite, 1 replica",
        start: async (label, upstream) => [await startServer(join(dataDir, `sqlite-${label}`), upstream)]
      },
      {
        name: "PostgreSQL, 2 replicas",
        start: async (label, upstream) => {
          const url = await postgres.createDatabase(`fleet_${++databases}`)
          const env = { OUTBOX_DATABASE_URL: url }
          return Promise.all([
            startServer(join(dataDir, `pg-${label}-a`), upstream, env),
            startServer(join(dataDir, `pg-${label}-b`), upstream, env)
          ])
        }
      }
    ]

    const results: Array<{ setup: string; batch: LoadResult; single: LoadResult; deliveredPerSecond: number }> = []
    const sandbox = await startSandbox(join(dataDir, "upstream"))
    children.push(sandbox.child)
    for (const setup of setups) {
      const ingesting = await setup.start("ingest", "http://127.0.0.1:9")
      children.push(...ingesting.map((server) => server.child))
      const urls = (path: string) => ingesting.map((server) => `${server.rest}${path}`)
      const batch = await load(`${setup.name}: POST /v1/events/batch`, post(urls("/v1/events/batch"), batchBody), {
        concurrency: 4,
        seconds: SECONDS
      })
      const single = await load(`${setup.name}: POST /v1/events`, post(urls("/v1/events"), singleBody), {
        concurrency: 32,
        seconds: SECONDS
      })
      await stop(ingesting)

      const delivering = await setup.start("deliver", sandbox.url)
      children.push(...delivering.map((server) => server.child))
      const started = performance.now()
      const send = post(
        delivering.map((server) => `${server.rest}/v1/events/batch`),
        batchBody
      )
      let posted = 0
      await Promise.all(
        [0, 1, 2, 3].map(async () => {
          while (posted < DELIVERED) {
            posted += BATCH
            await send()
          }
        })
      )
      let status = { pending: 1, in_flight: 0, delivered: 0 }
      while (status.pending + status.in_flight > 0) {
        await new Promise((done) => setTimeout(done, 100))
        status = (await (await fetch(`${delivering[0]!.rest}/v1/events/outbox`)).json()) as typeof status
      }
      const seconds = (performance.now() - started) / 1000
      results.push({ setup: setup.name, batch, single, deliveredPerSecond: status.delivered / seconds })
      await stop(delivering)
    }

    const [sqlite] = results
    console.log(
      `\nThe outbox on PostgreSQL (2 replicas) beside SQLite (1 replica): ingestion with upstream unreachable (${SECONDS} s each), delivery of ${DELIVERED} events posted while upstream is up`
    )
    console.table(
      results.flatMap((result) => [
        {
          path: `${result.setup}: POST /v1/events/batch (1000 a request, 4 callers)`,
          "events/s": Math.round(result.batch.perSecond * BATCH),
          "p99 ms": result.batch.p99.toFixed(2),
          "vs SQLite": (result.batch.perSecond / sqlite!.batch.perSecond).toFixed(2)
        },
        {
          path: `${result.setup}: POST /v1/events (1 a request, 32 callers)`,
          "events/s": Math.round(result.single.perSecond),
          "p99 ms": result.single.p99.toFixed(2),
          "vs SQLite": (result.single.perSecond / sqlite!.single.perSecond).toFixed(2)
        },
        {
          path: `${result.setup}: posted and delivered to the sandbox`,
          "events/s": Math.round(result.deliveredPerSecond),
          "p99 ms": "",
          "vs SQLite": (result.deliveredPerSecond / sqlite!.deliveredPerSecond).toFixed(2)
        }
      ])
    )
  } finally {
    await agent.close()
    for (const child of children) child.kill("SIGTERM")
    await new Promise((done) => setTimeout(done, 500))
    await postgres.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
