/**
 * Events: usage (`track`), identity (`identify`) and the other event types Schematic records.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { KeyMap, OptionalNullable, Page, Preview, Timestamp, Traits } from "./Common.js"

export const EventType = Schema.Literal("identify", "track", "flag_check", "inference")
export type EventType = typeof EventType.Type

/** A usage event: `event` is the event name that meters a feature (e.g. `api-call`). */
export const TrackBody = Schema.Struct({
  event: Schema.NonEmptyString,
  company: Schema.optional(KeyMap),
  user: Schema.optional(KeyMap),
  /** Defaults to 1 upstream. */
  quantity: Schema.optional(Schema.Int),
  traits: Schema.optional(Traits),
  lease_id: Schema.optional(Schema.String)
})
export interface TrackBody extends Schema.Schema.Type<typeof TrackBody> {}

export const IdentifyBody = Schema.Struct({
  keys: KeyMap,
  name: Schema.optional(Schema.String),
  traits: Schema.optional(Traits),
  company: Schema.optional(
    Schema.Struct({ keys: KeyMap, name: Schema.optional(Schema.String), traits: Schema.optional(Traits) })
  )
})
export interface IdentifyBody extends Schema.Schema.Type<typeof IdentifyBody> {}

/** The fields every event carries next to its body. */
const EventEnvelope = {
  /** Upstream drops a second event with the same key (same environment and type) for 24 h. */
  idempotency_key: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(255)))),
  sent_at: Schema.optional(Schema.NullOr(Timestamp)),
  trusted_client_clock: Schema.optional(Schema.NullOr(Schema.Boolean)),
  backfill: Schema.optional(Schema.NullOr(Schema.Boolean))
}

export const CreateEventBody = Schema.Union(
  Schema.Struct({ event_type: Schema.Literal("track"), body: TrackBody, ...EventEnvelope }),
  Schema.Struct({ event_type: Schema.Literal("identify"), body: IdentifyBody, ...EventEnvelope }),
  Schema.Struct({ event_type: Schema.Literal("flag_check", "inference"), body: Traits, ...EventEnvelope })
)
export type CreateEventBody = typeof CreateEventBody.Type

/** Upstream takes at most 1000 events in one batch. */
export const MAX_BATCH_SIZE = 1000

export const CreateEventBatchBody = Schema.Struct({
  events: Schema.Array(CreateEventBody).pipe(Schema.minItems(1), Schema.maxItems(MAX_BATCH_SIZE))
})
export interface CreateEventBatchBody extends Schema.Schema.Type<typeof CreateEventBatchBody> {}

/** What upstream answers when it accepts an event. */
export const RawEvent = Schema.Struct({
  captured_at: Timestamp,
  event_id: OptionalNullable(Schema.String),
  remote_ip: Schema.String,
  remote_addr: OptionalNullable(Schema.String),
  user_agent: Schema.String
})
export interface RawEvent extends Schema.Schema.Type<typeof RawEvent> {}

export const RawEventBatch = Schema.Struct({ events: Schema.Array(RawEvent) })
export interface RawEventBatch extends Schema.Schema.Type<typeof RawEventBatch> {}

export const EventStatus = Schema.Literal("enriched", "failed", "pending", "processed", "unknown")

export const Event = Schema.Struct({
  id: Schema.String,
  type: EventType,
  subtype: OptionalNullable(Schema.String),
  status: EventStatus,
  body: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  body_preview: Schema.String,
  quantity: Schema.Number,
  captured_at: Timestamp,
  sent_at: OptionalNullable(Timestamp),
  company_id: OptionalNullable(Schema.String),
  user_id: OptionalNullable(Schema.String),
  environment_id: OptionalNullable(Schema.String),
  idempotency_key: OptionalNullable(Schema.String),
  error_message: OptionalNullable(Schema.String),
  feature_ids: Schema.Array(Schema.String),
  features: Schema.Array(Preview)
})
export interface Event extends Schema.Schema.Type<typeof Event> {}

export const ListEventsParams = Schema.Struct({
  ...Page.fields,
  company_id: Schema.optional(Schema.String),
  user_id: Schema.optional(Schema.String),
  flag_id: Schema.optional(Schema.String),
  event_subtype: Schema.optional(Schema.String),
  event_types: Schema.optional(Schema.Array(EventType)),
  idempotency_key: Schema.optional(Schema.String)
})
export interface ListEventsParams extends Schema.Schema.Type<typeof ListEventsParams> {}

/** Per event name (subtype) counts, from `GET /event-types`. */
export const EventSummary = Schema.Struct({
  event_subtype: Schema.String,
  event_count: Schema.Number,
  company_count: Schema.Number,
  user_count: Schema.Number,
  last_seen_at: OptionalNullable(Timestamp),
  environment_id: Schema.String
})
export interface EventSummary extends Schema.Schema.Type<typeof EventSummary> {}

export const ListEventTypesParams = Schema.Struct({
  ...Page.fields,
  q: Schema.optional(Schema.String),
  event_subtypes: Schema.optional(Schema.Array(Schema.String))
})
export interface ListEventTypesParams extends Schema.Schema.Type<typeof ListEventTypesParams> {}
