/**
 * The registry: every operation of the capability, in the order adapters list them.
 *
 * @since 0.1.0
 */
import type { SchematicClient } from "@schematic-capability/schematic-client"
import type { EventSink } from "./EventSink.js"
import type { Operation } from "./Operation.js"
import { createEvent } from "./operations/CreateEvent.js"
import { createEventBatch } from "./operations/CreateEventBatch.js"
import { getEventDeliveryStatus } from "./operations/GetEventDeliveryStatus.js"
import { getInsightsSummary } from "./operations/GetInsightsSummary.js"
import { getPlanGrowth } from "./operations/GetPlanGrowth.js"
import { getTopFeatures } from "./operations/GetTopFeatures.js"
import { listCompanies } from "./operations/ListCompanies.js"
import { listDeadLetterEvents } from "./operations/ListDeadLetterEvents.js"
import { listUsers } from "./operations/ListUsers.js"
import { requeueDeadLetterEvents } from "./operations/RequeueDeadLetterEvents.js"
import { upsertCompany } from "./operations/UpsertCompany.js"
import { upsertUser } from "./operations/UpsertUser.js"

export {
  createEvent,
  createEventBatch,
  getEventDeliveryStatus,
  getInsightsSummary,
  getPlanGrowth,
  getTopFeatures,
  listCompanies,
  listDeadLetterEvents,
  listUsers,
  requeueDeadLetterEvents,
  upsertCompany,
  upsertUser
}

/** The services the built-in operations need. */
export type Requirements = SchematicClient.SchematicClient | EventSink

/** Every built-in operation; each needs some of `Requirements`. */
// biome-ignore lint/suspicious/noExplicitAny: operations of every input and output type are listed together
export const all: ReadonlyArray<Operation<any, any, Requirements>> = [
  listCompanies,
  upsertCompany,
  listUsers,
  upsertUser,
  createEvent,
  createEventBatch,
  getEventDeliveryStatus,
  listDeadLetterEvents,
  requeueDeadLetterEvents,
  getInsightsSummary,
  getPlanGrowth,
  getTopFeatures
]
