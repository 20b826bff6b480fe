/**
 * Schematic's published OpenAPI document as a judge: the operation a method and path reach, whether a response body
 * matches the schema given for it, and whether a request (its query and JSON body) is one the operation takes.
 */
import { existsSync, readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import AjvModule, { type ValidateFunction } from "ajv"
import formatsModule from "ajv-formats"
import { parse } from "yaml"

/** The spec's path template for a concrete path: a literal match beats one with parameters. */
export const specPathFor = (method: string, path: string): string | undefined => {
  const { spec } = loadContract()
  const candidates = Object.keys(spec.paths).filter((template) => spec.paths[template]?.[method.toLowerCase()])
  if (candidates.includes(path)) return path
  return candidates.find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path))
}

export const hasSchema = (method: string, template: string, status: number) => {
  const response = loadContract().spec.paths[template]?.[method.toLowerCase()]?.responses[String(status)]
  return response !== undefined
}

const here = dirname(fileURLToPath(import.meta.url))

/** Schematic's published OpenAPI document, kept in `contract/` (see its README); SCHEMATIC_OPENAPI overrides. */
export const openApiPath = process.env.SCHEMATIC_OPENAPI ?? resolve(here, "contract/schematic-openapi.yaml")

type Parameter = { readonly name: string; readonly in: string; readonly required?: boolean; readonly schema?: unknown }

type SpecOperation = {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>
  parameters?: ReadonlyArray<Parameter>
  requestBody?: { content?: Record<string, { schema: unknown }> }
}

type Spec = {
  paths: Record<string, Record<string, SpecOperation>>
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

export const loadContract = () => {
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

const requestValidators = new Map<string, ValidateFunction | null>()

/**
 * What is wrong with a request for Schematic's spec, or nothing: an operation the spec does not have, a query
 * parameter it does not declare or a required one missing, a JSON body that does not match its request schema.
 */
export const requestViolations = (method: string, url: string, body: unknown): ReadonlyArray<string> => {
  const [path, search = ""] = url.split("?") as [string, string | undefined]
  const template = specPathFor(method, path)
  if (template === undefined) return [`${method} ${path}: no such operation in Schematic's spec`]
  const { ajv, spec } = loadContract()
  const operation = spec.paths[template]![method.toLowerCase()]!
  const problems: Array<string> = []
  const declared = (operation.parameters ?? []).filter((parameter) => parameter.in === "query")
  const given = [...new URLSearchParams(search).keys()].map((name) => name.replace(/\[.*$/, ""))
  for (const name of new Set(given)) {
    if (!declared.some((parameter) => parameter.name === name)) {
      problems.push(`${method} ${template}: query parameter ${name} is not in the spec`)
    }
  }
  for (const parameter of declared) {
    if (parameter.required && !given.includes(parameter.name)) {
      problems.push(`${method} ${template}: required query parameter ${parameter.name} is missing`)
    }
  }
  const key = `${method} ${template}`
  let validate = requestValidators.get(key)
  if (validate === undefined) {
    const schema = operation.requestBody?.content?.["application/json"]?.schema
    validate =
      schema === undefined
        ? null
        : ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"schematic#/components/')))
    requestValidators.set(key, validate)
  }
  if (validate !== null && !validate(body)) {
    problems.push(`${key}: the body does not match the spec: ${ajv.errorsText(validate.errors)}`)
  }
  if (validate === null && body !== undefined) problems.push(`${key}: takes no body`)
  return problems
}
