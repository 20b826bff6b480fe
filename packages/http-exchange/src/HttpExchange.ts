/**
 * One HTTP exchange as the capability's adapters see it, whatever server received it: a request whose body is read
 * when asked for, within a limit, and a whole response. An adapter is a `Serve`, a function that answers a request
 * through a callback; `listener` serves it straight on node:http, `httpApp` on an Effect `HttpServer`, and `webHandler`
 * as a web-standard `(request: Request) => Promise<Response>` (Hono, Next.js route handlers, Bun, Deno, Workers). Both
 * adapters read JSON bodies with `readJson`, so REST and MCP refuse the same bodies the same way.
 *
 * Callbacks rather than Effects: a request is admitted and its body read and parsed before any fiber starts, so a
 * request costs at most one fiber (its operation's), and none where the operation has a callback form.
 *
 * @since 0.1.0
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { CapabilityError } from "@schematic-capability/capability-core"
import { Effect, Either, Stream } from "effect"

/** Why a body was not read: larger than allowed, or broken off. */
export type BodyFailure = "too_large" | "unreadable"

/** Reads a request body as text, stopping past `maxBytes`; calls `done` once. */
export type ReadBody = (maxBytes: number, done: (body: Either.Either<string, BodyFailure>) => void) => void

export interface Request {
  readonly method: string
  /** The path with its query string. */
  readonly url: string
  /** Header values by lower-case name. */
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body: ReadBody
  /** The port the request came in on, where the host knows it. */
  readonly localPort?: number | undefined
}

export interface Response {
  readonly status: number
  readonly contentType: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Answers one request through `respond`, which it calls exactly once. */
export type Serve = (request: Request, respond: (response: Response) => void) => void

/** A header's (first) value. */
export const header = (request: Request, name: string): string | undefined => {
  const value = request.headers[name]
  return typeof value === "string" ? value : value?.[0]
}

/** The path of a request, without its query string. */
export const pathOf = (request: Request): string => {
  const at = request.url.indexOf("?")
  return at === -1 ? request.url : request.url.slice(0, at)
}

export const JSON_TYPE = "application/json"

/** The headers of an answer that has none of its own: shared, never written to. */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})

/**
 * `headers` with `name` set to `value`, as a new object. Copied name by name rather than spread: V8 gives the spread
 * copy of an object that was itself made by spreading a hidden class of its own every time, so each answer would
 * make a new one, and Node, which lists an answer's header names, would list them anew for each.
 */
export const withHeader = (
  headers: Readonly<Record<string, string>>,
  name: string,
  value: string
): Record<string, string> => {
  const copy: Record<string, string> = {}
  for (const key in headers) copy[key] = headers[key]!
  copy[name] = value
  return copy
}

/** A JSON answer. */
export const json = (
  body: unknown,
  status: number,
  headers: Readonly<Record<string, string>> = NO_HEADERS
): Response => ({
  status,
  contentType: JSON_TYPE,
  headers,
  body: JSON.stringify(body)
})

/** The headers a refusal carries, whichever adapter answers it: its challenge and when to retry. */
export const errorHeaders = (error: CapabilityError.CapabilityError): Record<string, string> => ({
  ...(error.challenge === undefined ? {} : { "www-authenticate": error.challenge }),
  ...(error.retryAfterSeconds === undefined ? {} : { "retry-after": String(error.retryAfterSeconds) })
})

/** A body already in hand, held to the same limit. */
export const fromText =
  (text: string): ReadBody =>
  (maxBytes, done) =>
    done(Buffer.byteLength(text) > maxBytes ? Either.left("too_large") : Either.right(text))

/**
 * The body of a Node request. Past `maxBytes` it stops reading (the stream is paused): the answer must close the
 * connection, since what is left unread would otherwise be taken for the next request (`listener` does).
 */
const fromNode =
  (request: IncomingMessage): ReadBody =>
  (maxBytes, done) => {
    const chunks: Array<Buffer> = []
    let size = 0
    // Settled once; what the stream emits after (the rest of a refused body, a late error) is ignored rather than
    // unsubscribed from: the request and its listeners go together.
    let settled = false
    const settle = (body: Either.Either<string, BodyFailure>) => {
      if (settled) return
      settled = true
      done(body)
    }
    request
      .on("data", (chunk: Buffer) => {
        if (settled) return
        size += chunk.length
        if (size > maxBytes) {
          request.pause()
          settle(Either.left("too_large"))
        } else {
          chunks.push(chunk)
        }
      })
      .on("end", () => settle(Either.right(Buffer.concat(chunks, size).toString("utf8"))))
      .on("error", () => settle(Either.left("unreadable")))
      .on("aborted", () => settle(Either.left("unreadable")))
  }

/**
 * The body of an Effect host's request, from its stream. Past `maxBytes` the answer is given at once and the rest is
 * read and dropped: stopping the stream would make the host destroy the connection before the answer is written.
 */
const fromStream =
  <E>(stream: Stream.Stream<Uint8Array, E>): ReadBody =>
  (maxBytes, done) => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    let refused = false
    Effect.runCallback(
      Stream.runForEach(stream, (chunk) =>
        Effect.sync(() => {
          if (refused) return
          size += chunk.length
          if (size <= maxBytes) return void chunks.push(chunk)
          refused = true
          chunks.length = 0
          done(Either.left("too_large"))
        })
      ),
      {
        onExit: (exit) => {
          if (refused) return
          if (exit._tag === "Failure") return done(Either.left("unreadable"))
          done(Either.right(Buffer.concat(chunks, size).toString("utf8")))
        }
      }
    )
  }

/** No request of the capability needs more; deeper JSON is refused before any schema walks it. */
export const MAX_DEPTH = 32

const depthOf = (value: unknown, depth: number): number => {
  if (depth > MAX_DEPTH || typeof value !== "object" || value === null) return depth
  let deepest = depth + 1
  // Walked in place (no array of an object's values made): every JSON body a request sends goes through here.
  if (Array.isArray(value)) {
    for (const item of value) {
      deepest = Math.max(deepest, depthOf(item, depth + 1))
      if (deepest > MAX_DEPTH) break
    }
    return deepest
  }
  const record = value as Record<string, unknown>
  for (const key in record) {
    deepest = Math.max(deepest, depthOf(record[key], depth + 1))
    if (deepest > MAX_DEPTH) break
  }
  return deepest
}

/** Whether a Content-Type names JSON (`application/json`, or `application/...+json`). */
export const isJson = (contentType: string | undefined) =>
  contentType !== undefined && /^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(contentType)

const malformed = (message: string, issue: string) =>
  new CapabilityError.CapabilityError({ code: "invalid_input", message, fields: [{ path: "", message: issue }] })

/** JSON text parsed, refused when it is not JSON or nests deeper than `MAX_DEPTH`. */
export const parseJson = (text: string): Either.Either<unknown, CapabilityError.CapabilityError> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return Either.left(malformed("The body is not valid JSON", "not valid JSON"))
  }
  return depthOf(parsed, 0) > MAX_DEPTH
    ? Either.left(malformed(`The body nests deeper than ${MAX_DEPTH} levels`, `nests deeper than ${MAX_DEPTH} levels`))
    : Either.right(parsed)
}

/** Whether a Content-Type names NDJSON (`application/x-ndjson`, or its other names). */
export const isNdjson = (contentType: string | undefined) =>
  contentType !== undefined && /^application\/(x-ndjson|ndjson|jsonl|x-jsonlines)\s*(;|$)/i.test(contentType)

/** Built only when needed: an error captures a stack trace, too dear for every request. */
const tooLarge = (maxBytes: number) =>
  Either.left(
    new CapabilityError.CapabilityError({
      code: "payload_too_large",
      message: `The body is larger than ${maxBytes} bytes`
    })
  )

/** `readText`, its text handed to `parse` before `done`: one callback for the body, whichever is read. */
const readBody = <A>(
  request: Request,
  maxBytes: number,
  accepts: { readonly test: (contentType: string | undefined) => boolean; readonly unsupported: string },
  parse: (text: string) => Either.Either<A, CapabilityError.CapabilityError>,
  done: (body: Either.Either<A, CapabilityError.CapabilityError>) => void
): void => {
  if (!accepts.test(header(request, "content-type"))) {
    done(
      Either.left(new CapabilityError.CapabilityError({ code: "unsupported_media_type", message: accepts.unsupported }))
    )
    return
  }
  if (Number(header(request, "content-length") ?? 0) > maxBytes) {
    done(tooLarge(maxBytes))
    return
  }
  request.body(maxBytes, (body) => {
    if (Either.isRight(body)) return done(parse(body.right))
    done(
      body.left === "too_large"
        ? tooLarge(maxBytes)
        : Either.left(malformed("The body could not be read", "unreadable"))
    )
  })
}

/**
 * A request's body as text, within `maxBytes`: refused when its Content-Type is not one `accepts` takes (415, with
 * `unsupported` as the message), declared or found larger (413, before it is read, or as soon as it passes the
 * limit), or unreadable (400).
 */
export const readText = (
  request: Request,
  maxBytes: number,
  accepts: { readonly test: (contentType: string | undefined) => boolean; readonly unsupported: string },
  done: (body: Either.Either<string, CapabilityError.CapabilityError>) => void
): void => readBody(request, maxBytes, accepts, Either.right, done)

const jsonBodies = { test: isJson, unsupported: "The body must be JSON (Content-Type: application/json)" }

/**
 * A request's JSON body, within `maxBytes`: refused as `readText` refuses, and when it is not JSON or nests too
 * deep (400).
 */
export const readJson = (
  request: Request,
  maxBytes: number,
  done: (body: Either.Either<unknown, CapabilityError.CapabilityError>) => void
): void => readBody(request, maxBytes, jsonBodies, parseJson, done)

/** How long a refused body is read and dropped before the answer is written anyway. */
const DRAIN_MILLIS = 1000

const writeNode = (outgoing: ServerResponse, response: Response, headers: Record<string, string | number>) => {
  try {
    outgoing.writeHead(response.status, headers).end(response.body)
  } catch {
    // Only a broken connection gets here; there is nobody left to answer.
    outgoing.destroy()
  }
}

/**
 * Whether some of a request's body has not been read: it declares one (chunked, or a length above 0) and has not
 * ended. A request without a body is answered at once and its connection kept, even when the answer comes before
 * Node has marked it complete (an answer given as its headers are read, as a fixed route's is).
 */
const bodyPending = (incoming: IncomingMessage): boolean =>
  !incoming.complete &&
  (incoming.headers["transfer-encoding"] !== undefined || Number(incoming.headers["content-length"] ?? 0) > 0)

/**
 * `serve` as a Node `http` request listener: the whole answer is written at once. A body left unread (refused as too
 * large) closes the connection, so it is not taken for the next request on it.
 */
export const listener =
  (serve: Serve) =>
  (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    const request: Request = {
      method: incoming.method ?? "GET",
      url: incoming.url ?? "/",
      headers: incoming.headers,
      body: fromNode(incoming),
      localPort: incoming.socket.localPort
    }
    serve(request, (response) => {
      if (outgoing.headersSent) return
      const headers: Record<string, string | number> = withHeader(
        response.headers,
        "content-type",
        response.contentType
      )
      headers["content-length"] = Buffer.byteLength(response.body)
      if (!bodyPending(incoming)) return writeNode(outgoing, response, headers)
      let written = false
      const write = () => {
        if (written) return
        written = true
        writeNode(outgoing, response, headers)
      }
      // A refusal before the body was read: what is left is read and dropped, so a client still sending gets the
      // answer rather than a broken pipe, for at most DRAIN_MILLIS; then the connection closes.
      headers.connection = "close"
      const timer = setTimeout(write, DRAIN_MILLIS)
      incoming.once("end", () => {
        clearTimeout(timer)
        write()
      })
      incoming.once("error", write)
      incoming.resume()
    })
  }

/**
 * `serve` as an Effect HTTP app, for hosts serving with an Effect `HttpServer`. The body is read from the request's
 * stream only as far as the limit. `localPort` is the port the server listens on, where the adapter needs it.
 */
export const httpApp = (
  serve: Serve,
  options: { readonly localPort?: number | undefined } = {}
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.async<HttpServerResponse.HttpServerResponse>((resume) =>
      serve(
        {
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: fromStream(request.stream),
          localPort: options.localPort
        },
        (response) =>
          resume(
            Effect.succeed(
              HttpServerResponse.text(response.body, {
                status: response.status,
                headers: response.headers,
                contentType: response.contentType
              })
            )
          )
      )
    )
  )

/**
 * The body of a web-standard Request, from its stream. Past `maxBytes` the stream is cancelled: unlike node:http there
 * is no connection whose next request the unread rest could be taken for, the host owns it.
 */
const fromWebBody =
  (request: globalThis.Request): ReadBody =>
  (maxBytes, done) => {
    const stream = request.body
    if (stream === null) return done(Either.right(""))
    let reader: ReadableStreamDefaultReader<Uint8Array>
    try {
      reader = stream.getReader()
    } catch {
      // Already read, or locked by someone else.
      return done(Either.left("unreadable"))
    }
    const decoder = new TextDecoder()
    let text = ""
    let size = 0
    const next = (): void => {
      reader.read().then(
        (chunk) => {
          if (chunk.done) return done(Either.right(text + decoder.decode()))
          size += chunk.value.byteLength
          if (size > maxBytes) {
            reader.cancel().catch(() => undefined)
            return done(Either.left("too_large"))
          }
          text += decoder.decode(chunk.value, { stream: true })
          next()
        },
        () => done(Either.left("unreadable"))
      )
    }
    next()
  }

/** Where the path of an absolute URL starts: after `scheme://authority`. */
const pathStart = (url: string): number => {
  const authority = url.indexOf("//")
  const at = url.indexOf("/", authority === -1 ? 0 : authority + 2)
  return at === -1 ? url.length : at
}

/**
 * A web-standard Request as an exchange's request. The web host has already parsed its URL (WHATWG rules: dot
 * segments resolved, some characters percent-encoded), so the path is what that parse made of it. The Host is the
 * URL's host, which the web host built from the Host header or knows better, and the port is the URL's (80 or 443
 * when it names none).
 */
export const fromWeb = (request: globalThis.Request): Request => {
  const url = request.url
  const start = pathStart(url)
  const path = url.slice(start)
  const headers: Record<string, string> = {}
  request.headers.forEach((value, name) => {
    headers[name] = value
  })
  const origin = url.slice(0, start)
  // A Request's URL holds no credentials (its constructor refuses them): the authority is the host.
  const host = origin.slice(origin.indexOf("//") + 2)
  if (host !== "") headers.host = host
  const port = /:(\d+)$/.exec(host)?.[1]
  return {
    method: request.method,
    url: path === "" ? "/" : path,
    headers,
    body: fromWebBody(request),
    localPort: port !== undefined ? Number(port) : origin.startsWith("https:") ? 443 : 80
  }
}

/** Statuses whose web Response must have no body at all (an empty string is still a body to its constructor). */
const NULL_BODY = new Set([101, 103, 204, 205, 304])

/** An exchange's response as a web-standard Response (the host sets its Content-Length). */
export const toWeb = (response: Response): globalThis.Response =>
  new globalThis.Response(NULL_BODY.has(response.status) ? null : response.body, {
    status: response.status,
    headers: withHeader(response.headers, "content-type", response.contentType)
  })

/**
 * `serve` as a web-standard handler, `(request: Request) => Promise<Response>`: what Hono, Next.js route handlers,
 * Bun, Deno and Cloudflare Workers call. The same requests get the same answers as through `listener`, except where
 * the web host has already changed them (see `fromWeb`).
 */
export const webHandler =
  (serve: Serve) =>
  (request: globalThis.Request): Promise<globalThis.Response> =>
    new Promise((resolve) => serve(fromWeb(request), (response) => resolve(toWeb(response))))
