import { HttpRouter } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { type CompanyRow, companiesByIds } from "./companies.js"
import { type Entitlement, entitlementsOf, renderEntitlement } from "./entitlements.js"
import type { FeatureRow } from "./features.js"
import { iso, newId } from "./ids.js"
import { entityByKeys } from "./keys.js"
import { body, pathId, readQuery } from "./request.js"
import { answerOne, deleteById, envelope, getById, listNewestFirst, rowById } from "./response.js"
import { badRequest, notFound } from "./SandboxError.js"
import { CheckFlag, CreateFlag } from "./wire.js"

export interface FlagRow {
  readonly id: string
  readonly key: string
  readonly name: string
  readonly description: string
  readonly flag_type: string
  readonly default_value: number
  readonly feature_id: string | null
  readonly last_checked_at: number | null
  readonly created_at: number
  readonly updated_at: number
}

/** `FeatureResponseData`: a feature without its flags and plans, as nested in other answers. */
export const featureSummary = (row: FeatureRow) => ({
  id: row.id,
  name: row.name,
  description: row.description,
  feature_type: row.feature_type,
  icon: row.icon,
  event_subtype: row.event_subtype,
  trait_id: row.trait_id,
  singular_name: row.singular_name,
  plural_name: row.plural_name,
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at)
})

const flagSummary = (row: FlagRow) => ({
  id: row.id,
  key: row.key,
  name: row.name,
  description: row.description,
  flag_type: row.flag_type,
  default_value: row.default_value === 1,
  feature_id: row.feature_id,
  last_checked_at: iso(row.last_checked_at),
  rules: [],
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at)
})

/** Renders flags as `FlagDetailResponseData`, each with its feature. */
export const renderFlags = (rows: ReadonlyArray<FlagRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const featureIds = [...new Set(rows.flatMap((row) => (row.feature_id ? [row.feature_id] : [])))]
    const features =
      featureIds.length === 0 ? [] : yield* sql<FeatureRow>`SELECT * FROM features WHERE id IN ${sql.in(featureIds)}`
    const byId = new Map(features.map((feature) => [feature.id, feature]))
    return rows.map((row) => {
      const feature = row.feature_id ? byId.get(row.feature_id) : undefined
      return { ...flagSummary(row), ...(feature === undefined ? {} : { feature: featureSummary(feature) }) }
    })
  })

/** The flags of many features, as `FlagDetailResponseData` without the nested feature. */
export const flagsOfFeatures = (featureIds: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const byFeature = new Map<string, Array<ReturnType<typeof flagSummary>>>()
    if (featureIds.length === 0) return byFeature
    const rows = yield* sql<FlagRow>`SELECT * FROM flags WHERE feature_id IN ${sql.in(featureIds)} ORDER BY created_at`
    for (const row of rows) {
      const list = byFeature.get(row.feature_id!)
      if (list === undefined) byFeature.set(row.feature_id!, [flagSummary(row)])
      else list.push(flagSummary(row))
    }
    return byFeature
  })

/** A flag's stored columns from what a request says of it. */
const flagColumns = (input: CreateFlag) => ({
  key: input.key,
  name: input.name,
  description: input.description,
  flag_type: input.flag_type,
  default_value: input.default_value ? 1 : 0,
  feature_id: input.feature_id ?? null
})

/** Stores a flag; a key another flag holds is refused, naming `field`. */
export const insertFlag = (input: CreateFlag, now: number, field: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const taken = yield* sql<{ id: string }>`SELECT id FROM flags WHERE key = ${input.key}`
    if (taken[0] !== undefined) return yield* badRequest(`${field}key: another flag has the key ${input.key}`)
    const row: FlagRow = {
      id: newId("flag"),
      ...flagColumns(input),
      last_checked_at: null,
      created_at: now,
      updated_at: now
    }
    yield* sql`INSERT INTO flags ${sql.insert({ ...row })}`
    return row
  })

/** A flag key from a feature's name ("API calls" → "api-calls"), with a number added while the key is taken. */
export const keyFromName = (name: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const base =
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "") || "feature"
    for (let n = 1; ; n++) {
      const key = n === 1 ? base : `${base}-${n}`
      const taken = yield* sql<{ id: string }>`SELECT id FROM flags WHERE key = ${key}`
      if (taken[0] === undefined) return key
    }
  })

const getFlag = rowById<FlagRow>("flags", "flag")

/** Refuses a `feature_id` that names no feature. */
const checkFeature = (featureId: string | null | undefined) =>
  Effect.gen(function* () {
    if (!featureId) return
    const sql = yield* SqlClient.SqlClient
    const found = yield* sql<{ id: string }>`SELECT id FROM features WHERE id = ${featureId}`
    if (found[0] === undefined) return yield* badRequest(`feature_id: no feature ${featureId}`)
  })

const flagByKey = (key: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<FlagRow>`SELECT * FROM flags WHERE key = ${key}`
    if (rows[0] === undefined) return yield* notFound(`flag ${key} not found`)
    return rows[0]
  })

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

/** `CheckFlagResponseData` for one flag, from the company's entitlement to the flag's feature (if any). */
const checkAnswer = (
  flag: FlagRow,
  company: CompanyRow | undefined,
  userId: string | null,
  entitlement: Entitlement | undefined
) => {
  const base = { flag: flag.key, flag_id: flag.id, company_id: company?.id ?? null, user_id: userId }
  if (company === undefined) {
    return {
      ...base,
      value: flag.default_value === 1,
      reason: "No company matched; the flag's default value",
      rule_type: "default"
    }
  }
  if (entitlement === undefined) {
    return {
      ...base,
      value: flag.default_value === 1,
      reason: "The company has no entitlement to this feature; the flag's default value",
      rule_type: "default"
    }
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
  const reason = entitlement.exceeded
    ? `Usage ${entitlement.usage} has reached the allocation ${entitlement.allocation} of the ${grantedBy}`
    : `Matched the ${grantedBy}`
  const rendered = renderEntitlement(entitlement)
  return {
    ...base,
    value: entitlement.access,
    reason,
    rule_type: ruleType,
    rule_id: entitlement.override?.id ?? entitlement.planEntitlement?.id ?? null,
    entitlement: rendered,
    feature_allocation: rendered.allocation,
    feature_usage: rendered.usage,
    feature_usage_event: rendered.event_subtype,
    feature_usage_period: rendered.metric_period,
    feature_usage_reset_at: rendered.metric_reset_at
  }
}

/** Flags and flag checks, by Schematic's paths. */
export const flagRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/flags",
    listNewestFirst(
      {
        table: "flags",
        alias: "fl",
        filter: readQuery((q) => ({
          q: q.string("q"),
          ids: q.list("ids"),
          feature_id: q.string("feature_id"),
          ...q.page()
        })),
        where: (sql, filter) => {
          const clauses = [sql`1 = 1`]
          if (filter.q) clauses.push(sql`(name LIKE ${`%${filter.q}%`} OR key LIKE ${`%${filter.q}%`})`)
          if (filter.ids.length > 0) clauses.push(sql`id IN ${sql.in(filter.ids)}`)
          if (filter.feature_id) clauses.push(sql`feature_id = ${filter.feature_id}`)
          return sql.and(clauses)
        }
      },
      renderFlags
    )
  ),
  HttpRouter.post(
    "/flags",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const input = yield* body(CreateFlag)
      yield* checkFeature(input.feature_id)
      const row = yield* sql.withTransaction(insertFlag(input, Date.now(), ""))
      return yield* answerOne(Effect.succeed(row), renderFlags, {}, 201)
    })
  ),
  HttpRouter.post(
    "/flags/check",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const input = yield* body(CheckFlag)
      const now = Date.now()
      const { company, userId } = yield* subjectOf(input)
      const flags = yield* sql<FlagRow>`SELECT * FROM flags ORDER BY key`
      const entitlements = company === undefined ? [] : ((yield* entitlementsOf([company], now)).get(company.id) ?? [])
      const byFeature = new Map(entitlements.map((item) => [item.feature.id, item]))
      const planName =
        company?.base_plan_id == null
          ? undefined
          : (yield* sql<{ name: string }>`SELECT name FROM plans WHERE id = ${company.base_plan_id}`)[0]?.name
      return envelope(
        {
          flags: flags.map((flag) =>
            checkAnswer(flag, company, userId, flag.feature_id ? byFeature.get(flag.feature_id) : undefined)
          ),
          credit_balances: {},
          ...(company?.base_plan_id && planName !== undefined
            ? { plan: { id: company.base_plan_id, name: planName } }
            : {})
        },
        {},
        201
      )
    })
  ),
  HttpRouter.post(
    "/flags/:key/check",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const flag = yield* flagByKey(yield* pathId("key"))
      const input = yield* body(CheckFlag)
      const now = Date.now()
      const { company, userId } = yield* subjectOf(input)
      const entitlement =
        company === undefined || flag.feature_id === null
          ? undefined
          : (yield* entitlementsOf([company], now, [flag.feature_id])).get(company.id)?.[0]
      yield* sql`UPDATE flags SET last_checked_at = ${now} WHERE id = ${flag.id}`
      return envelope(checkAnswer(flag, company, userId, entitlement))
    })
  ),
  HttpRouter.get("/flags/:flag_id", getById("flag_id", getFlag, renderFlags)),
  HttpRouter.put(
    "/flags/:flag_id",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const id = yield* pathId("flag_id")
      const input = yield* body(CreateFlag)
      yield* getFlag(id)
      const taken = yield* sql<{ id: string }>`SELECT id FROM flags WHERE key = ${input.key} AND id != ${id}`
      if (taken[0] !== undefined) return yield* badRequest(`key: another flag has the key ${input.key}`)
      yield* checkFeature(input.feature_id)
      yield* sql`UPDATE flags SET ${sql.update({ ...flagColumns(input), updated_at: Date.now() })} WHERE id = ${id}`
      return yield* answerOne(getFlag(id), renderFlags)
    })
  ),
  HttpRouter.del(
    "/flags/:flag_id",
    deleteById("flag_id", (id) =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* getFlag(id)
        yield* sql`DELETE FROM flags WHERE id = ${id}`
      })
    )
  )
)
