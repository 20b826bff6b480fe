/**
 * The PostgreSQL store against a real PostgreSQL, with two stores on one database standing for two replicas.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Redacted } from "effect"
import { PgOutboxStore } from "../src/index.js"
import { type RunningPostgres, startPostgres } from "./postgres.js"

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

const event = (key: string) => ({ idempotencyKey: key, payload: JSON.stringify({ event_type: "track", key }) })

describe("PgOutboxStore", () => {
  it.scoped("finds an event by its id or its key, from any replica, with where it stands", () =>
    Effect.gen(function* () {
      const { a, b } = yield* replicas()
      const [stored] = yield* a.append([event("find-me")])
      expect(yield* b.find({ id: stored!.id })).toMatchObject({ idempotencyKey: "find-me", state: "pending" })
      const [claimed] = yield* a.claim(10, Date.now())
      yield* a.markDead([claimed!.seq], "refused: no company", Date.now())
      expect(yield* b.find({ idempotencyKey: "find-me" })).toMatchObject({
        id: stored!.id,
        state: "dead",
        attempts: 1,
        error: "refused: no company"
      })
      expect(yield* b.find({ id: "oev_nope" })).toBeUndefined()
      expect(yield* b.find({ idempotencyKey: "never" })).toBeUndefined()
    })
  )

  it.scoped("stores a key once, whichever replica a retry reaches, and answers with its first record", () =>
    Effect.gen(function* () {
      const { a, b } = yield* replicas()
      const [fromA, fromB] = yield* Effect.all(
        [a.append([event("k1"), event("k2")]), b.append([event("k2"), event("k3")])],
        { concurrency: "unbounded" }
      )
      expect(fromA!.map((item) => item.id)[1]).toBe(fromB![0]!.id)
      expect([fromA![1]!.existing, fromB![0]!.existing].sort()).toEqual([false, true])
      // One request's own repeat.
      const [first, again] = yield* a.append([event("k4"), event("k4")])
      expect(again).toEqual({ ...first!, existing: true })
      const counts = yield* b.counts
      expect(counts).toMatchObject({ pending: 4, inFlight: 0, delivered: 0, dead: 0 })
    })
  )

  it.scoped(
    "never lets two replicas claim the same row, and takes over a dead replica's rows once its lease ends",
    () =>
      Effect.gen(function* () {
        const { a, b } = yield* replicas(300)
        yield* a.append(Array.from({ length: 100 }, (_, i) => event(`e${i}`)))
        const now = Date.now()
        const [byA, byB] = yield* Effect.all([a.claim(60, now), b.claim(60, now)], { concurrency: "unbounded" })
        const seqs = [...byA!, ...byB!].map((row) => row.seq)
        expect(new Set(seqs).size).toBe(100)
        yield* b.markDelivered(byB!, Date.now())

        // A "dies" holding its rows: until the lease ends nobody else takes them.
        expect(yield* b.claim(100, Date.now())).toEqual([])
        expect(yield* b.nextDueAt).toBeLessThanOrEqual(now + 300)
        const later = now + 301
        const taken = yield* b.claim(100, later)
        expect(taken.map((row) => row.seq).sort()).toEqual(byA!.map((row) => row.seq).sort())
        expect(taken.every((row) => row.attempts === 2)).toBe(true)
        // A late answer from the replica that lost its lease records nothing.
        yield* a.markDelivered(byA!, later)
        expect((yield* b.counts).inFlight).toBe(byA!.length)
        yield* b.markDelivered(taken, later)
        expect(yield* a.counts).toMatchObject({ pending: 0, inFlight: 0, delivered: 100 })
      })
  )

  it.scoped("dead-letters, re-queues by id, expires, prunes, and counts a sync across replicas", () =>
    Effect.gen(function* () {
      const { a, b } = yield* replicas()
      const sync = { id: "syn_1", kind: "companies", source: "crm", refused: 2 }
      const appended = yield* a.append([event("s1"), event("s2"), event("s3")], sync)
      yield* b.append([event("s3"), event("s4")], { ...sync, refused: 0 })
      const claimed = yield* b.claim(10, Date.now())
      yield* b.markDead([claimed[0]!.seq], "refused upstream", Date.now())
      yield* b.markDelivered(claimed.slice(1, 3), Date.now())
      expect(yield* a.syncStatus("syn_1")).toMatchObject({
        accepted: 5,
        existing: 1,
        refused: 2,
        pending: 0,
        // s3 was sent twice, and counts as two records.
        inFlight: 1,
        delivered: 3,
        dead: 1
      })
      const [dead] = yield* a.deadLetters(10, 0)
      expect(dead).toMatchObject({ id: appended[0]!.id, error: "refused upstream" })
      expect(yield* a.requeue({ ids: [appended[0]!.id, "oev_nope"] }, Date.now())).toBe(1)
      expect(yield* a.expire(Date.now() + 1, "too old", Date.now())).toBe(1)
      expect(yield* a.requeue({ all: true }, Date.now())).toBe(1)
      expect(yield* b.prune(Date.now() + 1)).toBe(2)
      expect(yield* b.syncStatus("syn_1")).toBeUndefined()
      expect(yield* b.syncStatus("syn_unknown")).toBeUndefined()
      yield* b.probe
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
})
