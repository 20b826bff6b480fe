/**
 * The demo dataset (`--seed demo`): plans with billing products, prices and a trial, add-ons, features of every type
 * with their entitlements (one of them metered in credits), 200 companies with users and keys, their billing
 * customers and subscriptions (some on trial), AI credits granted and drawn, some overrides, and 60 days of usage,
 * some companies near or over their limits. It is generated from a fixed seed, so every load has the same names,
 * keys, plans and amounts (ids and times differ: everything is laid out backwards from the moment it is loaded).
 * Companies, users and subscriptions are written in bulk: one statement per few hundred rows.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { upsertProduct } from "./domain/billing.js"
import { insertCreditType } from "./domain/credits.js"
import { ingest } from "./domain/events.js"
import { insertFeature } from "./domain/features.js"
import { DAY } from "./domain/metricPeriod.js"
import { insertOverride } from "./domain/overrides.js"
import { insertPlanEntitlement } from "./domain/planEntitlements.js"
import { insertPlan, setPlanBilling } from "./domain/plans.js"
import { newId } from "./ids.js"
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

    // Billing: each paid plan and add-on sells through a product with a monthly and a yearly price; Pro has a trial.
    const sell = (plan: { id: string; name: string }, monthly: number, trialDays: number | null) =>
      Effect.gen(function* () {
        const slug = plan.name.toLowerCase().replace(/[^a-z0-9]+/g, "_")
        const product = yield* upsertProduct(
          { external_id: `prod_demo_${slug}`, price: monthly / 100, name: plan.name, provider_type: "stripe" },
          start
        )
        return yield* setPlanBilling(
          plan.id,
          {
            charge_type: monthly === 0 ? "free" : "recurring",
            is_trialable: trialDays !== null,
            trial_days: trialDays,
            billing_product_id: product.id,
            monthly_price: monthly,
            yearly_price: monthly * 10
          },
          start
        )
      })
    const sold = {
      Free: yield* sell(tiers.Free, 0, null),
      Pro: yield* sell(tiers.Pro, 4_900, 14),
      Enterprise: yield* sell(tiers.Enterprise, 49_900, null)
    }
    const soldAddOns = new Map([
      [extraCalls.id, yield* sell(extraCalls, 2_000, null)],
      [support.id, yield* sell(support, 9_900, null)]
    ])
    const pricesOf = new Map<string, { productId: string; priceId: string; amount: number }>()
    for (const plan of [...Object.values(sold), ...soldAddOns.values()]) {
      const [price] = yield* sql<{ id: string; product_id: string; price: number }>`
        SELECT id, product_id, price FROM billing_prices WHERE id = ${plan.monthly_price_id}`
      pricesOf.set(plan.id, { productId: price!.product_id, priceId: price!.id, amount: price!.price })
    }

    // Credits: AI generations cost 2 AI credits each on Pro and Enterprise, whose companies get a monthly grant.
    const aiCredits = yield* insertCreditType(
      {
        name: "AI credits",
        description: "Credits spent by AI generations",
        currency: "usd",
        singular_name: "AI credit",
        plural_name: "AI credits"
      },
      start
    )
    const aiGenerations = yield* insertFeature(
      {
        name: "AI generations",
        description: "AI generations, each costing AI credits",
        feature_type: "event",
        event_subtype: "ai-generation"
      },
      start
    )
    const AI_RATE = 2
    const AI_GRANT = { Pro: 1_000, Enterprise: 10_000 } as const
    for (const tier of ["Pro", "Enterprise"] as const) {
      yield* insertPlanEntitlement(
        {
          plan_id: tiers[tier].id,
          feature_id: aiGenerations.id,
          value_type: "credit",
          value_credit_id: aiCredits.id,
          credit_consumption_rate: AI_RATE
        },
        start
      )
    }

    // Companies and what hangs on them are collected here and written in bulk below.
    const rows = {
      companies: [] as Array<Record<string, unknown>>,
      keys: [] as Array<Record<string, unknown>>,
      users: [] as Array<Record<string, unknown>>,
      memberships: [] as Array<Record<string, unknown>>,
      addOns: [] as Array<Record<string, unknown>>,
      planHistory: [] as Array<Record<string, unknown>>,
      customers: [] as Array<Record<string, unknown>>,
      subscriptions: [] as Array<Record<string, unknown>>,
      items: [] as Array<Record<string, unknown>>,
      grants: [] as Array<Record<string, unknown>>,
      ledger: [] as Array<Record<string, unknown>>
    }
    const key = (entityType: string, entityId: string, name: string, value: string, at: number) =>
      rows.keys.push({
        id: newId("ekey"),
        entity_type: entityType,
        entity_id: entityId,
        key: name,
        value,
        created_at: at,
        updated_at: at
      })
    const overrides: Array<Parameters<typeof insertOverride>[0]> = []
    const seconds = (millis: number) => Math.floor(millis / 1000)
    const monthEnd = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() + 1, 1)

    // Usage is laid out so that this month's total is the company's share of its allocation, whatever the date.
    const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1)
    const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate())
    const events: Array<CreateEvent> = []
    const track = (event: string, crmId: string, quantity: number, sentAt: number) =>
      events.push({
        event_type: "track",
        body: { event, company: { crm_id: crmId }, quantity },
        sent_at: new Date(sentAt).toISOString(),
        // The last 30 days come with a trusted clock; older usage is history, loaded as a backfill.
        ...(now - sentAt < 30 * DAY ? { trusted_client_clock: true } : { backfill: true })
      })
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
      const companyId = newId("comp")
      // Seen within the last two days, most of them within hours.
      const lastSeen = now - Math.floor(next() * next() * 2 * DAY)
      const customerId = `cus_demo${number}`
      rows.companies.push({
        id: companyId,
        name,
        traits: JSON.stringify(traits),
        logo_url: null,
        last_seen_at: lastSeen,
        base_plan_id: tiers[tier].id,
        base_plan_added_at: createdAt,
        created_at: createdAt,
        updated_at: createdAt
      })
      key("company", companyId, "stripe_customer_id", customerId, createdAt)
      key("company", companyId, "crm_id", `crm-${number}`, createdAt)
      rows.planHistory.push({
        company_id: companyId,
        plan_id: tiers[tier].id,
        kind: "base",
        started_at: createdAt,
        ended_at: null
      })
      const addOns = [
        ...(tier !== "Free" && next() < 0.2 ? [extraCalls.id] : []),
        ...(tier === "Pro" && next() < 0.15 ? [support.id] : [])
      ]
      for (const planId of addOns) {
        rows.addOns.push({ company_id: companyId, plan_id: planId, added_at: createdAt })
        rows.planHistory.push({
          company_id: companyId,
          plan_id: planId,
          kind: "add_on",
          started_at: createdAt,
          ended_at: null
        })
      }
      const users = 1 + Math.floor(next() * 5)
      for (let u = 0; u < users; u++) {
        const first = FIRST_NAMES[(n + u) % FIRST_NAMES.length]!
        const userId = newId("user")
        rows.users.push({
          id: userId,
          name: `${first} ${name.split(" ")[0]}`,
          traits: "{}",
          last_seen_at: lastSeen - u * 3_600_000,
          created_at: createdAt,
          updated_at: createdAt
        })
        key(
          "user",
          userId,
          "email",
          `${first.toLowerCase()}.${number}@${name.split(" ")[0]!.toLowerCase()}.example`,
          createdAt
        )
        rows.memberships.push({
          id: newId("cmem"),
          company_id: companyId,
          user_id: userId,
          created_at: createdAt,
          updated_at: createdAt
        })
      }

      // Its Stripe customer and subscription: Pro companies created lately are on their 14-day trial (a few end
      // within the week); a few subscriptions are past due, a few canceled at the end of the period.
      rows.customers.push({
        id: newId("bcus"),
        external_id: customerId,
        company_id: companyId,
        email: `billing@${name.split(" ")[0]!.toLowerCase()}.example`,
        name,
        meta: "{}",
        provider_type: "stripe",
        created_at: createdAt,
        updated_at: createdAt
      })
      const statusRoll = next()
      const trialing = tier === "Pro" && (n % 9 === 0 || n % 13 === 0)
      const status = trialing ? "trialing" : statusRoll < 0.05 ? "past_due" : statusRoll < 0.09 ? "canceled" : "active"
      const trialEnd = trialing ? today + (1 + (n % 12)) * DAY + 12 * 3_600_000 : null
      const periodStart = trialEnd !== null ? trialEnd - 14 * DAY : monthStart
      const periodEnd = trialEnd ?? monthEnd
      const lines = [tiers[tier].id, ...addOns].map((planId) => pricesOf.get(planId)!)
      const subscriptionId = newId("bilsub")
      rows.subscriptions.push({
        id: subscriptionId,
        external_id: `sub_demo${number}`,
        customer_external_id: customerId,
        company_id: companyId,
        status,
        currency: "usd",
        interval: "month",
        total_price: lines.reduce((sum, line) => sum + line.amount, 0),
        period_start: seconds(periodStart),
        period_end: seconds(periodEnd),
        trial_end: trialEnd === null ? null : seconds(trialEnd),
        trial_end_setting: trialEnd === null ? null : "subscribe",
        cancel_at: status === "canceled" ? seconds(monthEnd) : null,
        cancel_at_period_end: status === "canceled" ? 1 : 0,
        expired_at: periodEnd,
        provider_type: "stripe",
        created_at: Math.min(createdAt, periodStart),
        updated_at: periodStart
      })
      for (const [position, line] of lines.entries()) {
        rows.items.push({
          subscription_id: subscriptionId,
          position,
          product_id: line.productId,
          price_id: line.priceId,
          quantity: 1,
          item_external_id: `si_demo${number}_${position}`
        })
      }

      // This month's AI credits, from the plan; some companies bought more.
      if (tier !== "Free") {
        const grant = (reason: string, quantity: number, expiresAt: number | null) => {
          const id = newId("cgr")
          rows.grants.push({
            id,
            company_id: companyId,
            credit_id: aiCredits.id,
            reason,
            quantity,
            quantity_remaining: quantity,
            valid_from: monthStart,
            expires_at: expiresAt,
            zeroed_out_at: null,
            zeroed_out_reason: null,
            plan_id: reason === "plan" ? tiers[tier].id : null,
            created_at: monthStart,
            updated_at: monthStart
          })
          rows.ledger.push({
            id: newId("crle"),
            company_id: companyId,
            credit_id: aiCredits.id,
            event_type: "grant",
            amount: quantity,
            grant_id: id,
            feature_id: null,
            usage_event_id: null,
            event_at: monthStart
          })
        }
        grant("plan", AI_GRANT[tier], monthEnd)
        if (n % 6 === 0) grant("purchased", 500, null)
        // Spent this month: most a part of it, heavy users all of it (they are out of credits).
        const credits = AI_GRANT[tier] + (n % 6 === 0 ? 500 : 0)
        const generations = Math.floor((heavy ? credits * 1.1 : credits * share()) / AI_RATE)
        const days = Math.max(1, Math.ceil((now - monthStart) / DAY))
        const every = Math.max(1, Math.ceil(days / 6))
        const chunks = Math.ceil(days / every)
        for (let chunk = 0; chunk < chunks; chunk++) {
          const at = Math.min(now - 60_000, monthStart + chunk * every * DAY + Math.floor(next() * every * DAY))
          const quantity =
            chunk === chunks - 1
              ? generations - Math.floor(generations / chunks) * chunk
              : Math.floor(generations / chunks)
          if (quantity > 0) track("ai-generation", `crm-${number}`, quantity, at)
        }
        // Last month's generations, before this month's credits: history only.
        for (let block = 0; block < 6; block++) {
          const quantity = Math.round((generations / 6) * (0.5 + next() * 0.5))
          if (quantity > 0) track("ai-generation", `crm-${number}`, quantity, today - 30 * DAY - (block + 1) * 5 * DAY)
        }
      }

      if (n % 20 === 0) {
        overrides.push({
          company_id: companyId,
          feature_id: apiCalls.id,
          value_type: "numeric",
          value_numeric: 100_000,
          expiration_date: new Date(monthEnd).toISOString(),
          note: "Raised for a launch until the end of the month"
        })
      }
      if (n % 25 === 0) {
        overrides.push({
          company_id: companyId,
          feature_id: switches[3]!.id,
          value_type: "boolean",
          value_bool: true,
          note: "SSO pilot"
        })
      }
      for (const item of metered) {
        const limit = limitOf(tier, item) ?? item.pro * 4
        const thisMonth = Math.round(limit * share())
        // This month's days (today's only up to now) share `thisMonth`; earlier days run at the same daily rate.
        const monthDays = Math.max(1, Math.ceil((now - monthStart) / DAY))
        const daily = thisMonth / monthDays
        let left = thisMonth
        for (let day = 29; day >= 0; day--) {
          const dayStart = today - day * DAY
          const inMonth = dayStart >= monthStart
          const quantity = day === 0 ? left : Math.max(0, Math.round(daily * (0.7 + next() * 0.6)))
          if (inMonth && day !== 0) left = Math.max(0, left - quantity)
          if (quantity === 0) continue
          const sentAt =
            day === 0
              ? now - Math.floor(next() * Math.min(now - dayStart, 3_600_000))
              : dayStart + Math.floor(next() * DAY)
          track(item.event, `crm-${number}`, quantity, sentAt)
        }
        // The 30 days before: the same rate, a little lower, one event for each five days.
        for (let block = 0; block < 6; block++) {
          const blockStart = today - 30 * DAY - (block + 1) * 5 * DAY
          const quantity = Math.max(0, Math.round(daily * 5 * (0.6 + next() * 0.4)))
          if (quantity > 0) track(item.event, `crm-${number}`, quantity, blockStart + Math.floor(next() * 5 * DAY))
        }
      }
    }
    const insertAll = (table: string, list: ReadonlyArray<Record<string, unknown>>) =>
      Effect.gen(function* () {
        for (let offset = 0; offset < list.length; offset += 500) {
          yield* sql`INSERT INTO ${sql(table)} ${sql.insert(list.slice(offset, offset + 500))}`
        }
      })
    yield* insertAll("companies", rows.companies)
    yield* insertAll("entity_keys", rows.keys)
    yield* insertAll("users", rows.users)
    yield* insertAll("company_memberships", rows.memberships)
    yield* insertAll("company_add_ons", rows.addOns)
    yield* insertAll("plan_subscriptions", rows.planHistory)
    yield* insertAll("billing_customers", rows.customers)
    yield* insertAll("billing_subscriptions", rows.subscriptions)
    yield* insertAll("billing_subscription_items", rows.items)
    yield* insertAll("credit_grants", rows.grants)
    yield* insertAll("credit_ledger", rows.ledger)
    for (const override of overrides) yield* insertOverride(override, now)
    const caller = { remoteIp: "127.0.0.1", userAgent: "schematic-sandbox demo seed" }
    // In time order, so credits are drawn as they would have been.
    events.sort((a, b) => Date.parse(a.sent_at!) - Date.parse(b.sent_at!))
    for (let offset = 0; offset < events.length; offset += 1000) {
      yield* ingest(events.slice(offset, offset + 1000), caller, (index) => `events.${offset + index}.`, now)
    }
    const [count] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM events`
    return { companies: 200, events: count?.n ?? 0 }
  })
