/**
 * The registry: every operation of the capability, in the order adapters list them.
 *
 * @since 0.1.0
 */
import type { SchematicClient } from "@schematic-capability/schematic-client"
import type { Operation } from "./Operation.js"
import { createEvent } from "./operations/CreateEvent.js"
import { getInsightsSummary, getPlanGrowth, getTopFeatures } from "./operations/Insights.js"
import { listCompanies } from "./operations/ListCompanies.js"
import { listUsers } from "./operations/ListUsers.js"
import { upsertCompany } from "./operations/UpsertCompany.js"
import { upsertUser } from "./operations/UpsertUser.js"

export {
  createEvent,
  getInsightsSummary,
  getPlanGrowth,
  getTopFeatures,
  listCompanies,
  listUsers,
  upsertCompany,
  upsertUser
}

/** The services the built-in operations need. */
export type Requirements = SchematicClient.SchematicClient

export const all: ReadonlyArray<Operation> = [
  listCompanies,
  upsertCompany,
  listUsers,
  upsertUser,
  createEvent,
  getInsightsSummary,
  getPlanGrowth,
  getTopFeatures
]
