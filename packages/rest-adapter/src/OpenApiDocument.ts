/**
 * The OpenAPI 3.1 document of the REST API, generated from the operations' own schemas, their declared failures and
 * the error table (`CapabilityError.table`): each operation lists the error responses it can give, grouped by status,
 * with the codes behind each.
 *
 * @since 0.1.0
 */
import { CapabilityError, JsonSchemas, type Operation } from "@schematic-capability/capability-core"
import { examples } from "./internal/examples.js"
import { parametersOf } from "./internal/router.js"

export interface Info {
  readonly title: string
  readonly version: string
  readonly description?: string | undefined
}

export interface Options {
  /** Whether callers must present a bearer token (401, 403 and the scheme then apply to every operation). */
  readonly authenticated?: boolean | undefined
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
          enum: Object.keys(CapabilityError.table),
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

/** The failures the adapter itself can answer any operation with, beyond what its handler gives. */
const adapterCodes = (operation: Operation.Operation, options: Options): ReadonlyArray<CapabilityError.ErrorCode> => [
  "invalid_input",
  ...(options.authenticated ? (["unauthorized", "forbidden", "rate_limited"] as const) : []),
  ...(operation.rest.method === "GET" || operation.rest.method === "DELETE"
    ? []
    : (["payload_too_large", "unsupported_media_type"] as const)),
  "internal"
]

/** Error responses by status, each describing the codes that status carries. */
const errorResponses = (codes: ReadonlyArray<CapabilityError.ErrorCode>) => {
  const byStatus = new Map<number, Array<CapabilityError.ErrorCode>>()
  for (const code of new Set(codes)) {
    const status = CapabilityError.table[code].status
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, inStatus]) => [
        String(status),
        {
          description: inStatus.map((code) => `${code}: ${CapabilityError.table[code].description}`).join("; "),
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } }
        }
      ])
  )
}

/** Operations are grouped by the resource their path names: `/v1/companies` is Companies. */
const resourceOf = (path: string) => {
  const name = path.split("/")[2] ?? "service"
  return name.charAt(0).toUpperCase() + name.slice(1)
}

/**
 * The parameters of an operation: its path's (required, from the schema of the field each sets), then, for GET and
 * DELETE, one query parameter per other field of its input. A map (`keys`) is sent as Schematic sends it,
 * `keys[stripe_customer_id]=cus_123` (OpenAPI's deepObject).
 */
const parameters = (
  input: JsonSchemas.JsonSchemaObject,
  inPath: ReadonlyArray<string>,
  query: boolean,
  example: Record<string, unknown> = {}
) => {
  const exampled = (name: string) => (example[name] === undefined ? {} : { example: example[name] })
  const properties = (input.properties ?? {}) as Record<string, Record<string, unknown>>
  const required = new Set((input.required ?? []) as ReadonlyArray<string>)
  const described = (schema: Record<string, unknown>) =>
    typeof schema.description === "string" ? { description: schema.description } : {}
  const path = inPath.map((name) => ({
    name,
    in: "path",
    required: true,
    ...described(properties[name] ?? {}),
    ...exampled(name),
    schema: properties[name] ?? { type: "string" }
  }))
  if (!query) return path
  return [
    ...path,
    ...Object.entries(properties)
      .filter(([name]) => !inPath.includes(name))
      .map(([name, schema]) => ({
        name,
        in: "query",
        required: required.has(name),
        ...described(schema),
        ...(schema.type === "object" ? { style: "deepObject", explode: true } : {}),
        ...exampled(name),
        schema
      }))
  ]
}

/**
 * A route whose body may be its records alone: the whole input as JSON, or the records as a JSON array or NDJSON
 * (one record a line), with the other fields as query parameters.
 */
const recordsRequest = (input: JsonSchemas.JsonSchemaObject, field: string, example: unknown) => {
  const properties = (input.properties ?? {}) as Record<string, Record<string, unknown>>
  const records = properties[field] ?? {}
  const others = { ...input, properties: { ...properties }, required: [] }
  delete others.properties[field]
  return {
    parameters: parameters(others, [], true).map((parameter) => ({
      ...parameter,
      description: `${parameter.description ?? ""} (with a body of records alone)`.trim()
    })),
    requestBody: {
      required: true,
      content: {
        "application/json": { schema: { oneOf: [input, records] }, ...(example === undefined ? {} : { example }) },
        "application/x-ndjson": {
          schema: { ...((records.items ?? {}) as Record<string, unknown>), description: "One record a line" }
        }
      }
    }
  }
}

/** The input's schema without the fields its path sets: what the request body carries. */
const bodySchema = (input: JsonSchemas.JsonSchemaObject, inPath: ReadonlyArray<string>) => {
  if (inPath.length === 0) return input
  const properties = { ...((input.properties ?? {}) as Record<string, unknown>) }
  for (const name of inPath) delete properties[name]
  const { required: all, ...rest } = input
  const required = ((all ?? []) as ReadonlyArray<string>).filter((name) => !inPath.includes(name))
  return { ...rest, properties, ...(required.length > 0 ? { required } : {}) }
}

/** An example request without the fields its path sets. */
const withoutFields = (request: Record<string, unknown>, inPath: ReadonlyArray<string>) =>
  Object.fromEntries(Object.entries(request).filter(([name]) => !inPath.includes(name)))

export const make = (operations: ReadonlyArray<Operation.Operation>, info: Info, options: Options = {}) => {
  const paths: Record<string, Record<string, unknown>> = {}
  const tags = new Set<string>()
  for (const operation of operations) {
    const input = JsonSchemas.of(operation.input)
    const output = JsonSchemas.of(operation.output)
    const [canonical, ...aliases] = operation.rest.paths
    const method = operation.rest.method
    const tag = resourceOf(canonical)
    const example = examples[operation.name] as { request: Record<string, unknown>; response: unknown } | undefined
    const request = example?.request ?? {}
    const withExample = (value: unknown) => (value === undefined ? {} : { example: value })
    tags.add(tag)
    const shared = (path: string) => {
      const inPath = parametersOf(path)
      return {
        tags: [tag],
        "x-scope": operation.scope,
        "x-hints": operation.hints,
        ...(method === "GET" || method === "DELETE"
          ? { parameters: parameters(input, inPath, true, request) }
          : operation.rest.records !== undefined
            ? recordsRequest(input, operation.rest.records, example?.request)
            : {
                ...(inPath.length > 0 ? { parameters: parameters(input, inPath, false, request) } : {}),
                requestBody: {
                  required: true,
                  content: {
                    "application/json": {
                      schema: bodySchema(input, inPath),
                      ...withExample(example === undefined ? undefined : withoutFields(request, inPath))
                    }
                  }
                }
              }),
        responses: {
          [String(operation.rest.status)]: {
            description: operation.title,
            content: { "application/json": { schema: output, ...withExample(example?.response) } }
          },
          ...errorResponses([...adapterCodes(operation, options), ...operation.errors])
        }
      }
    }
    paths[canonical] = {
      ...paths[canonical],
      [method.toLowerCase()]: {
        operationId: operation.name,
        summary: operation.title,
        description:
          aliases.length === 0
            ? operation.description
            : `${operation.description}\n\nAlso served at ${aliases.map((alias) => `${method} ${alias}`).join(", ")}.`,
        ...shared(canonical)
      }
    }
    for (const alias of aliases) {
      paths[alias] = {
        ...paths[alias],
        [method.toLowerCase()]: {
          operationId: `${operation.name}${alias.replaceAll("/", "-")}`,
          summary: `${operation.title} (alias of ${method} ${canonical})`,
          description: `An alias of ${method} ${canonical}: the same operation.`,
          // The docs page lists each operation once: under its canonical path.
          "x-scalar-ignore": true,
          ...shared(alias)
        }
      }
    }
  }
  const plain = (
    description: string,
    schema: Record<string, unknown>,
    codes: ReadonlyArray<CapabilityError.ErrorCode>,
    open = false
  ) => ({
    get: {
      operationId: description.split(":")[0]!.toLowerCase(),
      summary: description,
      tags: ["Service"],
      // Liveness needs no token.
      ...(open ? { security: [] } : {}),
      responses: {
        "200": { description, content: { "application/json": { schema } } },
        ...errorResponses(codes)
      }
    }
  })
  paths["/healthz"] = plain(
    "Liveness: the process answers",
    { type: "object", properties: { status: { const: "ok" } } },
    [],
    true
  )
  paths["/readyz"] = plain(
    "Readiness: the event store works and Schematic is reachable with the server's key",
    { type: "object", properties: { status: { const: "ready" } } },
    [
      ...(options.authenticated ? (["unauthorized", "forbidden", "rate_limited"] as const) : []),
      "unavailable",
      "storage_unavailable"
    ]
  )
  return {
    openapi: "3.1.0",
    info: { title: info.title, version: info.version, ...(info.description ? { description: info.description } : {}) },
    tags: [
      ...[...tags].map((name) => ({ name, description: `Operations on ${name.toLowerCase()}` })),
      { name: "Service", description: "Health and readiness" }
    ],
    ...(options.authenticated ? { security: [{ bearer: [] }] } : {}),
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description:
            "A token configured on the server (CAPABILITY_TOKENS), with scopes read, write (includes read) or admin (includes write)"
        }
      }
    }
  }
}
