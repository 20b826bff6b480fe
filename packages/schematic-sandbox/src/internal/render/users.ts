import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { companiesByIds } from "../domain/companies.js"
import { ENVIRONMENT_ID, iso } from "../ids.js"
import type { CompanyRow, MembershipRow, UserRow } from "../rows.js"
import { keysOf } from "./keys.js"
import { companySummary } from "./summaries.js"

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
