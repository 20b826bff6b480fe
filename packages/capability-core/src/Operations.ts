/**
 * The registry: every operation of the capability, in the order adapters list them.
 *
 * @since 0.1.0
 */
import type { SchematicClient } from "@schematic-capability/schematic-client"
import type { EventSink } from "./EventSink.js"
import type { Operation } from "./Operation.js"
import { checkEntitlement } from "./operations/CheckEntitlement.js"
import { createEvent } from "./operations/CreateEvent.js"
import { createEventBatch } from "./operations/CreateEventBatch.js"
import { deleteCompany } from "./operations/DeleteCompany.js"
import { deleteUser } from "./operations/DeleteUser.js"
import { findCompaniesNearLimit } from "./operations/FindCompaniesNearLimit.js"
import { getCompany } from "./operations/GetCompany.js"
import { getEvent } from "./operations/GetEvent.js"
import { getEventDeliveryStatus } from "./operations/GetEventDeliveryStatus.js"
import { getFeatureUsage } from "./operations/GetFeatureUsage.js"
import { getInsightsSummary } from "./operations/GetInsightsSummary.js"
import { getPlanGrowth } from "./operations/GetPlanGrowth.js"
import { getSyncStatus } from "./operations/GetSyncStatus.js"
import { getTopFeatures } from "./operations/GetTopFeatures.js"
import { getUser } from "./operations/GetUser.js"
import { listCompanies } from "./operations/ListCompanies.js"
import { listCompanyOverrides } from "./operations/ListCompanyOverrides.js"
import { listDeadLetterEvents } from "./operations/ListDeadLetterEvents.js"
import { listFeatures } from "./operations/ListFeatures.js"
import { listPlans } from "./operations/ListPlans.js"
import { listUsers } from "./operations/ListUsers.js"
import { removeCompanyOverride } from "./operations/RemoveCompanyOverride.js"
import { requeueDeadLetterEvents } from "./operations/RequeueDeadLetterEvents.js"
import { setCompanyOverride } from "./operations/SetCompanyOverride.js"
import { setCompanyPlan } from "./operations/SetCompanyPlan.js"
import { syncCompanies } from "./operations/SyncCompanies.js"
import { syncUsers } from "./operations/SyncUsers.js"
import { upsertCompany } from "./operations/UpsertCompany.js"
import { upsertUser } from "./operations/UpsertUser.js"

export {
  checkEntitlement,
  createEvent,
  createEventBatch,
  deleteCompany,
  deleteUser,
  findCompaniesNearLimit,
  getCompany,
  getEvent,
  getEventDeliveryStatus,
  getFeatureUsage,
  getInsightsSummary,
  getPlanGrowth,
  getSyncStatus,
  getTopFeatures,
  getUser,
  listCompanies,
  listCompanyOverrides,
  listDeadLetterEvents,
  listFeatures,
  listPlans,
  listUsers,
  removeCompanyOverride,
  requeueDeadLetterEvents,
  setCompanyOverride,
  setCompanyPlan,
  syncCompanies,
  syncUsers,
  upsertCompany,
  upsertUser
}

/** The services the built-in operations need. */
export type Requirements = SchematicClient.SchematicClient | EventSink

/** Every built-in operation; each needs some of `Requirements`. */
// biome-ignore lint/suspicious/noExplicitAny: operations of every input and output type are listed together
export const all: ReadonlyArray<Operation<any, any, Requirements>> = [
  listCompanies,
  getCompany,
  upsertCompany,
  deleteCompany,
  listUsers,
  getUser,
  upsertUser,
  deleteUser,
  listPlans,
  setCompanyPlan,
  listFeatures,
  listCompanyOverrides,
  setCompanyOverride,
  removeCompanyOverride,
  getFeatureUsage,
  findCompaniesNearLimit,
  checkEntitlement,
  createEvent,
  createEventBatch,
  getEvent,
  getEventDeliveryStatus,
  syncCompanies,
  syncUsers,
  getSyncStatus,
  listDeadLetterEvents,
  requeueDeadLetterEvents,
  getInsightsSummary,
  getPlanGrowth,
  getTopFeatures
]
