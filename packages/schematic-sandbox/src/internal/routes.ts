import { HttpRouter, HttpServerRequest } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"
import {
  type CompanyRow,
  companyByKeys,
  companyWhere,
  deleteCompany,
  getCompanyRow,
  renderCompanies,
  upsertCompany
} from "./companies.js"
import { type EventRow, ingest, renderEvents } from "./events.js"
import { ENVIRONMENT_ID, iso, newId } from "./ids.js"
import { planGrowth, summary, topFeatures } from "./insights.js"
import { type OverrideRow, overrideWhere, renderOverrides } from "./overrides.js"
import { assignPlans, type PlanRow, renderPlans } from "./plans.js"
import { body, readQuery } from "./request.js"
import { envelope } from "./response.js"
import { badRequest, notFound } from "./SandboxError.js"
import { deleteUser, getUserRow, renderUsers, type UserRow, upsertUser, userWhere } from "./users.js"
import * as Wire from "./wire.js"

const pathId = (name: string) => Effect.map(HttpRouter.params, (params) => decodeURIComponent(params[name] ?? ""))

const caller = Effect.map(HttpServerRequest.HttpServerRequest, (request) => ({
  remoteIp: Option.getOrElse(request.remoteAddress, () => "127.0.0.1"),
  userAgent: request.headers["user-agent"] ?? ""
}))

const sqlClient = SqlClient.SqlClient

// ---------------------------------------------------------------- companies

const companyFilter = readQuery((q) => ({
  q: q.string("q", 512),
  ids: q.list("ids"),
  planIds: [...(q.string("plan_id") ? [q.string("plan_id")!] : []), ...q.list("plan_ids")],
  withoutPlan: q.bool("without_plan"),
  page: q.page()
}))

const companyRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/companies",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const filter = yield* companyFilter
      const rows = yield* sql<CompanyRow>`SELECT c.* FROM companies c WHERE ${companyWhere(sql, filter)}
        ORDER BY c.created_at DESC, c.rowid DESC LIMIT ${filter.page.limit} OFFSET ${filter.page.offset}`
      return envelope(yield* renderCompanies(rows), {
        q: filter.q,
        ids: filter.ids,
        plan_ids: filter.planIds,
        without_plan: filter.withoutPlan,
        ...filter.page
      })
    })
  ),
  HttpRouter.get(
    "/companies/count",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const filter = yield* companyFilter
      const [row] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM companies c WHERE ${companyWhere(sql, filter)}`
      return envelope({ count: row?.n ?? 0 }, { q: filter.q, ids: filter.ids, plan_ids: filter.planIds })
    })
  ),
  HttpRouter.get(
    "/companies/lookup",
    Effect.gen(function* () {
      const keys = yield* readQuery((q) => q.keyMap("keys"))
      if (keys === undefined || Object.keys(keys).length === 0) return yield* badRequest("keys: is required")
      const id = yield* companyByKeys(keys, "keys")
      if (id === undefined) return yield* notFound("no company matches these keys")
      const [company] = yield* renderCompanies([yield* getCompanyRow(id)])
      return envelope(company, { keys })
    })
  ),
  HttpRouter.post(
    "/companies",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const input = yield* body(Wire.UpsertCompany)
      const id = yield* sql.withTransaction(upsertCompany(input, Date.now()))
      const [company] = yield* renderCompanies([yield* getCompanyRow(id)])
      return envelope(company)
    })
  ),
  HttpRouter.get(
    "/companies/:company_id",
    Effect.gen(function* () {
      const [company] = yield* renderCompanies([yield* getCompanyRow(yield* pathId("company_id"))])
      return envelope(company)
    })
  ),
  HttpRouter.del(
    "/companies/:company_id",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const params = yield* readQuery((q) => ({
        cancel_subscription: q.bool("cancel_subscription"),
        prorate: q.bool("prorate")
      }))
      yield* sql.withTransaction(deleteCompany(yield* pathId("company_id"), Date.now()))
      return envelope({ deleted: true }, params)
    })
  ),
  HttpRouter.put(
    "/company-plans/:company_id",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const id = yield* pathId("company_id")
      const input = yield* body(Wire.UpdateCompanyPlans)
      yield* getCompanyRow(id)
      yield* sql.withTransaction(
        assignPlans(id, input.base_plan_id ?? null, input.add_on_ids, Date.now(), {
          base: "base_plan_id",
          addOns: "add_on_ids"
        })
      )
      const [company] = yield* renderCompanies([yield* getCompanyRow(id)])
      return envelope(company)
    })
  )
)

// ---------------------------------------------------------------- users

const userFilter = readQuery((q) => ({
  q: q.string("q", 512),
  ids: q.list("ids"),
  companyId: q.string("company_id"),
  planId: q.string("plan_id"),
  page: q.page()
}))

const userRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/users",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const filter = yield* userFilter
      const rows = yield* sql<UserRow>`SELECT u.* FROM users u WHERE ${userWhere(sql, filter)}
        ORDER BY u.created_at DESC, u.rowid DESC LIMIT ${filter.page.limit} OFFSET ${filter.page.offset}`
      return envelope(yield* renderUsers(rows), {
        q: filter.q,
        ids: filter.ids,
        company_id: filter.companyId,
        plan_id: filter.planId,
        ...filter.page
      })
    })
  ),
  HttpRouter.get(
    "/users/count",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const filter = yield* userFilter
      const [row] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM users u WHERE ${userWhere(sql, filter)}`
      return envelope({ count: row?.n ?? 0 }, { q: filter.q, company_id: filter.companyId })
    })
  ),
  HttpRouter.get(
    "/users/lookup",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const keys = yield* readQuery((q) => q.keyMap("keys"))
      if (keys === undefined || Object.keys(keys).length === 0) return yield* badRequest("keys: is required")
      const conditions = Object.entries(keys).map(([key, value]) => sql`(key = ${key} AND value = ${value})`)
      const matches = yield* sql<{ entity_id: string }>`SELECT DISTINCT entity_id FROM entity_keys
        WHERE entity_type = 'user' AND (${sql.or(conditions)})`
      if (matches.length > 1) return yield* badRequest(`keys: the keys match ${matches.length} different users`)
      if (matches[0] === undefined) return yield* notFound("no user matches these keys")
      const [user] = yield* renderUsers([yield* getUserRow(matches[0].entity_id)])
      return envelope(user, { keys })
    })
  ),
  HttpRouter.post(
    "/users",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const input = yield* body(Wire.UpsertUser)
      const id = yield* sql.withTransaction(upsertUser(input, Date.now()))
      const [user] = yield* renderUsers([yield* getUserRow(id)])
      return envelope(user)
    })
  ),
  HttpRouter.get(
    "/users/:user_id",
    Effect.gen(function* () {
      const [user] = yield* renderUsers([yield* getUserRow(yield* pathId("user_id"))])
      return envelope(user)
    })
  ),
  HttpRouter.del(
    "/users/:user_id",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      yield* sql.withTransaction(deleteUser(yield* pathId("user_id")))
      return envelope({ deleted: true })
    })
  )
)

// ---------------------------------------------------------------- events

const eventRoutes = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/events",
    Effect.gen(function* () {
      const event = yield* body(Wire.CreateEvent)
      const [answer] = yield* ingest([event], yield* caller, () => "")
      return envelope(answer, {}, 201)
    })
  ),
  HttpRouter.post(
    "/event-batch",
    Effect.gen(function* () {
      const batch = yield* body(Wire.CreateEventBatch)
      const answers = yield* ingest(batch.events, yield* caller, (index) => `events.${index}.`)
      return envelope({ events: answers }, {}, 201)
    })
  ),
  HttpRouter.get(
    "/events",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const filter = yield* readQuery((q) => {
        const types = q.list("event_types")
        for (const [index, type] of types.entries()) {
          if (!["identify", "track", "flag_check", "inference"].includes(type)) {
            throw badRequest(`event_types.${index}: must be one of identify, track, flag_check, inference`)
          }
        }
        return {
          company_id: q.string("company_id"),
          user_id: q.string("user_id"),
          event_subtype: q.string("event_subtype"),
          idempotency_key: q.string("idempotency_key", 255),
          event_types: types,
          ...q.page()
        }
      })
      const clauses = [sql`1 = 1`]
      if (filter.company_id) clauses.push(sql`company_id = ${filter.company_id}`)
      if (filter.user_id) clauses.push(sql`user_id = ${filter.user_id}`)
      if (filter.event_subtype) clauses.push(sql`subtype = ${filter.event_subtype}`)
      if (filter.idempotency_key) clauses.push(sql`idempotency_key = ${filter.idempotency_key}`)
      if (filter.event_types.length > 0) clauses.push(sql`type IN ${sql.in(filter.event_types)}`)
      const rows = yield* sql<EventRow>`SELECT * FROM events WHERE ${sql.and(clauses)}
        ORDER BY captured_at DESC, seq DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
      return envelope(yield* renderEvents(rows), filter)
    })
  ),
  HttpRouter.get(
    "/events/:event_id",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const id = yield* pathId("event_id")
      const rows = yield* sql<EventRow>`SELECT * FROM events WHERE id = ${id}`
      if (rows[0] === undefined) return yield* notFound(`event ${id} not found`)
      const [event] = yield* renderEvents(rows)
      return envelope(event)
    })
  ),
  HttpRouter.get(
    "/event-types",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const filter = yield* readQuery((q) => ({
        q: q.string("q"),
        event_subtypes: q.list("event_subtypes"),
        ...q.page()
      }))
      const clauses = [sql`subtype IS NOT NULL`, sql`type = 'track'`]
      if (filter.q) clauses.push(sql`subtype LIKE ${`%${filter.q}%`}`)
      if (filter.event_subtypes.length > 0) clauses.push(sql`subtype IN ${sql.in(filter.event_subtypes)}`)
      const rows = yield* sql<{
        event_subtype: string
        event_count: number
        company_count: number
        user_count: number
        last_seen_at: number
      }>`SELECT subtype AS event_subtype, COUNT(*) AS event_count, COUNT(DISTINCT company_id) AS company_count,
           COUNT(DISTINCT user_id) AS user_count, MAX(captured_at) AS last_seen_at
         FROM events WHERE ${sql.and(clauses)} GROUP BY subtype ORDER BY last_seen_at DESC
         LIMIT ${filter.limit} OFFSET ${filter.offset}`
      return envelope(
        rows.map((row) => ({ ...row, last_seen_at: iso(row.last_seen_at), environment_id: ENVIRONMENT_ID })),
        filter
      )
    })
  )
)

// ---------------------------------------------------------------- features and plans

interface FeatureRow {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly feature_type: string
  readonly icon: string
  readonly event_subtype: string | null
  readonly trait_id: string | null
  readonly singular_name: string | null
  readonly plural_name: string | null
  readonly created_at: number
  readonly updated_at: number
}

const renderFeature = (row: FeatureRow) => ({
  ...row,
  flags: [],
  plans: [],
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at)
})

const catalogRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/features",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const filter = yield* readQuery((q) => ({
        q: q.string("q"),
        ids: q.list("ids"),
        feature_type: q.list("feature_type"),
        ...q.page()
      }))
      const clauses = [sql`1 = 1`]
      if (filter.q) clauses.push(sql`(name LIKE ${`%${filter.q}%`} OR id = ${filter.q})`)
      if (filter.ids.length > 0) clauses.push(sql`id IN ${sql.in(filter.ids)}`)
      if (filter.feature_type.length > 0) clauses.push(sql`feature_type IN ${sql.in(filter.feature_type)}`)
      const rows = yield* sql<FeatureRow>`SELECT * FROM features WHERE ${sql.and(clauses)}
        ORDER BY created_at DESC, rowid DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
      return envelope(rows.map(renderFeature), filter)
    })
  ),
  HttpRouter.post(
    "/features",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const input = yield* body(Wire.CreateFeature)
      if (input.feature_type === "event" && !input.event_subtype) {
        return yield* badRequest("event_subtype: is required for an event feature")
      }
      const now = Date.now()
      const row: FeatureRow = {
        id: newId("feat"),
        name: input.name,
        description: input.description,
        feature_type: input.feature_type,
        icon: input.icon ?? "sparkles",
        event_subtype: input.event_subtype ?? null,
        trait_id: input.trait_id ?? null,
        singular_name: input.singular_name ?? null,
        plural_name: input.plural_name ?? null,
        created_at: now,
        updated_at: now
      }
      yield* sql`INSERT INTO features ${sql.insert({ ...row })}`
      return envelope(renderFeature(row), {}, 201)
    })
  ),
  HttpRouter.get(
    "/features/:feature_id",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const id = yield* pathId("feature_id")
      const rows = yield* sql<FeatureRow>`SELECT * FROM features WHERE id = ${id}`
      if (rows[0] === undefined) return yield* notFound(`feature ${id} not found`)
      return envelope(renderFeature(rows[0]))
    })
  ),
  HttpRouter.get(
    "/plans",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const filter = yield* readQuery((q) => {
        const planType = q.string("plan_type")
        if (planType !== undefined && planType !== "plan" && planType !== "add_on") {
          throw badRequest("plan_type: must be plan or add_on")
        }
        return {
          q: q.string("q"),
          ids: q.list("ids"),
          plan_type: planType,
          company_id: q.string("company_id"),
          ...q.page()
        }
      })
      const clauses = [sql`1 = 1`]
      if (filter.q) clauses.push(sql`(name LIKE ${`%${filter.q}%`} OR id = ${filter.q})`)
      if (filter.ids.length > 0) clauses.push(sql`id IN ${sql.in(filter.ids)}`)
      if (filter.plan_type) clauses.push(sql`plan_type = ${filter.plan_type}`)
      if (filter.company_id) {
        clauses.push(sql`id IN (SELECT plan_id FROM plan_subscriptions WHERE company_id = ${filter.company_id}
          AND ended_at IS NULL)`)
      }
      const rows = yield* sql<PlanRow>`SELECT * FROM plans WHERE ${sql.and(clauses)}
        ORDER BY created_at DESC, rowid DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
      return envelope(yield* renderPlans(rows), filter)
    })
  ),
  HttpRouter.post(
    "/plans",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const input = yield* body(Wire.CreatePlan)
      const now = Date.now()
      const row: PlanRow = {
        id: newId("plan"),
        name: input.name,
        description: input.description ?? "",
        plan_type: input.plan_type,
        icon: input.icon ?? "blue",
        monthly_price: input.monthly_price ?? null,
        yearly_price: input.yearly_price ?? null,
        currency: input.currency ?? "usd",
        created_at: now,
        updated_at: now
      }
      yield* sql`INSERT INTO plans ${sql.insert({ ...row })}`
      const [plan] = yield* renderPlans([row])
      return envelope(plan, {}, 201)
    })
  ),
  HttpRouter.get(
    "/plans/:plan_id",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const id = yield* pathId("plan_id")
      const rows = yield* sql<PlanRow>`SELECT * FROM plans WHERE id = ${id}`
      if (rows[0] === undefined) return yield* notFound(`plan ${id} not found`)
      const [plan] = yield* renderPlans(rows)
      return envelope(plan)
    })
  )
)

// ---------------------------------------------------------------- company overrides

const getOverride = (id: string) =>
  Effect.gen(function* () {
    const sql = yield* sqlClient
    const rows = yield* sql<OverrideRow>`SELECT * FROM company_overrides WHERE id = ${id}`
    if (rows[0] === undefined) return yield* notFound(`company override ${id} not found`)
    return rows[0]
  })

const overrideValues = (input: typeof Wire.UpdateCompanyOverride.Type) => ({
  value_type: input.value_type,
  value_bool: input.value_bool === undefined || input.value_bool === null ? null : input.value_bool ? 1 : 0,
  value_numeric: input.value_numeric ?? null,
  value_trait_id: input.value_trait_id ?? null,
  value_credit_id: input.value_credit_id ?? null,
  consumption_rate: input.credit_consumption_rate ?? null,
  metric_period: input.metric_period ?? null,
  metric_period_month_reset: input.metric_period_month_reset ?? null,
  expiration_date: input.expiration_date ? Date.parse(input.expiration_date) : null
})

const checkOverrideValue = (input: typeof Wire.UpdateCompanyOverride.Type) => {
  if (input.value_type === "boolean" && (input.value_bool === undefined || input.value_bool === null)) {
    return badRequest("value_bool: is required when value_type is boolean")
  }
  if (input.value_type === "numeric" && (input.value_numeric === undefined || input.value_numeric === null)) {
    return badRequest("value_numeric: is required when value_type is numeric")
  }
  if (input.value_type === "trait" && !input.value_trait_id) {
    return badRequest("value_trait_id: is required when value_type is trait")
  }
  return undefined
}

const addNote = (overrideId: string, note: string | null | undefined, now: number) =>
  Effect.gen(function* () {
    if (!note) return
    const sql = yield* sqlClient
    yield* sql`INSERT INTO override_notes ${sql.insert({
      id: newId("cmovn"),
      override_id: overrideId,
      note,
      created_at: now,
      updated_at: now
    })}`
  })

const overrideRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/company-overrides",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const filter = yield* readQuery((q) => ({
        company_id: q.string("company_id"),
        company_ids: q.list("company_ids"),
        feature_id: q.string("feature_id"),
        feature_ids: q.list("feature_ids"),
        ids: q.list("ids"),
        without_expired: q.bool("without_expired"),
        q: q.string("q"),
        ...q.page()
      }))
      const rows = yield* sql<OverrideRow>`SELECT o.* FROM company_overrides o
        WHERE ${overrideWhere(sql, filter, Date.now())}
        ORDER BY o.created_at DESC, o.rowid DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
      return envelope(yield* renderOverrides(rows), filter)
    })
  ),
  HttpRouter.post(
    "/company-overrides",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const input = yield* body(Wire.CreateCompanyOverride)
      const invalid = checkOverrideValue(input)
      if (invalid) return yield* invalid
      yield* getCompanyRow(input.company_id).pipe(
        Effect.mapError(() => badRequest(`company_id: no company ${input.company_id}`))
      )
      const features = yield* sql<{ id: string }>`SELECT id FROM features WHERE id = ${input.feature_id}`
      if (features[0] === undefined) return yield* badRequest(`feature_id: no feature ${input.feature_id}`)
      const existing = yield* sql<{ id: string }>`SELECT id FROM company_overrides
        WHERE company_id = ${input.company_id} AND feature_id = ${input.feature_id}`
      if (existing[0] !== undefined) {
        return yield* badRequest(
          `feature_id: the company already has an override for this feature (${existing[0].id}); update it instead`
        )
      }
      const now = Date.now()
      const id = newId("cmov")
      yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* sql`INSERT INTO company_overrides ${sql.insert({
            id,
            company_id: input.company_id,
            feature_id: input.feature_id,
            ...overrideValues(input),
            created_at: now,
            updated_at: now
          })}`
          yield* addNote(id, input.note, now)
        })
      )
      const [override] = yield* renderOverrides([yield* getOverride(id)])
      return envelope(override, {}, 201)
    })
  ),
  HttpRouter.get(
    "/company-overrides/:company_override_id",
    Effect.gen(function* () {
      const [override] = yield* renderOverrides([yield* getOverride(yield* pathId("company_override_id"))])
      return envelope(override)
    })
  ),
  HttpRouter.put(
    "/company-overrides/:company_override_id",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const id = yield* pathId("company_override_id")
      const input = yield* body(Wire.UpdateCompanyOverride)
      yield* getOverride(id)
      const invalid = checkOverrideValue(input)
      if (invalid) return yield* invalid
      const now = Date.now()
      yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* sql`UPDATE company_overrides SET ${sql.update({ ...overrideValues(input), updated_at: now })}
            WHERE id = ${id}`
          yield* addNote(id, input.note, now)
        })
      )
      const [override] = yield* renderOverrides([yield* getOverride(id)])
      return envelope(override)
    })
  ),
  HttpRouter.del(
    "/company-overrides/:company_override_id",
    Effect.gen(function* () {
      const sql = yield* sqlClient
      const id = yield* pathId("company_override_id")
      yield* getOverride(id)
      yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* sql`DELETE FROM override_notes WHERE override_id = ${id}`
          yield* sql`DELETE FROM company_overrides WHERE id = ${id}`
        })
      )
      return envelope({ deleted: true })
    })
  )
)

// ---------------------------------------------------------------- insights

const DAY = 86_400_000

const insightRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/insights/summary",
    Effect.map(summary, (data) => envelope(data))
  ),
  HttpRouter.get(
    "/insights/plan-growth",
    Effect.gen(function* () {
      const params = yield* readQuery((q) => ({ months: q.int("months", 1, 24) }))
      return envelope(yield* planGrowth(params.months ?? 12, Date.now()), params)
    })
  ),
  HttpRouter.get(
    "/insights/top-features",
    Effect.gen(function* () {
      const params = yield* readQuery((q) => {
        const start = q.time("start_time", true)!
        const end = q.time("end_time", true)!
        if (end <= start) throw badRequest("end_time: must be after start_time")
        if (end - start > 366 * DAY) throw badRequest("end_time: the window must be at most 366 days")
        return { start, end, limit: q.int("limit", 1, 20) ?? 10 }
      })
      const data = yield* topFeatures(params.start, params.end, params.limit)
      return envelope(data, { start_time: iso(params.start), end_time: iso(params.end), limit: params.limit })
    })
  )
)

/** Every route of the sandbox, by Schematic's paths. */
export const routes = HttpRouter.concatAll(
  companyRoutes,
  userRoutes,
  eventRoutes,
  catalogRoutes,
  overrideRoutes,
  insightRoutes
)
