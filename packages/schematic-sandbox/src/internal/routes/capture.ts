import { HttpRouter } from "@effect/platform"
import { Effect, ParseResult, Schema } from "effect"
import { ingest } from "../domain/events.js"
import { body, caller } from "../http/request.js"
import { envelope } from "../http/response.js"
import { badRequest } from "../SandboxError.js"
import { CaptureBatch, CreateEvent } from "../wire.js"

const decodeEvent = Schema.decodeUnknownEither(CreateEvent, { errors: "first", onExcessProperty: "ignore" })

/**
 * The capture service the official SDK posts `track` and `identify` to (`{eventCaptureBaseURL}/batch`), served
 * on the same port as the API. Each event is checked and stored as `POST /event-batch` would store it.
 */
export const captureRoutes = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/batch",
    Effect.gen(function* () {
      const batch = yield* body(CaptureBatch)
      const events: Array<CreateEvent> = []
      for (const [index, { type, api_key: _, ...event }] of batch.events.entries()) {
        const decoded = decodeEvent({ ...event, event_type: type })
        if (decoded._tag === "Left") {
          const [issue] = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
          const path = ["events", index, ...(issue?.path ?? [])].join(".")
          return yield* badRequest(`invalid request: ${path}: ${issue?.message ?? "is invalid"}`)
        }
        events.push(decoded.right)
      }
      const answers = yield* ingest(events, yield* caller, (index) => `events.${index}.`)
      return envelope({ events: answers })
    })
  )
)
