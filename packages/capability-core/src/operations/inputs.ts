import { Schema } from "effect"

/** Your identifiers for a company or user: 1 to 100 entries, non-empty names and values. */
export const RequiredKeyMap = Schema.Record({
  key: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  value: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1024))
})
  .pipe(
    Schema.filter((keys) => {
      const count = Object.keys(keys).length
      return (count >= 1 && count <= 100) || "must have between 1 and 100 keys"
    })
  )
  .annotations({
    description:
      "Your own identifiers, key name to value, e.g. {\"stripe_customer_id\": \"cus_123\"}. Matching on any key finds the existing record."
  })

export const TraitsInput = Schema.Record({ key: Schema.String.pipe(Schema.maxLength(255)), value: Schema.Unknown }).annotations({
  description: "Attributes to set, trait name to any JSON value; traits not named are kept"
})

export const Limit = Schema.optionalWith(
  Schema.Int.pipe(Schema.between(1, 250)).annotations({ description: "Rows per page, 1 to 250 (default 100)" }),
  { default: () => 100 }
)

export const Offset = Schema.optionalWith(
  Schema.Int.pipe(Schema.between(0, 1_000_000_000)).annotations({ description: "Rows to skip (default 0)" }),
  { default: () => 0 }
)

export const Search = Schema.optional(
  Schema.String.pipe(Schema.maxLength(512)).annotations({ description: "Search text: name or a key value" })
)

export const Id = (prefix: string, what: string) =>
  Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)).annotations({
    description: `Schematic's id of the ${what} (${prefix}...)`
  })
