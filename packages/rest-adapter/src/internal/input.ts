import { CapabilityError, JsonSchemas, type Operation } from "@schematic-capability/capability-core"
import { HttpExchange } from "@schematic-capability/http-exchange"
import { Either } from "effect"

const MEMBER = /^(\w+)\[([^\]]+)\]$/

/**
 * Query strings carry text; the operation's schema wants numbers and booleans. Each parameter is converted
 * by the type its schema declares, and left as text when it does not convert, so decoding names it.
 */
export const queryCoercer = (operation: Operation.Operation) => {
  const properties = (JsonSchemas.of(operation.input).properties ?? {}) as Record<string, { type?: unknown }>
  return (search: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>) => {
    const out: Record<string, unknown> = Object.create(null)
    for (const [name, raw] of Object.entries(search)) {
      if (raw === undefined) continue
      const type = properties[name]?.type
      const convert = (value: string): unknown => {
        if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?$/.test(value)) return Number(value)
        if (type === "boolean" && (value === "true" || value === "false")) return value === "true"
        return value
      }
      // Schematic's form for a map: `keys[stripe_customer_id]=cus_123` is `keys: {stripe_customer_id: "cus_123"}`.
      const member = MEMBER.exec(name)
      if (member !== null && properties[member[1]!]?.type === "object") {
        const [, base, key] = member as unknown as [string, string, string]
        if (out[base] === undefined) out[base] = Object.create(null)
        const map = out[base]
        if (typeof map === "object" && map !== null) {
          ;(map as Record<string, unknown>)[key] = typeof raw === "string" ? raw : raw[raw.length - 1]
        }
        continue
      }
      // A list given once (`ids=a`) is a list of one.
      out[name] =
        type === "array" ? (typeof raw === "string" ? [raw] : raw) : typeof raw === "string" ? convert(raw) : raw
    }
    return out
  }
}

/** The query string as the schema coercer takes it: one value as text, a repeated key as a list. */
export const searchParams = (url: string): Record<string, string | Array<string>> => {
  // No prototype: a parameter named __proto__ is a parameter like any other (and refused by the schema).
  const out: Record<string, string | Array<string>> = Object.create(null)
  const at = url.indexOf("?")
  if (at === -1) return out
  for (const [name, value] of new URLSearchParams(url.slice(at + 1))) {
    const seen = out[name]
    out[name] = seen === undefined ? value : typeof seen === "string" ? [seen, value] : [...seen, value]
  }
  return out
}

/**
 * The input with the path's parameters set. A path parameter names what the call is about: a body or query field of
 * the same name that says otherwise is refused, naming the field.
 */
export const withPathParams = (
  input: unknown,
  params: Readonly<Record<string, string>>
): Either.Either<unknown, CapabilityError.CapabilityError> => {
  const names = Object.keys(params)
  if (names.length === 0 || typeof input !== "object" || input === null || Array.isArray(input)) {
    return Either.right(input)
  }
  const out: Record<string, unknown> = Object.assign(Object.create(null), input)
  for (const name of names) {
    const given = out[name]
    if (given !== undefined && given !== params[name]) {
      const message = `is ${JSON.stringify(params[name])} in the path; leave it out of the request or give the same value`
      return Either.left(CapabilityError.invalidFields([{ path: name, message }]))
    }
    out[name] = params[name]
  }
  return Either.right(out)
}

/** The bodies a route with a records field takes. */
export const recordBodies = {
  test: (contentType: string | undefined) => HttpExchange.isJson(contentType) || HttpExchange.isNdjson(contentType),
  unsupported:
    "The body must be JSON (Content-Type: application/json) or NDJSON, one record a line (application/x-ndjson)"
}

/**
 * The input of a route with a records field (`field`) from its body: NDJSON and a JSON array are the records, with the
 * other fields from the query string (`query`); a JSON object is the whole input. A line that is not JSON is refused,
 * naming its record and line.
 */
export const recordsInput = (
  text: string,
  contentType: string | undefined,
  field: string,
  query: () => Record<string, unknown>
): Either.Either<unknown, CapabilityError.CapabilityError> => {
  if (!HttpExchange.isNdjson(contentType)) {
    return Either.map(HttpExchange.parseJson(text), (body) =>
      Array.isArray(body) ? { ...query(), [field]: body } : body
    )
  }
  const records: Array<unknown> = []
  let line = 0
  for (const raw of text.split("\n")) {
    line++
    // Blank lines (a trailing newline, a file's last line) hold no record.
    if (raw.trim() === "") continue
    const parsed = HttpExchange.parseJson(raw)
    if (Either.isLeft(parsed)) {
      const path = `${field}.${records.length}`
      const message = `line ${line} is ${parsed.left.fields?.[0]?.message ?? "not valid JSON"}`
      return Either.left(CapabilityError.invalidFields([{ path, message }]))
    }
    records.push(parsed.right)
  }
  return Either.right({ ...query(), [field]: records })
}
