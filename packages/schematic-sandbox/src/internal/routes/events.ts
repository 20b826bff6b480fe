import { HttpRouter } from "@effect/platform"
import { Effect } from "effect"
import { eventTypes, getEvent, ingest, listEvents } from "../domain/events.js"
import { body, caller, readQuery } from "../http/request.js"
import { envelope, getById } from "../http/response.js"
import { renderEvents, renderEventTypes } from "../render/events.js"
import { badRequest } from "../SandboxError.js"
import { CreateEvent, CreateEventBatch } from "../wire.js"

const EVENT_TYPES = ["identify", "track", "flag_check", "inference"]

/** Events (single, batch, list, get) and event types, by Schematic's paths. */
export const eventRoutes = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/events",
    Effect.gen(function* () {
      const event = yield* body(CreateEvent)
      const [answer] = yield* ingest([event], yield* caller, () => "")
      return envelope(answer, {}, 201)
    })
  ),
  HttpRouter.post(
    "/event-batch",
    Effect.gen(function* () {
      const batch = yield* body(CreateEventBatch)
      const answers = yield* ingest(batch.events, yield* caller, (index) => `events.${index}.`)
      return envelope({ events: answers }, {}, 201)
    })
  ),
  HttpRouter.get(
    "/events",
    Effect.gen(function* () {
      const filter = yield* readQuery((q) => {
        const types = q.list("event_types")
        for (const [index, type] of types.entries()) {
          if (!EVENT_TYPES.includes(type)) {
            throw badRequest(`event_types.${index}: must be one of ${EVENT_TYPES.join(", ")}`)
          }
        }
        return {
          company_id: q.string("company_id"),
          user_id: q.string("user_id"),
          event_subtype: q.string("event_subtype"),
          idempotency_key: q.string("idempotency_key", 255),
          event_types: types,
          ...q.page()
        }
      })
      return envelope(yield* renderEvents(yield* listEvents(filter)), filter)
    })
  ),
  HttpRouter.get("/events/:event_id", getById("event_id", getEvent, renderEvents)),
  HttpRouter.get(
    "/event-types",
    Effect.gen(function* () {
      const filter = yield* readQuery((q) => ({
        q: q.string("q"),
        event_subtypes: q.list("event_subtypes"),
        ...q.page()
      }))
      return envelope(renderEventTypes(yield* eventTypes(filter)), filter)
    })
  )
)
