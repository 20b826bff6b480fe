import { Schema } from "effect"
import { v7 as uuidv7 } from "uuid"
import * as CapabilityError from "../CapabilityError.js"
import * as EventSink from "../EventSink.js"
import { present } from "../internal/present.js"
import { submitting } from "../internal/submitting.js"
import * as Operation from "../Operation.js"
import { DateTime, field, RequiredKeyMap, Text, TraitsInput } from "./inputs.js"

const EventName = field(
  Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255), Schema.pattern(/^\S(.*\S)?$/)),
  "The event name a feature is metered by, e.g. api-call",
  "an event name of 1 to 255 characters without leading or trailing spaces"
)

const Quantity = field(
  Schema.Int.pipe(Schema.between(-1_000_000_000, 1_000_000_000)),
  "Units it counts (default 1; negative corrects)",
  "a whole number from -1000000000 to 1000000000"
)

const IdempotencyKey = field(
  Text(1, 255),
  "Your id for this event; sending it again within 24 hours is counted once. Generated when absent.",
  "text of 1 to 255 characters"
)

const SentAt = DateTime.annotations({ description: "When the event was sent (ISO 8601)" })

const trackFields = {
  event: EventName,
  quantity: Schema.optional(Quantity),
  traits: Schema.optional(TraitsInput)
}

const namesWho = () => "is required: a track event names its company's keys, its user's, or both"
const CompanyKeys = RequiredKeyMap.annotations({ description: "Keys of the company the usage belongs to" })
const UserKeys = RequiredKeyMap.annotations({ description: "Keys of the user who caused it" })

/**
 * A track event names its company, its user (Schematic meters it for the user's company), or both. Two plain
 * shapes rather than one with a filter: the rule then lives in the JSON Schema too, so the compiled check of a
 * batch still decides it.
 */
export const TrackBody = Schema.Union(
  Schema.Struct({
    ...trackFields,
    company: Schema.propertySignature(CompanyKeys).annotations({ missingMessage: namesWho }),
    user: Schema.optional(UserKeys)
  }),
  Schema.Struct({
    ...trackFields,
    user: Schema.propertySignature(UserKeys).annotations({ missingMessage: namesWho })
  })
)

const IdentifiedCompany = Schema.Struct({
  keys: RequiredKeyMap,
  name: Schema.optional(Schema.String.pipe(Schema.maxLength(256))),
  traits: Schema.optional(TraitsInput)
})

/** No keys at all: the user keys of an identify that names a company alone. */
const NoKeys = Schema.Record({ key: Schema.String, value: Schema.String }).pipe(
  Schema.filter((keys) => Object.keys(keys).length === 0 || "must be empty (or left out) for a company alone", {
    jsonSchema: { maxProperties: 0 }
  })
)

/**
 * An identify names a user (its keys) and the company it belongs to, or a company alone: then it has no user keys
 * (`keys` left out, or `{}`, which is how Schematic takes a company-only identify) and names the company.
 */
export const IdentifyBody = Schema.Union(
  Schema.Struct({
    keys: RequiredKeyMap.annotations({ description: "Keys of the user to create or update" }),
    name: Schema.optional(Schema.String.pipe(Schema.maxLength(255))),
    traits: Schema.optional(TraitsInput),
    company: Schema.optional(IdentifiedCompany)
  }),
  Schema.Struct({
    keys: Schema.optional(NoKeys),
    company: Schema.propertySignature(IdentifiedCompany).annotations({
      missingMessage: () => "is required: an identify names its user's keys, or a company alone"
    })
  })
)

const envelope = {
  idempotency_key: Schema.optional(IdempotencyKey),
  sent_at: Schema.optional(SentAt)
}

/** Schematic's event body shape: `{event_type, body, idempotency_key?, sent_at?}`. */
export const CreateEventInput = Schema.Union(
  Schema.Struct({ event_type: Schema.Literal("track"), body: TrackBody, ...envelope }),
  Schema.Struct({ event_type: Schema.Literal("identify"), body: IdentifyBody, ...envelope })
).annotations({
  // Said of a value that is not an event at all (a number, a list): not Effect's whole type description.
  message: () => 'must be an event: {"event_type": "track" or "identify", "body": {...}}'
})
export type CreateEventInput = typeof CreateEventInput.Type

const NameOf = (max: number) => Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(max)))

/**
 * The flat shape an agent fills: a track event (the default), or an identify (`event_type: "identify"`) naming a user
 * by keys, with the company it belongs to.
 */
export const TrackUsageEventInput = Schema.Struct({
  // Absent means track.
  event_type: Schema.optional(
    Schema.Literal("track", "identify").annotations({
      description: "track (default): usage; identify: a user and its company, or a company alone"
    })
  ),
  event: Schema.optional(EventName),
  company: Schema.optional(
    RequiredKeyMap.annotations({
      description: "The company's keys (track: whose usage; identify: the user's company)"
    })
  ),
  company_name: NameOf(256).annotations({ description: "identify: the company's name" }),
  company_traits: Schema.optional(TraitsInput),
  user: Schema.optional(RequiredKeyMap.annotations({ description: "Keys of the user who caused it, or to identify" })),
  user_name: NameOf(255).annotations({ description: "identify: the user's name" }),
  quantity: Schema.optional(Quantity),
  traits: Schema.optional(TraitsInput.annotations({ description: "track: traits of the event; identify: the user's" })),
  idempotency_key: Schema.optional(IdempotencyKey)
}).pipe(
  Schema.filter((input) => {
    if (input.event_type === "identify") {
      if (input.user === undefined && input.company === undefined) {
        return {
          path: ["user"],
          message: "is required for an identify: the user's keys, or company for a company alone"
        }
      }
      if (input.user === undefined) {
        if (input.user_name !== undefined) return { path: ["user_name"], message: "names a user: give user too" }
        if (input.traits !== undefined) {
          return { path: ["traits"], message: "are a user's: give user too, or company_traits for the company" }
        }
      }
      if (input.event !== undefined) return { path: ["event"], message: "is for track events only" }
      if (input.quantity !== undefined) return { path: ["quantity"], message: "is for track events only" }
      return true
    }
    if (input.event === undefined) return { path: ["event"], message: "is required for a track event" }
    if (input.company === undefined && input.user === undefined) {
      return { path: ["company"], message: "is required for a track event, unless it names its user" }
    }
    return true
  })
)

export const CreateEventOutput = EventSink.AcceptedEvent

/**
 * Settles the idempotency key: the caller's, or a new one that is returned so a retry can reuse it. New keys are
 * UUIDv7, in time order: a store's unique index on keys then grows at one end. With random keys each event dirties
 * a page of that index of its own, and storing a batch took several times as long once an outbox held a few hundred
 * thousand events.
 */
export const keyed = (input: CreateEventInput): EventSink.KeyedEvent => {
  // A company-only identify may leave out its (empty) user keys; Schematic takes it with `keys: {}`.
  const event =
    input.event_type === "identify" && input.body.keys === undefined
      ? { ...input, body: { ...input.body, keys: {} } }
      : input
  return (
    event.idempotency_key === undefined ? { ...event, idempotency_key: `cap-${uuidv7()}` } : event
  ) as EventSink.KeyedEvent
}

export const createEvent = Operation.make({
  name: "create-event",
  title: "Track a usage event",
  description: [
    "Record that a company used a metered feature (event_type track) or identify a user and its company, or a company",
    "alone (identify; for a company alone, body.keys is left out or {}).",
    "A track event's body.event is the event name a feature is metered by (for example api-call), body.company the",
    "keys of the company it belongs to, and body.quantity how many units it counts (default 1).",
    "The event is stored durably before the answer (status queued) and delivered to Schematic in the background.",
    "Give an idempotency_key to make retries safe; one is generated and returned when absent.",
    'Example: {"event_type": "track", "body": {"event": "api-call", "company": {"stripe_customer_id": "cus_123"}, "quantity": 3}}'
  ].join(" "),
  input: CreateEventInput,
  output: CreateEventOutput,
  hints: Operation.hints.recordsUsage,
  scope: "write",
  toolset: "events",
  rest: { method: "POST", paths: ["/v1/events"], status: 202 },
  mcp: {
    name: "track-usage-event",
    title: "Track a usage event",
    description:
      'Record usage of a metered feature; with event_type "identify", create or update a user and its company, or a company alone. Example: {"event": "api-call", "company": {"crm_id": "1"}, "quantity": 3}',
    input: TrackUsageEventInput,
    toInput: (input): CreateEventInput =>
      input.event_type === "identify"
        ? {
            event_type: "identify",
            body: {
              // Without a user, the identify names the company alone: no user keys.
              keys: input.user ?? {},
              ...present({
                name: input.user_name,
                traits: input.traits,
                company:
                  input.company === undefined
                    ? undefined
                    : {
                        keys: input.company,
                        ...present({ name: input.company_name, traits: input.company_traits })
                      }
              })
            },
            ...present({ idempotency_key: input.idempotency_key })
          }
        : {
            event_type: "track",
            body: {
              event: input.event!,
              // The filter saw to it that one of the two is there.
              ...(input.company === undefined ? { user: input.user! } : { company: input.company }),
              ...present({
                user: input.company === undefined ? undefined : input.user,
                quantity: input.quantity,
                traits: input.traits
              })
            },
            ...present({ idempotency_key: input.idempotency_key })
          }
  },
  handler: submitting(
    (input) => [keyed(input)],
    (accepted) => accepted[0]!
  ),
  errors: CapabilityError.sinkCodes
})
