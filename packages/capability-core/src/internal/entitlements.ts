import type { SchematicClient } from "@schematic-capability/schematic-client"
import { Effect } from "effect"
import type { CapabilityError } from "../CapabilityError.js"
import * as Views from "../Views.js"
import { withSchematic } from "./schematic.js"

/** Every feature a company may use now, with usage against allocation (Schematic answers at most 250 a page). */
export const entitlementsOf = (
  companyId: string
): Effect.Effect<ReadonlyArray<Views.Entitlement>, CapabilityError, SchematicClient.SchematicClient> =>
  withSchematic((client) => client.entitlements.featureUsage({ company_id: companyId, limit: 250 })).pipe(
    Effect.map((rows) => rows.map(Views.entitlement))
  )
