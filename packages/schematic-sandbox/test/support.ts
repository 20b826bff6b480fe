import { existsSync, readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import AjvModule, { type ValidateFunction } from "ajv"
import formatsModule from "ajv-formats"
import { ManagedRuntime } from "effect"
import { parse } from "yaml"
import { SchematicSandbox } from "../src/index.js"
import type { SandboxConfig } from "../src/SandboxConfig.js"

export const API_KEY = "sch_dev_sandbox"

/** Starts a sandbox in-process on a free loopback port; `close` stops it. */
export const startSandbox = async (options: Partial<SandboxConfig> = {}) => {
  // Parsing the spec blocks for a while; do it before the clock matters to anything under test.
  loadContract()
  const runtime = ManagedRuntime.make(SchematicSandbox.layer({ port: 0, dataDir: ":memory:", ...options }))
  const url = await runtime.runPromise(SchematicSandbox.url)
  return { url, close: () => runtime.dispose() }
}

/** A call as a test would make it with fetch: JSON in, `{status, body, headers}` out. */
export const call = async (
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {}
) => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { "x-schematic-api-key": API_KEY, "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
  })
  const text = await response.text()
  const parsed = text.length > 0 ? JSON.parse(text) : undefined
  // Every answer a test sees is also checked against Schematic's spec for its operation and status.
  const template = specPathFor(method, path.split("?")[0]!)
  if (template !== undefined && hasSchema(method, template, response.status)) {
    expectMatchesSpec(method, template, response.status, parsed)
  }
  return { status: response.status, body: parsed, headers: response.headers }
}

/** The spec's path template for a concrete path: a literal match beats one with parameters. */
const specPathFor = (method: string, path: string): string | undefined => {
  const { spec } = loadContract()
  const candidates = Object.keys(spec.paths).filter((template) => spec.paths[template]?.[method.toLowerCase()])
  if (candidates.includes(path)) return path
  return candidates.find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path))
}

const hasSchema = (method: string, template: string, status: number) => {
  const response = loadContract().spec.paths[template]?.[method.toLowerCase()]?.responses[String(status)]
  return response !== undefined
}

const here = dirname(fileURLToPath(import.meta.url))

/** Schematic's published OpenAPI document, kept in `contract/` (see its README); SCHEMATIC_OPENAPI overrides. */
export const openApiPath = process.env.SCHEMATIC_OPENAPI ?? resolve(here, "contract/schematic-openapi.yaml")

type Spec = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >
  components: { schemas: Record<string, unknown> }
}

/** OpenAPI 3.0's `nullable: true` as JSON Schema: null becomes one more allowed value. */
const toJsonSchema = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(toJsonSchema)
  if (typeof node !== "object" || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) out[key] = toJsonSchema(value)
  if (out.nullable !== true) return out
  delete out.nullable
  if (Array.isArray(out.enum)) out.enum = [...out.enum, null]
  if (typeof out.type === "string") return { ...out, type: [out.type, "null"] }
  return { anyOf: [out, { type: "null" }] }
}

// ajv and ajv-formats are CommonJS: under NodeNext their classes sit on `.default`.
const Ajv = AjvModule.default
const addFormats = formatsModule.default

let contract: { ajv: InstanceType<typeof Ajv>; spec: Spec } | undefined

const loadContract = () => {
  if (contract !== undefined) return contract
  if (!existsSync(openApiPath)) {
    throw new Error(`Schematic's OpenAPI document is not at ${openApiPath}; set SCHEMATIC_OPENAPI to its path`)
  }
  const spec = toJsonSchema(parse(readFileSync(openApiPath, "utf8"))) as Spec
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats(ajv)
  ajv.addSchema({ $id: "schematic", components: spec.components })
  contract = { ajv, spec }
  return contract
}

const validators = new Map<string, ValidateFunction>()

/** Checks a response body against the schema Schematic's spec gives for that operation and status. */
export const expectMatchesSpec = (method: string, pathTemplate: string, status: number, body: unknown) => {
  const { ajv, spec } = loadContract()
  const key = `${method} ${pathTemplate} ${status}`
  let validate: ValidateFunction | undefined = validators.get(key)
  if (validate === undefined) {
    const operation = spec.paths[pathTemplate]?.[method.toLowerCase()]
    if (operation === undefined) throw new Error(`the spec has no ${method} ${pathTemplate}`)
    const response = operation.responses[String(status)] as {
      $ref?: string
      content?: Record<string, { schema: unknown }>
    }
    const resolved = response?.$ref
      ? (spec as unknown as { components: { responses: Record<string, typeof response> } }).components.responses[
          response.$ref.split("/").pop()!
        ]
      : response
    const schema = resolved?.content?.["application/json"]?.schema
    if (schema === undefined) throw new Error(`the spec has no ${status} response for ${method} ${pathTemplate}`)
    const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"schematic#/components/'))
    validate = ajv.compile(rewritten)
    validators.set(key, validate)
  }
  if (!validate(body)) {
    throw new Error(
      `${key}: the body does not match Schematic's spec:\n${ajv.errorsText(validate.errors, { separator: "\n" })}\n${JSON.stringify(body).slice(0, 2000)}`
    )
  }
}
