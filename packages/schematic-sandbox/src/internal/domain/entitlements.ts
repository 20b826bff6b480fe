/**
 * The entitlement model: what each company may use of each feature, and how much of it it has used. A company's
 * override for a feature replaces what its plans grant; otherwise its base plan and add-ons grant it, the most
 * generous entitlement winning. Usage of a metered (event) feature is the sum of the `quantity` of the company's
 * track events named by the feature's `event_subtype`, in the entitlement's metric period; usage of a trait
 * feature is the company's trait named by the feature's `trait_id`. A credit entitlement gives access while the
 * company's balance of its credit type covers one unit of usage (`consumption_rate` credits).
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type {
  CompanyRow,
  FeatureRow,
  FlagRow,
  GrantColumns,
  OverrideRow,
  PlanEntitlementRow,
  PlanRow
} from "../rows.js"
import { balancesOf } from "./credits.js"
import { type MetricPeriod, type MonthReset, windowAt } from "./metricPeriod.js"

export type ValueType = "boolean" | "numeric" | "unlimited" | "trait" | "credit"

/** What a credit entitlement draws on, and the company's balance of it. */
export interface CreditTerms {
  readonly creditId: string
  /** The credit type's name, for reasons people read. */
  readonly creditName: string
  readonly consumptionRate: number
  readonly remaining: number
  /** What the company's live grants of the type were granted. */
  readonly total: number
}

/** One company's entitlement to one feature, resolved. */
export interface Entitlement {
  readonly companyId: string
  readonly feature: FeatureRow
  /** The feature's flag, if it has one; its key is the feature's key. */
  readonly flag: FlagRow | undefined
  readonly source: "company_override" | "plan_entitlement"
  readonly override: OverrideRow | undefined
  readonly planEntitlement: PlanEntitlementRow | undefined
  /** The plan (base plan or add-on) the entitlement comes from. */
  readonly plan: PlanRow | undefined
  readonly valueType: ValueType
  /** How much may be used (numeric and trait values); null when not limited by a number. */
  readonly allocation: number | null
  /** How much is used: the period's events for an event feature, the trait for a trait feature. */
  readonly usage: number | null
  readonly metricPeriod: MetricPeriod | null
  readonly monthReset: MonthReset | null
  readonly periodStart: number | null
  readonly resetAt: number | null
  readonly softLimit: number | null
  /** For a credit entitlement: its credit type, rate and the company's balance. */
  readonly credit: CreditTerms | undefined
  /** Whether the company may use the feature now. */
  readonly access: boolean
  /** True when access was refused because usage reached the allocation. */
  readonly exceeded: boolean
}

const numericTrait = (traits: Record<string, unknown>, name: string | null): number | null => {
  if (name === null) return null
  const value = traits[name]
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN
  // Allocations and usage are whole numbers on the wire.
  return Number.isFinite(n) ? Math.floor(n) : null
}

/**
 * How generous a grant is, to pick among a company's plans: unlimited; then a number (a trait value by the company's
 * trait now), the larger winning whatever the period; true ranks between a limit of 0 and a limit of 1; false last.
 */
const generosity = (grant: GrantColumns, traits: Record<string, unknown>): number => {
  switch (grant.value_type) {
    case "unlimited":
      return Number.POSITIVE_INFINITY
    case "numeric":
      return grant.value_numeric ?? 0
    case "trait":
      return numericTrait(traits, grant.value_trait_id) ?? 0
    case "boolean":
      return grant.value_bool === 1 ? 0.5 : -1
    case "credit":
      return 0.25
    default:
      return -2
  }
}

/**
 * The entitlements of `companies` at `now`, in a fixed number of queries whatever the number of companies.
 * `featureIds` narrows them to some features (all when undefined).
 */
export const entitlementsOf = (companies: ReadonlyArray<CompanyRow>, now: number, featureIds?: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const byCompany = new Map<string, Array<Entitlement>>()
    if (companies.length === 0 || featureIds?.length === 0) return byCompany
    const ids = companies.map((company) => company.id)
    const addOns = yield* sql<{ company_id: string; plan_id: string }>`
      SELECT company_id, plan_id FROM company_add_ons WHERE company_id IN ${sql.in(ids)}`
    const plansOf = new Map<string, Array<string>>()
    for (const company of companies) plansOf.set(company.id, company.base_plan_id ? [company.base_plan_id] : [])
    for (const row of addOns) plansOf.get(row.company_id)?.push(row.plan_id)
    const planIds = [...new Set([...plansOf.values()].flat())]
    const featureFilter = featureIds === undefined ? sql`1 = 1` : sql`feature_id IN ${sql.in(featureIds)}`
    const planEntitlements =
      planIds.length === 0
        ? []
        : yield* sql<PlanEntitlementRow>`SELECT * FROM plan_entitlements
            WHERE plan_id IN ${sql.in(planIds)} AND ${featureFilter}`
    const plans = planIds.length === 0 ? [] : yield* sql<PlanRow>`SELECT * FROM plans WHERE id IN ${sql.in(planIds)}`
    const overrides = yield* sql<OverrideRow>`SELECT * FROM company_overrides
      WHERE company_id IN ${sql.in(ids)} AND ${featureFilter}
        AND (expiration_date IS NULL OR expiration_date > ${now})`
    const wanted = [...new Set([...planEntitlements, ...overrides].map((row) => row.feature_id))]
    if (wanted.length === 0) return byCompany
    const features = yield* sql<FeatureRow>`SELECT * FROM features WHERE id IN ${sql.in(wanted)}`
    const flags = yield* sql<FlagRow>`SELECT * FROM flags WHERE feature_id IN ${sql.in(wanted)} ORDER BY created_at`
    const featureById = new Map(features.map((feature) => [feature.id, feature]))
    const flagByFeature = new Map<string, FlagRow>()
    for (const flag of flags) if (!flagByFeature.has(flag.feature_id!)) flagByFeature.set(flag.feature_id!, flag)
    const planById = new Map(plans.map((plan) => [plan.id, plan]))
    const entitlementsByPlan = new Map<string, Array<PlanEntitlementRow>>()
    for (const row of planEntitlements) {
      const list = entitlementsByPlan.get(row.plan_id)
      if (list === undefined) entitlementsByPlan.set(row.plan_id, [row])
      else list.push(row)
    }
    const overrideOf = new Map(overrides.map((row) => [`${row.company_id}\u0000${row.feature_id}`, row]))
    const overriddenFeatures = new Map<string, Array<string>>()
    for (const row of overrides) {
      const list = overriddenFeatures.get(row.company_id)
      if (list === undefined) overriddenFeatures.set(row.company_id, [row.feature_id])
      else list.push(row.feature_id)
    }

    // First each company's grant per feature, then the usage every metered grant needs, in one query.
    type Chosen = { company: CompanyRow; traits: Record<string, unknown>; feature: FeatureRow; grant: GrantColumns } & (
      | { source: "company_override"; override: OverrideRow; fallback: PlanEntitlementRow | undefined }
      | { source: "plan_entitlement"; planEntitlement: PlanEntitlementRow }
    )
    const chosen: Array<Chosen> = []
    for (const company of companies) {
      const traits = JSON.parse(company.traits) as Record<string, unknown>
      const best = new Map<string, PlanEntitlementRow>()
      for (const planId of plansOf.get(company.id) ?? []) {
        for (const row of entitlementsByPlan.get(planId) ?? []) {
          const current = best.get(row.feature_id)
          if (current === undefined || generosity(row, traits) > generosity(current, traits)) {
            best.set(row.feature_id, row)
          }
        }
      }
      const featureIdsHere = new Set([...best.keys(), ...(overriddenFeatures.get(company.id) ?? [])])
      for (const featureId of featureIdsHere) {
        const feature = featureById.get(featureId)
        if (feature === undefined) continue
        const override = overrideOf.get(`${company.id}\u0000${featureId}`)
        const planEntitlement = best.get(featureId)
        if (override !== undefined) {
          chosen.push({
            company,
            traits,
            feature,
            grant: override,
            source: "company_override",
            override,
            fallback: planEntitlement
          })
        } else if (planEntitlement !== undefined) {
          chosen.push({ company, traits, feature, grant: planEntitlement, source: "plan_entitlement", planEntitlement })
        }
      }
    }

    const periodOf = (item: Chosen) => {
      // An override with no period of its own keeps the period of the plan entitlement it replaces.
      const fallback = item.source === "company_override" ? item.fallback : undefined
      const period = (item.grant.metric_period ?? fallback?.metric_period ?? "all_time") as MetricPeriod
      const monthReset = (item.grant.metric_period_month_reset ??
        fallback?.metric_period_month_reset ??
        "first_of_month") as MonthReset
      return { period, monthReset, window: windowAt(period, monthReset, now, item.company.base_plan_added_at) }
    }
    const periods = chosen.map(periodOf)
    const metered = chosen.flatMap((item, index) =>
      item.feature.feature_type === "event" && item.feature.event_subtype !== null
        ? [{ company: item.company.id, subtype: item.feature.event_subtype, window: periods[index]!.window }]
        : []
    )
    // One sum per distinct period (most pages have one or two), bounded at both ends: an event stamped ahead of
    // now (a trusted clock may be minutes fast) belongs to the period it names.
    const usageOf = new Map<string, number>()
    const windows = new Map<string, { start: number; end: number; companies: Set<string>; subtypes: Set<string> }>()
    for (const item of metered) {
      const end = item.window.resetAt ?? Number.MAX_SAFE_INTEGER
      const key = `${item.window.start}:${end}`
      const window = windows.get(key) ?? { start: item.window.start, end, companies: new Set(), subtypes: new Set() }
      window.companies.add(item.company)
      window.subtypes.add(item.subtype)
      windows.set(key, window)
    }
    for (const [key, window] of windows) {
      const rows = yield* sql<{ company_id: string; subtype: string; quantity: number }>`
        SELECT company_id, subtype, SUM(quantity) AS quantity FROM usage_daily
        WHERE company_id IN ${sql.in([...window.companies])} AND subtype IN ${sql.in([...window.subtypes])}
          AND day >= ${window.start} AND day < ${window.end}
        GROUP BY company_id, subtype`
      for (const row of rows) usageOf.set(`${key}\u0000${row.company_id}\u0000${row.subtype}`, row.quantity)
    }
    const creditOf = (item: Chosen) => {
      const row = item.source === "company_override" ? item.override : item.planEntitlement
      return item.grant.value_type === "credit" && row.value_credit_id !== null && row.consumption_rate !== null
        ? { creditId: row.value_credit_id, consumptionRate: row.consumption_rate }
        : undefined
    }
    const creditCompanies = [...new Set(chosen.filter((item) => creditOf(item) !== undefined).map((c) => c.company.id))]
    const balances = yield* balancesOf(creditCompanies, now)
    // A company never granted a type has no balance row to name it.
    const creditIds = [...new Set(chosen.flatMap((item) => creditOf(item)?.creditId ?? []))]
    const creditNames = new Map(
      creditIds.length === 0
        ? []
        : (yield* sql<{
            id: string
            name: string
          }>`SELECT id, name FROM credit_types WHERE id IN ${sql.in(creditIds)}`).map(
            (row) => [row.id, row.name] as const
          )
    )
    const usageKey = (company: string, subtype: string, window: { start: number; resetAt: number | null }) =>
      `${window.start}:${window.resetAt ?? Number.MAX_SAFE_INTEGER}\u0000${company}\u0000${subtype}`

    for (const [index, item] of chosen.entries()) {
      const { period, monthReset, window } = periods[index]!
      const { feature, grant, traits } = item
      const valueType = (grant.value_type === "trait" ? "trait" : grant.value_type) as ValueType
      const allocation =
        grant.value_type === "numeric"
          ? grant.value_numeric
          : grant.value_type === "trait"
            ? numericTrait(traits, grant.value_trait_id)
            : null
      const isEvent = feature.feature_type === "event" && feature.event_subtype !== null
      const usage = isEvent
        ? (usageOf.get(usageKey(item.company.id, feature.event_subtype!, window)) ?? 0)
        : feature.feature_type === "trait"
          ? (numericTrait(traits, feature.trait_id) ?? 0)
          : null
      const terms = creditOf(item)
      const balance = terms === undefined ? undefined : balances.get(item.company.id)?.get(terms.creditId)
      const credit =
        terms === undefined
          ? undefined
          : {
              ...terms,
              creditName: balance?.creditName ?? creditNames.get(terms.creditId) ?? terms.creditId,
              remaining: balance?.remaining ?? 0,
              total: balance?.total ?? 0
            }
      let access: boolean
      let exceeded = false
      if (credit !== undefined) {
        access = credit.remaining >= credit.consumptionRate
        exceeded = !access
      } else if (grant.value_type === "boolean") access = grant.value_bool === 1
      else if (grant.value_type === "unlimited") access = true
      else if (allocation === null) access = false
      else if (usage === null) access = allocation > 0
      else {
        access = usage < allocation
        exceeded = !access
      }
      const entitlement: Entitlement = {
        companyId: item.company.id,
        feature,
        flag: flagByFeature.get(feature.id),
        source: item.source,
        override: item.source === "company_override" ? item.override : undefined,
        planEntitlement: item.source === "plan_entitlement" ? item.planEntitlement : undefined,
        plan: item.source === "plan_entitlement" ? planById.get(item.planEntitlement.plan_id) : undefined,
        valueType,
        allocation: credit === undefined ? allocation : null,
        usage: credit === undefined ? usage : null,
        metricPeriod: isEvent ? period : null,
        monthReset: isEvent ? monthReset : null,
        periodStart: isEvent ? window.start : null,
        resetAt: isEvent ? window.resetAt : null,
        softLimit: item.source === "plan_entitlement" ? item.planEntitlement.soft_limit : null,
        credit,
        access,
        exceeded
      }
      const list = byCompany.get(item.company.id)
      if (list === undefined) byCompany.set(item.company.id, [entitlement])
      else list.push(entitlement)
    }
    for (const list of byCompany.values()) list.sort((a, b) => a.feature.name.localeCompare(b.feature.name))
    return byCompany
  })

/** The feature's key: its flag's key, or its id when it has no flag. */
export const featureKey = (entitlement: Entitlement) => entitlement.flag?.key ?? entitlement.feature.id
