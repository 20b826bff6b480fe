/**
 * Events: stored as Schematic ingests them (validated, deduplicated by idempotency key, attributed to their company
 * and user by keys, identify events upserting both), listed and counted by event type.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { iso, newId } from "../ids.js"
import type { EventRow } from "../rows.js"
import { badRequest } from "../SandboxError.js"
import type { CreateEvent } from "../wire.js"
import { upsertCompany } from "./companies.js"
import { drawForUsage } from "./creditUsage.js"
import { entitiesMatching } from "./keys.js"
import { DAY } from "./metricPeriod.js"
import { type Page, rowById } from "./tables.js"
import { upsertUser } from "./users.js"

/** Upstream drops a repeated idempotency key (same event type) for 24 hours. */
export const DEDUPE_WINDOW_MS = DAY

export const getEvent = rowById<EventRow>("events", "event")

export interface Caller {
  readonly remoteIp: string
  readonly userAgent: string
}

/** When the event counts as having happened, per Schematic's trusted-clock and backfill rules. */
const effectiveTime = (event: CreateEvent, now: number, field: string): number => {
  const sentAt = event.sent_at ? Date.parse(event.sent_at) : undefined
  if (!event.trusted_client_clock && !event.backfill) return now
  if (sentAt === undefined) {
    throw badRequest(`${field}sent_at: is required when trusted_client_clock or backfill is true`)
  }
  if (sentAt > now + 5 * 60_000) throw badRequest(`${field}sent_at: cannot be more than 5 minutes in the future`)
  const maxAgeDays = event.backfill ? 365 : 34
  if (sentAt < now - maxAgeDays * DAY) {
    throw badRequest(`${field}sent_at: cannot be more than ${maxAgeDays} days in the past`)
  }
  return sentAt
}

const keyPairs = (keys: Readonly<Record<string, string>> | undefined) => Object.entries(keys ?? {})

/** Resolves the key maps of a whole batch to entity ids with one indexed query per key name. */
const resolveKeys = (entityType: "company" | "user", maps: ReadonlyArray<Readonly<Record<string, string>>>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const byPair = new Map<string, string>()
    const valuesByKey = new Map<string, Set<string>>()
    for (const map of maps) {
      for (const [key, value] of keyPairs(map)) {
        const values = valuesByKey.get(key) ?? new Set<string>()
        values.add(value)
        valuesByKey.set(key, values)
      }
    }
    for (const [key, valueSet] of valuesByKey) {
      const values = [...valueSet]
      for (let start = 0; start < values.length; start += 500) {
        const rows = yield* sql<{ entity_id: string; value: string }>`
          SELECT entity_id, value FROM entity_keys
          WHERE entity_type = ${entityType} AND key = ${key} AND value IN ${sql.in(values.slice(start, start + 500))}`
        for (const row of rows) byPair.set(`${key}\u0000${row.value}`, row.entity_id)
      }
    }
    return (map: Readonly<Record<string, string>> | undefined): string | null | "ambiguous" => {
      const found = new Set<string>()
      for (const [key, value] of keyPairs(map)) {
        const id = byPair.get(`${key}\u0000${value}`)
        if (id !== undefined) found.add(id)
      }
      if (found.size > 1) return "ambiguous"
      return found.values().next().value ?? null
    }
  })

/**
 * Stores a list of validated events in one transaction and answers one `RawEventResponseData` each.
 * A repeated idempotency key is accepted and answered with the first event's id, and stored once.
 */
export const ingest = (
  events: ReadonlyArray<CreateEvent>,
  caller: Caller,
  fieldPrefix: (index: number) => string,
  now = Date.now()
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const times = yield* Effect.try({
      try: () => events.map((event, index) => effectiveTime(event, now, fieldPrefix(index))),
      catch: (error) => error as ReturnType<typeof badRequest>
    })
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        const keys = [...new Set(events.flatMap((event) => (event.idempotency_key ? [event.idempotency_key] : [])))]
        const seen = new Map<string, string>()
        for (let start = 0; start < keys.length; start += 500) {
          const rows = yield* sql<{ id: string; type: string; idempotency_key: string }>`
            SELECT id, type, idempotency_key FROM events
            WHERE idempotency_key IN ${sql.in(keys.slice(start, start + 500))} AND received_at > ${now - DEDUPE_WINDOW_MS}`
          for (const row of rows) seen.set(`${row.type}\u0000${row.idempotency_key}`, row.id)
        }
        const tracks = events.flatMap((event) => (event.event_type === "track" ? [event.body] : []))
        const identifies = events.some((event) => event.event_type === "identify")
        const companyOf = yield* resolveKeys(
          "company",
          tracks.flatMap((body) => (body.company ? [body.company] : []))
        )
        const userOf = yield* resolveKeys(
          "user",
          tracks.flatMap((body) => (body.user ? [body.user] : []))
        )
        const rows: Array<Omit<EventRow, "seq">> = []
        // Backfilled events are history: stored at their time, with no billing effect (no credits drawn).
        const costing: Array<Omit<EventRow, "seq">> = []
        const answers: Array<Record<string, unknown>> = []
        for (const [index, event] of events.entries()) {
          const dedupeKey = event.idempotency_key ? `${event.event_type}\u0000${event.idempotency_key}` : undefined
          const capturedAt = times[index]!
          const previous = dedupeKey === undefined ? undefined : seen.get(dedupeKey)
          const answer = {
            captured_at: iso(capturedAt),
            remote_ip: caller.remoteIp,
            remote_addr: caller.remoteIp,
            user_agent: caller.userAgent
          }
          if (previous !== undefined) {
            answers.push({ ...answer, event_id: previous })
            continue
          }
          const id = newId("evt")
          if (dedupeKey !== undefined) seen.set(dedupeKey, id)
          let companyId: string | null = null
          let userId: string | null = null
          let status = "processed"
          let error: string | null = null
          let subtype: string | null = null
          let quantity = 1
          if (event.event_type === "track") {
            subtype = event.body.event
            quantity = event.body.quantity ?? 1
            // Keys were looked up before the batch's identify events were stored: one that names a company or user
            // an identify earlier in the batch created is looked up again.
            const again = (entityType: "company" | "user", keys: Readonly<Record<string, string>> | undefined) =>
              keys === undefined || !identifies
                ? Effect.succeed(null)
                : Effect.map(entitiesMatching(entityType, keys), (ids) =>
                    ids.length === 0 ? null : ids.length === 1 ? ids[0]! : ("ambiguous" as const)
                  )
            const company = companyOf(event.body.company) ?? (yield* again("company", event.body.company))
            const user = userOf(event.body.user) ?? (yield* again("user", event.body.user))
            companyId = company === "ambiguous" ? null : company
            userId = user === "ambiguous" ? null : user
            // An event that names the user alone counts for the user's (first) company.
            if (!event.body.company && userId !== null) {
              const [membership] = yield* sql<{ company_id: string }>`
                SELECT company_id FROM company_memberships WHERE user_id = ${userId} ORDER BY created_at LIMIT 1`
              companyId = membership?.company_id ?? null
            }
            if (event.body.company && companyId === null) {
              status = "failed"
              error =
                company === "ambiguous"
                  ? "the event's company keys match several companies"
                  : "no company matches the event's company keys"
            } else if (!event.body.company && companyId === null) {
              // Named by its user alone: it is metered for the user's company, so it needs both.
              status = "failed"
              error =
                user === "ambiguous"
                  ? "the event's user keys match several users"
                  : userId === null
                    ? "no user matches the event's user keys"
                    : "the event's user belongs to no company"
            }
          } else if (event.event_type === "identify") {
            const body = event.body
            if (body.company) {
              companyId = yield* upsertCompany(
                { keys: body.company.keys, name: body.company.name, traits: body.company.traits },
                capturedAt
              )
            }
            if (Object.keys(body.keys).length > 0) {
              userId = yield* upsertUser(
                { keys: body.keys, name: body.name, traits: body.traits, company_id: companyId },
                capturedAt
              )
            }
          } else if (event.event_type === "flag_check") {
            subtype = event.body.flag_key
          }
          rows.push({
            id,
            type: event.event_type,
            subtype,
            status,
            body: JSON.stringify(event.body),
            quantity,
            company_id: companyId,
            user_id: userId,
            idempotency_key: event.idempotency_key ?? null,
            error_message: error,
            captured_at: capturedAt,
            sent_at: event.sent_at ? Date.parse(event.sent_at) : null,
            received_at: now
          })
          answers.push({ ...answer, event_id: id })
          if (event.event_type === "track" && status === "processed" && !event.backfill) costing.push(rows.at(-1)!)
        }
        for (let start = 0; start < rows.length; start += 500) {
          yield* sql`INSERT INTO events ${sql.insert(rows.slice(start, start + 500))}`
        }
        yield* drawForUsage(costing, now)
        return answers
      })
    )
  })

export interface EventFilter {
  readonly company_id?: string | undefined
  readonly user_id?: string | undefined
  readonly event_subtype?: string | undefined
  readonly idempotency_key?: string | undefined
  readonly event_types: ReadonlyArray<string>
}

/** One page of the matching events, latest first by when they count as having happened. */
export const listEvents = (filter: EventFilter & Page) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const clauses = [sql`1 = 1`]
    if (filter.company_id) clauses.push(sql`company_id = ${filter.company_id}`)
    if (filter.user_id) clauses.push(sql`user_id = ${filter.user_id}`)
    if (filter.event_subtype) clauses.push(sql`subtype = ${filter.event_subtype}`)
    if (filter.idempotency_key) clauses.push(sql`idempotency_key = ${filter.idempotency_key}`)
    if (filter.event_types.length > 0) clauses.push(sql`type IN ${sql.in(filter.event_types)}`)
    return yield* sql<EventRow>`SELECT * FROM events WHERE ${sql.and(clauses)}
      ORDER BY captured_at DESC, seq DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
  })

export interface EventTypeFilter {
  readonly q?: string | undefined
  readonly event_subtypes: ReadonlyArray<string>
}

/** The names of track events with how many events, companies and users each has, last seen first. */
export const eventTypes = (filter: EventTypeFilter & Page) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const clauses = [sql`subtype IS NOT NULL`, sql`type = 'track'`]
    if (filter.q) clauses.push(sql`subtype LIKE ${`%${filter.q}%`}`)
    if (filter.event_subtypes.length > 0) clauses.push(sql`subtype IN ${sql.in(filter.event_subtypes)}`)
    return yield* sql<{
      event_subtype: string
      event_count: number
      company_count: number
      user_count: number
      last_seen_at: number
    }>`SELECT subtype AS event_subtype, COUNT(*) AS event_count, COUNT(DISTINCT company_id) AS company_count,
         COUNT(DISTINCT user_id) AS user_count, MAX(captured_at) AS last_seen_at
       FROM events WHERE ${sql.and(clauses)} GROUP BY subtype ORDER BY last_seen_at DESC
       LIMIT ${filter.limit} OFFSET ${filter.offset}`
  })
