import { CapabilityError, JsonSchemas, type Operation, type RequestBody } from "@schematic-capability/capability-core"
import { Either } from "effect"

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

const isJson = (contentType: string | undefined) =>
  contentType !== undefined && /^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(contentType)

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

/** The JSON body of a request, within `maxBytes`; each refusal has its own status and code. */
export const jsonBody = (
  contentType: string | undefined,
  contentLength: string | undefined,
  read: RequestBody.ReadBody,
  maxBytes: number,
  done: (body: Either.Either<unknown, CapabilityError.CapabilityError>) => void
): void => {
  if (!isJson(contentType)) {
    done(
      Either.left(
        new CapabilityError.CapabilityError({
          code: "unsupported_media_type",
          status: 415,
          message: "The body must be JSON (Content-Type: application/json)"
        })
      )
    )
    return
  }
  // Built only when needed: an error captures a stack trace, too dear for every request.
  const tooLarge = () =>
    new CapabilityError.CapabilityError({
      code: "payload_too_large",
      status: 413,
      message: `The body is larger than ${maxBytes} bytes`
    })
  if (Number(contentLength ?? 0) > maxBytes) {
    done(Either.left(tooLarge()))
    return
  }
  read(maxBytes, (body) => {
    if (Either.isRight(body)) return done(parseJson(body.right))
    done(
      Either.left(
        body.left === "too_large"
          ? tooLarge()
          : new CapabilityError.CapabilityError({
              code: "invalid_input",
              status: 400,
              message: "The body could not be read"
            })
      )
    )
  })
}

const parseJson = (text: string): Either.Either<unknown, CapabilityError.CapabilityError> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return Either.left(
      new CapabilityError.CapabilityError({
        code: "invalid_input",
        status: 400,
        message: "The body is not valid JSON",
        fields: [{ path: "", message: "not valid JSON" }]
      })
    )
  }
  if (depthOf(parsed, 0) > MAX_DEPTH) {
    return Either.left(
      new CapabilityError.CapabilityError({
        code: "invalid_input",
        status: 400,
        message: `The body nests deeper than ${MAX_DEPTH} levels`,
        fields: [{ path: "", message: `nests deeper than ${MAX_DEPTH} levels` }]
      })
    )
  }
  return Either.right(parsed)
}

/** No request of this API needs more; deeper input is refused before any schema walks it. */
export const MAX_DEPTH = 32

const depthOf = (value: unknown, depth: number): number => {
  if (depth > MAX_DEPTH || typeof value !== "object" || value === null) return depth
  let deepest = depth + 1
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    deepest = Math.max(deepest, depthOf(item, depth + 1))
    if (deepest > MAX_DEPTH) break
  }
  return deepest
}
