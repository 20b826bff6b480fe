import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect, Logger } from "effect"
import { SqliteOutboxStore } from "../src/index.js"
import { INSERT_ROWS } from "../src/internal/sqlite/groupCommit.js"
import { moveEarlierEvents } from "../src/internal/sqlite/schema.js"
import { event, storeContract } from "./storeContract.js"

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const fileIn = () => {
  const dir = mkdtempSync(join(tmpdir(), "outbox-store-"))
  dirs.push(dir)
  return join(dir, "events.db")
}

/** The first layout: a random id per event, unique-indexed. */
const V1_LAYOUT = `
CREATE TABLE outbox_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  idempotency_key TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  accepted_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  finished_at INTEGER,
  last_error TEXT
);
CREATE INDEX outbox_due ON outbox_events(state, next_attempt_at, seq);
CREATE INDEX outbox_finished_at ON outbox_events(state, finished_at) WHERE finished_at IS NOT NULL;
`

/** The second layout: keys unique through a unique index on their text. */
const V2_LAYOUT = `
CREATE TABLE outbox_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  accepted_at INTEGER NOT NULL,
  queued_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  finished_at INTEGER,
  last_error TEXT,
  legacy_id TEXT
);
CREATE INDEX outbox_due ON outbox_events(state, next_attempt_at, seq);
CREATE INDEX outbox_finished_at ON outbox_events(state, finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX outbox_legacy_id ON outbox_events(legacy_id) WHERE legacy_id IS NOT NULL;
`

/**
 * UUIDv4 keys that share the bits they are indexed by (the digits up to just past the version's) two by two: `[a, b]`
 * of a pair differ only after them.
 */
const collidingPair = (n: number) => {
  const prefix = n.toString(16).padStart(8, "0")
  return [`${prefix}-1111-4222-8333-444444444444`, `${prefix}-1111-4222-9fff-ffffffffffff`] as const
}

/** A new file laid out as an earlier version laid it out, open for rows to be written to it. */
const fileOfLayout = (layout: string) => {
  const filename = fileIn()
  const db = new Database(filename)
  db.exec(layout)
  return { filename, old: db }
}

/** A file of the second layout holding a pending event a key, in order, its connection still open. */
const fileOfSecondLayout = (keys: ReadonlyArray<string>) => {
  const file = fileOfLayout(V2_LAYOUT)
  const insert = file.old.prepare(
    `INSERT INTO outbox_events (idempotency_key, payload, bytes, state, attempts, accepted_at, queued_at,
       next_attempt_at) VALUES (?, '{}', 2, 'pending', 0, 1, 1, 1)`
  )
  for (const key of keys) insert.run(key)
  return file
}

describe("SqliteOutboxStore", () => {
  storeContract(() =>
    Effect.acquireRelease(SqliteOutboxStore.make({ filename: fileIn() }), (store) => store.close).pipe(
      Effect.map((store) => ({ a: store, b: store }))
    )
  )

  it.effect("hands keys and payloads of any characters across its thread, request by request, and back", () =>
    Effect.gen(function* () {
      const store = yield* SqliteOutboxStore.make({ filename: fileIn() })
      const keys = ["a\nb", "tab\tand\u0000nul", "😀 astral", "e\u0301 combined", "plain", "x".repeat(255)]
      // Several requests at once go to the thread in one message: each is answered with its own events.
      const requests = keys.map((key, index) => [
        { idempotencyKey: key, payload: JSON.stringify({ key, n: index }, null, 2) },
        { idempotencyKey: `${key}-second`, payload: JSON.stringify({ key, n: -index }) }
      ])
      const answers = yield* Effect.all(
        requests.map((events) => store.append(events)),
        { concurrency: "unbounded" }
      )
      for (const [index, answer] of answers.entries()) {
        expect(answer.map((item) => [item.idempotencyKey, item.existing])).toEqual(
          requests[index]!.map((event) => [event.idempotencyKey, false])
        )
      }
      // Sent again, alone and beside a new one: the same ids, marked existing.
      const again = yield* store.append([requests[0]![0]!, { idempotencyKey: "new", payload: "{}" }])
      expect(again[0]).toEqual({ ...answers[0]![0]!, existing: true })
      expect(again[1]!.existing).toBe(false)

      const claimed = yield* store.claim(100, Date.now())
      const sent = requests.flat()
      expect(claimed.map((row) => row.idempotencyKey)).toEqual([...sent.map((event) => event.idempotencyKey), "new"])
      expect(claimed.map((row) => row.id)).toEqual([...answers.flat().map((item) => item.id), again[1]!.id])
      // A payload's own newlines are whitespace: the same JSON value arrives.
      expect(claimed.slice(0, -1).map((row) => JSON.parse(row.payload))).toEqual(
        sent.map((event) => JSON.parse(event.payload))
      )
      expect(claimed.map((row) => row.bytes)).toEqual(claimed.map((row) => Buffer.byteLength(row.payload)))
      yield* store.close
    })
  )

  it.effect("stores a key once across the rows of one statement, of a request and of requests sent together", () =>
    Effect.gen(function* () {
      const store = yield* SqliteOutboxStore.make({ filename: fileIn() })
      const odd = (n: number) => ['q"uote', "back\\slash", "new\nline", "nul\u0000", "😀", "?", "@now", "'"][n % 8]
      const key = (n: number) => `${odd(n)}-${n}`
      // Requests of a statement's number of rows and of numbers that are not; keys repeated within a statement,
      // across the statements of a request, across requests, and between requests sent in one message.
      const first = Array.from({ length: 2 * INSERT_ROWS + 7 }, (_, n) => key(n % 10 === 9 ? n - 1 : n))
      first[INSERT_ROWS + 3] = first[3]!
      const second = Array.from({ length: INSERT_ROWS + 1 }, (_, n) => key(n % 2 === 0 ? n * 3 : 1000 + (n % 5)))
      const together = [
        [key(2000), key(2001), first[0]!],
        [key(2001), key(2002)],
        Array.from({ length: INSERT_ROWS }, (_, n) => key(3000 + n)),
        [key(2002), key(3000), key(4000), key(4000)]
      ]
      const payloadOf = (k: string, request: number) => JSON.stringify({ k, request })

      const answers = [
        yield* store.append(first.map((k) => ({ idempotencyKey: k, payload: payloadOf(k, 0) }))),
        yield* store.append(second.map((k) => ({ idempotencyKey: k, payload: payloadOf(k, 1) }))),
        ...(yield* Effect.all(
          together.map((keys, index) =>
            store.append(keys.map((k) => ({ idempotencyKey: k, payload: payloadOf(k, 2 + index) })))
          ),
          { concurrency: "unbounded" }
        ))
      ]

      // What storing the events one by one, in the order sent, answers: a new key's event is stored (with an id of
      // its own); a key stored before answers that event's id, marked existing.
      const requests = [first, second, ...together]
      const firstOf = new Map<string, { id: string; payload: string }>()
      for (const [request, keys] of requests.entries()) {
        expect(answers[request]!.map((item) => item.idempotencyKey)).toEqual(keys)
        for (const [index, k] of keys.entries()) {
          const item = answers[request]![index]!
          const before = firstOf.get(k)
          expect([k, item.existing]).toEqual([k, before !== undefined])
          if (before === undefined) firstOf.set(k, { id: item.id, payload: payloadOf(k, request) })
          else expect(item.id).toBe(before.id)
        }
      }
      expect(new Set([...firstOf.values()].map((stored) => stored.id)).size).toBe(firstOf.size)
      expect((yield* store.counts).pending).toBe(firstOf.size)

      const claimed = yield* store.claim(firstOf.size + 10, Date.now())
      expect(claimed.map((row) => [row.idempotencyKey, row.id, row.payload])).toEqual(
        [...firstOf].map(([k, stored]) => [k, stored.id, stored.payload])
      )
      yield* store.close
    })
  )

  it.effect("counts the room left request by request among requests sent together, as they are stored", () =>
    Effect.gen(function* () {
      const store = yield* SqliteOutboxStore.make({ filename: fileIn(), maxRows: 5 })
      const events = (...keys: Array<string>) => keys.map((k) => ({ idempotencyKey: k, payload: "{}" }))
      // Sent together (one transaction): the second request's keys were stored by the first, so it takes no room
      // and the third fits exactly; the fourth finds the outbox full, and so does the fifth (room is asked for the
      // events sent, before their keys are looked up).
      const [first, second, third, fourth, fifth] = yield* Effect.all(
        [
          store.append(events("a", "b", "c")),
          store.append(events("a", "b")),
          store.append(events("d", "e")),
          store.append(events("f")),
          store.append(events("c"))
        ].map(Effect.either),
        { concurrency: "unbounded" }
      )
      expect(first).toMatchObject({
        _tag: "Right",
        right: [{ existing: false }, { existing: false }, { existing: false }]
      })
      expect(second).toMatchObject({ _tag: "Right", right: [{ existing: true }, { existing: true }] })
      expect(third).toMatchObject({ _tag: "Right", right: [{ existing: false }, { existing: false }] })
      expect(fourth).toMatchObject({ _tag: "Left", left: { _tag: "OutboxFull" } })
      expect(fifth).toMatchObject({ _tag: "Left", left: { _tag: "OutboxFull" } })
      expect((yield* store.counts).pending).toBe(5)
      yield* store.close
    })
  )

  it.effect("frees the room of events delivered, by rows and by bytes, also when they are marked delivered twice", () =>
    Effect.gen(function* () {
      const store = yield* SqliteOutboxStore.make({ filename: fileIn(), maxRows: 4, maxBytes: 40 })
      const sized = (key: string, bytes: number) => ({ idempotencyKey: key, payload: "x".repeat(bytes) })
      yield* store.append([sized("a", 10), sized("b", 10), sized("c", 10)])
      const claimed = yield* store.claim(2, Date.now())
      expect(claimed.map((row) => [row.idempotencyKey, row.bytes, row.attempts])).toEqual([
        ["a", 10, 1],
        ["b", 10, 1]
      ])
      expect(yield* store.markDelivered(claimed, Date.now())).toBe(2)
      // Delivered already: nothing changes, and what is held is counted again from the file.
      expect(yield* store.markDelivered(claimed, Date.now())).toBe(0)
      // Held now: c (10 bytes, one row). Room for 30 bytes and 3 rows: 31 bytes do not fit, 30 bytes in 3 rows do.
      expect(yield* Effect.either(store.append([sized("d", 31)]))).toMatchObject({
        _tag: "Left",
        left: { _tag: "OutboxFull" }
      })
      yield* store.append([sized("d", 10), sized("e", 10), sized("f", 10)])
      expect(yield* Effect.either(store.append([sized("g", 1)]))).toMatchObject({
        _tag: "Left",
        left: { _tag: "OutboxFull" }
      })
      const counts = yield* store.counts
      expect([counts.pending, counts.inFlight, counts.delivered]).toEqual([4, 0, 2])
      yield* store.close
    })
  )

  it.effect("moves an outbox of the first layout to the current one, keeping its events and their ids", () =>
    Effect.gen(function* () {
      const { filename, old } = fileOfLayout(V1_LAYOUT)
      const insert = old.prepare(
        `INSERT INTO outbox_events (id, idempotency_key, payload, bytes, state, attempts, accepted_at, next_attempt_at,
           finished_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      const at = Date.now() - 60_000
      insert.run("oev_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b", "pending-1", '{"k":1}', 7, "pending", 0, at, at, null, null)
      insert.run("oev_0190a1b2c3d47e5f8a9b0c1d2e3f4a5c", "dead-1", '{"k":2}', 7, "dead", 3, at, at, at, "refused")
      insert.run("oev_0190a1b2c3d47e5f8a9b0c1d2e3f4a5d", "done-1", '{"k":3}', 7, "delivered", 1, at, at, at, null)
      old.close()

      const store = yield* SqliteOutboxStore.make({ filename })
      expect(yield* store.counts).toMatchObject({ pending: 1, inFlight: 0, delivered: 1, dead: 1 })
      const [dead] = yield* store.deadLetters(10, 0)
      expect(dead).toMatchObject({ id: "oev_0190a1b2c3d47e5f8a9b0c1d2e3f4a5c", error: "refused", attempts: 3 })
      expect(yield* store.find({ id: "oev_0190a1b2c3d47e5f8a9b0c1d2e3f4a5c" })).toMatchObject({
        idempotencyKey: "dead-1",
        state: "dead"
      })
      const [repeat, fresh] = yield* store.append([event("pending-1"), event("new-1")])
      expect(repeat).toEqual({
        id: "oev_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b",
        idempotencyKey: "pending-1",
        existing: true
      })
      expect(fresh!.existing).toBe(false)
      expect(yield* store.requeue({ ids: ["oev_0190a1b2c3d47e5f8a9b0c1d2e3f4a5c"] }, Date.now())).toBe(1)
      const claimed = yield* store.claim(10, Date.now())
      expect(claimed.map((row) => [row.id, row.payload])).toEqual([
        ["oev_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b", '{"k":1}'],
        ["oev_0190a1b2c3d47e5f8a9b0c1d2e3f4a5c", '{"k":2}'],
        [fresh!.id, JSON.stringify({ event_type: "track", key: "new-1" })]
      ])
      yield* store.close

      // Opened again, there is nothing left to move and nothing is lost; what was in flight goes back to pending.
      const reopened = yield* SqliteOutboxStore.make({ filename })
      expect(yield* reopened.counts).toMatchObject({ pending: 0, inFlight: 3, delivered: 1, dead: 0 })
      expect(yield* reopened.recover).toBe(3)
      yield* reopened.close
    })
  )

  it.effect("keeps UUIDv4 keys that share their indexed number apart, stored once each, before and after pruning", () =>
    Effect.gen(function* () {
      const filename = fileIn()
      const store = yield* SqliteOutboxStore.make({ filename })
      const [a, b] = collidingPair(1)
      const [c, d] = collidingPair(2)
      const first = yield* store.append([event(a), event("text-key")])
      // b takes a's number: stored all the same, under an id of its own.
      const [second] = yield* store.append([event(b)])
      expect(second).toMatchObject({ idempotencyKey: b, existing: false })
      expect(second!.id).not.toBe(first[0]!.id)
      // In one request, both keys of a pair and each again: the first of each is new, the repeats find them.
      const mixed = yield* store.append([event(c), event(d), event(c), event(d), event(a), event(b)])
      expect(mixed.map((item) => item.existing)).toEqual([false, false, true, true, true, true])
      expect(mixed[2]!.id).toBe(mixed[0]!.id)
      expect(mixed[3]!.id).toBe(mixed[1]!.id)
      expect(mixed[4]!.id).toBe(first[0]!.id)
      expect(mixed[5]!.id).toBe(second!.id)
      expect((yield* store.find({ idempotencyKey: b }))?.id).toBe(second!.id)
      expect((yield* store.find({ idempotencyKey: d }))?.id).toBe(mixed[1]!.id)
      expect(yield* store.counts).toMatchObject({ pending: 5 })

      // a delivered and pruned, b kept: b sent again is still found, though its number is free now.
      const claimed = yield* store.claim(1, Date.now())
      expect(claimed.map((row) => row.idempotencyKey)).toEqual([a])
      expect(yield* store.markDelivered(claimed, Date.now() - 10_000)).toBe(1)
      expect(yield* store.prune(Date.now() - 5_000)).toBe(1)
      const [again, fresh] = yield* store.append([event(b), event(a)])
      expect(again).toEqual({ ...second!, existing: true })
      expect(fresh).toMatchObject({ idempotencyKey: a, existing: false })
      expect(yield* store.counts).toMatchObject({ pending: 5, delivered: 0 })
      const keys = (yield* store.claim(100, Date.now())).map((row) => row.idempotencyKey)
      expect(keys.sort()).toEqual([a, b, c, d, "text-key"].sort())
      yield* store.close
    })
  )

  it.effect("moves an outbox of the second layout to keys indexed by number, keeping events, ids and sequence", () =>
    Effect.gen(function* () {
      const { filename, old } = fileOfLayout(V2_LAYOUT)
      const insert = old.prepare(
        `INSERT INTO outbox_events (idempotency_key, payload, bytes, state, attempts, accepted_at, queued_at,
           next_attempt_at, finished_at, last_error, legacy_id) VALUES (?, ?, 7, ?, 0, ?, ?, ?, ?, NULL, ?)`
      )
      const at = Date.now() - 60_000
      const [a, b] = collidingPair(3)
      insert.run(a, '{"k":1}', "pending", at, at, at, null, null)
      insert.run("text-1", '{"k":2}', "delivered", at, at, at, at, "oev_legacy")
      insert.run(b, '{"k":3}', "pending", at, at, at, null, null)
      // Rows since deleted had taken seqs up to 40: none is used again.
      old.prepare("UPDATE sqlite_sequence SET seq = 40 WHERE name = 'outbox_events'").run()
      old.close()

      const store = yield* SqliteOutboxStore.make({ filename })
      expect(yield* store.counts).toMatchObject({ pending: 2, delivered: 1 })
      const before = yield* store.append([event(a), event("text-1"), event(b), event("new")])
      expect(before.map((item) => item.existing)).toEqual([true, true, true, false])
      expect(before[1]!.id).toBe("oev_legacy")
      expect(new Set(before.map((item) => item.id)).size).toBe(4)
      const claimed = yield* store.claim(10, Date.now())
      expect(claimed.map((row) => [row.idempotencyKey, row.payload])).toEqual([
        [a, '{"k":1}'],
        [b, '{"k":3}'],
        ["new", JSON.stringify({ event_type: "track", key: "new" })]
      ])
      yield* store.close

      const file = new Database(filename)
      expect(file.pragma("user_version", { simple: true })).toBe(3)
      const rows = file.prepare("SELECT seq, key_index FROM outbox_events ORDER BY seq").raw().all()
      expect(rows.slice(0, 3)).toEqual([
        [1, 0x0000000311112],
        [2, -2],
        [3, -1]
      ])
      expect(rows[3]).toEqual([expect.any(Number), -2])
      expect((rows[3] as [number])[0]).toBeGreaterThan(40)
      // The index of every event by state gives way to one a state, delivered events in none.
      const indexes = file.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox_events'")
      expect(indexes.pluck().all()).not.toContain("outbox_due")
      expect(indexes.pluck().all()).toEqual(
        expect.arrayContaining(["outbox_pending", "outbox_in_flight", "outbox_dead"])
      )
      // A file of a layout this version does not know is refused, not rewritten.
      file.pragma("user_version = 4")
      file.close()
      const refused = yield* SqliteOutboxStore.make({ filename }).pipe(
        Effect.flatMap(() => Effect.succeed("opened")),
        Effect.catchAllDefect((defect) => Effect.succeed(String(defect)))
      )
      expect(refused).toMatch(/newer version of the server \(layout 4; this one knows layouts up to 3\)/)
    })
  )

  it.effect("stores what two connections to one file (a server and its guest) append at once, refusing none", () =>
    Effect.gen(function* () {
      const filename = fileIn()
      const a = yield* SqliteOutboxStore.make({ filename })
      const b = yield* SqliteOutboxStore.make({ filename })
      // Each append and each write claim reads before it writes: begun deferred, one would be refused at once
      // (SQLITE_BUSY) whenever the other connection was writing, whatever the busy timeout.
      const appends = (store: typeof a, lane: string) =>
        Effect.forEach(
          Array.from({ length: 60 }, (_, n) => n),
          (n) =>
            Effect.zipRight(
              store.append([event(`${lane}-${n}-a`), event(`${lane}-${n}-b`)]),
              store.claimWrite("grant", `${lane}-${n}`, "f", Date.now(), 0, false)
            ),
          { discard: true }
        )
      const lanes = [appends(a, "a1"), appends(b, "b1"), appends(a, "a2"), appends(b, "b2")]
      const outcomes = yield* Effect.all(lanes.map(Effect.either), { concurrency: "unbounded" })
      expect(outcomes.map((outcome) => outcome._tag)).toEqual(["Right", "Right", "Right", "Right"])
      expect(yield* a.counts).toMatchObject({ pending: 4 * 60 * 2 })
      yield* a.close
      yield* b.close
    })
  )

  it.effect("goes on moving an outbox of the second layout from where a stopped process left it", () =>
    Effect.gen(function* () {
      const [a, b] = collidingPair(4)
      const keys = ["k-1", a, "k-2", b, "k-3", "k-4", "k-5"]
      const { filename, old } = fileOfSecondLayout(keys)
      old.close()

      // Stopped after renaming the earlier table and two transactions of two events each.
      const stopped = new Database(filename)
      expect(moveEarlierEvents(stopped, { rowsAtATime: 2, transactions: 3 })).toBe(false)
      expect(stopped.prepare("SELECT COUNT(*) FROM outbox_events").pluck().get()).toBe(4)
      stopped.close()

      // The log says what the server waits for before it starts: the three events left to move.
      const logged: Array<string> = []
      const store = yield* SqliteOutboxStore.make({ filename }).pipe(
        Effect.provide(
          Logger.replace(
            Logger.defaultLogger,
            Logger.make(({ message }) => logged.push(String(message)))
          )
        )
      )
      expect(logged).toEqual([
        "Event outbox: moving 3 events written by an earlier version to the current layout before the server starts (50000 a transaction; a process stopped meanwhile goes on where it stopped)"
      ])
      const again = yield* store.append(keys.map(event))
      expect(again.map((item) => item.existing)).toEqual(keys.map(() => true))
      expect(again.map((item) => Number(item.id.slice(-20)))).toEqual([1, 2, 3, 4, 5, 6, 7])
      yield* store.close
      const file = new Database(filename)
      expect(file.prepare("SELECT key_index FROM outbox_events WHERE seq = 4").pluck().get()).toBe(-1)
      expect(file.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'outbox_events_v%'").all()).toEqual([])
      file.close()
    })
  )

  it.effect("moves an earlier layout's file with two processes at once, and carries the sequence over a stop", () =>
    Effect.gen(function* () {
      // Counters between two pairs of colliding UUIDv4 keys.
      const keys = Array.from({ length: 9 }, (_, n) =>
        n % 2 === 0 ? `k-${n}` : collidingPair(Math.ceil(n / 4))[((n - 1) / 2) % 2]!
      )
      const { filename, old } = fileOfSecondLayout(keys)
      old.prepare("UPDATE sqlite_sequence SET seq = 40 WHERE name = 'outbox_events'").run()
      old.close()

      // Two processes take turns, a transaction each, until every event is moved; then one stops before the drop.
      const [first, second] = [new Database(filename), new Database(filename)]
      const step = { rowsAtATime: 2, transactions: 1 }
      for (let turn = 0; turn < 3; turn++) {
        moveEarlierEvents(first, step)
        moveEarlierEvents(second, step)
      }
      expect(first.prepare("SELECT COUNT(*) FROM outbox_events").pluck().get()).toBe(9)
      expect(first.prepare("SELECT COUNT(*) FROM outbox_events WHERE key_index = -1").pluck().get()).toBe(2)
      expect(first.prepare("SELECT COUNT(*) FROM outbox_events_v2").pluck().get()).toBe(9)
      first.close()
      second.close()

      const store = yield* SqliteOutboxStore.make({ filename })
      const [fresh, ...again] = yield* store.append([event("new"), ...keys.map(event)])
      expect(again.map((item) => item.existing)).toEqual(keys.map(() => true))
      expect(again.map((item) => Number.parseInt(item.id.slice(-20), 16))).toEqual(keys.map((_, n) => n + 1))
      // No seq is used twice: the new event's is past the earlier layout's sequence.
      expect(Number.parseInt(fresh!.id.slice(-20), 16)).toBeGreaterThan(40)
      yield* store.close
    })
  )

  it.effect("leaves an earlier layout's file to the data folder's owner, and refuses an earlier version's writes", () =>
    Effect.gen(function* () {
      const { filename, old } = fileOfSecondLayout([])
      old.close()
      // A guest, whose owner may be a server of the earlier version still storing in the file, does not move it.
      const refused = yield* SqliteOutboxStore.make({ filename, movesEarlierLayout: false }).pipe(
        Effect.as("opened"),
        Effect.catchAllDefect((defect) => Effect.succeed(String(defect)))
      )
      expect(refused).toMatch(
        /written by an earlier version of the server.*a guest of the data folder does not move it/
      )

      const store = yield* SqliteOutboxStore.make({ filename })
      yield* store.append([event("0190a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b")])
      yield* store.close
      // A process of the earlier version names no key_index: its row is refused (and its request fails) rather than
      // stored where this layout would not find its key.
      const earlier = new Database(filename)
      const inserted = earlier
        .prepare(
          `INSERT OR IGNORE INTO outbox_events (idempotency_key, payload, bytes, state, accepted_at, queued_at,
             next_attempt_at) VALUES ('0190a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b', '{}', 2, 'pending', 1, 1, 1)`
        )
        .run()
      expect(inserted.changes).toBe(0)
      earlier.close()
    })
  )

  it.effect("holds its limits over what another connection to the file stores and delivers", () =>
    Effect.gen(function* () {
      const filename = fileIn()
      const a = yield* SqliteOutboxStore.make({ filename, maxRows: 10 })
      const b = yield* SqliteOutboxStore.make({ filename, maxRows: 10 })
      yield* a.append(Array.from({ length: 6 }, (_, n) => event(`a-${n}`)))
      yield* b.append(Array.from({ length: 4 }, (_, n) => event(`b-${n}`)))
      // Ten are held, six of them stored through a: the eleventh is refused there too.
      expect((yield* Effect.flip(a.append([event("a-more")])))._tag).toBe("OutboxFull")
      // All ten delivered through b: there is room again through a.
      const claimed = yield* b.claim(10, Date.now())
      expect(yield* b.markDelivered(claimed, Date.now())).toBe(10)
      const [stored] = yield* a.append([event("a-more")])
      expect(stored!.existing).toBe(false)
      expect(yield* a.counts).toMatchObject({ pending: 1, delivered: 10 })
      yield* a.close
      yield* b.close
    })
  )

  it.scoped("refuses events as a storage failure, not a full outbox, while another connection holds the lock", () =>
    Effect.gen(function* () {
      const filename = fileIn()
      const store = yield* SqliteOutboxStore.make({ filename, maxRows: 10, busyTimeout: "20 millis" })
      yield* store.append([event("a")])
      const other = yield* Effect.acquireRelease(
        Effect.sync(() => new Database(filename)),
        (db) => Effect.sync(() => db.close())
      )
      other.exec("BEGIN EXCLUSIVE")
      const failed = yield* Effect.flip(store.append([event("b"), event("c")]))
      expect(failed._tag).toBe("OutboxStorageFailed")
      expect(failed.message).toMatch(/^The event outbox could not store the events: SQLITE_BUSY: database is locked/)
      expect((yield* Effect.flip(store.probe))._tag).toBe("OutboxStorageFailed")

      other.exec("ROLLBACK")
      yield* store.probe
      // Nothing of the refused request was stored or counted: the outbox holds one event and has room for nine.
      const stored = yield* store.append(Array.from({ length: 9 }, (_, i) => event(`more-${i}`)))
      expect(stored).toHaveLength(9)
      expect(yield* store.counts).toMatchObject({ pending: 10 })
      yield* store.close
    })
  )

  it.effect("counts a sync's record once however often it is sent, also in a file written before it did", () =>
    Effect.gen(function* () {
      const filename = fileIn()
      const sync = { id: "syn_1", kind: "companies", source: "crm", refused: 0 }
      const store = yield* SqliteOutboxStore.make({ filename })
      yield* store.append([event("r1"), event("r2")], sync)
      yield* store.close
      // As the previous version left a retry of that chunk: its records added again, and counted again.
      const old = new Database(filename)
      old.exec(`DROP INDEX outbox_sync_events_record;
        CREATE INDEX outbox_sync_events_sync ON outbox_sync_events(sync);
        INSERT INTO outbox_sync_events (sync, seq) SELECT sync, seq FROM outbox_sync_events;
        UPDATE outbox_syncs SET accepted = 4, existing = 2`)
      old.close()

      const reopened = yield* SqliteOutboxStore.make({ filename })
      expect(yield* reopened.syncStatus("syn_1")).toMatchObject({ accepted: 2, existing: 2, pending: 2 })
      // The chunk sent a third time, with one record more: each record counted once, each repeat as existing.
      yield* reopened.append([event("r1"), event("r2"), event("r3")], sync)
      const claimed = yield* reopened.claim(10, Date.now())
      expect(yield* reopened.markDelivered(claimed, Date.now())).toBe(3)
      expect(yield* reopened.syncStatus("syn_1")).toMatchObject({ accepted: 3, existing: 4, pending: 0, delivered: 3 })
      yield* reopened.close
    })
  )

  it.effect("refuses new events once its file is deleted, and still delivers those it stored before", () =>
    Effect.gen(function* () {
      const filename = fileIn()
      const store = yield* SqliteOutboxStore.make({ filename })
      yield* store.append([event("kept-1"), event("kept-2")])
      rmSync(join(filename, ".."), { recursive: true, force: true })

      const refused = yield* Effect.flip(store.append([event("lost-1")]))
      expect(refused._tag).toBe("OutboxStorageFailed")
      expect(refused.message).toMatch(/events\.db was deleted while the server ran/)
      expect((yield* Effect.flip(store.probe))._tag).toBe("OutboxStorageFailed")
      const claimed = yield* store.claim(10, Date.now())
      expect(claimed.map((row) => row.idempotencyKey)).toEqual(["kept-1", "kept-2"])
      expect(yield* store.markDelivered(claimed, Date.now())).toBe(2)
      expect(yield* store.counts).toMatchObject({ pending: 0, inFlight: 0, delivered: 2 })
      yield* store.close
    })
  )
})
