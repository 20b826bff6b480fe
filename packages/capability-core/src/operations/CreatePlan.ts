import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { PlanDetail, planOf } from "../internal/catalogue.js"
import { present } from "../internal/present.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import { field, Text } from "./inputs.js"

const Price = field(
  Schema.Int.pipe(Schema.between(0, 100_000_000_000)),
  "A price in minor units (4900 is 49.00)",
  "a whole number of minor units >= 0"
)

export const CreatePlanInput = Schema.Struct({
  name: field(Text(1, 256), "The plan's name, as customers see it", "text of 1 to 256 characters"),
  type: Schema.Literal("plan", "add_on").annotations({ description: "plan: a base plan; add_on: bought on top" }),
  description: Schema.optional(
    field(Schema.String.pipe(Schema.maxLength(1024)), "What it is for", "at most 1024 characters")
  ),
  billing: Schema.optional(
    Schema.Struct({
      product_id: field(
        Text(1, 255),
        "The billing system's product id it is sold as, e.g. prod_...",
        "a product id of 1 to 255 characters"
      ),
      monthly_price: Schema.optional(Price),
      yearly_price: Schema.optional(Price),
      currency: Schema.optional(
        field(Schema.String.pipe(Schema.pattern(/^[a-z]{3}$/)), "ISO currency (default usd)", "3 lower-case letters")
      ),
      trial_days: Schema.optional(
        field(Schema.Int.pipe(Schema.between(1, 365)), "Days of free trial a company gets once", "1 to 365 days")
      )
    }).annotations({ description: "Links it to its billing product, with prices and a trial" })
  )
})

export const createPlan = Operation.make({
  name: "create-plan",
  title: "Create a plan or add-on",
  description:
    'Create a plan or add-on, optionally with billing product, prices and trial. Example: {"name": "Scale", "type": "plan"}',
  input: CreatePlanInput,
  output: PlanDetail,
  hints: Operation.hints.createsInSchematic,
  scope: "admin",
  toolset: "catalogue",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "POST", paths: ["/v1/plans"], status: 201 },
  handler: (input) =>
    Effect.gen(function* () {
      const plan = yield* withSchematic((client) =>
        client.plans.create({ name: input.name, plan_type: input.type, description: input.description ?? "" })
      )
      const billing = input.billing
      if (billing !== undefined) {
        yield* withSchematic((client) =>
          Effect.flatMap(
            client.billing.upsertProduct({
              external_id: billing.product_id,
              price: (billing.monthly_price ?? billing.yearly_price ?? 0) / 100,
              name: input.name
            }),
            (product) =>
              client.plans.setBilling(plan.id, {
                charge_type:
                  billing.monthly_price === undefined && billing.yearly_price === undefined ? "free" : "recurring",
                is_trialable: billing.trial_days !== undefined,
                billing_product_id: product.product_id,
                ...present({
                  trial_days: billing.trial_days,
                  currency: billing.currency,
                  monthly_price: billing.monthly_price,
                  yearly_price: billing.yearly_price
                })
              })
          )
        ).pipe(
          // The plan exists by now: the caller is told so, with its id, rather than retrying into a second one.
          Effect.mapError(
            CapabilityError.after(`The plan ${plan.id} was created; linking it to its billing product failed`)
          )
        )
      }
      return yield* planOf(plan.id)
    })
})
