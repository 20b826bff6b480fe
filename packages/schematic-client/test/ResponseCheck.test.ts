/**
 * Answers from Schematic are checked first by a check compiled from the response schema's JSON Schema
 * (`SchemaCheck`, keys the schema does not name let through). Its yes must be `Schema.is`'s yes, on generated
 * answers, on the same answers with keys Schematic may add, and on arbitrary JSON; and it must say yes to the
 * valid answers (but those holding a key named __proto__), or the fast path never runs.
 */
import { describe, expect, it } from "@effect/vitest"
import { SchemaCheck } from "@schematic-capability/schema-check"
import { Arbitrary, FastCheck as fc, Schema } from "effect"
import {
  Billing,
  Company,
  CompanyOverride,
  Credit,
  Entitlement,
  Event,
  Feature,
  Insights,
  Plan,
  User
} from "../src/index.js"

const RUNS = Number(process.env.FUZZ_RUNS ?? 150)

const responses = {
  companies: Schema.Array(Company.Company),
  company: Company.Company,
  users: Schema.Array(User.User),
  overrides: Schema.Array(CompanyOverride.CompanyOverride),
  events: Schema.Array(Event.Event),
  features: Schema.Array(Feature.Feature),
  plans: Schema.Array(Plan.Plan),
  summary: Insights.InsightsSummary,
  growth: Insights.PlanGrowth,
  top: Insights.TopFeatures,
  customers: Schema.Array(Billing.Customer),
  subscription: Billing.Subscription,
  grants: Schema.Array(Credit.Grant),
  balances: Schema.Array(Credit.Balance),
  ledger: Schema.Array(Credit.LedgerEntry),
  planEntitlements: Schema.Array(Entitlement.PlanEntitlement),
  bulkChecks: Entitlement.FlagChecksBulk
}

/** Adds a key the schema does not name to every object inside `value`. */
const withExtraKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withExtraKeys)
  if (typeof value !== "object" || value === null) return value
  const copy: Record<string, unknown> = { added_upstream: [1, "two"] }
  for (const [key, field] of Object.entries(value)) copy[key] = withExtraKeys(field)
  return copy
}

describe("the compiled check of Schematic's answers", () => {
  for (const [name, data] of Object.entries(responses)) {
    const envelope = Schema.Struct({ data })
    const accept = SchemaCheck.acceptorOf(envelope, { excessProperties: "allow" })
    const is = Schema.is(envelope)

    it(`${name}: compiles, and says yes exactly when Schema.is does`, () => {
      expect(accept).toBeDefined()
      let valid = 0
      fc.assert(
        fc.property(Arbitrary.make(envelope), (answer) => {
          // Through JSON, as answers arrive (no undefined fields, no -0).
          const wire = JSON.parse(JSON.stringify(answer))
          for (const candidate of [wire, withExtraKeys(wire)]) {
            // A key named __proto__ always goes the slow way (see SchemaCheck): there, only a yes would be wrong.
            if (JSON.stringify(candidate).includes('"__proto__"')) {
              if (accept!(candidate)) expect(is(candidate)).toBe(true)
              continue
            }
            expect(accept!(candidate)).toBe(is(candidate))
            if (is(candidate)) valid++
          }
        }),
        { numRuns: RUNS }
      )
      expect(valid).toBeGreaterThan(0)
      fc.assert(
        fc.property(fc.jsonValue(), (json) => {
          if (accept!({ data: json })) expect(is({ data: json })).toBe(true)
        }),
        { numRuns: RUNS }
      )
    })
  }
})

/**
 * Requests are checked the same way before they are sent (`validate`): the compiled check first, `Schema.is` on
 * its no. Its yes must be `Schema.is`'s yes, on generated requests (as callers build them, not through JSON) and
 * on arbitrary JSON.
 */
const requests = {
  listCompanies: Company.ListCompaniesParams,
  countCompanies: Company.CountCompaniesParams,
  upsertCompany: Company.UpsertCompanyBody,
  updateCompanyPlans: Company.UpdateCompanyPlansBody,
  listUsers: User.ListUsersParams,
  upsertUser: User.UpsertUserBody,
  createEvent: Event.CreateEventBody,
  createEventBatch: Event.CreateEventBatchBody,
  listEvents: Event.ListEventsParams,
  listFeatures: Feature.ListFeaturesParams,
  createFeature: Feature.CreateFeatureBody,
  listPlans: Plan.ListPlansParams,
  createPlan: Plan.CreatePlanBody,
  listOverrides: CompanyOverride.ListCompanyOverridesParams,
  createOverride: CompanyOverride.CreateCompanyOverrideBody,
  updateOverride: CompanyOverride.UpdateCompanyOverrideBody,
  planGrowth: Insights.PlanGrowthParams,
  topFeatures: Insights.TopFeaturesParams
}

describe("the compiled check of requests", () => {
  for (const [name, schema] of Object.entries(requests)) {
    // biome-ignore lint/suspicious/noExplicitAny: any request schema
    const plain = schema as Schema.Schema<any, any, never>
    const accept = SchemaCheck.acceptorOf(plain, { excessProperties: "allow" })
    const is = Schema.is(plain)

    it(`${name}: compiles, and its yes is Schema.is's yes`, () => {
      expect(accept).toBeDefined()
      let agreed = 0
      fc.assert(
        fc.property(Arbitrary.make(plain), (request) => {
          for (const candidate of [request, withExtraKeys(request)]) {
            if (accept!(candidate)) {
              expect(is(candidate)).toBe(true)
              agreed++
            }
          }
        }),
        { numRuns: RUNS }
      )
      expect(agreed).toBeGreaterThan(0)
      fc.assert(
        fc.property(fc.jsonValue(), (json) => {
          if (accept!(json)) expect(is(json)).toBe(true)
        }),
        { numRuns: RUNS }
      )
    })
  }
})
