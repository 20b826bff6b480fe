import { HttpRouter } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { entitlementsOf, renderEntitlement, renderMetric } from "./entitlements.js"
import { ENVIRONMENT_ID, iso, newId } from "./ids.js"
import { attachKeys, detachKeys, entityByKeys, keysOf, lookupByKeys, mergeTraits } from "./keys.js"
import { assignPlans, endSubscriptions, plansById } from "./plans.js"
import { body, pathId, readQuery } from "./request.js"
import { answerOne, countMatching, deleteById, getById, type Listing, listNewestFirst } from "./response.js"
import { notFound } from "./SandboxError.js"
import { UpdateCompanyPlans, UpsertCompany } from "./wire.js"

export interface CompanyRow {
  readonly id: string
  readonly name: string
  readonly traits: string
  readonly logo_url: string | null
  readonly last_seen_at: number | null
  readonly base_plan_id: string | null
  readonly base_plan_added_at: number | null
  readonly created_at: number
  readonly updated_at: number
}

/** The slim `CompanyResponseData` nested in memberships and overrides. */
export const companySummary = (row: CompanyRow) => ({
  id: row.id,
  name: row.name,
  environment_id: ENVIRONMENT_ID,
  logo_url: row.logo_url,
  last_seen_at: iso(row.last_seen_at),
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at)
})

/** Renders companies as `CompanyDetailResponseData`, in the order given, with a fixed number of queries. */
export const renderCompanies = (rows: ReadonlyArray<CompanyRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const ids = rows.map((row) => row.id)
    const keys = yield* keysOf("company", ids)
    const userCounts = new Map<string, number>()
    const addOns = new Map<string, Array<{ plan_id: string; added_at: number }>>()
    if (ids.length > 0) {
      const counts = yield* sql<{ company_id: string; n: number }>`
        SELECT company_id, COUNT(*) AS n FROM company_memberships WHERE company_id IN ${sql.in(ids)} GROUP BY company_id`
      for (const row of counts) userCounts.set(row.company_id, row.n)
      const held = yield* sql<{ company_id: string; plan_id: string; added_at: number }>`
        SELECT company_id, plan_id, added_at FROM company_add_ons WHERE company_id IN ${sql.in(ids)} ORDER BY added_at`
      for (const row of held) addOns.set(row.company_id, [...(addOns.get(row.company_id) ?? []), row])
    }
    const planIds = new Set<string>()
    for (const row of rows) if (row.base_plan_id) planIds.add(row.base_plan_id)
    for (const list of addOns.values()) for (const item of list) planIds.add(item.plan_id)
    const plans = yield* plansById([...planIds])
    const now = Date.now()
    const entitlements = yield* entitlementsOf(rows, now)
    const planView = (planId: string, addedAt: number | null) => {
      const plan = plans.get(planId)
      return {
        id: planId,
        name: plan?.name ?? planId,
        description: plan?.description ?? null,
        image_url: null,
        added_on: iso(addedAt),
        plan_price: plan?.monthly_price ?? null,
        plan_period: plan?.monthly_price != null ? "month" : null,
        plan_version_id: null,
        included_credit_grants: []
      }
    }
    return rows.map((row) => {
      const held = entitlements.get(row.id) ?? []
      const base = row.base_plan_id ? planView(row.base_plan_id, row.base_plan_added_at) : undefined
      const extras = (addOns.get(row.id) ?? []).map((item) => planView(item.plan_id, item.added_at))
      return {
        ...companySummary(row),
        keys: keys.get(row.id) ?? [],
        traits: JSON.parse(row.traits),
        entity_traits: [],
        user_count: userCounts.get(row.id) ?? 0,
        ...(base === undefined ? {} : { plan: base }),
        plans: [...(base ? [base] : []), ...extras].map((plan) => ({
          id: plan.id,
          name: plan.name,
          description: plan.description,
          image_url: null
        })),
        add_ons: extras,
        entitlements: held.map(renderEntitlement),
        metrics: held.flatMap((entitlement) =>
          entitlement.metricPeriod === null ? [] : [renderMetric(entitlement, now)]
        ),
        billing_subscriptions: [],
        custom_plan_billings: [],
        payment_methods: [],
        rules: []
      }
    })
  })

export const companiesByIds = (ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (ids.length === 0) return []
    return yield* sql<CompanyRow>`SELECT * FROM companies WHERE id IN ${sql.in(ids)}`
  })

export const getCompanyRow = (id: string) =>
  Effect.gen(function* () {
    const rows = yield* companiesByIds([id])
    const row = rows[0]
    if (row === undefined) return yield* notFound(`company ${id} not found`)
    return row
  })

/** The one company holding any of these keys; undefined when none does; 400 when several do. */
export const companyByKeys = (keys: Readonly<Record<string, string>>, field: string) =>
  entityByKeys("company", keys, field)

/**
 * Schematic's key-map upsert: match on any key (or on `id`), merge traits, add new keys; create when
 * nothing matches unless `update_only`.
 */
export const upsertCompany = (body: typeof UpsertCompany.Type, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    let id: string | undefined
    if (body.id) {
      id = (yield* getCompanyRow(body.id)).id
    } else {
      id = yield* companyByKeys(body.keys, "keys")
    }
    const lastSeen = body.last_seen_at ? Date.parse(body.last_seen_at) : null
    if (id === undefined) {
      if (body.update_only) return yield* notFound("no company matches these keys and update_only is set")
      id = newId("comp")
      yield* sql`INSERT INTO companies ${sql.insert({
        id,
        name: body.name ?? "",
        traits: JSON.stringify(body.traits ?? {}),
        logo_url: null,
        last_seen_at: lastSeen,
        base_plan_id: null,
        base_plan_added_at: null,
        created_at: now,
        updated_at: now
      })}`
      yield* attachKeys("company", id, body.keys, now, false)
      if (body.base_plan_id) {
        yield* assignPlans(id, body.base_plan_id, undefined, now, { base: "base_plan_id", addOns: "add_on_ids" })
      }
    } else {
      const row = yield* getCompanyRow(id)
      yield* sql`UPDATE companies SET
        name = ${body.name ?? row.name},
        traits = ${mergeTraits(row.traits, body.traits)},
        last_seen_at = ${lastSeen ?? row.last_seen_at},
        updated_at = ${now}
        WHERE id = ${id}`
      yield* attachKeys("company", id, body.keys, now, body.prevent_key_remap === true)
    }
    yield* detachKeys("company", id, body.remove_keys ?? [])
    return id
  })

export const deleteCompany = (id: string, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* getCompanyRow(id)
    yield* endSubscriptions(id, now)
    yield* sql`DELETE FROM companies WHERE id = ${id}`
    yield* sql`DELETE FROM entity_keys WHERE entity_type = 'company' AND entity_id = ${id}`
    yield* sql`DELETE FROM company_memberships WHERE company_id = ${id}`
    yield* sql`DELETE FROM company_add_ons WHERE company_id = ${id}`
    const overrides = yield* sql<{ id: string }>`SELECT id FROM company_overrides WHERE company_id = ${id}`
    if (overrides.length > 0) {
      yield* sql`DELETE FROM override_notes WHERE override_id IN ${sql.in(overrides.map((row) => row.id))}`
    }
    yield* sql`DELETE FROM company_overrides WHERE company_id = ${id}`
  })

export interface CompanyFilter {
  readonly q?: string | undefined
  readonly ids: ReadonlyArray<string>
  readonly planIds: ReadonlyArray<string>
  readonly withoutPlan?: boolean | undefined
}

/** The WHERE clause shared by list and count. */
export const companyWhere = (sql: SqlClient.SqlClient, filter: CompanyFilter) => {
  const clauses = [sql`1 = 1`]
  if (filter.q) {
    const like = `%${filter.q}%`
    clauses.push(sql`(c.name LIKE ${like} OR c.id = ${filter.q} OR c.id IN (
      SELECT entity_id FROM entity_keys WHERE entity_type = 'company' AND value LIKE ${like}))`)
  }
  if (filter.ids.length > 0) clauses.push(sql`c.id IN ${sql.in(filter.ids)}`)
  if (filter.planIds.length > 0) {
    clauses.push(sql`(c.base_plan_id IN ${sql.in(filter.planIds)} OR c.id IN (
      SELECT company_id FROM company_add_ons WHERE plan_id IN ${sql.in(filter.planIds)}))`)
  }
  if (filter.withoutPlan === true) clauses.push(sql`c.base_plan_id IS NULL`)
  if (filter.withoutPlan === false) clauses.push(sql`c.base_plan_id IS NOT NULL`)
  return sql.and(clauses)
}

const companyListing: Listing<CompanyFilter & { limit: number; offset: number }> = {
  table: "companies",
  alias: "c",
  filter: readQuery((q) => ({
    q: q.string("q", 512),
    ids: q.list("ids"),
    planIds: [...(q.string("plan_id") ? [q.string("plan_id")!] : []), ...q.list("plan_ids")],
    withoutPlan: q.bool("without_plan"),
    ...q.page()
  })),
  where: companyWhere
}

/** Companies and company plans, by Schematic's paths. */
export const companyRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/companies",
    listNewestFirst(companyListing, renderCompanies, (filter) => ({
      q: filter.q,
      ids: filter.ids,
      plan_ids: filter.planIds,
      without_plan: filter.withoutPlan,
      limit: filter.limit,
      offset: filter.offset
    }))
  ),
  HttpRouter.get(
    "/companies/count",
    countMatching(companyListing, (filter) => ({ q: filter.q, ids: filter.ids, plan_ids: filter.planIds }))
  ),
  HttpRouter.get("/companies/lookup", lookupByKeys("company", getCompanyRow, renderCompanies)),
  HttpRouter.post(
    "/companies",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const input = yield* body(UpsertCompany)
      const id = yield* sql.withTransaction(upsertCompany(input, Date.now()))
      return yield* answerOne(getCompanyRow(id), renderCompanies)
    })
  ),
  HttpRouter.get("/companies/:company_id", getById("company_id", getCompanyRow, renderCompanies)),
  HttpRouter.del(
    "/companies/:company_id",
    deleteById(
      "company_id",
      (id) => deleteCompany(id, Date.now()),
      readQuery((q) => ({ cancel_subscription: q.bool("cancel_subscription"), prorate: q.bool("prorate") }))
    )
  ),
  HttpRouter.put(
    "/company-plans/:company_id",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const id = yield* pathId("company_id")
      const input = yield* body(UpdateCompanyPlans)
      yield* getCompanyRow(id)
      yield* sql.withTransaction(
        assignPlans(id, input.base_plan_id ?? null, input.add_on_ids, Date.now(), {
          base: "base_plan_id",
          addOns: "add_on_ids"
        })
      )
      return yield* answerOne(getCompanyRow(id), renderCompanies)
    })
  )
)
