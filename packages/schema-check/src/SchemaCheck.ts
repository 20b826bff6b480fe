/**
 * A fast yes for valid values of plain schemas. Effect Schema walks a value through a general interpreter, which for
 * a batch of events is most of what batch ingestion costs. For plain shapes (no transformations, every
 * refinement stated in JSON Schema), a validator compiled by Ajv from the schema's own JSON Schema says yes in a
 * fraction of that, and then the decoded value is the value itself. Anything it does not accept, and every schema it
 * cannot speak for, goes to Effect Schema, which decides and names the fields; so a refusal reads the same either way.
 *
 * The Ajv instance is set to Effect's meanings: string lengths in UTF-16 units, patterns without the `u` flag,
 * and `date-time` as the `DateTime` filter's own test. A differential test checks both agree.
 *
 * @since 0.1.0
 */
import { Ajv } from "ajv"
import { Option, Schema, SchemaAST } from "effect"
import * as JsonSchemas from "./JsonSchemas.js"

const ajv = new Ajv({
  strict: false,
  allErrors: false,
  // Effect counts `string.length`; Ajv would count code points. (The option is deprecated but kept in Ajv 8;
  // its notice is the only thing the silenced logger would say, since strict mode is off.)
  unicode: false,
  logger: false,
  // Effect tests patterns as written, without the `u` flag.
  unicodeRegExp: false,
  formats: { "date-time": (value: string) => !Number.isNaN(Date.parse(value)) },
  // The optimizer's passes over the generated code are a large part of a compile (and a server compiles every
  // operation's checks before it listens), while the validators written without them check as fast.
  code: { optimize: false }
})

/** Whether every node of the schema means the same in JSON Schema and decodes to the input unchanged. */
const isPlain = (ast: SchemaAST.AST): boolean => {
  switch (ast._tag) {
    case "Literal":
    case "StringKeyword":
    case "NumberKeyword":
    case "BooleanKeyword":
    case "UnknownKeyword":
    case "UndefinedKeyword":
      return true
    case "Union":
      return ast.types.every(isPlain)
    case "TupleType":
      return ast.elements.length === 0 && ast.rest.every((rest) => isPlain(rest.type))
    case "TypeLiteral":
      return (
        ast.propertySignatures.every((property) => isPlain(property.type)) &&
        ast.indexSignatures.every((index) => isPlain(index.parameter) && isPlain(index.type))
      )
    case "Refinement":
      // A filter without a JSON Schema statement is a test Ajv cannot run.
      return Option.isSome(SchemaAST.getJSONSchemaAnnotation(ast)) && isPlain(ast.from)
    default:
      return false
  }
}

/**
 * JSON.parse keeps a key named `__proto__` as an own property; Effect Schema's decoding does not carry it over.
 * Input holding one goes the slow way, so the decoded value is the same either way. (The check walks the whole
 * value, so it is made only where a decoding is what the yes stands for: not when excess keys are allowed.)
 */
const hasProtoKey = (value: unknown): boolean => {
  if (typeof value !== "object" || value === null) return false
  if (Array.isArray(value)) return value.some(hasProtoKey)
  if (Object.hasOwn(value, "__proto__")) return true
  for (const key in value) if (hasProtoKey((value as Record<string, unknown>)[key])) return true
  return false
}

/** Every `additionalProperties: false` gone: keys a struct does not name are let through, as `Schema.is` does. */
const allowingExcess = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(allowingExcess)
  if (typeof node !== "object" || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) {
    if (key === "additionalProperties" && value === false) continue
    out[key] = allowingExcess(value)
  }
  return out
}

export interface Options {
  /**
   * What a key the schema does not name means: `refuse` (the default) as decoding with `onExcessProperty:
   * "error"` does, for input; `allow` as `Schema.is` does, for answers from a service that may add fields.
   */
  readonly excessProperties?: "refuse" | "allow" | undefined
}

type Acceptor = ((value: unknown) => boolean) | null

const acceptors = { refuse: new WeakMap<object, Acceptor>(), allow: new WeakMap<object, Acceptor>() }

/**
 * The fast check for `schema`, compiled once, or undefined when Effect Schema must decide every value. A yes means
 * Effect Schema says yes too, and that the value is its own decoding; a no decides nothing (ask Effect Schema).
 */
export const acceptorOf = (
  // biome-ignore lint/suspicious/noExplicitAny: any schema, whatever its types
  schema: Schema.Schema<any, any, any>,
  options: Options = {}
): ((value: unknown) => boolean) | undefined => {
  const excess = options.excessProperties ?? "refuse"
  let acceptor = acceptors[excess].get(schema)
  if (acceptor === undefined) {
    acceptor = null
    if (isPlain(schema.ast)) {
      try {
        const json = JsonSchemas.of(schema)
        const validate = ajv.compile((excess === "allow" ? allowingExcess(json) : json) as object)
        // Allowing excess means checking as `Schema.is` does, and that keeps the value as it is, so there is no
        // decoding for a `__proto__` key to differ from.
        acceptor = excess === "allow" ? validate : (value) => validate(value) && !hasProtoKey(value)
      } catch {
        acceptor = null
      }
    }
    acceptors[excess].set(schema, acceptor)
  }
  return acceptor ?? undefined
}

const predicates = new WeakMap<object, (value: unknown) => boolean>()

/**
 * `Schema.is(schema)`, with the compiled check asked first: the same verdicts (the check's yes is `Schema.is`'s yes,
 * and its no is asked of `Schema.is`), in a fraction of the time for the values that pass. Keys the schema does not
 * name are let through, as `Schema.is` lets them.
 */
export const isOf = (
  // biome-ignore lint/suspicious/noExplicitAny: any schema, whatever its types
  schema: Schema.Schema<any, any, any>
): ((value: unknown) => boolean) => {
  let predicate = predicates.get(schema)
  if (predicate === undefined) {
    const accept = acceptorOf(schema, { excessProperties: "allow" })
    const is = Schema.is(schema)
    predicate = accept === undefined ? is : (value) => accept(value) || is(value)
    predicates.set(schema, predicate)
  }
  return predicate
}

/**
 * Fields with defaults (`optionalWith(..., { default })`, or any other transformation of single properties): a
 * struct whose encoded side and decoded side are both plain, joined by transformations of its properties.
 */
const propertyTransformation = (ast: SchemaAST.AST) =>
  SchemaAST.isTransformation(ast) &&
  SchemaAST.isTypeLiteralTransformation(ast.transformation) &&
  SchemaAST.isTypeLiteral(ast.from) &&
  SchemaAST.isTypeLiteral(ast.to) &&
  isPlain(ast.from) &&
  isPlain(ast.to)
    ? { from: ast.from, to: ast.to, properties: ast.transformation.propertySignatureTransformations }
    : undefined

type Decoder = (value: unknown) => Option.Option<unknown>

const undecided: Decoder = () => Option.none()

const decoders = new WeakMap<object, Decoder>()

/**
 * The fast decoder for `schema`, compiled once. It answers `Some` with what decoding gives, or `None`, which decides
 * nothing (ask Effect Schema); for a schema it cannot speak for, always `None`.
 *
 * A plain schema's decoder is its acceptor: a value it accepts is its own decoding. A struct with defaults (see
 * `propertyTransformation`) is decoded as Effect decodes it: the encoded side accepted, each property's
 * transformation applied to a copy (a missing key is `None`, and `None` back leaves the key out), and the result
 * checked against the decoded side, since Effect checks that side too (as `Schema.is` checks it: every key of the
 * copy comes from the encoded side, already accepted and walked).
 *
 * Keys the schema does not name are refused, as decoding with `onExcessProperty: "error"` does (decoding that
 * ignores them would also drop them from the value, which a copy would keep).
 */
export const decoderOf = (
  // biome-ignore lint/suspicious/noExplicitAny: any schema, whatever its types
  schema: Schema.Schema<any, any, any>
): Decoder => {
  let decoder = decoders.get(schema)
  if (decoder === undefined) {
    decoder = undecided
    const accept = acceptorOf(schema)
    const transformed = accept === undefined ? propertyTransformation(schema.ast) : undefined
    const acceptFrom = transformed && acceptorOf(Schema.make(transformed.from))
    const acceptTo = transformed && acceptorOf(Schema.make(transformed.to), { excessProperties: "allow" })
    if (accept !== undefined) {
      decoder = (value) => (accept(value) ? Option.some(value) : Option.none())
    } else if (transformed !== undefined && acceptFrom !== undefined && acceptTo !== undefined) {
      decoder = (value) => {
        if (!acceptFrom(value)) return Option.none()
        const out: Record<PropertyKey, unknown> = { ...(value as Record<PropertyKey, unknown>) }
        for (const property of transformed.properties) {
          const given = Object.hasOwn(out, property.from) ? Option.some(out[property.from]) : Option.none()
          const decoded = property.decode(given)
          delete out[property.from]
          if (Option.isSome(decoded)) out[property.to] = decoded.value
        }
        return acceptTo(out) ? Option.some(out) : Option.none()
      }
    }
    decoders.set(schema, decoder)
  }
  return decoder
}
