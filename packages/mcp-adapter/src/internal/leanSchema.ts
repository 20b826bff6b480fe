/**
 * An input schema as a tool definition carries it: every constraint an agent writes arguments by (types, enums,
 * required fields, lengths, ranges, counts), without what only costs its context. Every tool's definition is read
 * into the agent's context before it does anything, so each byte is paid for by every conversation.
 *
 * Left out: the patterns that guard text encoding (a lone surrogate, text of spaces only: an agent writes neither,
 * and the server refuses both naming the field), descriptions Effect generates from them, empty `required` lists,
 * the catch-all `patternProperties: {"": ...}` (said as `additionalProperties`), and REST's own hints in descriptions
 * (how a map or a list is written in a query string). The server still checks every input against the full schema.
 */

type Node = { [key: string]: unknown }

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value)

/** The encoding guards of `operations/inputs.ts`, by their pattern. */
const ENCODING_PATTERNS = new Set(["\\S", "^(?:[^\\ud800-\\udfff]|[\\ud800-\\udbff][\\udc00-\\udfff])*$"])

const isGenerated = (description: unknown) =>
  typeof description === "string" && description.startsWith("a string matching the pattern")

/** A description without REST's asides: "(REST: keys[name]=value)", "; REST: repeat the parameter". */
const withoutRestHints = (description: string) =>
  description
    .replace(/\s*\(REST: [^)]*\)/g, "")
    .replace(/;\s*REST: [^;)]*/g, "")
    .replace(/\s*\(in a REST path[^)]*\)/g, "")
    .replace(/;\s*in a REST path[^;]*/g, "")

/**
 * Fields every tool names the same way, described once in the server's instructions (see `McpServer`) rather than
 * in each tool that takes them.
 */
export const COMMON_FIELDS: Readonly<Record<string, string>> = {
  company_id: "Schematic's id of a company (comp_...)",
  keys: 'A company\'s (or user\'s) own identifiers, key to value, e.g. {"stripe_customer_id": "cus_123"}; any one finds it',
  feature_id: "Schematic's id of a feature (feat_...)",
  feature_key: 'A feature\'s flag key, e.g. "api-calls"',
  plan_id: "Schematic's id of a plan or add-on (plan_...)",
  user_id: "Schematic's id of a user (user_...)",
  limit: "Rows per page",
  offset: "Rows to skip",
  idempotency_key: "Your id for the call: a retry with the same key is done once"
}

/** A property's schema without its description, where the field is one of `COMMON_FIELDS`. */
const commonField = (name: string, schema: unknown) => {
  if (!(name in COMMON_FIELDS) || !isNode(schema)) return schema
  const { description: _, ...rest } = schema
  return rest
}

export const leanSchema = (input: unknown): unknown => {
  if (Array.isArray(input)) return input.map(leanSchema)
  if (!isNode(input)) return input
  const properties = input.properties
  const node: Node = isNode(properties)
    ? {
        ...input,
        properties: Object.fromEntries(
          Object.entries(properties).map(([name, schema]) => [name, commonField(name, schema)])
        )
      }
    : input
  const out: Node = {}
  for (const [key, value] of Object.entries(node)) {
    if (key === "pattern" && typeof value === "string" && ENCODING_PATTERNS.has(value)) continue
    if (key === "description" && isGenerated(value)) continue
    if (key === "required" && Array.isArray(value) && value.length === 0) continue
    if (key === "allOf" && Array.isArray(value)) {
      const kept = value.map(leanSchema).filter((part) => !isNode(part) || Object.keys(part).length > 0)
      if (kept.length > 0) out.allOf = kept
      continue
    }
    if (key === "patternProperties" && isNode(value) && Object.keys(value).length === 1 && "" in value) {
      out.additionalProperties = leanSchema(value[""])
      continue
    }
    out[key] = key === "description" && typeof value === "string" ? withoutRestHints(value) : leanSchema(value)
  }
  // A map written as patternProperties has no properties of its own.
  if (isNode(out.properties) && Object.keys(out.properties).length === 0 && "additionalProperties" in out) {
    delete out.properties
  }
  return out
}
