import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { databaseFile } from "../src/SandboxConfig.js"
import { call, startSandbox } from "./support.js"

const OLD_SCHEMA = readFileSync(new URL("./fixtures/schema-before-billing.sql", import.meta.url), "utf8")

/** A database as the sandbox made it before billing and credits: its schema, one plan, feature and company. */
const makeOldDatabase = (dataDir: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    for (const statement of OLD_SCHEMA.split(/;\s*\n(?=CREATE|--)/)) {
      const text = statement.trim()
      if (text.length > 0 && !/^--[^\n]*$/.test(text)) yield* sql.unsafe(text.endsWith("END") ? `${text};` : text)
    }
    const at = Date.parse("2026-11-01T00:00:00Z")
    yield* sql`INSERT INTO plans ${sql.insert({
      id: "plan_old",
      name: "Old plan",
      description: "",
      plan_type: "plan",
      icon: "blue",
      monthly_price: 1000,
      yearly_price: null,
      currency: "usd",
      created_at: at,
      updated_at: at
    })}`
    yield* sql`INSERT INTO features ${sql.insert({
      id: "feat_old",
      name: "Old feature",
      description: "",
      feature_type: "event",
      icon: "",
      event_subtype: "old-event",
      trait_id: null,
      singular_name: null,
      plural_name: null,
      created_at: at,
      updated_at: at
    })}`
    yield* sql`INSERT INTO plan_entitlements ${sql.insert({
      id: "pltl_old",
      plan_id: "plan_old",
      feature_id: "feat_old",
      value_type: "numeric",
      value_bool: null,
      value_numeric: 10,
      value_trait_id: null,
      metric_period: "all_time",
      metric_period_month_reset: null,
      soft_limit: null,
      created_at: at,
      updated_at: at
    })}`
    yield* sql`INSERT INTO companies ${sql.insert({
      id: "comp_old",
      name: "Old Co",
      traits: "{}",
      logo_url: null,
      last_seen_at: null,
      base_plan_id: "plan_old",
      base_plan_added_at: at,
      created_at: at,
      updated_at: at
    })}`
  }).pipe(Effect.provide(SqliteClient.layer({ filename: databaseFile({ dataDir }) })), Effect.runPromise)

describe("a data folder from before billing and credits", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "sandbox-old-"))
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it("opens, keeps its data, and takes billing, trials and credits", async () => {
    await makeOldDatabase(dataDir)
    const sandbox = await startSandbox({ dataDir })
    try {
      const plan = await call(sandbox.url, "GET", "/plans/plan_old")
      expect(plan.status).toBe(200)
      expect(plan.body.data).toMatchObject({ name: "Old plan", is_trialable: false, monthly_price: { price: 1000 } })
      const entitlements = await call(sandbox.url, "GET", "/plan-entitlements?plan_id=plan_old")
      expect(entitlements.body.data).toEqual([expect.objectContaining({ id: "pltl_old", value_numeric: 10 })])
      const product = await call(sandbox.url, "POST", "/billing/product/upsert", { external_id: "prod_old", price: 10 })
      const linked = await call(sandbox.url, "PUT", "/plans/plan_old/billing_products", {
        charge_type: "recurring",
        is_trialable: true,
        trial_days: 7,
        billing_product_id: product.body.data.product_id,
        monthly_price: 1000
      })
      expect(linked.status).toBe(200)
      const credits = await call(sandbox.url, "POST", "/billing/credits", {
        name: "C",
        description: "",
        currency: "usd"
      })
      const updated = await call(sandbox.url, "PUT", "/plan-entitlements/pltl_old", {
        value_type: "credit",
        value_credit_id: credits.body.data.id,
        credit_consumption_rate: 1
      })
      expect(updated.status).toBe(200)
      const company = await call(sandbox.url, "GET", "/companies/comp_old")
      expect(company.body.data.entitlements).toEqual([
        expect.objectContaining({ value_type: "credit", credit_remaining: 0 })
      ])
    } finally {
      await sandbox.close()
    }
    // And it opens again, as a current database.
    const again = await startSandbox({ dataDir })
    try {
      expect((await call(again.url, "GET", "/plans/plan_old")).body.data.trial_days).toBe(7)
    } finally {
      await again.close()
    }
  })
})
