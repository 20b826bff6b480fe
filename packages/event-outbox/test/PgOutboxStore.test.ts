/**
 * The PostgreSQL store against a real PostgreSQL, with two stores on one database standing for two replicas; then
 * two outboxes on one database delivering to a sandbox, as two replicas of the server do.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { EventSink } from "@schematic-capability/capability-core"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { Context, Effect, Exit, Layer, Redacted, Schedule } from "effect"
import connect from "postgres"
import { EventOutbox, OutboxObserver, PgOutboxStore } from "../src/index.js"
import { type RunningPostgres, startPostgres } from "./postgres.js"
import { event, storeContract } from "./storeContract.js"
import { upstreamProxy } from "./upstreamProxy.js"

let postgres: RunningPostgres
beforeAll(async () => {
  postgres = await startPostgres()
}, 60_000)
afterAll(async () => {
  await postgres?.stop()
})

let databases = 0
/** Two replicas' stores on a database of their own. */
const replicas = (lease = 30_000) =>
  Effect.gen(function* () {
    const url = yield* Effect.promise(() => postgres.createDatabase(`outbox_${++databases}`))
    const open = () => PgOutboxStore.make({ url: Redacted.make(url), lease })
    const [a, b] = yield* Effect.all([open(), open()], { concurrency: "unbounded" })
    yield* Effect.addFinalizer(() => Effect.zipRight(a.close, b.close))
    return { a: a!, b: b! }
  })

describe("PgOutboxStore", () => {
  storeContract(() => replicas())

  it.scopedLive(
    "never lets two replicas claim the same row, keeps rows while their lease is extended, and takes over a dead replica's rows once it ends",
    () =>
      Effect.gen(function* () {
        const { a, b } = yield* replicas(300)
        yield* a.append(Array.from({ length: 100 }, (_, i) => event(`e${i}`)))
        const [byA, byB] = yield* Effect.all([a.claim(60, Date.now()), b.claim(60, Date.now())], {
          concurrency: "unbounded"
        })
        const seqs = [...byA!, ...byB!].map((row) => row.seq)
        expect(new Set(seqs).size).toBe(100)
        expect(yield* b.markDelivered(byB!, Date.now())).toBe(byB!.length)

        // A sends for longer than its lease and extends it meanwhile: nobody else takes its rows.
        for (let i = 0; i < 4; i++) {
          yield* Effect.sleep("150 millis")
          expect(yield* a.extendLease(byA!.map((row) => row.seq))).toBe(byA!.length)
          expect(yield* b.claim(100, Date.now())).toEqual([])
        }
        // Then A "dies": once its lease has passed (on the database's clock), B takes its rows over.
        expect(yield* b.nextDueAt).toBeLessThanOrEqual(Date.now() + 300)
        yield* Effect.sleep("400 millis")
        const taken = yield* b.claim(100, Date.now())
        expect(taken.map((row) => row.seq).sort()).toEqual(byA!.map((row) => row.seq).sort())
        expect(taken.every((row) => row.attempts === 2)).toBe(true)
        // A's late answer: Schematic has them, so they are delivered though B holds them; B's answer adds none.
        expect(yield* a.extendLease(byA!.map((row) => row.seq))).toBe(0)
        expect(yield* a.markDelivered(byA!, Date.now())).toBe(byA!.length)
        expect(yield* b.markDelivered(taken, Date.now())).toBe(0)
        expect(yield* b.markDead([taken[0]!.seq], "late", Date.now())).toBe(0)
        expect(yield* a.counts).toMatchObject({ pending: 0, inFlight: 0, delivered: 100, dead: 0 })
      })
  )

  it.effect("fails to open with the reason when the database is unreachable or the role may not create tables", () =>
    Effect.gen(function* () {
      const unreachable = yield* Effect.exit(
        PgOutboxStore.make({ url: Redacted.make("postgres://nobody:secret@127.0.0.1:9/outbox") })
      )
      expect(Exit.isFailure(unreachable)).toBe(true)
      const failure = JSON.stringify(unreachable)
      expect(failure).toContain("could not be opened")
      expect(failure).toContain("ECONNREFUSED")
      expect(failure).not.toContain("secret")

      yield* Effect.promise(() => postgres.createDatabase("outbox_locked"))
      yield* Effect.promise(() => postgres.run("CREATE ROLE visitor LOGIN PASSWORD 'visitor'"))
      const locked = yield* Effect.exit(
        PgOutboxStore.make({
          url: Redacted.make(`postgres://visitor:visitor@127.0.0.1:${postgres.port}/outbox_locked`)
        })
      )
      expect(JSON.stringify(locked)).toContain("permission denied for schema public")
    })
  )

  it.scoped("keeps a sync's record once when a database written before held it once per sending", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(() => postgres.createDatabase(`outbox_${++databases}`))
      const first = yield* PgOutboxStore.make({ url: Redacted.make(url) })
      const sync = { id: "syn_old", kind: "companies", source: "crm", refused: 0 }
      yield* first.append([event("o1"), event("o2")], sync)
      yield* first.close
      // As the previous version left it: the chunk's retry added its records again, and counted them again.
      for (const statement of [
        // That version kept no idempotency keys of writes either.
        "DROP TABLE outbox_writes",
        "DROP INDEX outbox_sync_events_record",
        "CREATE INDEX outbox_sync_events_sync ON outbox_sync_events (sync)",
        "INSERT INTO outbox_sync_events (sync, seq) SELECT sync, seq FROM outbox_sync_events",
        "UPDATE outbox_syncs SET accepted = 4, existing = 2"
      ]) {
        yield* Effect.promise(() => postgres.run(statement, url.slice(url.lastIndexOf("/") + 1)))
      }
      const [a, b] = yield* Effect.all(
        [PgOutboxStore.make({ url: Redacted.make(url) }), PgOutboxStore.make({ url: Redacted.make(url) })],
        {
          concurrency: "unbounded"
        }
      )
      yield* Effect.addFinalizer(() => Effect.zipRight(a!.close, b!.close))
      expect(yield* a!.syncStatus("syn_old")).toMatchObject({ accepted: 2, existing: 2, pending: 2 })
      yield* b!.append([event("o2")], sync)
      expect(yield* b!.syncStatus("syn_old")).toMatchObject({ accepted: 2, existing: 3, pending: 2 })
    })
  )

  it.scopedLive(
    "fails as a storage failure within its timeout while the database does not answer, then works again",
    () =>
      Effect.gen(function* () {
        const url = yield* Effect.promise(() => postgres.createDatabase(`outbox_${++databases}`))
        const store = yield* PgOutboxStore.make({ url: Redacted.make(url), timeout: "300 millis" })
        yield* Effect.addFinalizer(() => store.close)
        yield* store.append([event("before")])
        // Another session holds the tables: every query of the store waits, as on a database cut off mid-query.
        const other = connect(url, { max: 1, onnotice: () => {} })
        yield* Effect.addFinalizer(() => Effect.promise(() => other.end({ timeout: 1 })))
        let release = () => {}
        const locked = new Promise<void>((holding) => {
          other
            .begin(async (tx) => {
              await tx`LOCK TABLE outbox_events, outbox_syncs, outbox_probe IN ACCESS EXCLUSIVE MODE`
              holding()
              await new Promise<void>((done) => {
                release = done
              })
            })
            .catch(() => {})
        })
        yield* Effect.promise(() => locked)
        const failures = yield* Effect.all([
          Effect.flip(store.append([event("during")])),
          Effect.flip(store.counts),
          Effect.flip(store.deadLetters(10, 0)),
          Effect.flip(store.requeue({ all: true }, Date.now())),
          Effect.flip(store.syncStatus("syn_x")),
          Effect.flip(store.probe)
        ])
        for (const failure of failures) {
          expect(failure).toMatchObject({
            _tag: "OutboxStorageFailed",
            reason: expect.stringMatching(/did not answer within 300 ms/)
          })
        }
        release()
        yield* store.probe.pipe(Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("5 seconds"))))
        yield* store.append([event("after")])
        expect(yield* store.counts).toMatchObject({ pending: 2 })
      })
  )
})

/** A proxy in front of `target` that answers each delivery `delayMillis` after upstream did, as a slow Schematic. */
const slowUpstream = (target: string, delayMillis: number) =>
  Effect.acquireRelease(
    Effect.promise(() => upstreamProxy(target, { deliveryDelayMillis: delayMillis })),
    (proxy) => Effect.promise(proxy.close)
  )

describe("the outbox on PostgreSQL", () => {
  it.scopedLive(
    "finishes what it sends for longer than its lease, each event sent at most twice and counted delivered once",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Layer.build(SchematicSandbox.layer({ port: 0, dataDir: ":memory:" }))
        const upstream = yield* slowUpstream(yield* Effect.provide(SchematicSandbox.url, sandbox), 3000)
        const url = yield* Effect.promise(() => postgres.createDatabase(`outbox_${++databases}`))
        let delivered = 0
        const observer = Layer.succeed(OutboxObserver.OutboxObserver, {
          ...OutboxObserver.none,
          delivered: (count: number) => {
            delivered += count
          }
        })
        // Two replicas, each leasing for 1 s what its upstream answers after 3 s.
        const replica = () =>
          Layer.build(
            EventOutbox.layer({
              filename: "unused",
              database: { url: Redacted.make(url), lease: "1 second" },
              batchSize: 20,
              pollInterval: "20 millis"
            }).pipe(
              Layer.provide(
                SchematicClient.layer({
                  apiKey: "sch_dev_sandbox",
                  baseUrl: upstream.url,
                  readsPerSecond: 0,
                  writesPerSecond: 0
                })
              ),
              Layer.provide(observer)
            )
          ).pipe(Effect.map((context) => Context.get(context, EventSink.EventSink)))
        const [a, b] = yield* Effect.all([replica(), replica()], { concurrency: "unbounded" })
        const keys = Array.from({ length: 40 }, (_, i) => `slow-${i}`)
        yield* a!.submit(
          keys.map((key) => ({
            event_type: "track",
            body: { event: "api-call", company: { crm: "slow" } },
            idempotency_key: key
          }))
        )
        yield* Effect.repeat(b!.status, {
          until: (status) => status.pending + status.in_flight === 0,
          schedule: Schedule.spaced("100 millis")
        }).pipe(Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error("not all delivered") }))
        expect(yield* b!.status).toMatchObject({ delivered: 40, dead_lettered: 0 })
        expect(keys.map((key) => upstream.sent.get(key) ?? 0).every((sends) => sends >= 1 && sends <= 2)).toBe(true)
        expect(delivered).toBe(40)
      }),
    30_000
  )
})
