import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ENVIRONMENT_ID, iso } from "../ids.js"
import type { EventRow } from "../rows.js"

/** Renders events as `EventDetailResponseData`, with the features their name meters. */
export const renderEvents = (rows: ReadonlyArray<EventRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const subtypes = [...new Set(rows.flatMap((row) => (row.type === "track" && row.subtype ? [row.subtype] : [])))]
    const features =
      subtypes.length === 0
        ? []
        : yield* sql<{ id: string; name: string; event_subtype: string }>`
            SELECT id, name, event_subtype FROM features WHERE event_subtype IN ${sql.in(subtypes)}`
    return rows.map((row) => {
      const metered = row.type === "track" ? features.filter((feature) => feature.event_subtype === row.subtype) : []
      return {
        id: row.id,
        type: row.type,
        subtype: row.subtype,
        status: row.status,
        body: JSON.parse(row.body),
        body_preview: row.body.length > 200 ? `${row.body.slice(0, 200)}…` : row.body,
        quantity: row.quantity,
        captured_at: iso(row.captured_at),
        sent_at: iso(row.sent_at),
        loaded_at: iso(row.received_at),
        processed_at: row.status === "processed" ? iso(row.received_at) : null,
        company_id: row.company_id,
        user_id: row.user_id,
        environment_id: ENVIRONMENT_ID,
        idempotency_key: row.idempotency_key,
        error_message: row.error_message,
        feature_ids: metered.map((feature) => feature.id),
        features: metered.map((feature) => ({ id: feature.id, name: feature.name }))
      }
    })
  })

/** Renders event type counts as `EventSummaryResponseData`. */
export const renderEventTypes = (
  rows: ReadonlyArray<{ readonly event_subtype: string; readonly last_seen_at: number } & Record<string, unknown>>
) => rows.map((row) => ({ ...row, last_seen_at: iso(row.last_seen_at), environment_id: ENVIRONMENT_ID }))
