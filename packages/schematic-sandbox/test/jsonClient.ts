/**
 * The JSON client tests call an HTTP API with, the sandbox's tests and the server's alike: a body other than a string
 * goes as JSON, and the answer comes back as `{status, body, headers}`.
 */

/** Sends a test's call to `${base}${path}` and reads its answer. */
export type JsonCall = (
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>
) => Promise<{
  readonly status: number
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert on them
  readonly body: any
  readonly headers: Headers
}>

/**
 * A client of one API: `defaults` are the headers each call sends (for its body) unless the call gives its own,
 * `parse` reads the answer's text.
 */
export const jsonClient =
  (defaults: (body: unknown) => Record<string, string>, parse: (text: string) => unknown): JsonCall =>
  async (base, method, path, body, headers = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...defaults(body), ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
    })
    return { status: response.status, body: parse(await response.text()), headers: response.headers }
  }
