/**
 * Insights and entitlement latency on a seeded sandbox: 1M track events over 20 event features and 10k companies,
 * spread over the last 60 days, every plan granting every feature a monthly allocation. Targets: each insight
 * answers in under 200 ms (p95); a flag check and a company's feature usage in under 5 ms (p50) and 20 ms (p99).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { ManagedRuntime } from "effect"
import { pool, table, time } from "./measure.ts"

const KEY = "sch_dev_sandbox"
const FEATURES = 20
const COMPANIES = 10_000
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000)
const BATCH = 1000
const DAY = 86_400_000

export const run = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-insights-"))
  const runtime = ManagedRuntime.make(SchematicSandbox.layer({ port: 0, dataDir }))
  try {
    const url = await runtime.runPromise(SchematicSandbox.url)
    const send = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { "x-schematic-api-key": KEY, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
      const json = (await response.json()) as { data: unknown; error?: string }
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${json.error}`)
      return json.data as Record<string, unknown>
    }

    let started = performance.now()
    const plans: Array<string> = []
    for (const [index, price] of [0, 1900, 4900, 9900, 29900].entries()) {
      plans.push(
        (await send("POST", "/plans", { name: `Plan ${index}`, plan_type: "plan", monthly_price: price })).id as string
      )
    }
    for (let i = 0; i < FEATURES; i++) {
      const feature = await send("POST", "/features", {
        name: `Feature ${i}`,
        description: "",
        feature_type: "event",
        event_subtype: `feature-${i}`
      })
      for (const [index, plan] of plans.entries()) {
        await send("POST", "/plan-entitlements", {
          plan_id: plan,
          feature_id: feature.id,
          value_type: "numeric",
          value_numeric: 1000 * (index + 1),
          metric_period: "current_month"
        })
      }
    }
    const companies = Array.from({ length: COMPANIES }, (_, i) => i)
    await pool(companies, 16, async (i) => {
      await send("POST", "/companies", {
        keys: { crm: `c-${i}` },
        name: `Company ${i}`,
        base_plan_id: plans[i % plans.length]
      })
    })
    // A third of the companies change plan once, so plan growth reads a history, not one row each.
    await pool(
      companies.filter((i) => i % 3 === 0),
      16,
      async (i) => {
        const company = await send("GET", `/companies/lookup?keys[crm]=c-${i}`)
        await send("PUT", `/company-plans/${company.id}`, {
          base_plan_id: plans[(i + 1) % plans.length],
          add_on_ids: []
        })
      }
    )
    const companiesSeconds = (performance.now() - started) / 1000

    started = performance.now()
    const now = Date.now()
    const batches = Array.from({ length: Math.ceil(EVENTS / BATCH) }, (_, b) => b)
    await pool(batches, 2, async (b) => {
      const events = Array.from({ length: Math.min(BATCH, EVENTS - b * BATCH) }, (_, j) => {
        const n = b * BATCH + j
        return {
          event_type: "track",
          body: {
            event: `feature-${(n * 7) % FEATURES}`,
            company: { crm: `c-${n % COMPANIES}` },
            quantity: 1 + (n % 5)
          },
          backfill: true,
          sent_at: new Date(now - ((n * 2_654_435_761) % (60 * DAY))).toISOString()
        }
      })
      await send("POST", "/event-batch", { events })
    })
    const eventsSeconds = (performance.now() - started) / 1000
    console.log(
      `seeded ${COMPANIES} companies in ${companiesSeconds.toFixed(1)} s and ${EVENTS} events in ${eventsSeconds.toFixed(1)} s ` +
        `(${Math.round(EVENTS / eventsSeconds)} events/s through POST /event-batch)`
    )

    const end = new Date(now - 7 * 60_000).toISOString()
    const start = new Date(now - 7 * 60_000 - 30 * DAY).toISOString()
    const baseline = await time("GET /features (baseline: a plain indexed read)", () =>
      send("GET", "/features?limit=20")
    )
    const samples = [
      await time("GET /insights/top-features (30 days vs prior 30)", () =>
        send("GET", `/insights/top-features?start_time=${start}&end_time=${end}&limit=20`)
      ),
      await time("GET /insights/plan-growth?months=24", () => send("GET", "/insights/plan-growth?months=24")),
      await time("GET /insights/summary", () => send("GET", "/insights/summary"))
    ]
    table(
      `Insights over ${EVENTS} events, ${FEATURES} features, ${COMPANIES} companies (sandbox, loopback HTTP)`,
      baseline,
      samples,
      { p95: 200 }
    )
    let n = 0
    const someone = () => `c-${(n++ * 7919) % COMPANIES}`
    const entitlements = [
      await time(
        "POST /flags/{key}/check (one company, by key)",
        () => send("POST", `/flags/feature-${n % FEATURES}/check`, { company: { crm: someone() } }),
        300,
        20
      ),
      await time(
        "GET /feature-usage?company_keys[crm]=... (20 features)",
        () => send("GET", `/feature-usage?company_keys[crm]=${someone()}`),
        300,
        20
      )
    ]
    table(
      `Entitlements over the same data (${FEATURES} metered features a company, monthly periods)`,
      await time("GET /features (baseline: a plain indexed read)", () => send("GET", "/features?limit=20"), 300, 20),
      entitlements,
      { p50: 5, p99: 20 }
    )
    const top = (await send("GET", `/insights/top-features?start_time=${start}&end_time=${end}&limit=3`)) as {
      features: Array<{ feature_name: string; usage: number; prior_usage: number }>
    }
    console.log("top-features sample:", JSON.stringify(top.features))
  } finally {
    await runtime.dispose()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
