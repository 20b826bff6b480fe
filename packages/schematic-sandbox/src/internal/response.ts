import { HttpServerResponse } from "@effect/platform"

/** Schematic's success envelope: `{data, params}`. */
export const envelope = (data: unknown, params: Record<string, unknown> = {}, status = 200) =>
  HttpServerResponse.unsafeJson({ data, params: dropUndefined(params) }, { status })

export const errorBody = (status: number, message: string, headers?: Record<string, string>) =>
  HttpServerResponse.unsafeJson({ error: message }, headers === undefined ? { status } : { status, headers })

const dropUndefined = (params: Record<string, unknown>) => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) out[key] = value
  }
  return out
}
