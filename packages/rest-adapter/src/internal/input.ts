import { HttpServerRequest } from "@effect/platform"
import { CapabilityError, JsonSchemas, type Operation } from "@schematic-capability/capability-core"
import { Effect } from "effect"

/**
 * Query strings carry text; the operation's schema wants numbers and booleans. Each parameter is converted
 * by the type its schema declares, and left as text when it does not convert, so decoding names it.
 */
export const queryCoercer = (operation: Operation.Operation) => {
  const properties = (JsonSchemas.of(operation.input).properties ?? {}) as Record<string, { type?: unknown }>
  return (search: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>) => {
    const out: Record<string, unknown> = {}
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

/** The JSON body of a request, within `maxBytes`; each refusal has its own status and code. */
export const jsonBody = (
  maxBytes: number
): Effect.Effect<unknown, CapabilityError.CapabilityError, HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (!isJson(request.headers["content-type"])) {
      return yield* new CapabilityError.CapabilityError({
        code: "unsupported_media_type",
        status: 415,
        message: "The body must be JSON (Content-Type: application/json)"
      })
    }
    // Built only when needed: an error captures a stack trace, too dear for every request.
    const tooLarge = () =>
      new CapabilityError.CapabilityError({
        code: "payload_too_large",
        status: 413,
        message: `The body is larger than ${maxBytes} bytes`
      })
    if (Number(request.headers["content-length"] ?? 0) > maxBytes) return yield* tooLarge()
    const text = yield* request.text.pipe(
      Effect.mapError(
        () =>
          new CapabilityError.CapabilityError({
            code: "invalid_input",
            status: 400,
            message: "The body could not be read"
          })
      )
    )
    if (Buffer.byteLength(text) > maxBytes) return yield* tooLarge()
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return yield* new CapabilityError.CapabilityError({
        code: "invalid_input",
        status: 400,
        message: "The body is not valid JSON",
        fields: [{ path: "", message: "not valid JSON" }]
      })
    }
    if (depthOf(parsed, 0) > MAX_DEPTH) {
      return yield* new CapabilityError.CapabilityError({
        code: "invalid_input",
        status: 400,
        message: `The body nests deeper than ${MAX_DEPTH} levels`,
        fields: [{ path: "", message: `nests deeper than ${MAX_DEPTH} levels` }]
      })
    }
    return parsed
  })

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
