import type { SchematicClient } from "@schematichq/schematic-typescript-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { officialSdk } from "./officialSdk.js"
import { sandboxForSuite } from "./support.js"

/** Schematic's own Node SDK drives billing, trials, credits and credit-metered entitlements on the sandbox. */
describe("Schematic's official Node SDK: billing, trials and credits", () => {
  const sandbox = sandboxForSuite()
  let client: SchematicClient
  beforeAll(() => {
    client = officialSdk(sandbox.url, { cacheProviders: { flagChecks: [] } })
  })
  afterAll(() => client.close())

  it("upserts a customer, a product and a trialing subscription; the company shows them", async () => {
    const company = await client.companies.upsertCompany({ keys: { stripe_customer_id: "cus_sdk" }, name: "SDK Co" })
    const customer = await client.billing.upsertBillingCustomer({
      externalId: "cus_sdk",
      email: "billing@sdk.test",
      name: "SDK Co",
      meta: {},
      companyId: company.data.id,
      providerType: "stripe"
    })
    expect(customer.data).toMatchObject({ externalId: "cus_sdk", companyId: company.data.id })
    const product = await client.billing.upsertBillingProduct({ externalId: "prod_sdk", price: 19, name: "SDK plan" })
    expect(product.data).toMatchObject({ externalId: "prod_sdk", name: "SDK plan", isActive: true })
    const now = Math.floor(Date.now() / 1000)
    const subscription = await client.billing.upsertBillingSubscription({
      subscriptionExternalId: "sub_sdk",
      customerExternalId: "cus_sdk",
      currency: "usd",
      totalPrice: 3800,
      cancelAtPeriodEnd: false,
      discounts: [],
      expiredAt: new Date((now + 14 * 86_400) * 1000),
      productExternalIds: [
        {
          productExternalId: "prod_sdk",
          priceExternalId: "price_sdk_month",
          price: 1900,
          currency: "usd",
          interval: "month",
          quantity: 2,
          usageType: "licensed"
        }
      ],
      status: "trialing",
      interval: "month",
      periodStart: now,
      periodEnd: now + 14 * 86_400,
      trialEnd: now + 14 * 86_400,
      trialEndSetting: "subscribe"
    })
    expect(subscription.data).toMatchObject({
      subscriptionExternalId: "sub_sdk",
      status: "trialing",
      companyId: company.data.id
    })
    const shown = await client.companies.getCompany(company.data.id)
    expect(shown.data.billingSubscription).toMatchObject({
      status: "trialing",
      trialEnd: now + 14 * 86_400,
      products: [expect.objectContaining({ externalId: "prod_sdk", quantity: 2, price: 1900 })]
    })
    const active = await client.companies.getActiveCompanySubscription({ companyId: company.data.id })
    expect(active.data).toEqual([expect.objectContaining({ subscriptionExternalId: "sub_sdk", status: "trialing" })])
    const customers = await client.billing.listCustomersWithSubscriptions({ companyIds: [company.data.id] })
    expect(customers.data).toEqual([
      expect.objectContaining({ externalId: "cus_sdk", subscriptions: [expect.anything()] })
    ])
    const trialing = await client.companies.countCompanies({ subscriptionStatuses: ["trialing"] })
    expect(trialing.data.count).toBe(1)
    const listed = await client.companies.listCompanies({ subscriptionStatuses: ["trialing"] })
    expect(listed.data.map((item) => item.id)).toEqual([company.data.id])
  })

  it("links a plan to its billing product with prices and a trial, and deletes a plan", async () => {
    const plan = await client.plans.createPlan({ name: "SDK plan", planType: "plan", description: "" })
    const product = await client.billing.upsertBillingProduct({ externalId: "prod_sdk_plan", price: 29 })
    const linked = await client.plans.upsertBillingProductPlan(plan.data.id, {
      chargeType: "recurring",
      isTrialable: true,
      trialDays: 7,
      billingProductId: product.data.productId,
      monthlyPrice: 2900
    })
    expect(linked.data).toMatchObject({ planId: plan.data.id, isTrialable: true, trialDays: 7 })
    const shown = await client.plans.getPlan(plan.data.id)
    expect(shown.data).toMatchObject({ isTrialable: true, trialDays: 7, monthlyPrice: { price: 2900 } })
    expect(shown.data.billingProduct?.externalId).toBe("prod_sdk_plan")
    await client.plans.deletePlan(plan.data.id)
    await expect(client.plans.getPlan(plan.data.id)).rejects.toMatchObject({ statusCode: 404 })
  })

  it("grants credits, draws them by tracked usage, refuses at zero and allows again once topped up", async () => {
    const credit = await client.credits.createBillingCredit({ name: "SDK credits", description: "", currency: "usd" })
    expect((await client.credits.getSingleBillingCredit(credit.data.id)).data.name).toBe("SDK credits")
    expect((await client.credits.listBillingCredits({ name: "SDK" })).data).toHaveLength(1)
    expect((await client.credits.countBillingCredits()).data.count).toBeGreaterThanOrEqual(1)
    const feature = await client.features.createFeature({
      name: "SDK renders",
      description: "",
      featureType: "event",
      eventSubtype: "sdk-render",
      flag: { key: "sdk-renders", name: "SDK renders", description: "", defaultValue: false, flagType: "boolean" }
    })
    expect((await client.features.getFeature(feature.data.id)).data.eventSubtype).toBe("sdk-render")
    const plan = await client.plans.createPlan({ name: "SDK credit plan", planType: "plan", description: "" })
    const entitlement = await client.entitlements.createPlanEntitlement({
      planId: plan.data.id,
      featureId: feature.data.id,
      valueType: "credit",
      valueCreditId: credit.data.id,
      creditConsumptionRate: 3
    })
    expect(entitlement.data).toMatchObject({ consumptionRate: 3, valueCredit: { id: credit.data.id } })
    const company = await client.companies.upsertCompany({
      keys: { crm_id: "sdk-credits" },
      name: "Credits Co",
      basePlanId: plan.data.id
    })
    const check = () => client.features.checkFlag("sdk-renders", { company: { crm_id: "sdk-credits" } })
    expect((await check()).data.value).toBe(false)

    const grant = await client.credits.grantBillingCreditsToCompany({
      companyId: company.data.id,
      creditId: credit.data.id,
      quantity: 9,
      reason: "free",
      expiresAt: new Date(Date.now() + 86_400_000)
    })
    expect(grant.data).toMatchObject({ quantity: 9, quantityRemaining: 9, grantReason: "free" })
    expect((await check()).data.value).toBe(true)
    await client.events.createEvent({
      eventType: "track",
      body: { event: "sdk-render", company: { crm_id: "sdk-credits" }, quantity: 3 }
    })
    const balances = await client.credits.listCompanyCreditBalances({ companyId: company.data.id })
    expect(balances.data).toEqual([expect.objectContaining({ creditId: credit.data.id, remaining: 0 })])
    const refused = await check()
    expect(refused.data).toMatchObject({ value: false })
    expect(refused.data.reason).toMatch(/Out of credits/)
    const grants = await client.credits.listCompanyGrants({ companyId: company.data.id })
    expect(grants.data).toEqual([expect.objectContaining({ quantity: 9, quantityRemaining: 0, quantityUsed: 9 })])
    const ledger = await client.credits.listCreditEventLedger({ companyId: company.data.id, eventType: "usage" })
    expect(ledger.data).toEqual([expect.objectContaining({ amount: -9, featureId: feature.data.id })])
    expect((await client.credits.countCreditEventLedger({ companyId: company.data.id })).data.count).toBe(2)

    await client.credits.grantBillingCreditsToCompany({
      companyId: company.data.id,
      creditId: credit.data.id,
      quantity: 3,
      reason: "purchased"
    })
    expect((await check()).data.value).toBe(true)
    const bulk = await client.features.checkFlagsBulk({
      contexts: [{ company: { crm_id: "sdk-credits" } }, { company: { crm_id: "nobody" } }]
    })
    expect(bulk.data.data).toHaveLength(2)
    expect(bulk.data.data[0]!.flags.find((flag) => flag.flag === "sdk-renders")?.value).toBe(true)
    expect(bulk.data.data[0]!.creditBalances?.[credit.data.id]).toMatchObject({ remaining: 3 })
    expect((await client.companies.listCompanies({ creditTypeIds: [credit.data.id] })).data).toHaveLength(1)

    await client.entitlements.updatePlanEntitlement(entitlement.data.id, { valueType: "boolean", valueBool: true })
    expect((await client.entitlements.countCompanyOverrides({ companyId: company.data.id })).data.count).toBe(0)
    await client.entitlements.deletePlanEntitlement(entitlement.data.id)
    expect((await check()).data.value).toBe(false)
  })

  it("refuses bad input with the field named", async () => {
    await expect(
      client.credits.grantBillingCreditsToCompany({
        companyId: "comp_missing",
        creditId: "bcrd_missing",
        quantity: 1,
        reason: "free"
      })
    ).rejects.toMatchObject({ statusCode: 400, body: { error: expect.stringMatching(/^company_id: /) } })
  })
})
