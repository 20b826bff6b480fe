import { JsonSchemas, type Operation } from "@schematic-capability/capability-core"

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
      out[name] = typeof raw === "string" ? convert(raw) : type === "array" ? raw.map(convert) : raw
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
