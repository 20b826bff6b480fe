/**
 * Credit types named by id or by name, and a company's grants as the credit operations answer them.
 */
import type { Company, Credit, SchematicClient } from "@schematic-capability/schematic-client"
import { Effect, Schema } from "effect"
import { CapabilityError } from "../CapabilityError.js"
import * as Resolve from "./resolve.js"
import { withSchematic } from "./schematic.js"

export interface CreditRef {
  readonly credit_id?: string | undefined
  readonly credit?: string | undefined
}

/** The credit type `ref` names (by id, or by its name, case aside); `not_found` naming the field when none. */
export const creditType = (
  ref: CreditRef
): Effect.Effect<Credit.CreditType, CapabilityError, SchematicClient.SchematicClient> => {
  if (ref.credit_id !== undefined) {
    const id = ref.credit_id
    return withSchematic((client) => client.credits.getType(id)).pipe(
      Effect.catchIf(
        (error) => error.code === "not_found",
        () => Effect.fail(unknownCredit("credit_id", `No credit type ${id}`))
      )
    )
  }
  const name = ref.credit ?? ""
  return Effect.flatMap(
    withSchematic((client) => client.credits.listTypes({ name, limit: 100 })),
    (types) => {
      const found = types.find((type) => type.name.toLowerCase() === name.toLowerCase())
      return found === undefined
        ? Effect.fail(unknownCredit("credit", `No credit type is named ${name}`))
        : Effect.succeed(found)
    }
  )
}

/**
 * The company `ref` names and, when it names one too, the credit type to narrow to (undefined: every credit type);
 * both looked up at once.
 */
export const companyAndCreditType = (
  ref: Resolve.CompanyRef & CreditRef
): Effect.Effect<
  readonly [Company.Company, Credit.CreditType | undefined],
  CapabilityError,
  SchematicClient.SchematicClient
> =>
  Effect.all(
    [
      Resolve.company(ref),
      ref.credit_id === undefined && ref.credit === undefined ? Effect.succeed(undefined) : creditType(ref)
    ],
    { concurrency: 2 }
  )

const unknownCredit = (path: string, message: string) =>
  new CapabilityError({ code: "not_found", message, fields: [{ path, message: "names no credit type" }] })

export const Grant = Schema.Struct({
  id: Schema.String,
  credit_id: Schema.String,
  credit_name: Schema.String,
  quantity: Schema.Number.annotations({ description: "Credits granted" }),
  remaining: Schema.Number,
  used: Schema.Number,
  reason: Schema.String.annotations({ description: "free, adjustment, purchased, plan, rollover, ..." }),
  expires_at: Schema.NullOr(Schema.String),
  zeroed_out: Schema.NullOr(Schema.String).annotations({ description: "Why it was emptied early, if it was" }),
  created_at: Schema.String
})
export type Grant = typeof Grant.Type

export const grant = (upstream: Credit.Grant): Grant => ({
  id: upstream.id,
  credit_id: upstream.credit_id,
  credit_name: upstream.credit_name,
  quantity: upstream.quantity,
  remaining: upstream.quantity_remaining,
  used: upstream.quantity_used,
  reason: upstream.grant_reason,
  expires_at: upstream.expires_at ?? null,
  zeroed_out: upstream.zeroed_out_reason ?? null,
  created_at: upstream.created_at
})

/** Whether a grant can still be drawn on at `now`. */
export const isLive = (upstream: Credit.Grant, now: number) =>
  upstream.quantity_remaining > 0 &&
  (upstream.zeroed_out_date === null || upstream.zeroed_out_date === undefined) &&
  (upstream.expires_at === null || upstream.expires_at === undefined || Date.parse(upstream.expires_at) > now)
