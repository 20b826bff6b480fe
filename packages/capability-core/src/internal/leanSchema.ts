/**
 * An input schema as a tool definition carries it: every constraint an agent writes arguments by (types, enums,
 * required fields, lengths, ranges, counts), without what only costs its context. Every tool's definition is read
 * into the agent's context before it does anything, so each byte is paid for by every conversation.
 *
 * Left out: the patterns that guard text encoding (a lone surrogate, text of spaces only: an agent writes neither,
 * and the server refuses both naming the field), the bounds that keep text to a sane size (non-empty, at most 255
 * characters or more: identifiers and names an agent copies, never near them), descriptions Effect generates from a
 * schema's checks ("a string at most ..."), empty `required` lists, the catch-all `patternProperties: {"": ...}` (said
 * as `additionalProperties`), `type` where JSON says it already (a key is a string), and REST's own hints in
 * descriptions (how a map or a list is written in a query string). The server still checks every input against the
 * full schema, and names the field it refuses.
 */

type Node = { [key: string]: unknown }

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value)

/** The encoding guards of `operations/inputs.ts`, by their pattern. */
const ENCODING_PATTERNS = new Set(["\\S", "^(?:[^\\ud800-\\udfff]|[\\ud800-\\udbff][\\udc00-\\udfff])*$"])

/** Effect's own descriptions of a schema's checks begin in lower case ("a string at most ...", "an integer"). */
const isGenerated = (description: unknown) => typeof description === "string" && /^an? [a-z]/.test(description)

/**
 * Bounds that never bind an agent's input, only keep a request to a sane size: text not empty and under 255
 * characters or more, a map of at most 100 keys or more, a number under a billion or more.
 */
const isSizeGuard = (key: string, value: unknown) =>
  (key === "minLength" && value === 1) ||
  (typeof value === "number" &&
    ((key === "maxLength" && value >= 255) ||
      (key === "maxProperties" && value >= 100) ||
      (key === "maximum" && value >= 1_000_000_000) ||
      (key === "minimum" && value <= -1_000_000_000)))

/** A description without REST's asides: "(REST: keys[name]=value)", "; REST: repeat the parameter". */
const withoutRestHints = (description: string) =>
  description
    .replace(/\s*\(REST: [^)]*\)/g, "")
    .replace(/;\s*REST: [^;)]*/g, "")
    .replace(/\s*\(in a REST path[^)]*\)/g, "")
    .replace(/;\s*in a REST path[^;]*/g, "")

/**
 * Fields every tool names the same way, described once in the instructions (see `Tools.instructions`) rather than
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
  idempotency_key: "Your id for the call: a retry with the same key is done once",
  credit_id: "Schematic's id of a credit type (bcrd_...)",
  credit: 'A credit type\'s name, e.g. "AI credits" (instead of credit_id)',
  sync_id: "A sync's id (syn_...) as a sync call answered it",
  q: "Search text: a name or a key's value",
  detail: "compact (default): each row's essentials; full: the whole record",
  ids: "Only these, by Schematic's ids"
}

/** A property's schema without its description, where the field is one of `COMMON_FIELDS`. */
const commonField = (name: string, schema: unknown) => {
  if (!(name in COMMON_FIELDS) || !isNode(schema)) return schema
  const { description: _, ...rest } = schema
  return rest
}

/**
 * The tool's input schema, lean. Its root keeps `additionalProperties: false` (the tool takes nothing else); nested
 * objects say it no more (the server refuses an unknown field anywhere, naming it).
 */
export const leanInput = (schema: unknown): unknown => {
  const root = leanSchema(schema)
  return isNode(root) && isNode(schema) && schema.additionalProperties === false
    ? { ...root, additionalProperties: false }
    : root
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
    if (isSizeGuard(key, value)) continue
    if (key === "additionalProperties" && value === false) continue
    // An enum says its type.
    if (key === "type" && Array.isArray(node.enum)) continue
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
  // A list's description speaks for its items.
  if (typeof out.description === "string" && isNode(out.items) && "description" in out.items) {
    const { description: _, ...item } = out.items
    out.items = item
  }
  // Keys of a JSON object are strings whatever the schema says.
  if (isNode(out.propertyNames)) {
    const { type: _, ...names } = out.propertyNames
    if (Object.keys(names).length === 0) delete out.propertyNames
    else out.propertyNames = names
  }
  // A map written as patternProperties has no properties of its own.
  if (isNode(out.properties) && Object.keys(out.properties).length === 0 && "additionalProperties" in out) {
    delete out.properties
  }
  return out
}
