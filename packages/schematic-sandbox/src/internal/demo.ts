/**
 * The demo dataset (`--seed demo`): plans, add-ons, features of every type with their entitlements, 200 companies
 * with users and keys, some overrides, and 30 days of usage with trusted clocks, some companies near or over their
 * limits. It is generated from a fixed seed, so every load has the same names, keys, plans and amounts (ids and
 * times differ: usage is laid out backwards from the moment it is loaded).
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { PLAN_FIELDS, upsertCompany } from "./domain/companies.js"
import { ingest } from "./domain/events.js"
import { insertFeature } from "./domain/features.js"
import { DAY } from "./domain/metricPeriod.js"
import { insertOverride } from "./domain/overrides.js"
import { insertPlanEntitlement } from "./domain/planEntitlements.js"
import { assignPlans, insertPlan } from "./domain/plans.js"
import { upsertUser } from "./domain/users.js"
import type { CreateEvent } from "./wire.js"

/** A small deterministic generator (mulberry32): the same seed gives the same dataset. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}

type Tier = "Free" | "Pro" | "Enterprise"

/** Metered features: the event that meters each, and each tier's monthly allocation (null: unlimited). */
const METERED = [
  { name: "API calls", event: "api-call", free: 1_000, pro: 50_000, enterprise: null },
  { name: "Report runs", event: "report-run", free: 20, pro: 500, enterprise: 5_000 },
  { name: "Data exports", event: "data-export", free: 5, pro: 100, enterprise: null },
  { name: "AI queries", event: "ai-query", free: 50, pro: 2_000, enterprise: 20_000 },
  { name: "Webhook deliveries", event: "webhook-delivery", free: 500, pro: 20_000, enterprise: null },
  { name: "Emails sent", event: "email-sent", free: 100, pro: 10_000, enterprise: 100_000 }
] as const

/** On/off features and the tiers that have them. */
const SWITCHES = [
  { name: "API access", tiers: ["Free", "Pro", "Enterprise"] },
  { name: "Custom domain", tiers: ["Pro", "Enterprise"] },
  { name: "Advanced analytics", tiers: ["Pro", "Enterprise"] },
  { name: "SSO", tiers: ["Enterprise"] },
  { name: "Audit log", tiers: ["Enterprise"] },
  { name: "Priority support", tiers: ["Enterprise"] }
] as const

/** Features counted by a company trait, and each tier's limit. */
const COUNTED = [
  { name: "Seats", trait: "seats", free: 3, pro: 25, enterprise: 500 },
  { name: "Projects", trait: "projects", free: 2, pro: 50, enterprise: 1_000 },
  { name: "Workspaces", trait: "workspaces", free: 1, pro: 5, enterprise: 50 },
  { name: "Integrations", trait: "integrations", free: 2, pro: 10, enterprise: 100 },
  { name: "Dashboards", trait: "dashboards", free: 3, pro: 30, enterprise: 300 },
  { name: "Storage (GB)", trait: "storage_gb", free: 1, pro: 100, enterprise: 5_000 }
] as const

const PREFIXES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne"]
const SUFFIXES = ["Labs", "Systems", "Analytics", "Cloud", "Works", "Health", "Logistics", "Media", "Robotics", "Foods"]
const INDUSTRIES = ["software", "retail", "healthcare", "finance", "logistics", "media"]
const FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Radia", "Dennis"]

const limitOf = (tier: Tier, item: { free: number; pro: number; enterprise: number | null }) =>
  tier === "Free" ? item.free : tier === "Pro" ? item.pro : item.enterprise

/** Loads the dataset into an empty database, in one transaction: all of it or, on failure, none. */
export const seedDemo = (now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const next = random(20_261_201)
    const pick = <A>(items: ReadonlyArray<A>) => items[Math.floor(next() * items.length)]!
    const start = now - 30 * DAY

    const tiers = {
      Free: yield* insertPlan({ name: "Free", plan_type: "plan", description: "For trying it out" }, start),
      Pro: yield* insertPlan({ name: "Pro", plan_type: "plan", description: "For teams", monthly_price: 4_900 }, start),
      Enterprise: yield* insertPlan(
        { name: "Enterprise", plan_type: "plan", description: "For companies", monthly_price: 49_900 },
        start
      )
    }
    const extraCalls = yield* insertPlan(
      { name: "Extra API calls", plan_type: "add_on", description: "200,000 API calls a month", monthly_price: 2_000 },
      start
    )
    const support = yield* insertPlan(
      { name: "Premium support", plan_type: "add_on", description: "A named engineer", monthly_price: 9_900 },
      start
    )

    const metered = []
    for (const item of METERED) {
      const feature = yield* insertFeature(
        {
          name: item.name,
          description: `${item.name}, metered by ${item.event} events`,
          feature_type: "event",
          event_subtype: item.event
        },
        start
      )
      metered.push({ ...item, feature })
      for (const tier of ["Free", "Pro", "Enterprise"] as const) {
        const limit = limitOf(tier, item)
        yield* insertPlanEntitlement(
          {
            plan_id: tiers[tier].id,
            feature_id: feature.id,
            ...(limit === null ? { value_type: "unlimited" } : { value_type: "numeric", value_numeric: limit }),
            metric_period: "current_month",
            metric_period_month_reset: "first_of_month"
          },
          start
        )
      }
    }
    const apiCalls = metered[0]!.feature
    yield* insertPlanEntitlement(
      {
        plan_id: extraCalls.id,
        feature_id: apiCalls.id,
        value_type: "numeric",
        value_numeric: 200_000,
        metric_period: "current_month",
        metric_period_month_reset: "first_of_month"
      },
      start
    )
    const switches = []
    for (const item of SWITCHES) {
      const feature = yield* insertFeature({ name: item.name, description: item.name, feature_type: "boolean" }, start)
      switches.push(feature)
      for (const tier of item.tiers) {
        yield* insertPlanEntitlement(
          { plan_id: tiers[tier].id, feature_id: feature.id, value_type: "boolean", value_bool: true },
          start
        )
      }
    }
    const prioritySupport = switches[5]!
    yield* insertPlanEntitlement(
      { plan_id: support.id, feature_id: prioritySupport.id, value_type: "boolean", value_bool: true },
      start
    )
    for (const item of COUNTED) {
      const feature = yield* insertFeature(
        {
          name: item.name,
          description: `${item.name}, from the company's ${item.trait} trait`,
          feature_type: "trait",
          trait_id: item.trait
        },
        start
      )
      for (const tier of ["Free", "Pro", "Enterprise"] as const) {
        yield* insertPlanEntitlement(
          {
            plan_id: tiers[tier].id,
            feature_id: feature.id,
            value_type: "numeric",
            value_numeric: limitOf(tier, item)!
          },
          start
        )
      }
    }

    // Usage is laid out so that this month's total is the company's share of its allocation, whatever the date.
    const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1)
    const events: Array<CreateEvent> = []
    for (let n = 1; n <= 200; n++) {
      const number = String(n).padStart(3, "0")
      const name =
        n <= 100
          ? `${PREFIXES[(n - 1) % 10]} ${SUFFIXES[Math.floor((n - 1) / 10)]}`
          : `${pick(PREFIXES)} ${pick(SUFFIXES)} ${number}`
      const roll = next()
      const tier: Tier = roll < 0.5 ? "Free" : roll < 0.85 ? "Pro" : "Enterprise"
      // One company in seven runs close to or past its limits.
      const heavy = next() < 1 / 7
      const share = () => (heavy ? 0.85 + next() * 0.35 : 0.05 + next() * 0.6)
      const traits: Record<string, unknown> = {
        industry: pick(INDUSTRIES),
        country: pick(["US", "GB", "DE", "FR", "JP", "BR"])
      }
      for (const item of COUNTED) {
        const limit = limitOf(tier, item)!
        traits[item.trait] = Math.max(1, Math.min(limit + (heavy ? 1 : 0), Math.round(limit * share())))
      }
      const createdAt = start - Math.floor(next() * 300) * DAY
      const companyId = yield* upsertCompany(
        { keys: { stripe_customer_id: `cus_demo${number}`, crm_id: `crm-${number}` }, name, traits },
        createdAt
      )
      const addOns = [
        ...(tier !== "Free" && next() < 0.2 ? [extraCalls.id] : []),
        ...(tier === "Pro" && next() < 0.15 ? [support.id] : [])
      ]
      yield* assignPlans(companyId, tiers[tier].id, addOns, createdAt, PLAN_FIELDS)
      const users = 1 + Math.floor(next() * 5)
      for (let u = 0; u < users; u++) {
        const first = FIRST_NAMES[(n + u) % FIRST_NAMES.length]!
        yield* upsertUser(
          {
            keys: { email: `${first.toLowerCase()}.${number}@${name.split(" ")[0]!.toLowerCase()}.example` },
            name: `${first} ${name.split(" ")[0]}`,
            company_id: companyId
          },
          createdAt
        )
      }
      if (n % 20 === 0) {
        yield* insertOverride(
          {
            company_id: companyId,
            feature_id: apiCalls.id,
            value_type: "numeric",
            value_numeric: 100_000,
            expiration_date: new Date(
              Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() + 1, 1)
            ).toISOString(),
            note: "Raised for a launch until the end of the month"
          },
          now
        )
      }
      if (n % 25 === 0) {
        yield* insertOverride(
          {
            company_id: companyId,
            feature_id: switches[3]!.id,
            value_type: "boolean",
            value_bool: true,
            note: "SSO pilot"
          },
          now
        )
      }
      for (const item of metered) {
        const limit = limitOf(tier, item) ?? item.pro * 4
        const thisMonth = Math.round(limit * share())
        // This month's days (today's only up to now) share `thisMonth`; earlier days run at the same daily rate.
        const monthDays = Math.max(1, Math.ceil((now - monthStart) / DAY))
        const daily = thisMonth / monthDays
        let left = thisMonth
        for (let day = 29; day >= 0; day--) {
          const dayStart =
            Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate()) -
            day * DAY
          const inMonth = dayStart >= monthStart
          const quantity = day === 0 ? left : Math.max(0, Math.round(daily * (0.7 + next() * 0.6)))
          if (inMonth && day !== 0) left = Math.max(0, left - quantity)
          if (quantity === 0) continue
          const sentAt =
            day === 0
              ? now - Math.floor(next() * Math.min(now - dayStart, 3_600_000))
              : dayStart + Math.floor(next() * DAY)
          events.push({
            event_type: "track",
            body: { event: item.event, company: { crm_id: `crm-${number}` }, quantity },
            sent_at: new Date(sentAt).toISOString(),
            trusted_client_clock: true
          })
        }
      }
    }
    const caller = { remoteIp: "127.0.0.1", userAgent: "schematic-sandbox demo seed" }
    for (let offset = 0; offset < events.length; offset += 1000) {
      yield* ingest(events.slice(offset, offset + 1000), caller, (index) => `events.${offset + index}.`, now)
    }
    const [count] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM events`
    return { companies: 200, events: count?.n ?? 0 }
  })
