import { HttpRouter } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { type CompanyRow, companiesByIds, companyByKeys, companySummary, getCompanyRow } from "./companies.js"
import { ENVIRONMENT_ID, iso, newId } from "./ids.js"
import { attachKeys, detachKeys, entityByKeys, keysOf, lookupByKeys, mergeTraits } from "./keys.js"
import { body, readQuery } from "./request.js"
import { answerOne, countMatching, deleteById, getById, type Listing, listNewestFirst, rowById } from "./response.js"
import { badRequest, notFound } from "./SandboxError.js"
import { UpsertUser } from "./wire.js"

export interface UserRow {
  readonly id: string
  readonly name: string
  readonly traits: string
  readonly last_seen_at: number | null
  readonly created_at: number
  readonly updated_at: number
}

interface MembershipRow {
  readonly id: string
  readonly company_id: string
  readonly user_id: string
  readonly created_at: number
  readonly updated_at: number
}

/** Renders users as `UserDetailResponseData`, with their memberships and companies. */
export const renderUsers = (rows: ReadonlyArray<UserRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const ids = rows.map((row) => row.id)
    const keys = yield* keysOf("user", ids)
    const memberships =
      ids.length === 0
        ? []
        : yield* sql<MembershipRow>`SELECT * FROM company_memberships WHERE user_id IN ${sql.in(ids)} ORDER BY created_at`
    const companies = new Map<string, CompanyRow>()
    for (const row of yield* companiesByIds([...new Set(memberships.map((m) => m.company_id))])) {
      companies.set(row.id, row)
    }
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      environment_id: ENVIRONMENT_ID,
      last_seen_at: iso(row.last_seen_at),
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at),
      keys: keys.get(row.id) ?? [],
      traits: JSON.parse(row.traits),
      entity_traits: [],
      company_memberships: memberships
        .filter((membership) => membership.user_id === row.id)
        .map((membership) => {
          const company = companies.get(membership.company_id)
          return {
            id: membership.id,
            company_id: membership.company_id,
            user_id: membership.user_id,
            created_at: iso(membership.created_at),
            updated_at: iso(membership.updated_at),
            ...(company === undefined ? {} : { company: companySummary(company) })
          }
        })
    }))
  })

export const getUserRow = rowById<UserRow>("users", "user")

const join = (userId: string, companyId: string, now: number) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) =>
      sql`INSERT INTO company_memberships ${sql.insert({
        id: newId("cmem"),
        company_id: companyId,
        user_id: userId,
        created_at: now,
        updated_at: now
      })} ON CONFLICT (company_id, user_id) DO NOTHING`
  )

/** Resolves the company fields of a user upsert to company ids; `exhaustive` replaces the memberships. */
const resolveCompanies = (body: typeof UpsertUser.Type) =>
  Effect.gen(function* () {
    if (body.company) {
      const id = yield* companyByKeys(body.company, "company")
      if (id === undefined) return yield* badRequest("company: no company matches these keys")
      return { ids: [id], exhaustive: false }
    }
    if (body.companies) {
      const ids: Array<string> = []
      for (const [index, keys] of body.companies.entries()) {
        const id = yield* companyByKeys(keys, `companies.${index}`)
        if (id === undefined) return yield* badRequest(`companies.${index}: no company matches these keys`)
        ids.push(id)
      }
      return { ids, exhaustive: true }
    }
    if (body.company_id) {
      yield* getCompanyRow(body.company_id).pipe(
        Effect.mapError(() => badRequest(`company_id: no company ${body.company_id}`))
      )
      return { ids: [body.company_id], exhaustive: false }
    }
    if (body.company_ids) {
      const found = yield* companiesByIds(body.company_ids)
      const foundIds = new Set(found.map((row) => row.id))
      const missing = body.company_ids.find((id) => !foundIds.has(id))
      if (missing !== undefined) {
        return yield* badRequest(`company_ids.${body.company_ids.indexOf(missing)}: no company ${missing}`)
      }
      return { ids: body.company_ids, exhaustive: true }
    }
    return { ids: [], exhaustive: false }
  })

export const upsertUser = (body: typeof UpsertUser.Type, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const companies = yield* resolveCompanies(body)
    let id: string | undefined
    if (body.id) {
      id = (yield* getUserRow(body.id)).id
    } else {
      id = yield* entityByKeys("user", body.keys, "keys")
    }
    const lastSeen = body.last_seen_at ? Date.parse(body.last_seen_at) : null
    if (id === undefined) {
      if (body.update_only) return yield* notFound("no user matches these keys and update_only is set")
      id = newId("user")
      yield* sql`INSERT INTO users ${sql.insert({
        id,
        name: body.name ?? "",
        traits: JSON.stringify(body.traits ?? {}),
        last_seen_at: lastSeen,
        created_at: now,
        updated_at: now
      })}`
      yield* attachKeys("user", id, body.keys, now, false)
    } else {
      const row = yield* getUserRow(id)
      yield* sql`UPDATE users SET
        name = ${body.name ?? row.name},
        traits = ${mergeTraits(row.traits, body.traits)},
        last_seen_at = ${lastSeen ?? row.last_seen_at},
        updated_at = ${now}
        WHERE id = ${id}`
      yield* attachKeys("user", id, body.keys, now, false)
    }
    yield* detachKeys("user", id, body.remove_keys ?? [])
    if (companies.exhaustive) {
      yield* sql`DELETE FROM company_memberships WHERE user_id = ${id}
        AND company_id NOT IN ${sql.in(companies.ids.length === 0 ? [""] : companies.ids)}`
    }
    for (const companyId of companies.ids) yield* join(id, companyId, now)
    return id
  })

export const deleteUser = (id: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* getUserRow(id)
    yield* sql`DELETE FROM users WHERE id = ${id}`
    yield* sql`DELETE FROM entity_keys WHERE entity_type = 'user' AND entity_id = ${id}`
    yield* sql`DELETE FROM company_memberships WHERE user_id = ${id}`
  })

export interface UserFilter {
  readonly q?: string | undefined
  readonly ids: ReadonlyArray<string>
  readonly companyId?: string | undefined
  readonly planId?: string | undefined
}

export const userWhere = (sql: SqlClient.SqlClient, filter: UserFilter) => {
  const clauses = [sql`1 = 1`]
  if (filter.q) {
    const like = `%${filter.q}%`
    clauses.push(sql`(u.name LIKE ${like} OR u.id = ${filter.q} OR u.id IN (
      SELECT entity_id FROM entity_keys WHERE entity_type = 'user' AND value LIKE ${like}))`)
  }
  if (filter.ids.length > 0) clauses.push(sql`u.id IN ${sql.in(filter.ids)}`)
  if (filter.companyId) {
    clauses.push(sql`u.id IN (SELECT user_id FROM company_memberships WHERE company_id = ${filter.companyId})`)
  }
  if (filter.planId) {
    clauses.push(sql`u.id IN (SELECT m.user_id FROM company_memberships m JOIN companies c ON c.id = m.company_id
      WHERE c.base_plan_id = ${filter.planId})`)
  }
  return sql.and(clauses)
}

const userListing: Listing<UserFilter & { limit: number; offset: number }> = {
  table: "users",
  alias: "u",
  filter: readQuery((q) => ({
    q: q.string("q", 512),
    ids: q.list("ids"),
    companyId: q.string("company_id"),
    planId: q.string("plan_id"),
    ...q.page()
  })),
  where: userWhere
}

/** Users, by Schematic's paths. */
export const userRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/users",
    listNewestFirst(userListing, renderUsers, (filter) => ({
      q: filter.q,
      ids: filter.ids,
      company_id: filter.companyId,
      plan_id: filter.planId,
      limit: filter.limit,
      offset: filter.offset
    }))
  ),
  HttpRouter.get(
    "/users/count",
    countMatching(userListing, (filter) => ({ q: filter.q, company_id: filter.companyId }))
  ),
  HttpRouter.get("/users/lookup", lookupByKeys("user", getUserRow, renderUsers)),
  HttpRouter.post(
    "/users",
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const input = yield* body(UpsertUser)
      const id = yield* sql.withTransaction(upsertUser(input, Date.now()))
      return yield* answerOne(getUserRow(id), renderUsers)
    })
  ),
  HttpRouter.get("/users/:user_id", getById("user_id", getUserRow, renderUsers)),
  HttpRouter.del("/users/:user_id", deleteById("user_id", deleteUser))
)
