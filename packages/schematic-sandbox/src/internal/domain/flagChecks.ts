/**
 * Flag checks: a flag's value for whoever the check names. A flag of a feature is on when the company's entitlement
 * to the feature gives access; with no company, or no entitlement, it is the flag's default.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { CompanyRow, FlagRow } from "../rows.js"
import type { CheckFlag } from "../wire.js"
import { mainSubscription, PAYING_STATUSES, subscriptionsOf } from "./billing.js"
import { companiesByIds } from "./companies.js"
import { balancesOf } from "./credits.js"
import { type Entitlement, entitlementsOf } from "./entitlements.js"
import { entityByKeys } from "./keys.js"

/** One flag's value for one company (or none), and why. */
export interface FlagCheck {
  readonly flag: FlagRow
  readonly companyId: string | null
  readonly userId: string | null
  readonly value: boolean
  readonly reason: string
  readonly ruleType: string
  /** The entitlement the value comes from; undefined when the value is the flag's default. */
  readonly entitlement: Entitlement | undefined
}

/**
 * Who a check is for: the company its keys name, or else the first company of the user its keys name. Keys
 * that match nothing are not an error: the answer is then the flag's default value.
 */
const subjectOf = (input: typeof CheckFlag.Type) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const userId = input.user ? yield* entityByKeys("user", input.user, "user") : undefined
    let companyId = input.company ? yield* entityByKeys("company", input.company, "company") : undefined
    if (companyId === undefined && userId !== undefined && !input.company) {
      const memberships = yield* sql<{ company_id: string }>`
        SELECT company_id FROM company_memberships WHERE user_id = ${userId} ORDER BY created_at LIMIT 1`
      companyId = memberships[0]?.company_id
    }
    const [company] = companyId === undefined ? [] : yield* companiesByIds([companyId])
    return { company: company as CompanyRow | undefined, userId: userId ?? null }
  })

/** A flag's value from the company's entitlement to the flag's feature (if any). */
const evaluate = (
  flag: FlagRow,
  company: CompanyRow | undefined,
  userId: string | null,
  entitlement: Entitlement | undefined
): FlagCheck => {
  const base = { flag, companyId: company?.id ?? null, userId }
  const byDefault = (reason: string): FlagCheck => ({
    ...base,
    value: flag.default_value === 1,
    reason,
    ruleType: "default",
    entitlement: undefined
  })
  if (company === undefined) return byDefault("No company matched; the flag's default value")
  if (entitlement === undefined) {
    return byDefault("The company has no entitlement to this feature; the flag's default value")
  }
  const fromOverride = entitlement.source === "company_override"
  const ruleType = fromOverride
    ? entitlement.exceeded
      ? "company_override_usage_exceeded"
      : "company_override"
    : entitlement.exceeded
      ? "plan_entitlement_usage_exceeded"
      : "plan_entitlement"
  const grantedBy = fromOverride ? "company override" : `plan entitlement (${entitlement.plan?.name ?? "plan"})`
  const credit = entitlement.credit
  const reason =
    entitlement.exceeded && credit !== undefined
      ? `Out of credits: ${credit.remaining} ${credit.creditName} left, and one use costs ${credit.consumptionRate} (${grantedBy})`
      : entitlement.exceeded
        ? `Usage ${entitlement.usage} has reached the allocation ${entitlement.allocation} of the ${grantedBy}`
        : `Matched the ${grantedBy}`
  return { ...base, value: entitlement.access, reason, ruleType, entitlement }
}

/** `POST /flags/{key}/check`: one flag for whoever `input` names; the flag records that it was checked. */
export const checkFlag = (flag: FlagRow, input: typeof CheckFlag.Type, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { company, userId } = yield* subjectOf(input)
    const entitlement =
      company === undefined || flag.feature_id === null
        ? undefined
        : (yield* entitlementsOf([company], now, [flag.feature_id])).get(company.id)?.[0]
    yield* sql`UPDATE flags SET last_checked_at = ${now} WHERE id = ${flag.id}`
    return evaluate(flag, company, userId, entitlement)
  })

/** `POST /flags/check`: every flag, by key, for whoever `input` names, with the company's base plan. */
export const checkFlags = (input: typeof CheckFlag.Type, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { company, userId } = yield* subjectOf(input)
    const flags = yield* sql<FlagRow>`SELECT * FROM flags ORDER BY key`
    const entitlements = company === undefined ? [] : ((yield* entitlementsOf([company], now)).get(company.id) ?? [])
    const byFeature = new Map(entitlements.map((item) => [item.feature.id, item]))
    const planName =
      company?.base_plan_id == null
        ? undefined
        : (yield* sql<{ name: string }>`SELECT name FROM plans WHERE id = ${company.base_plan_id}`)[0]?.name
    const balances = company === undefined ? undefined : (yield* balancesOf([company.id], now)).get(company.id)
    const subscription =
      company === undefined ? undefined : mainSubscription((yield* subscriptionsOf([company.id])).get(company.id))
    const trialEnd = subscription?.row.trial_end ?? null
    const trial =
      trialEnd === null
        ? {}
        : {
            trial_end_date: new Date(trialEnd * 1000).toISOString(),
            trial_status:
              subscription!.row.status === "trialing" && trialEnd * 1000 > now
                ? "active"
                : (PAYING_STATUSES as ReadonlyArray<string>).includes(subscription!.row.status)
                  ? "converted"
                  : "expired"
          }
    return {
      checks: flags.map((flag) =>
        evaluate(flag, company, userId, flag.feature_id ? byFeature.get(flag.feature_id) : undefined)
      ),
      plan:
        company?.base_plan_id && planName !== undefined
          ? { id: company.base_plan_id, name: planName, ...trial }
          : undefined,
      creditBalances: Object.fromEntries(
        [...(balances?.values() ?? [])].map((balance) => [
          balance.creditId,
          { remaining: balance.remaining, reserved: 0, settled: balance.remaining }
        ])
      )
    }
  })
