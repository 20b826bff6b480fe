import { Effect, Schema } from "effect"
import * as EventSink from "../EventSink.js"
import { SyncId } from "../internal/sync.js"
import * as Operation from "../Operation.js"

export const GetSyncStatusInput = Schema.Struct({ sync_id: SyncId })

export const getSyncStatus = Operation.make({
  name: "get-sync-status",
  title: "Get a sync's progress",
  description:
    'Progress of a bulk sync: accepted, refused, pending, delivered, failed. Example: {"sync_id": "syn_..."}',
  input: GetSyncStatusInput,
  output: EventSink.SyncStatus,
  hints: Operation.hints.readsOutbox,
  scope: "read",
  toolset: "companies",
  rest: { method: "GET", paths: ["/v1/syncs/{sync_id}"], status: 200 },
  handler: (input) => Effect.flatMap(EventSink.EventSink, (sink) => sink.syncStatus(input.sync_id)),
  errors: ["not_found", "storage_unavailable", "unavailable"]
})
