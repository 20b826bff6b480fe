import type { Company, SchematicClient } from "@schematic-capability/schematic-client"
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

/** A company's entitlement to one feature now; null when nothing grants it. */
export const entitlementTo = (
  companyId: string,
  featureId: string
): Effect.Effect<Views.Entitlement | null, CapabilityError, SchematicClient.SchematicClient> =>
  Effect.map(
    entitlementsOf(companyId),
    (entitlements) => entitlements.find((item) => item.feature_id === featureId) ?? null
  )

/** A company as `get-company` answers it: with its entitlements. */
export const companyDetail = (
  company: Company.Company
): Effect.Effect<Views.CompanyDetail, CapabilityError, SchematicClient.SchematicClient> =>
  Effect.map(entitlementsOf(company.id), (entitlements) => ({ ...Views.company(company), entitlements }))
