import { describe, expect, it } from "@effect/vitest"
import { Operations } from "@schematic-capability/capability-core"
import { Either, Schema } from "effect"
import { examples } from "../src/internal/examples.js"
import * as OpenApiDocument from "../src/OpenApiDocument.js"

const decodes = (schema: Schema.Schema.AnyNoContext, value: unknown) => {
  const result = Schema.decodeUnknownEither(schema, { onExcessProperty: "error" })(value)
  return Either.isRight(result) ? "ok" : String(result.left)
}

describe("the documentation's examples", () => {
  it("each operation has a request and a response example, and each decodes with the operation's schemas", () => {
    for (const operation of Operations.all) {
      const example = examples[operation.name]
      expect(example, operation.name).toBeDefined()
      expect(decodes(operation.input, example?.request), `${operation.name} request`).toBe("ok")
      expect(decodes(operation.output, example?.response), `${operation.name} response`).toBe("ok")
    }
  })

  it("the OpenAPI document shows them: parameters, bodies and answers", () => {
    const document = OpenApiDocument.make(Operations.all, { title: "t", version: "1" })
    const at = (...path: ReadonlyArray<string | number>): unknown =>
      path.reduce<unknown>((value, key) => (value as Record<string | number, unknown> | undefined)?.[key], document)
    const getCompany = ["paths", "/v1/companies/{company_id}", "get"]
    expect(at(...getCompany, "parameters", 0, "example")).toMatch(/^comp_/)
    expect(at(...getCompany, "responses", "200", "content", "application/json", "example", "keys")).toMatchObject({
      stripe_customer_id: "cus_demo007"
    })
    const override = ["paths", "/v1/companies/{company_id}/overrides/{feature_id}", "put", "requestBody", "content"]
    expect(at(...override, "application/json", "example")).toMatchObject({ value: 50000 })
    expect(at(...override, "application/json", "example", "company_id")).toBeUndefined()
    for (const operation of Operations.all) {
      const [path] = operation.rest.paths
      const answer = at("paths", path!, operation.rest.method.toLowerCase(), "responses", String(operation.rest.status))
      expect(at.call(null, "paths", path!), operation.name).toBeDefined()
      expect(
        (answer as { content: Record<string, { example?: unknown }> }).content["application/json"]?.example,
        operation.name
      ).toBeDefined()
    }
  })
})
