/** Users: found by id or by keys, upserted as Schematic upserts them with their company memberships. */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { newId } from "../ids.js"
import type { UserRow } from "../rows.js"
import { badRequest } from "../SandboxError.js"
import type { UpsertUser } from "../wire.js"
import { companiesByIds, companyByKeys, getCompanyRow } from "./companies.js"
import { byNameIdOrKey, upsertEntity } from "./keys.js"
import { deleteRowById, filteredTable, rowById, type SearchFilter } from "./tables.js"

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
    const id = yield* upsertEntity("user", getUserRow, body, now)
    if (companies.exhaustive) {
      yield* sql`DELETE FROM company_memberships WHERE user_id = ${id}
        AND company_id NOT IN ${sql.in(companies.ids.length === 0 ? [""] : companies.ids)}`
    }
    for (const companyId of companies.ids) yield* join(id, companyId, now)
    return id
  })

export const deleteUser = deleteRowById("users", "user", (sql, id) => [
  sql`DELETE FROM entity_keys WHERE entity_type = 'user' AND entity_id = ${id}`,
  sql`DELETE FROM company_memberships WHERE user_id = ${id}`
])

export interface UserFilter extends SearchFilter {
  readonly companyId?: string | undefined
  readonly planId?: string | undefined
}

/** The users table as its list and count filter it. */
export const userTable = filteredTable<UserFilter>("users", "u", (sql, filter) => [
  ...byNameIdOrKey(sql, "user", "u", filter),
  filter.companyId && sql`u.id IN (SELECT user_id FROM company_memberships WHERE company_id = ${filter.companyId})`,
  filter.planId &&
    sql`u.id IN (SELECT m.user_id FROM company_memberships m JOIN companies c ON c.id = m.company_id
        WHERE c.base_plan_id = ${filter.planId})`
])
