import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { CheckEntitlementOutput, checkOf } from "./CheckEntitlement.js"
import { field, Id, RequiredKeyMap } from "./inputs.js"

const CompanyRef = Schema.Struct({
  company_id: Schema.optional(Id("comp_", "company")),
  keys: Schema.optional(RequiredKeyMap)
}).pipe(
  Schema.filter((ref) =>
    (ref.company_id === undefined) === (ref.keys === undefined)
      ? { path: ["company_id"], message: "give company_id or keys, one of the two" }
      : true
  )
)

export const CheckEntitlementsInput = Schema.Struct({
  companies: Schema.Array(CompanyRef)
    .pipe(Schema.minItems(1), Schema.maxItems(100))
    .annotations({ description: "The companies, each by company_id or keys (1 to 100)" }),
  feature_keys: Schema.Array(
    field(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512)), "A feature's flag key", "a flag key")
  )
    .pipe(Schema.minItems(1), Schema.maxItems(50))
    .annotations({ description: "The features, by flag key (1 to 50)" })
})

export const CheckEntitlementsOutput = Schema.Struct({
  results: Schema.Array(
    Schema.Struct({
      company: Schema.Struct({ id: Schema.NullOr(Schema.String), keys: Views.KeyMap }).annotations({
        description: "The company checked (id null when no company has those keys)"
      }),
      checks: Schema.Array(CheckEntitlementOutput)
    })
  )
})

export const checkEntitlements = Operation.make({
  name: "check-entitlements",
  title: "Check entitlements in bulk",
  description:
    'check-entitlement for up to 100 companies at once. Example: {"companies": [{"company_id": "comp_1"}], "feature_keys": ["sso"]}',
  input: CheckEntitlementsInput,
  output: CheckEntitlementsOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "usage",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "POST", paths: ["/v1/entitlements/check-bulk"], status: 200 },
  handler: (input) =>
    Effect.gen(function* () {
      // A check names a company by its keys: those given by id are looked up, all in one call.
      const ids = input.companies.flatMap((ref) => (ref.company_id === undefined ? [] : [ref.company_id]))
      const found = ids.length === 0 ? [] : yield* withSchematic((client) => client.companies.list({ ids, limit: 250 }))
      const keysOf = new Map(found.map((company) => [company.id, Views.company(company).keys]))
      const missing = ids.filter((id) => !keysOf.has(id))
      if (missing.length > 0) {
        return yield* CapabilityError.invalidFields(
          input.companies.flatMap((ref, index) =>
            ref.company_id !== undefined && missing.includes(ref.company_id)
              ? [{ path: `companies.${index}.company_id`, message: "names no company" }]
              : []
          )
        )
      }
      const contexts = input.companies.map((ref) => ref.keys ?? keysOf.get(ref.company_id!)!)
      const answers = yield* withSchematic((client) =>
        client.flags.checkBulk({ contexts: contexts.map((company) => ({ company })) })
      )
      return {
        results: contexts.map((keys, index) => {
          const answer = answers[index]
          const companyId = answer?.flags.find((flag) => flag.company_id)?.company_id ?? null
          return {
            company: { id: companyId, keys },
            checks: input.feature_keys.map((key) => {
              const check = answer?.flags.find((flag) => flag.flag === key)
              return check === undefined
                ? {
                    ...checkOf({ flag: key, value: false, reason: "No flag has this key" }),
                    feature_key: key
                  }
                : checkOf(check)
            })
          }
        })
      }
    })
})
