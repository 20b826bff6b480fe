import { Schema } from "effect"

/**
 * A described field whose failures read as `must be ...` rather than echoing the description. The
 * description goes to JSON Schema (and so to agents and OpenAPI); the message to callers who got it wrong.
 */
export const field = <S extends Schema.Schema.Any>(schema: S, description: string, mustBe: string): S =>
  schema.annotations({ description, message: () => `must be ${mustBe}` }) as S

/** Your identifiers for a company or user: 1 to 100 entries, non-empty names and values. */
export const RequiredKeyMap = Schema.Record({
  key: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)).annotations({
    message: () => "key names must be 1 to 255 characters"
  }),
  value: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1024)).annotations({
    message: () => "must be text of 1 to 1024 characters"
  })
})
  .pipe(
    Schema.filter(
      (keys) => {
        const count = Object.keys(keys).length
        return (count >= 1 && count <= 100) || "must have between 1 and 100 keys"
      },
      { jsonSchema: { minProperties: 1, maxProperties: 100 } }
    )
  )
  .annotations({
    description:
      'Your own identifiers, key name to value, e.g. {"stripe_customer_id": "cus_123"}. Matching on any key finds the existing record.'
  })

export const TraitsInput = Schema.Record({
  key: Schema.String.pipe(Schema.maxLength(255)),
  value: Schema.Unknown
}).annotations({
  description: "Attributes to set, trait name to any JSON value; traits not named are kept"
})

export const Limit = Schema.optionalWith(
  field(
    Schema.Int.pipe(Schema.between(1, 250)),
    "Rows per page, 1 to 250 (default 100)",
    "a whole number from 1 to 250"
  ),
  { default: () => 100 }
)

export const Offset = Schema.optionalWith(
  field(Schema.Int.pipe(Schema.between(0, 1_000_000_000)), "Rows to skip (default 0)", "a whole number >= 0"),
  { default: () => 0 }
)

export const Search = Schema.optional(
  field(Schema.String.pipe(Schema.maxLength(512)), "Search text: name or a key value", "text of at most 512 characters")
)

export const Id = (prefix: string, what: string) =>
  field(
    Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
    `Schematic's id of the ${what} (${prefix}...)`,
    `an id like ${prefix}... (1 to 255 characters)`
  )

/** An ISO 8601 date-time string. */
export const DateTime = Schema.String.pipe(
  Schema.filter((value) => !Number.isNaN(Date.parse(value)), {
    jsonSchema: { format: "date-time" },
    message: () => "must be an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z"
  })
)

/** No input at all: an empty object, and (unlike a bare empty struct) nothing else. */
export const EmptyInput = Schema.Struct({}).pipe(
  Schema.filter((input) => {
    const extra = Object.keys(input)
    return extra.length === 0 || { path: [extra[0]!], message: "is unexpected: this operation takes no input" }
  })
)

/** Naming a company: by Schematic's id or by any of your keys (exactly one of the two). */
export const companyRefFields = {
  company_id: Schema.optional(Id("comp_", "company")),
  keys: Schema.optional(
    RequiredKeyMap.annotations({
      description:
        'Any of the company\'s keys instead of its id, e.g. {"stripe_customer_id": "cus_123"} (REST: keys[stripe_customer_id]=cus_123)'
    })
  )
}

/** Naming a feature: by Schematic's id or by its flag key (exactly one of the two). */
export const featureRefFields = {
  feature_id: Schema.optional(
    field(
      Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512)),
      "The feature's id (feat_...); in a REST path its flag key also works",
      "a feature id or flag key of 1 to 512 characters"
    )
  ),
  feature_key: Schema.optional(
    field(
      Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512)),
      'The feature\'s flag key, e.g. "api-calls"',
      "a flag key of 1 to 512 characters"
    )
  )
}

/** Refuses an input that names a thing in neither or both of two ways, naming the fields. */
export const exactlyOne =
  (first: string, second: string) =>
  <A extends Readonly<Record<string, unknown>>>(input: A) => {
    const given = [first, second].filter((name) => input[name] !== undefined)
    if (given.length === 1) return true
    return {
      path: [given.length === 0 ? first : second],
      message: given.length === 0 ? `is required (or ${second})` : `give ${first} or ${second}, not both`
    }
  }

/** A list of ids to narrow a listing to (at most 100). */
export const Ids = (prefix: string, what: string) =>
  Schema.optional(
    Schema.Array(Id(prefix, what))
      .pipe(Schema.maxItems(100))
      .annotations({
        description: `Only these ${what}s, by Schematic's ids (${prefix}...; at most 100; REST: repeat the parameter)`
      })
  )
