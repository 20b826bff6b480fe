import { Schema } from "effect"

/**
 * A described field whose failures read as `must be ...` rather than echoing the description. The
 * description goes to JSON Schema (and so to agents and OpenAPI); the message to callers who got it wrong.
 */
export const field = <S extends Schema.Schema.Any>(schema: S, description: string, mustBe: string): S =>
  // `override`: a union's own message, not the first of its members' ("Expected boolean" for a number out of range).
  schema.annotations({ description, message: () => ({ message: `must be ${mustBe}`, override: true }) }) as S

/**
 * Text without a lone surrogate (half of a UTF-16 pair): ids and keys go into URLs, which cannot carry one. Tested
 * code unit by code unit, as Effect and the compiled check both test patterns.
 */
export const WELL_FORMED = /^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/

/** Text with something in it besides white space: a key of spaces alone is as empty as no key. */
export const NOT_BLANK = /\S/

/** Text of `min` to `max` characters that is well formed and, when `min` is 1 or more, not blank. */
export const Text = (min: number, max: number) => {
  const sized = Schema.String.pipe(Schema.minLength(min), Schema.maxLength(max), Schema.pattern(WELL_FORMED))
  return min > 0 ? sized.pipe(Schema.pattern(NOT_BLANK)) : sized
}

/** Your identifiers for a company or user: 1 to 100 entries, non-empty names and values. */
export const RequiredKeyMap = Schema.Record({
  key: Text(1, 255).annotations({
    message: () => ({ message: "key names must be 1 to 255 characters, not only spaces", override: true })
  }),
  value: Text(1, 1024).annotations({
    message: () => ({ message: "must be text of 1 to 1024 characters, not only spaces", override: true })
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
  description: "Traits to set; others are kept"
})

/**
 * An optional whole number from `min` to `max`, `fallback` when it is left out. `what` begins its description, which
 * then gives the range and the default (`Rows per page, 1 to 250 (default 25)`).
 */
export const OptionalWholeNumber = (what: string, min: number, max: number, fallback: number) =>
  Schema.optionalWith(
    field(
      Schema.Int.pipe(Schema.between(min, max)),
      `${what}, ${min} to ${max} (default ${fallback})`,
      `a whole number from ${min} to ${max}`
    ),
    { default: () => fallback }
  )

export const Limit = OptionalWholeNumber("Rows per page", 1, 250, 25)

export const Offset = Schema.optionalWith(
  field(Schema.Int.pipe(Schema.between(0, 1_000_000_000)), "Rows to skip (default 0)", "a whole number >= 0"),
  { default: () => 0 }
)

export const Search = Schema.optional(
  field(Schema.String.pipe(Schema.maxLength(512)), "Search text: name or a key value", "text of at most 512 characters")
)

export const Id = (prefix: string, what: string) =>
  field(Text(1, 255), `Schematic's id of the ${what} (${prefix}...)`, `an id like ${prefix}... (1 to 255 characters)`)

/** An ISO 8601 date-time string. */
export const DateTime = Schema.String.pipe(
  Schema.filter((value) => !Number.isNaN(Date.parse(value)), {
    jsonSchema: { format: "date-time" },
    message: () => "must be an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z"
  })
)

/** An ISO 8601 date-time after the moment the input is decoded: an end date, an expiry. */
export const FutureDateTime = DateTime.pipe(
  Schema.filter((value) => Date.parse(value) > Date.now() || "must be in the future")
)

/** A feature's limit: a whole number of units, within what Schematic stores. */
export const FeatureLimit = Schema.Int.pipe(Schema.between(0, 1_000_000_000_000))

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
      Text(1, 512),
      "The feature's id (feat_...); in a REST path its flag key also works",
      "a feature id or flag key of 1 to 512 characters"
    )
  ),
  feature_key: Schema.optional(
    field(Text(1, 512), 'The feature\'s flag key, e.g. "api-calls"', "a flag key of 1 to 512 characters")
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

/** Refuses an input that names a thing in two ways at once, naming the second field (neither is fine). */
export const atMostOne =
  (first: string, second: string) =>
  <A extends Readonly<Record<string, unknown>>>(input: A) =>
    input[first] !== undefined && input[second] !== undefined
      ? { path: [second], message: `give ${first} or ${second}, not both` }
      : true

/** A list of ids to narrow a listing to (at most 100). */
export const Ids = (prefix: string, what: string, plural = `${what}s`) =>
  Schema.optional(
    Schema.Array(Id(prefix, what))
      .pipe(Schema.maxItems(100))
      .annotations({
        description: `Only these ${plural}, by Schematic's ids (${prefix}...; REST: repeat the parameter)`
      })
  )

/** Naming a credit type: by Schematic's id or by its name (exactly one of the two). */
export const creditRefFields = {
  credit_id: Schema.optional(Id("bcrd_", "credit type")),
  credit: Schema.optional(
    field(Text(1, 255), 'The credit type\'s name, e.g. "AI credits"', "a name of 1 to 255 characters")
  )
}
