/**
 * Finding what a call names: a company by its id or any of its keys, a feature by its id or its flag key.
 */
import type { Company, Feature, SchematicClient } from "@schematic-capability/schematic-client"
import { Effect } from "effect"
import { CapabilityError } from "../CapabilityError.js"
import * as Views from "../Views.js"
import { withSchematic } from "./schematic.js"

export interface CompanyRef {
  readonly company_id?: string | undefined
  readonly keys?: Readonly<Record<string, string>> | undefined
}

/** The company `ref` names; `not_found` when nothing matches. */
export const company = (
  ref: CompanyRef
): Effect.Effect<Company.Company, CapabilityError, SchematicClient.SchematicClient> =>
  withSchematic((client) =>
    ref.company_id !== undefined ? client.companies.get(ref.company_id) : client.companies.lookup(ref.keys ?? {})
  )

export interface FeatureRef {
  /** An id (`feat_...`), or a flag key: in a REST path, `{feature_id}` takes either. */
  readonly feature_id?: string | undefined
  readonly feature_key?: string | undefined
}

export interface ResolvedFeature {
  readonly id: string
  /** Its flag's key, what a flag check names. */
  readonly key: string | null
  readonly name: string
  /** `boolean` (on/off), `event` (metered by events), `trait` or `license` (counted by a trait). */
  readonly type: Feature.FeatureType
}

/** The feature `ref` names, with its flag key, name and type; `not_found` when there is none. */
export const feature = (
  ref: FeatureRef
): Effect.Effect<ResolvedFeature, CapabilityError, SchematicClient.SchematicClient> => {
  const byId = ref.feature_key === undefined && ref.feature_id?.startsWith("feat_") === true
  if (byId) {
    return withSchematic((client) => client.features.get(ref.feature_id!)).pipe(
      Effect.map((found) => ({
        id: found.id,
        key: Views.featureKey(found.flags),
        name: found.name,
        type: found.feature_type
      }))
    )
  }
  const key = ref.feature_key ?? ref.feature_id ?? ""
  return withSchematic((client) => client.flags.list({ q: key, limit: 100 })).pipe(
    Effect.flatMap((flags) => {
      const flag = flags.find((item) => item.key === key && item.feature_id)
      if (flag === undefined) {
        return Effect.fail(new CapabilityError({ code: "not_found", message: `No feature has the key ${key}` }))
      }
      const described = flag.feature
      return described !== undefined
        ? Effect.succeed({ id: flag.feature_id!, key: flag.key, name: described.name, type: described.feature_type })
        : // A flag listed without its feature: the feature itself says what it is.
          Effect.map(
            withSchematic((client) => client.features.get(flag.feature_id!)),
            (found) => ({
              id: found.id,
              key: flag.key,
              name: found.name,
              type: found.feature_type
            })
          )
    })
  )
}

/** The company and the feature an input names, one after the other (a missing company is the failure told first). */
export const companyAndFeature = (
  ref: CompanyRef & FeatureRef
): Effect.Effect<
  { readonly company: Company.Company; readonly feature: ResolvedFeature },
  CapabilityError,
  SchematicClient.SchematicClient
> => Effect.all({ company: company(ref), feature: feature(ref) })
