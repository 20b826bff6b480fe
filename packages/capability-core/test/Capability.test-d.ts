/**
 * `Capability.run` is typed by the operation's name: what it takes and what it answers are checked as the program is
 * compiled (`pnpm typecheck` compiles this file; `@ts-expect-error` fails the check when a refusal stops being one).
 */
import type { Effect } from "effect"
import { describe, expectTypeOf, it } from "vitest"
import { Capability, type CapabilityError, type Operations } from "../src/index.js"

describe("Capability.run", () => {
  it("answers the operation's output, fails with CapabilityError, needs the operations' services", () => {
    const got = Capability.run("get-company", { keys: { stripe_customer_id: "cus_1" } })
    expectTypeOf(got).toEqualTypeOf<
      Effect.Effect<Operations.Output<"get-company">, CapabilityError.CapabilityError, Operations.Requirements>
    >()
    expectTypeOf<Effect.Effect.Success<typeof got>>().toHaveProperty("entitlements")
    expectTypeOf<Effect.Effect.Success<typeof got>["id"]>().toEqualTypeOf<string>()
    expectTypeOf<Effect.Effect.Error<typeof got>>().toHaveProperty("code")
    expectTypeOf<Effect.Effect.Error<typeof got>["fields"]>().toEqualTypeOf<
      ReadonlyArray<CapabilityError.FieldIssue> | undefined
    >()
  })

  it("takes the encoded input: optional fields with defaults may be left out", () => {
    expectTypeOf(Capability.run("list-companies", {})).toEqualTypeOf<
      Effect.Effect<Operations.Output<"list-companies">, CapabilityError.CapabilityError, Operations.Requirements>
    >()
    expectTypeOf<Operations.Input<"list-companies">["limit"]>().toEqualTypeOf<number | undefined>()
    expectTypeOf<Operations.Output<"create-event">["status"]>().toEqualTypeOf<"queued" | "delivered">()
    expectTypeOf<"get-company">().toExtend<Operations.OperationName>()
  })

  it("refuses a misspelled name, a field it does not have, a field of the wrong type, a missing field", () => {
    // @ts-expect-error: no operation is named get-compny
    Capability.run("get-compny", { keys: { stripe_customer_id: "cus_1" } })
    // @ts-expect-error: get-company has no field key
    Capability.run("get-company", { key: { stripe_customer_id: "cus_1" } })
    // @ts-expect-error: a key's value is text
    Capability.run("get-company", { keys: { stripe_customer_id: 1 } })
    // @ts-expect-error: upsert-company needs keys
    Capability.run("upsert-company", { name: "Acme" })
    // @ts-expect-error: limit is a number
    Capability.run("list-companies", { limit: "5" })
    // @ts-expect-error: an MCP name with its flat shape is for runUnknown
    Capability.run("track-usage-event", { event: "api-call", company: { crm_id: "1" } })
    expectTypeOf(Capability.runUnknown("track-usage-event", {})).toEqualTypeOf<
      Effect.Effect<unknown, CapabilityError.CapabilityError, Operations.Requirements>
    >()
  })
})
