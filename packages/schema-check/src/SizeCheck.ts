/**
 * A schema's size bounds, checked on a raw value before it is decoded. Decoding walks every item of an array before
 * its length is compared with `maxItems`, and with every issue collected, a body of a few hundred thousand bad items
 * costs seconds and an answer of megabytes. Here an array longer than its `maxItems` (or an object with more keys than
 * its `maxProperties`) is found by its length alone, so a caller can refuse it before any item is looked at.
 *
 * The bounds are read from the schema's JSON Schema, the same statement callers and the compiled check see.
 *
 * @since 0.2.0
 */
import type { Schema } from "effect"
import * as JsonSchemas from "./JsonSchemas.js"

export interface SizeIssue {
  /** Where the value is too large: property names and item positions from the root. */
  readonly path: ReadonlyArray<string | number>
  readonly message: string
}

type Node = { readonly [key: string]: unknown }

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value)

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`

/** The first size issue of `value` under `node`, or undefined. */
const walk = (node: unknown, value: unknown, path: Array<string | number>): SizeIssue | undefined => {
  if (!isNode(node)) return undefined
  for (const part of Array.isArray(node.allOf) ? node.allOf : []) {
    const issue = walk(part, value, path)
    if (issue !== undefined) return issue
  }
  const members = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined
  if (members !== undefined) {
    // A union's value is too large only when it is too large for every member: one member's bound says nothing of
    // a value another member takes.
    let first: SizeIssue | undefined
    for (const member of members) {
      const issue = walk(member, value, path)
      if (issue === undefined) return undefined
      first ??= issue
    }
    return first
  }
  if (Array.isArray(value)) {
    if (typeof node.maxItems === "number" && value.length > node.maxItems) {
      // Counted in what the field holds when its name says it ("events", "records"), in items otherwise.
      const name = path.at(-1)
      const what = typeof name === "string" && /^[a-z_]+s$/.test(name) ? `${node.maxItems} ${name}` : undefined
      return {
        path: [...path],
        message: `must have at most ${what ?? plural(node.maxItems, "item", "items")} (it has ${value.length})`
      }
    }
    if (isNode(node.items)) {
      for (let index = 0; index < value.length; index++) {
        path.push(index)
        const issue = walk(node.items, value[index], path)
        path.pop()
        if (issue !== undefined) return issue
      }
    }
    return undefined
  }
  if (isRecord(value)) {
    const keys = Object.keys(value)
    if (typeof node.maxProperties === "number" && keys.length > node.maxProperties) {
      return {
        path: [...path],
        message: `must have at most ${plural(node.maxProperties, "key", "keys")} (it has ${keys.length})`
      }
    }
    const properties = isNode(node.properties) ? node.properties : {}
    const rest = isNode(node.additionalProperties) ? node.additionalProperties : undefined
    for (const key of keys) {
      const child = Object.hasOwn(properties, key) ? properties[key] : rest
      if (child === undefined) continue
      path.push(key)
      const issue = walk(child, value[key], path)
      path.pop()
      if (issue !== undefined) return issue
    }
  }
  return undefined
}

const checkers = new WeakMap<object, (value: unknown) => SizeIssue | undefined>()

/**
 * The size check of `schema`, made once: the first array or object of a value larger than the schema allows, or
 * undefined. The work is bounded by what it checks: an array's items are walked only once its length is allowed.
 */
export const checkerOf = (
  // biome-ignore lint/suspicious/noExplicitAny: any schema, whatever its types
  schema: Schema.Schema<any, any, any>
): ((value: unknown) => SizeIssue | undefined) => {
  let checker = checkers.get(schema)
  if (checker === undefined) {
    const json = JsonSchemas.of(schema)
    checker = (value) => walk(json, value, [])
    checkers.set(schema, checker)
  }
  return checker
}
