/**
 * What `sync-companies` and `sync-users` share: each record checked on its own, each valid one an identify event
 * whose idempotency key comes from the sync's source and the record's content, all stored with the sync's record.
 */
import { createHash } from "node:crypto"
import { JsonSchemas, SchemaCheck } from "@schematic-capability/schema-check"
import type { Event as SchematicEvent } from "@schematic-capability/schematic-client"
import { Effect, Option, Schema } from "effect"
import stableStringify from "safe-stable-stringify"
import { v7 as uuidv7 } from "uuid"
import * as CapabilityError from "../CapabilityError.js"
import * as EventSink from "../EventSink.js"
import type { RestBinding } from "../Operation.js"

/** Records one request takes. */
export const MAX_RECORDS = 10_000

/** Records checked between two turns of the event loop. */
const RECORDS_PER_SLICE = 500

/** Waits for the event loop's next turn, when I/O is served (a fiber's yield alone may not reach it). */
const nextTurn = Effect.async<void>((resume) => {
  const pending = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(pending))
})

export const SyncId = Schema.String.pipe(Schema.pattern(/^syn_[0-9a-f]{32}$/)).annotations({
  description: "The sync's id (syn_...) a sync call answered",
  message: () => "must be a sync id as a sync call answered it (syn_ and 32 hex digits)"
})

export const Source = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(100),
  Schema.pattern(/^[\w.:-]+$/)
).annotations({
  // With a record's content it makes the record's idempotency key: the same record from the same source is applied
  // once a day (UTC), however often it is sent.
  description: "Where the records come from (default api); a record repeated the same day applies once",
  message: () => "must be 1 to 100 letters, digits, or . _ : -"
})

/** The most records a caller may say it refused itself, before a request: a count, not a way to skew one. */
export const MAX_REFUSED_BEFORE_SENDING = 1_000_000_000

export const RefusedBeforeSending = Schema.Int.pipe(Schema.between(0, MAX_REFUSED_BEFORE_SENDING)).annotations({
  description: "Records you refused yourself, counted as refused",
  message: () => `must be a whole number from 0 to ${MAX_REFUSED_BEFORE_SENDING}`
})

export const RefusedRecord = Schema.Struct({
  index: Schema.Number.annotations({ description: "The record's position in the request, from 0" }),
  fields: Schema.Array(CapabilityError.FieldIssue).annotations({ description: "What is wrong with it, by field" })
})

export const SyncOutput = Schema.Struct({
  sync_id: Schema.String.annotations({ description: "Pass it to get-sync-status, or to a next call to add records" }),
  source: Schema.String,
  accepted: Schema.Number.annotations({ description: "Records of this request stored for delivery" }),
  already_accepted: Schema.Number.annotations({
    description: "Of those, records an earlier call or run had already accepted: not sent again"
  }),
  refused: Schema.Array(RefusedRecord).annotations({ description: "Records refused, each with what is wrong" })
})
export type SyncOutput = typeof SyncOutput.Type

/**
 * A sync's REST binding: a POST answered 202 (the records are stored for delivery), with a body of up to 32 MiB whose
 * records may also come alone, as a JSON array or NDJSON (the other fields then in the query string).
 */
export const syncRoute = (path: string): RestBinding => ({
  method: "POST",
  paths: [path],
  status: 202,
  maxBodyBytes: 32 * 1024 * 1024,
  records: "records"
})

/**
 * A sync's input: where its records come from, the sync they add to, and the records. Each record is checked on its
 * own, so one bad record does not refuse the others.
 */
// biome-ignore lint/suspicious/noExplicitAny: any record schema
export const syncInput = (record: Schema.Schema<any, any>, description: string) =>
  Schema.Struct({
    source: Schema.optional(Source),
    sync_id: Schema.optional(SyncId),
    refused_before_sending: Schema.optional(RefusedBeforeSending),
    records: records(record, description)
  })

// biome-ignore lint/suspicious/noExplicitAny: any record schema
const records = (record: Schema.Schema<any, any>, description: string) =>
  Schema.Array(
    // Declared as the record's JSON Schema for callers and the compiled check, taken as anything: the handler
    // checks each record and refuses the bad ones alone.
    Schema.Unknown.annotations({ jsonSchema: JsonSchemas.of(record), description })
  ).pipe(
    Schema.minItems(1, { message: () => "must have at least one record" }),
    Schema.maxItems(MAX_RECORDS, { message: () => `must have at most ${MAX_RECORDS} records` })
  )

export interface SyncInput {
  readonly source?: string | undefined
  readonly sync_id?: string | undefined
  readonly refused_before_sending?: number | undefined
  readonly records: ReadonlyArray<unknown>
}

const invalid = (path: string, message: string) => CapabilityError.invalidFields([{ path, message }])

interface Settled {
  readonly id: string
  readonly source: string
  /** The UTC day the sync started, YYYY-MM-DD. */
  readonly day: string
}

/** The sync a request adds to: the one it names (of the same kind and source), or a new one. */
const settle = (
  sink: EventSink.EventSinkShape,
  kind: EventSink.SyncKind,
  input: SyncInput
): Effect.Effect<Settled, CapabilityError.CapabilityError> => {
  if (input.sync_id === undefined) {
    return Effect.succeed({
      id: `syn_${uuidv7().replaceAll("-", "")}`,
      source: input.source ?? "api",
      day: new Date().toISOString().slice(0, 10)
    })
  }
  const id = input.sync_id
  return Effect.flatMap(sink.syncStatus(id), (known) => {
    if (known.kind !== kind) return Effect.fail(invalid("sync_id", `is a sync of ${known.kind}, not ${kind}`))
    if (input.source !== undefined && input.source !== known.source) {
      return Effect.fail(invalid("source", `is ${JSON.stringify(known.source)} for sync ${id}; leave it out or match`))
    }
    return Effect.succeed({ id, source: known.source, day: known.started_at.slice(0, 10) })
  })
}

/**
 * The key of a record's event: its kind, source, content (keys sorted) and the day (UTC) its sync started, hashed.
 * The same record from the same source sent again that day has the same key, so the outbox stores it once and
 * Schematic applies it once. The day keeps a record that comes back the next day (a nightly export that has not
 * changed, while Schematic's copy was changed some other way) from being taken as sent already.
 */
const keyOf = (kind: EventSink.SyncKind, sync: Settled, body: SchematicEvent.IdentifyBody) =>
  `sync-${createHash("sha256")
    .update(`${kind}\u0000${sync.source}\u0000${sync.day}\u0000${stableStringify(body)}`)
    .digest("base64url")}`

/** The handler of a sync operation: `identify` turns a valid record into its identify event's body. */
export const syncing =
  <R>(
    kind: EventSink.SyncKind,
    // biome-ignore lint/suspicious/noExplicitAny: the record's encoded side is JSON
    record: Schema.Schema<R, any>,
    identify: (record: R) => SchematicEvent.IdentifyBody
  ) =>
  (input: SyncInput): Effect.Effect<SyncOutput, CapabilityError.CapabilityError, EventSink.EventSink> =>
    Effect.gen(function* () {
      const sink = yield* EventSink.EventSink
      const sync = yield* settle(sink, kind, input)
      const fast = SchemaCheck.decoderOf(record)
      const decode = Schema.decodeUnknownEither(record, { errors: "all", onExcessProperty: "error" })
      const events: Array<EventSink.KeyedEvent> = []
      const refused: Array<typeof RefusedRecord.Type> = []
      for (let index = 0; index < input.records.length; index++) {
        // Ten thousand records take a while to check: other requests are served between slices of them.
        if (index > 0 && index % RECORDS_PER_SLICE === 0) yield* nextTurn
        const raw = input.records[index]
        const accepted = fast(raw)
        let valid: R
        if (Option.isSome(accepted)) {
          valid = accepted.value as R
        } else {
          const decoded = decode(raw)
          if (decoded._tag === "Left") {
            refused.push({
              index,
              fields: CapabilityError.fieldIssues(decoded.left).slice(0, CapabilityError.MAX_FIELD_ISSUES)
            })
            continue
          }
          valid = decoded.right
        }
        const body = identify(valid)
        events.push({ event_type: "identify", body, idempotency_key: keyOf(kind, sync, body) })
      }
      const receipt = yield* sink.submitSync(events, {
        id: sync.id,
        kind,
        source: sync.source,
        refused: refused.length + (input.refused_before_sending ?? 0)
      })
      return {
        sync_id: sync.id,
        source: sync.source,
        accepted: events.length,
        already_accepted: receipt.existing,
        refused
      }
    })
