/**
 * What every outbox store does, whatever it stores in: one suite, run by each store's test file against that store.
 * A store is seen through two handles (`a`, `b`) on one storage: for PostgreSQL two replicas, for SQLite (owned by
 * one process) the same store twice. What one stores, the other finds.
 */
import { expect, it } from "@effect/vitest"
import { Effect, type Scope } from "effect"
import type { OutboxStoreShape } from "../src/OutboxStore.js"

export const event = (key: string) => ({
  idempotencyKey: key,
  payload: JSON.stringify({ event_type: "track", key })
})

/** Opens a store on storage of its own; its handles close when the scope does. */
export type OpenStore = () => Effect.Effect<
  { readonly a: OutboxStoreShape; readonly b: OutboxStoreShape },
  unknown,
  Scope.Scope
>

/** Registers the contract's tests, in the `describe` it is called in. */
export const storeContract = (open: OpenStore) => {
  it.scoped("finds an event by its id or its key, from any replica, with where it stands", () =>
    Effect.gen(function* () {
      const { a, b } = yield* open()
      const [stored] = yield* a.append([event("find-me")])
      expect(yield* b.find({ id: stored!.id })).toMatchObject({
        id: stored!.id,
        idempotencyKey: "find-me",
        state: "pending",
        error: null
      })
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

  it.scoped("gives each event an id that stays the same when it is dead-lettered and re-queued", () =>
    Effect.gen(function* () {
      const { a: store } = yield* open()
      const [first, second] = yield* store.append([event("a"), event("b")])
      expect(first!.id).toMatch(/^oev_[0-9a-f]{32}$/)
      expect(second!.id > first!.id).toBe(true)
      const claimed = yield* store.claim(10, Date.now())
      expect(claimed.map((row) => row.id)).toEqual([first!.id, second!.id])
      yield* store.markDead([claimed[0]!.seq], "refused", Date.now())
      const [dead] = yield* store.deadLetters(10, 0)
      expect(dead!.id).toBe(first!.id)

      // An id that names no event (another seq, another time, another shape) moves nothing.
      const wrongTime = `oev_${"0".repeat(12)}${first!.id.slice(16)}`
      expect(yield* store.requeue({ ids: [wrongTime, "oev_nope", second!.id] }, Date.now())).toBe(0)
      expect(yield* store.requeue({ ids: [first!.id] }, Date.now() + 1000)).toBe(1)
      const again = yield* store.claim(10, Date.now() + 1000)
      expect(again.map((row) => row.id)).toEqual([first!.id])
      // The same key answers with the first record, whatever happened to it since.
      const [repeat] = yield* store.append([event("a")])
      expect(repeat).toEqual({ id: first!.id, idempotencyKey: "a", existing: true })
    })
  )

  it.scoped("stores a key once, whichever replica a retry reaches, and answers with its first record", () =>
    Effect.gen(function* () {
      const { a, b } = yield* open()
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

  it.scoped("dead-letters, re-queues by id, expires, prunes, and counts a sync across replicas", () =>
    Effect.gen(function* () {
      const { a, b } = yield* open()
      const sync = { id: "syn_1", kind: "companies", source: "crm", refused: 2 }
      const appended = yield* a.append([event("s1"), event("s2"), event("s3")], sync)
      // A chunk sent again, twice (a client's retries), to either replica: one record each, already stored.
      yield* b.append([event("s3"), event("s4")], { ...sync, refused: 0 })
      yield* a.append([event("s3"), event("s4")], { ...sync, refused: 0 })
      const claimed = yield* b.claim(10, Date.now())
      yield* b.markDead([claimed[0]!.seq], "refused upstream", Date.now())
      yield* b.markDelivered(claimed.slice(1, 3), Date.now())
      expect(yield* a.syncStatus("syn_1")).toMatchObject({
        accepted: 4,
        existing: 3,
        refused: 2,
        pending: 0,
        inFlight: 1,
        delivered: 2,
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

  it.scoped("keeps idempotency keys of writes: one claim a key, its answer for a retry, a stale claim taken over", () =>
    Effect.gen(function* () {
      const { a, b } = yield* open()
      const now = Date.now()
      const day = 24 * 60 * 60 * 1000
      expect(yield* a.claimWrite("grant", "k1", "f1", now, now - day, false)).toEqual({ _tag: "New" })
      // Another replica sees the claim, and what it was asked.
      expect(yield* b.claimWrite("grant", "k1", "f1", now + 1, now - day, false)).toEqual({
        _tag: "Pending",
        startedAt: now,
        fingerprint: "f1"
      })
      yield* a.finishWrite("grant", "k1", JSON.stringify({ id: "grant_1" }), now + 2)
      expect(yield* b.claimWrite("grant", "k1", "f1", now + 3, now - day, false)).toEqual({
        _tag: "Done",
        answer: '{"id":"grant_1"}',
        fingerprint: "f1"
      })
      // Keys of another operation, and expired ones, are claims of their own.
      expect(yield* b.claimWrite("other", "k1", "f1", now, now - day, false)).toEqual({ _tag: "New" })
      expect(yield* b.claimWrite("grant", "k1", "f2", now + 2 * day, now + day, false)).toEqual({ _tag: "New" })
      // A claim given up, or taken over, is the new caller's.
      expect(yield* a.claimWrite("grant", "k2", "f1", now, now - day, false)).toEqual({ _tag: "New" })
      expect(yield* b.claimWrite("grant", "k2", "f1", now + 60_000, now - day, true)).toEqual({ _tag: "New" })
      yield* b.releaseWrite("grant", "k2")
      expect(yield* a.claimWrite("grant", "k2", "f1", now, now - day, false)).toEqual({ _tag: "New" })
      // Pruned with the outbox's other records.
      yield* a.prune(now + 3 * day)
      expect(yield* b.claimWrite("grant", "k2", "f3", now, now - day, false)).toEqual({ _tag: "New" })
    })
  )
}
