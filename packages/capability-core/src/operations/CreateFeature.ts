import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { FeatureDetail, featureOf } from "../internal/catalogue.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import { field, Text } from "./inputs.js"

const Key = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512), Schema.pattern(/^[a-z0-9][a-z0-9_-]*$/))

export const CreateFeatureInput = Schema.Struct({
  name: field(Text(1, 512), "The feature's name, e.g. SSO or API calls", "text of 1 to 512 characters"),
  type: Schema.Literal("on_off", "metered", "trait").annotations({
    description: "on_off, metered (by event_name) or trait (counted by a company trait)"
  }),
  event_name: Schema.optional(
    field(
      Text(1, 255),
      "For metered: the track event that counts it, e.g. api-call",
      "an event name of 1 to 255 characters"
    )
  ),
  trait: Schema.optional(
    field(Text(1, 255), "For trait: the company trait that counts it, e.g. seats", "a trait name")
  ),
  key: Schema.optional(
    field(
      Key,
      "Its flag key, what apps check (default: from the name, e.g. api-calls)",
      "lower-case letters, digits, - and _"
    )
  ),
  description: Schema.optional(
    field(Schema.String.pipe(Schema.maxLength(1024)), "What it is", "at most 1024 characters")
  )
}).pipe(
  Schema.filter((input) => {
    if (input.type === "metered" && input.event_name === undefined) {
      return { path: ["event_name"], message: "is required for a metered feature" }
    }
    if (input.type === "trait" && input.trait === undefined)
      return { path: ["trait"], message: "is required for a trait feature" }
    if (input.type !== "metered" && input.event_name !== undefined) {
      return { path: ["event_name"], message: "is for a metered feature only" }
    }
    if (input.type !== "trait" && input.trait !== undefined)
      return { path: ["trait"], message: "is for a trait feature only" }
    return true
  })
)

/** A flag key from a name: "API calls" is api-calls. */
const keyFrom = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "") || "feature"

export const createFeature = Operation.make({
  name: "create-feature",
  title: "Create a feature",
  description:
    'Create a feature and its flag: on_off, metered (event_name) or trait. Example: {"name": "AI generations", "type": "metered", "event_name": "ai-generation"}',
  input: CreateFeatureInput,
  output: FeatureDetail,
  hints: Operation.hints.createsInSchematic,
  scope: "admin",
  toolset: "catalogue",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "POST", paths: ["/v1/features"], status: 201 },
  handler: (input) =>
    Effect.gen(function* () {
      const key = input.key ?? keyFrom(input.name)
      const description = input.description ?? input.name
      const created = yield* withSchematic((client) =>
        client.features.create({
          name: input.name,
          description,
          feature_type: input.type === "on_off" ? "boolean" : input.type === "metered" ? "event" : "trait",
          ...(input.event_name === undefined ? {} : { event_subtype: input.event_name }),
          ...(input.trait === undefined ? {} : { trait_id: input.trait }),
          flag: { key, name: input.name, description, default_value: false, flag_type: "boolean" }
        })
      )
      return yield* featureOf(created.id)
    })
})
