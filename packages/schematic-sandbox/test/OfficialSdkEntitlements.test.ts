import type { SchematicClient } from "@schematichq/schematic-typescript-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { officialSdk } from "./officialSdk.js"
import { call, sandboxForSuite } from "./support.js"

/**
 * Schematic's own Node SDK, with its REST calls and its event capture both pointed at the sandbox: an app's
 * entitlement flow (track usage, check the flag, raise the limit with an override) works unchanged.
 */
describe("entitlements through Schematic's official Node SDK", () => {
  const sandbox = sandboxForSuite()
  let client: SchematicClient
  beforeAll(() => {
    client = officialSdk(sandbox.url, {
      eventCaptureBaseURL: sandbox.url,
      eventBufferInterval: 20,
      // Every check goes to the sandbox: the answer changes as usage and overrides do.
      cacheProviders: { flagChecks: [] }
    })
  })
  afterAll(() => client.close())

  /** Waits until the capture service has stored `count` events of the company (the SDK sends them in the background). */
  const stored = async (companyId: string, count: number) => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const events = await call(sandbox.url, "GET", `/events?company_id=${companyId}&event_types=track`)
      if (events.body.data.length >= count) return
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error(`the sandbox never stored ${count} track events of ${companyId}`)
  }

  it("meters usage against a monthly plan limit; an override raises it; removing the override restores it", async () => {
    const feature = await client.features.createFeature({
      name: "API calls",
      description: "Calls to the public API",
      featureType: "event",
      eventSubtype: "api-call",
      flag: { key: "api-calls", name: "API calls", description: "", flagType: "boolean", defaultValue: false }
    })
    const plan = await client.plans.createPlan({ name: "Starter", description: "", planType: "plan" })
    await client.entitlements.createPlanEntitlement({
      planId: plan.data.id,
      featureId: feature.data.id,
      valueType: "numeric",
      valueNumeric: 3,
      metricPeriod: "current_month",
      metricPeriodMonthReset: "first_of_month"
    })
    const company = await client.companies.upsertCompany({
      keys: { stripe_customer_id: "cus_sdk" },
      name: "Acme",
      basePlanId: plan.data.id
    })
    const acme = { company: { stripe_customer_id: "cus_sdk" } }

    expect(await client.checkFlag(acme, "api-calls")).toBe(true)
    await client.track({ event: "api-call", company: acme.company, quantity: 2 })
    await stored(company.data.id, 1)
    const partway = await client.checkFlagWithEntitlement(acme, "api-calls")
    expect(partway.value).toBe(true)
    expect(partway.entitlement).toMatchObject({ usage: 2, allocation: 3, metricPeriod: "current_month" })
    expect(partway.ruleType).toBe("plan_entitlement")

    await client.track({ event: "api-call", company: acme.company })
    await stored(company.data.id, 2)
    const over = await client.checkFlagWithEntitlement(acme, "api-calls")
    expect(over.value).toBe(false)
    expect(over.ruleType).toBe("plan_entitlement_usage_exceeded")
    expect(over.entitlement).toMatchObject({ usage: 3, allocation: 3 })

    const override = await client.entitlements.createCompanyOverride({
      companyId: company.data.id,
      featureId: feature.data.id,
      valueType: "numeric",
      valueNumeric: 10
    })
    const raised = await client.checkFlagWithEntitlement(acme, "api-calls")
    expect(raised.value).toBe(true)
    expect(raised.ruleType).toBe("company_override")
    // The override keeps the plan's period: usage is still this month's.
    expect(raised.entitlement).toMatchObject({ usage: 3, allocation: 10, metricPeriod: "current_month" })

    await client.entitlements.deleteCompanyOverride(override.data.id)
    expect(await client.checkFlag(acme, "api-calls")).toBe(false)
  })

  it("identify creates the company and the user through the capture service", async () => {
    await client.identify({
      keys: { email: "grace@hooli.test" },
      name: "Grace",
      company: { keys: { crm_id: "hooli" }, name: "Hooli", traits: { seats: 12 } }
    })
    let found: Awaited<ReturnType<typeof call>> | undefined
    for (let attempt = 0; attempt < 200; attempt++) {
      found = await call(sandbox.url, "GET", "/companies/lookup?keys[crm_id]=hooli")
      if (found.status === 200) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(found?.status).toBe(200)
    expect(found?.body.data).toMatchObject({ name: "Hooli", traits: { seats: 12 }, user_count: 1 })
  })

  it("an unknown flag answers the SDK's default", async () => {
    expect(await client.checkFlag({ company: { stripe_customer_id: "cus_sdk" } }, "no-such-flag")).toBe(false)
  })
})
