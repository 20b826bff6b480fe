/** What a plan entitlement or a company override grants of a feature: a value of a type, over a metric period. */
import { Effect } from "effect"
import type { GrantColumns } from "../rows.js"
import { badRequest } from "../SandboxError.js"
import type { EntitlementValue } from "../wire.js"

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
    const columns: GrantColumns = {
      value_type: input.value_type,
      value_bool: input.value_bool === undefined || input.value_bool === null ? null : input.value_bool ? 1 : 0,
      value_numeric: input.value_numeric ?? null,
      value_trait_id: input.value_trait_id ?? null,
      metric_period: input.metric_period ?? null,
      metric_period_month_reset: input.metric_period_month_reset ?? null
    }
    return columns
  })
