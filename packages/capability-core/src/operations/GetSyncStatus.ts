import { Effect, Schema } from "effect"
import * as EventSink from "../EventSink.js"
import { SyncId } from "../internal/sync.js"
import * as Operation from "../Operation.js"

export const GetSyncStatusInput = Schema.Struct({ sync_id: SyncId })

export const getSyncStatus = Operation.make({
  name: "get-sync-status",
  title: "Get a sync's progress",
  description: [
    "How a bulk sync (sync-companies, sync-users) is getting to Schematic: records accepted, refused (by the server,",
    "and those its caller refused before sending), pending, delivered and failed, and when the last one was",
    "delivered. finished_at is null while records are pending.",
    'Example: {"sync_id": "syn_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b"}'
  ].join(" "),
  input: GetSyncStatusInput,
  output: EventSink.SyncStatus,
  hints: Operation.hints.readsOutbox,
  scope: "read",
  toolset: "companies",
  rest: { method: "GET", paths: ["/v1/syncs/{sync_id}"], status: 200 },
  handler: (input) => Effect.flatMap(EventSink.EventSink, (sink) => sink.syncStatus(input.sync_id)),
  errors: ["not_found", "storage_unavailable", "unavailable"]
})
