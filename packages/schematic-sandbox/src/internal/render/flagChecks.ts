import type { FlagCheck } from "../domain/flagChecks.js"
import { renderEntitlement } from "./entitlements.js"

/** `CheckFlagResponseData`: the value, why, and the entitlement with its allocation and usage when there is one. */
export const renderFlagCheck = (check: FlagCheck) => {
  const answer = {
    flag: check.flag.key,
    flag_id: check.flag.id,
    company_id: check.companyId,
    user_id: check.userId,
    value: check.value,
    reason: check.reason,
    rule_type: check.ruleType
  }
  const { entitlement } = check
  if (entitlement === undefined) return answer
  const rendered = renderEntitlement(entitlement)
  return {
    ...answer,
    rule_id: entitlement.override?.id ?? entitlement.planEntitlement?.id ?? null,
    entitlement: rendered,
    feature_allocation: rendered.allocation,
    feature_usage: rendered.usage,
    feature_usage_event: rendered.event_subtype,
    feature_usage_period: rendered.metric_period,
    feature_usage_reset_at: rendered.metric_reset_at
  }
}
