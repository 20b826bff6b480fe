/**
 * The OpenAPI 3.1 document of the REST API, generated from the operations' own schemas.
 *
 * @since 0.1.0
 */
import { JsonSchemas, type Operation } from "@schematic-capability/capability-core"

export interface Info {
  readonly title: string
  readonly version: string
  readonly description?: string | undefined
}

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message", "request_id"],
      properties: {
        code: {
          type: "string",
          description: "Stable machine-readable code, e.g. invalid_input, not_found, rate_limited"
        },
        message: { type: "string", description: "What went wrong, for a person" },
        fields: {
          type: "array",
          description: "For invalid_input: each offending field and why",
          items: {
            type: "object",
            required: ["path", "message"],
            properties: { path: { type: "string" }, message: { type: "string" } }
          }
        },
        request_id: {
          type: "string",
          description: "Also in the X-Request-Id header; quote it when reporting a problem"
        }
      }
    }
  }
} as const

const errorResponses: Record<string, string> = {
  "400": "Invalid input (code invalid_input, with fields) or refused by Schematic (upstream_rejected)",
  "404": "Not found",
  "413": "Request body too large",
  "415": "Body is not application/json",
  "429": "Rate limited; see Retry-After",
  "502": "Schematic failed or answered unexpectedly",
  "503": "Schematic cannot be reached",
  "504": "Schematic did not answer in time"
}

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } }
})

/** Query parameters of a GET: one per property of the input schema. */
const queryParameters = (input: JsonSchemas.JsonSchemaObject) => {
  const properties = (input.properties ?? {}) as Record<string, Record<string, unknown>>
  const required = new Set((input.required ?? []) as ReadonlyArray<string>)
  return Object.entries(properties).map(([name, schema]) => ({
    name,
    in: "query",
    required: required.has(name),
    ...(typeof schema.description === "string" ? { description: schema.description } : {}),
    schema
  }))
}

export const make = (operations: ReadonlyArray<Operation.Operation>, info: Info) => {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const operation of operations) {
    const input = JsonSchemas.of(operation.input)
    const output = JsonSchemas.of(operation.output)
    const [canonical, ...aliases] = operation.rest.paths
    for (const path of [canonical, ...aliases]) {
      const method = operation.rest.method.toLowerCase()
      paths[path] = {
        ...paths[path],
        [method]: {
          operationId: path === canonical ? operation.name : `${operation.name}${path.replaceAll("/", "-")}`,
          summary: operation.title,
          description:
            path === canonical ? operation.description : `The same as ${operation.rest.method} ${canonical}.`,
          tags: [operation.scope === "read" ? "read" : "write"],
          "x-scope": operation.scope,
          "x-hints": operation.hints,
          ...(operation.rest.method === "GET"
            ? { parameters: queryParameters(input) }
            : { requestBody: { required: true, content: { "application/json": { schema: input } } } }),
          responses: {
            [String(operation.rest.status)]: {
              description: operation.title,
              content: { "application/json": { schema: output } }
            },
            ...Object.fromEntries(
              Object.entries(errorResponses)
                .filter(([status]) => operation.rest.method === "POST" || (status !== "413" && status !== "415"))
                .map(([status, description]) => [status, errorResponse(description)])
            )
          }
        }
      }
    }
  }
  const plain = (description: string, schema: Record<string, unknown>) => ({
    get: {
      operationId: description.split(" ")[0]!.toLowerCase(),
      summary: description,
      tags: ["service"],
      responses: {
        "200": { description, content: { "application/json": { schema } } },
        "503": errorResponse("Not ready")
      }
    }
  })
  paths["/healthz"] = plain("Liveness: the process answers", {
    type: "object",
    properties: { status: { const: "ok" } }
  })
  paths["/readyz"] = plain("Readiness: Schematic is reachable with the server's key", {
    type: "object",
    properties: { status: { const: "ready" } }
  })
  return {
    openapi: "3.1.0",
    info: { title: info.title, version: info.version, ...(info.description ? { description: info.description } : {}) },
    tags: [
      { name: "read", description: "Operations that read (scope read)" },
      { name: "write", description: "Operations that change data (scope write)" },
      { name: "service", description: "Health and readiness" }
    ],
    paths,
    components: { schemas: { Error: errorSchema } }
  }
}
