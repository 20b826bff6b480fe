/**
 * The facade is typed by the registry: each method and `run` take the operation's input and answer its output;
 * `pnpm typecheck` compiles this file, so a refusal that stops being one (`@ts-expect-error` unused) fails the check.
 */
import type { Operations } from "@schematic-capability/capability-core"
import { describe, expectTypeOf, it } from "vitest"
import {
  type CapabilityError,
  createCapability,
  type EmbeddedCapability,
  type Input,
  type OperationName,
  type Output
} from "../src/index.js"

declare const cap: EmbeddedCapability

describe("the facade's types", () => {
  it("has one method per operation, in camelCase, answering its output", () => {
    expectTypeOf(cap.upsertCompany).parameter(0).toEqualTypeOf<Input<"upsert-company">>()
    // Both of get-company's fields are optional to the types (the input must have one: a check as it runs).
    expectTypeOf(cap.getCompany).parameter(0).toEqualTypeOf<Input<"get-company"> | undefined>()
    expectTypeOf(cap.getCompany).returns.toEqualTypeOf<Promise<Output<"get-company">>>()
    expectTypeOf(cap.upsertCompany).returns.resolves.toHaveProperty("keys")
    expectTypeOf(cap.createEventBatch).returns.resolves.toEqualTypeOf<Output<"create-event-batch">>()
    expectTypeOf<keyof EmbeddedCapability>().toExtend<string | symbol>()
    expectTypeOf<EmbeddedCapability>().toHaveProperty("getInsightsSummary")
    expectTypeOf<EmbeddedCapability>().toHaveProperty("requeueDeadLetterEvents")
    expectTypeOf<Output<"get-company">["entitlements"]>().toExtend<ReadonlyArray<unknown>>()
  })

  it("run answers what the method answers", () => {
    expectTypeOf(cap.run("get-company", { company_id: "comp_1" })).toEqualTypeOf<Promise<Output<"get-company">>>()
    expectTypeOf(cap.run("list-companies")).toEqualTypeOf<ReturnType<typeof cap.listCompanies>>()
    expectTypeOf(cap.runUnknown("anything", { at: "all" })).toEqualTypeOf<Promise<unknown>>()
    expectTypeOf<OperationName>().toEqualTypeOf<Operations.OperationName>()
  })

  it("leaves input out only where every field is optional", () => {
    expectTypeOf(cap.listCompanies).toBeCallableWith()
    expectTypeOf(cap.listCompanies).toBeCallableWith({ limit: 5 })
    // @ts-expect-error: upsert-company needs its keys
    cap.upsertCompany()
    // @ts-expect-error: so does run
    cap.run("upsert-company")
  })

  it("refuses a misspelled name, a field it does not have, a field of the wrong type", () => {
    // @ts-expect-error: no operation is named get-compny
    cap.run("get-compny", { company_id: "comp_1" })
    // @ts-expect-error: and no method either
    cap.getCompny({ company_id: "comp_1" })
    // @ts-expect-error: get-company has no field company
    cap.getCompany({ company: "comp_1" })
    // @ts-expect-error: nor through run
    cap.run("get-company", { company: "comp_1" })
    // @ts-expect-error: a key's value is text
    cap.getCompany({ keys: { crm_id: 1 } })
    // @ts-expect-error: limit is a number
    cap.run("list-companies", { limit: "5" })
    // @ts-expect-error: an event's type is track or identify
    cap.createEvent({ event_type: "trak", body: { event: "api-call", company: { crm_id: "1" } } })
  })

  it("takes the sandbox or an API key, not neither", () => {
    expectTypeOf(createCapability).toBeCallableWith({ sandbox: true })
    expectTypeOf(createCapability).toBeCallableWith({ sandbox: true, dataDir: "./data", seed: "demo" })
    expectTypeOf(createCapability).toBeCallableWith({ apiKey: "sch_live_1", baseUrl: "https://api.schematichq.com" })
    // @ts-expect-error: an API key, or the sandbox
    createCapability({})
    // @ts-expect-error: the sandbox has no API key
    createCapability({ sandbox: true, apiKey: "sch_live_1" })
    expectTypeOf<Awaited<ReturnType<typeof cap.close>>>().toEqualTypeOf<void>()
    expectTypeOf<CapabilityError["code"]>().toEqualTypeOf<CapabilityError["code"]>()
    expectTypeOf<CapabilityError>().toHaveProperty("fields")
  })
})
