/**
 * Credits: credit types, the grants that hold each company's balance of a type, and the ledger of every change to
 * a grant. A grant is live from `valid_from` until it expires, is zeroed out or is used up; a company's balance of
 * a type (`remaining`) is the sum of its live grants. Usage of a credit-metered feature draws
 * `quantity × consumption_rate` credits: adjustment grants first, then the grant that expires first (grants without
 * an expiry last), oldest first among equals; a draw larger than the balance empties it.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { newId } from "../ids.js"
import type { CreditGrantRow, CreditLedgerRow, CreditTypeRow } from "../rows.js"
import { badRequest } from "../SandboxError.js"
import type { CreateCreditType, GrantCompanyCredits } from "../wire.js"
import { byNameOrId, filteredTable, insertRow, type Page, rowById, rowsById, type SearchFilter } from "./tables.js"

export const getCreditType = rowById<CreditTypeRow>("credit_types", "credit type")

export const insertCreditType = (input: typeof CreateCreditType.Type, now: number) =>
  insertRow<CreditTypeRow>("credit_types", {
    id: newId("bcrd"),
    name: input.name,
    description: input.description,
    currency: input.currency,
    singular_name: input.singular_name ?? null,
    plural_name: input.plural_name ?? null,
    burn_strategy: input.burn_strategy ?? "plan_first_then_credit_bundles_first_in_first_out",
    created_at: now,
    updated_at: now
  })

export interface CreditTypeFilter extends SearchFilter {
  readonly name?: string | undefined
}

export const creditTypeTable = filteredTable<CreditTypeFilter>("credit_types", "t", (sql, filter) => [
  ...byNameOrId(sql, filter),
  filter.name && sql`name LIKE ${`%${filter.name}%`}`
])

export const creditTypesById = rowsById<CreditTypeRow>("credit_types")

const ledgerEntry = (
  entry: Omit<CreditLedgerRow, "seq" | "id" | "grant_id" | "feature_id" | "usage_event_id"> &
    Partial<Pick<CreditLedgerRow, "grant_id" | "feature_id" | "usage_event_id">>
) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) =>
      sql`INSERT INTO credit_ledger ${sql.insert({
        id: newId("crle"),
        grant_id: null,
        feature_id: null,
        usage_event_id: null,
        ...entry
      })}`
  )

/** `POST /billing/credits/grants/company`: a new grant to one company, and its `grant` ledger entry. */
export const grantCredits = (input: typeof GrantCompanyCredits.Type, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const company = yield* sql<{ id: string }>`SELECT id FROM companies WHERE id = ${input.company_id}`
    if (company[0] === undefined) return yield* badRequest(`company_id: no company ${input.company_id}`)
    yield* getCreditType(input.credit_id).pipe(
      Effect.mapError(() => badRequest(`credit_id: no credit type ${input.credit_id}`))
    )
    const expiresAt = input.expires_at ? Date.parse(input.expires_at) : null
    if (expiresAt !== null && expiresAt <= now) return yield* badRequest("expires_at: must be in the future")
    const row: CreditGrantRow = {
      id: newId("cgr"),
      company_id: input.company_id,
      credit_id: input.credit_id,
      reason: input.reason,
      quantity: input.quantity,
      quantity_remaining: input.quantity,
      valid_from: now,
      expires_at: expiresAt,
      zeroed_out_at: null,
      zeroed_out_reason: null,
      plan_id: null,
      created_at: now,
      updated_at: now
    }
    yield* insertRow("credit_grants", row)
    yield* ledgerEntry({
      company_id: row.company_id,
      credit_id: row.credit_id,
      event_type: "grant",
      amount: row.quantity,
      grant_id: row.id,
      event_at: now
    })
    return row
  })

export const getGrant = rowById<CreditGrantRow>("credit_grants", "credit grant")

export interface GrantFilter {
  readonly company_id: string
  readonly order: "created_at" | "expires_at" | "quantity" | "quantity_remaining"
  readonly dir: "asc" | "desc"
}

/** One page of a company's grants, in the order asked (grants without an expiry sort after those with one). */
export const listGrants = (filter: GrantFilter & Page) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const column = sql(filter.order)
    const dir = sql.unsafe(filter.dir === "asc" ? "ASC" : "DESC")
    const nulls = filter.order === "expires_at" ? sql`(expires_at IS NULL) ${dir},` : sql``
    return yield* sql<CreditGrantRow>`SELECT * FROM credit_grants WHERE company_id = ${filter.company_id}
      ORDER BY ${nulls} ${column} ${dir}, rowid ${dir} LIMIT ${filter.limit} OFFSET ${filter.offset}`
  })

/** Whether a grant can be drawn on at `at`. */
export const isLive = (grant: CreditGrantRow, at: number) =>
  grant.quantity_remaining > 0 &&
  grant.zeroed_out_at === null &&
  grant.valid_from <= at &&
  (grant.expires_at === null || grant.expires_at > at)

/** Draw order: adjustments first, then the grant that expires first (no expiry last), oldest first among equals. */
const drawOrder = (a: CreditGrantRow, b: CreditGrantRow) =>
  (a.reason === "adjustment" ? 0 : 1) - (b.reason === "adjustment" ? 0 : 1) ||
  (a.expires_at ?? Number.MAX_SAFE_INTEGER) - (b.expires_at ?? Number.MAX_SAFE_INTEGER) ||
  a.created_at - b.created_at

/** A company's balance of one credit type: what it can draw now, and what its live grants hold in all. */
export interface CreditBalance {
  readonly creditId: string
  readonly creditName: string
  readonly remaining: number
  /** What the live grants were granted. */
  readonly total: number
}

/** The balances of `companyIds` at `at`, by company then credit type: every type the company was ever granted. */
export const balancesOf = (companyIds: ReadonlyArray<string>, at: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const out = new Map<string, Map<string, CreditBalance>>()
    if (companyIds.length === 0) return out
    const rows = yield* sql<{
      company_id: string
      credit_id: string
      credit_name: string | null
      remaining: number
      total: number
    }>`
      SELECT g.company_id, g.credit_id, (SELECT name FROM credit_types t WHERE t.id = g.credit_id) AS credit_name,
        SUM(CASE WHEN quantity_remaining > 0 AND zeroed_out_at IS NULL AND valid_from <= ${at}
          AND (expires_at IS NULL OR expires_at > ${at}) THEN quantity_remaining ELSE 0 END) AS remaining,
        SUM(CASE WHEN zeroed_out_at IS NULL AND valid_from <= ${at} AND (expires_at IS NULL OR expires_at > ${at})
          THEN quantity ELSE 0 END) AS total
      FROM credit_grants g WHERE g.company_id IN ${sql.in(companyIds)} GROUP BY g.company_id, g.credit_id`
    for (const row of rows) {
      const byType = out.get(row.company_id) ?? new Map<string, CreditBalance>()
      byType.set(row.credit_id, {
        creditId: row.credit_id,
        creditName: row.credit_name ?? row.credit_id,
        remaining: row.remaining,
        total: row.total
      })
      out.set(row.company_id, byType)
    }
    return out
  })

/** One draw of credits for a usage event. */
export interface Draw {
  readonly companyId: string
  readonly creditId: string
  readonly featureId: string
  readonly eventId: string
  readonly amount: number
  readonly at: number
}

/**
 * Draws credits for usage, in order, from the company's live grants of the type (see the module's note), writing one
 * `usage` ledger entry per grant drawn on. A negative amount (a correction) is returned into the company's
 * adjustment grant of the type, created when it has none, and recorded as a `grant`. The grants are read once and
 * each changed grant written once, however many draws a batch of events makes.
 */
export const draw = (draws: ReadonlyArray<Draw>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const wanted = draws.filter((item) => item.amount !== 0)
    if (wanted.length === 0) return
    const companies = [...new Set(wanted.map((item) => item.companyId))]
    const loaded = yield* sql<CreditGrantRow>`SELECT * FROM credit_grants
      WHERE company_id IN ${sql.in(companies)} AND zeroed_out_at IS NULL`
    const grantsOf = new Map<string, Array<{ -readonly [K in keyof CreditGrantRow]: CreditGrantRow[K] }>>()
    for (const grant of loaded) {
      const key = `${grant.company_id}\u0000${grant.credit_id}`
      grantsOf.set(key, [...(grantsOf.get(key) ?? []), { ...grant }])
    }
    const created = new Set<string>()
    const changed = new Set<string>()
    const entries: Array<Omit<CreditLedgerRow, "seq">> = []
    const entry = (item: Draw, eventType: string, amount: number, grantId: string) =>
      entries.push({
        id: newId("crle"),
        company_id: item.companyId,
        credit_id: item.creditId,
        event_type: eventType,
        amount,
        grant_id: grantId,
        feature_id: item.featureId,
        usage_event_id: item.eventId,
        event_at: item.at
      })
    for (const item of wanted) {
      const key = `${item.companyId}\u0000${item.creditId}`
      const grants = grantsOf.get(key) ?? []
      grantsOf.set(key, grants)
      if (item.amount < 0) {
        const refund = -item.amount
        let adjustment = grants.find(
          (grant) => grant.reason === "adjustment" && (grant.expires_at === null || grant.expires_at > item.at)
        )
        if (adjustment === undefined) {
          adjustment = {
            id: newId("cgr"),
            company_id: item.companyId,
            credit_id: item.creditId,
            reason: "adjustment",
            quantity: 0,
            quantity_remaining: 0,
            valid_from: item.at,
            expires_at: item.at + 365 * 86_400_000,
            zeroed_out_at: null,
            zeroed_out_reason: null,
            plan_id: null,
            created_at: item.at,
            updated_at: item.at
          }
          grants.push(adjustment)
          created.add(adjustment.id)
        }
        adjustment.quantity += refund
        adjustment.quantity_remaining += refund
        adjustment.updated_at = item.at
        changed.add(adjustment.id)
        entry(item, "grant", refund, adjustment.id)
        continue
      }
      let left = item.amount
      for (const grant of grants.filter((grant) => isLive(grant, item.at)).sort(drawOrder)) {
        if (left <= 0) break
        const taken = Math.min(left, grant.quantity_remaining)
        left -= taken
        grant.quantity_remaining -= taken
        grant.updated_at = item.at
        changed.add(grant.id)
        entry(item, "usage", -taken, grant.id)
      }
    }
    for (const grants of grantsOf.values()) {
      for (const grant of grants) {
        if (created.has(grant.id)) yield* sql`INSERT INTO credit_grants ${sql.insert({ ...grant })}`
        else if (changed.has(grant.id)) {
          yield* sql`UPDATE credit_grants SET quantity = ${grant.quantity},
            quantity_remaining = ${grant.quantity_remaining}, updated_at = ${grant.updated_at} WHERE id = ${grant.id}`
        }
      }
    }
    for (let start = 0; start < entries.length; start += 500) {
      yield* sql`INSERT INTO credit_ledger ${sql.insert(entries.slice(start, start + 500))}`
    }
  })

export interface LedgerFilter {
  readonly company_id: string
  readonly billing_credit_id?: string | undefined
  readonly event_type?: string | undefined
  readonly feature_id?: string | undefined
  readonly start?: number | undefined
  readonly end?: number | undefined
}

export const ledgerTable = filteredTable<LedgerFilter>("credit_ledger", "l", (sql, filter) => [
  sql`company_id = ${filter.company_id}`,
  filter.billing_credit_id && sql`credit_id = ${filter.billing_credit_id}`,
  filter.event_type && sql`event_type = ${filter.event_type}`,
  filter.feature_id && sql`feature_id = ${filter.feature_id}`,
  filter.start !== undefined && sql`event_at >= ${filter.start}`,
  filter.end !== undefined && sql`event_at < ${filter.end}`
])

/** One page of a company's ledger, latest first. */
export const listLedger = (filter: LedgerFilter & Page) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<CreditLedgerRow>`SELECT * FROM credit_ledger l WHERE ${ledgerTable.where(sql, filter)}
      ORDER BY event_at DESC, seq DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
  })
