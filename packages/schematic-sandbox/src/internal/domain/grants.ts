/** What a plan entitlement or a company override grants of a feature: a value of a type, over a metric period. */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { GrantColumns } from "../rows.js"
import { badRequest } from "../SandboxError.js"
import type { EntitlementValue } from "../wire.js"

/**
 * Refuses a second grant of a feature to one holder (a plan's entitlement, a company's override): it has at most
 * one per feature, and the refusal names the one it has (`held` says what it is).
 */
export const refuseSecondGrant = (
  table: "plan_entitlements" | "company_overrides",
  holder: { readonly column: "plan_id" | "company_id"; readonly id: string },
  featureId: string,
  held: string
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const existing = yield* sql<{ id: string }>`SELECT id FROM ${sql(table)}
      WHERE ${sql(holder.column)} = ${holder.id} AND feature_id = ${featureId}`
    if (existing[0] !== undefined) {
      return yield* badRequest(`feature_id: ${held} (${existing[0].id}); update it instead`)
    }
  })

/**
 * Replaces the value of a grant (checked as `entitlementValue` checks it) and its other `columns`, after `load` has
 * answered 404 for a grant that is not there.
 */
export const updateGrant = <E, R>(
  table: "plan_entitlements" | "company_overrides",
  load: (id: string) => Effect.Effect<unknown, E, R>,
  id: string,
  input: EntitlementValue,
  columns: Record<string, unknown>,
  now: number
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* load(id)
    const value = yield* entitlementValue(input)
    yield* sql`UPDATE ${sql(table)} SET ${sql.update({ ...value, ...columns, updated_at: now })} WHERE id = ${id}`
  })

/**
 * The value columns of an entitlement (a plan's or an override's), after checking that the value its type needs
 * is there. A credit entitlement names a credit type that exists and a consumption rate above 0. `unknown`
 * entitlements are refused rather than stored and ignored.
 */
export const entitlementValue = (input: EntitlementValue, prefix = "") =>
  Effect.gen(function* () {
    if (input.value_type === "unknown") {
      return yield* badRequest(`${prefix}value_type: unknown entitlements are not modelled by the sandbox`)
    }
    if (input.value_type === "boolean" && (input.value_bool === undefined || input.value_bool === null)) {
      return yield* badRequest(`${prefix}value_bool: is required when value_type is boolean`)
    }
    if (input.value_type === "numeric" && (input.value_numeric === undefined || input.value_numeric === null)) {
      return yield* badRequest(`${prefix}value_numeric: is required when value_type is numeric`)
    }
    if (input.value_numeric !== undefined && input.value_numeric !== null && input.value_numeric < 0) {
      return yield* badRequest(`${prefix}value_numeric: must not be negative`)
    }
    if (input.value_type === "trait" && !input.value_trait_id) {
      return yield* badRequest(`${prefix}value_trait_id: is required when value_type is trait`)
    }
    if (input.value_type === "credit") {
      if (!input.value_credit_id) {
        return yield* badRequest(`${prefix}value_credit_id: is required when value_type is credit`)
      }
      const rate = input.credit_consumption_rate
      if (rate === undefined || rate === null || !(rate > 0)) {
        return yield* badRequest(`${prefix}credit_consumption_rate: must be a number above 0 when value_type is credit`)
      }
      const sql = yield* SqlClient.SqlClient
      const found = yield* sql<{ id: string }>`SELECT id FROM credit_types WHERE id = ${input.value_credit_id}`
      if (found[0] === undefined) {
        return yield* badRequest(`${prefix}value_credit_id: no credit type ${input.value_credit_id}`)
      }
    }
    const columns: GrantColumns = {
      value_type: input.value_type,
      value_bool: input.value_bool === undefined || input.value_bool === null ? null : input.value_bool ? 1 : 0,
      value_numeric: input.value_numeric ?? null,
      value_trait_id: input.value_trait_id ?? null,
      metric_period: input.metric_period ?? null,
      metric_period_month_reset: input.metric_period_month_reset ?? null
    }
    const credit =
      input.value_type === "credit"
        ? { value_credit_id: input.value_credit_id!, consumption_rate: input.credit_consumption_rate! }
        : { value_credit_id: null, consumption_rate: null }
    return { ...columns, ...credit }
  })
