import type { CompanyOverride, SchematicClient } from "@schematic-capability/schematic-client"
import { Effect } from "effect"
import type { CapabilityError } from "../CapabilityError.js"
import { withSchematic } from "./schematic.js"

/** The company's override of the feature; undefined when it has none (Schematic keeps one a company and feature). */
export const overrideOf = (
  companyId: string,
  featureId: string
): Effect.Effect<CompanyOverride.CompanyOverride | undefined, CapabilityError, SchematicClient.SchematicClient> =>
  Effect.map(
    withSchematic((client) => client.companyOverrides.list({ company_id: companyId, feature_id: featureId, limit: 1 })),
    (found) => found[0]
  )
