import { HttpRouter } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { FeatureRow } from "./features.js"
import { featureSummary } from "./flags.js"
import { ENVIRONMENT_ID, iso, newId } from "./ids.js"
import type { PlanRow } from "./plans.js"
import { body, pathId, readQuery } from "./request.js"
import { answerOne, deleteById, getById, listNewestFirst, rowById } from "./response.js"
import { badRequest } from "./SandboxError.js"
import { CreatePlanEntitlement, type EntitlementValue, UpdatePlanEntitlement } from "./wire.js"

export interface PlanEntitlementRow {
  readonly id: string
  readonly plan_id: string
  readonly feature_id: string
  readonly value_type: string
  readonly value_bool: number | null
  readonly value_numeric: number | null
  readonly value_trait_id: string | null
  readonly metric_period: string | null
  readonly metric_period_month_reset: string | null
  readonly soft_limit: number | null
  readonly created_at: number
  readonly updated_at: number
}

/** `PlanResponseData`: a plan without prices or counts, as nested in other answers. */
export const planSummary = (plan: PlanRow) => ({
  id: plan.id,
  name: plan.name,
  description: plan.description,
  plan_type: plan.plan_type,
  icon: plan.icon,
  created_at: iso(plan.created_at),
  updated_at: iso(plan.updated_at)
})

/** Renders plan entitlements as `PlanEntitlementResponseData`, with their plan and feature. */
export const renderPlanEntitlements = (rows: ReadonlyArray<PlanEntitlementRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (rows.length === 0) return []
    const plans =
      yield* sql<PlanRow>`SELECT * FROM plans WHERE id IN ${sql.in([...new Set(rows.map((row) => row.plan_id))])}`
    const features = yield* sql<FeatureRow>`SELECT * FROM features
      WHERE id IN ${sql.in([...new Set(rows.map((row) => row.feature_id))])}`
    return rows.map((row) => {
      const plan = plans.find((item) => item.id === row.plan_id)
      const feature = features.find((item) => item.id === row.feature_id)
      return {
        id: row.id,
        plan_id: row.plan_id,
        feature_id: row.feature_id,
        environment_id: ENVIRONMENT_ID,
        rule_id: `rule_${row.id}`,
        rule_id_usage_exceeded: row.value_type === "numeric" ? `rule_${row.id}_exceeded` : null,
        value_type: row.value_type,
        value_bool: row.value_bool === null ? null : row.value_bool === 1,
        value_numeric: row.value_numeric,
        value_trait_id: row.value_trait_id,
        metric_period: row.metric_period,
        metric_period_month_reset: row.metric_period_month_reset,
        soft_limit: row.soft_limit,
        currency_prices: [],
        warning_tiers: [],
        ...(plan === undefined ? {} : { plan: planSummary(plan) }),
        ...(feature === undefined ? {} : { feature: featureSummary(feature) }),
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at)
      }
    })
  })

/**
 * The value columns of an entitlement (a plan's or an override's), after checking that the value its type needs
 * is there. Credit entitlements are not modelled: they are refused rather than stored and ignored.
 */
export const entitlementValue = (input: EntitlementValue, prefix = "") =>
  Effect.gen(function* () {
    if (input.value_type === "credit" || input.value_type === "unknown") {
      return yield* badRequest(`${prefix}value_type: ${input.value_type} entitlements are not modelled by the sandbox`)
    }
    if (input.value_type === "boolean" && (input.value_bool === undefined || input.value_bool === null)) {
      return yield* badRequest(`${prefix}value_bool: is required when value_type is boolean`)
    }
    if (input.value_type === "numeric" && (input.value_numeric === undefined || input.value_numeric === null)) {
      return yield* badRequest(`${prefix}value_numeric: is required when value_type is numeric`)
    }
    if (input.value_type === "trait" && !input.value_trait_id) {
      return yield* badRequest(`${prefix}value_trait_id: is required when value_type is trait`)
    }
    return {
      value_type: input.value_type,
      value_bool: input.value_bool === undefined || input.value_bool === null ? null : input.value_bool ? 1 : 0,
      value_numeric: input.value_numeric ?? null,
      value_trait_id: input.value_trait_id ?? null,
      metric_period: input.metric_period ?? null,
      metric_period_month_reset: input.metric_period_month_reset ?? null
    }
  })

/** Stores a plan's entitlement to a feature; a plan has at most one per feature. */
export const insertPlanEntitlement = (input: typeof CreatePlanEntitlement.Type, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const value = yield* entitlementValue(input)
    const plans = yield* sql<{ id: string }>`SELECT id FROM plans WHERE id = ${input.plan_id}`
    if (plans[0] === undefined) return yield* badRequest(`plan_id: no plan ${input.plan_id}`)
    const features = yield* sql<{ id: string }>`SELECT id FROM features WHERE id = ${input.feature_id}`
    if (features[0] === undefined) return yield* badRequest(`feature_id: no feature ${input.feature_id}`)
    const existing = yield* sql<{ id: string }>`SELECT id FROM plan_entitlements
      WHERE plan_id = ${input.plan_id} AND feature_id = ${input.feature_id}`
    if (existing[0] !== undefined) {
      return yield* badRequest(
        `feature_id: the plan already has an entitlement to this feature (${existing[0].id}); update it instead`
      )
    }
    const row: PlanEntitlementRow = {
      id: newId("pltl"),
      plan_id: input.plan_id,
      feature_id: input.feature_id,
      ...value,
      soft_limit: input.soft_limit ?? null,
      created_at: now,
      updated_at: now
    }
    yield* sql`INSERT INTO plan_entitlements ${sql.insert({ ...row })}`
    return row
  })

const getPlanEntitlement = rowById<PlanEntitlementRow>("plan_entitlements", "plan entitlement")

/** Plan entitlements, by Schematic's paths. */
export const planEntitlementRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/plan-entitlements",
    listNewestFirst(
      {
        table: "plan_entitlements",
        alias: "e",
        filter: readQuery((q) => ({
          plan_ids: [...(q.string("plan_id") ? [q.string("plan_id")!] : []), ...q.list("plan_ids")],
          feature_ids: [...(q.string("feature_id") ? [q.string("feature_id")!] : []), ...q.list("feature_ids")],
          ids: q.list("ids"),
          ...q.page()
        })),
        where: (sql, filter) => {
          const clauses = [sql`1 = 1`]
          if (filter.plan_ids.length > 0) clauses.push(sql`e.plan_id IN ${sql.in(filter.plan_ids)}`)
          if (filter.feature_ids.length > 0) clauses.push(sql`e.feature_id IN ${sql.in(filter.feature_ids)}`)
          if (filter.ids.length > 0) clauses.push(sql`e.id IN ${sql.in(filter.ids)}`)
          return sql.and(clauses)
        }
      },
      renderPlanEntitlements
    )
  ),
  HttpRouter.post(
    "/plan-entitlements",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const input = yield* body(CreatePlanEntitlement)
      const row = yield* sql.withTransaction(insertPlanEntitlement(input, Date.now()))
      return yield* answerOne(Effect.succeed(row), renderPlanEntitlements, {}, 201)
    })
  ),
  HttpRouter.get(
    "/plan-entitlements/:plan_entitlement_id",
    getById("plan_entitlement_id", getPlanEntitlement, renderPlanEntitlements)
  ),
  HttpRouter.put(
    "/plan-entitlements/:plan_entitlement_id",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const id = yield* pathId("plan_entitlement_id")
      const input = yield* body(UpdatePlanEntitlement)
      yield* getPlanEntitlement(id)
      const value = yield* entitlementValue(input)
      yield* sql`UPDATE plan_entitlements SET ${sql.update({
        ...value,
        soft_limit: input.soft_limit ?? null,
        updated_at: Date.now()
      })} WHERE id = ${id}`
      return yield* answerOne(getPlanEntitlement(id), renderPlanEntitlements)
    })
  ),
  HttpRouter.del(
    "/plan-entitlements/:plan_entitlement_id",
    deleteById("plan_entitlement_id", (id) =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* getPlanEntitlement(id)
        yield* sql`DELETE FROM plan_entitlements WHERE id = ${id}`
      })
    )
  )
)
