/**
 * A local server that speaks Schematic's wire API from embedded storage. Run it from the command line
 * (`schematic-sandbox`) or in-process with {@link layer}.
 *
 * @since 0.1.0
 */

import { timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"
import { HttpMiddleware, HttpServer, HttpServerRequest } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Cause, Effect, Layer } from "effect"
import { RateLimitEmulation } from "./internal/http/rateLimit.js"
import { errorBody } from "./internal/http/response.js"
import { routes } from "./internal/routes.js"
import { SandboxError } from "./internal/SandboxError.js"
import { databaseFile, defaults, type SandboxConfig } from "./SandboxConfig.js"
import * as SandboxSeed from "./SandboxSeed.js"
import * as SandboxStore from "./SandboxStore.js"

const sameKey = (given: string | undefined, expected: Buffer) => {
  if (given === undefined) return false
  const buffer = Buffer.from(given)
  return buffer.length === expected.length && timingSafeEqual(buffer, expected)
}

/** The HTTP application: auth, rate-limit emulation, routes, and Schematic's `{error}` body for every failure. */
export const makeApp = (config: Pick<SandboxConfig, "apiKey" | "rateLimit">) => {
  const expected = Buffer.from(config.apiKey)
  const limiter = new RateLimitEmulation(config.rateLimit)
  return Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (!sameKey(request.headers["x-schematic-api-key"], expected)) {
      return errorBody(401, "Invalid or missing API key (X-Schematic-Api-Key)")
    }
    const wait = limiter.take(request.method, request.url.split("?")[0]!, Date.now())
    if (wait !== undefined) return errorBody(429, "Rate limit exceeded", { "retry-after": String(wait) })
    return yield* routes
  }).pipe(
    Effect.catchAll((error) => {
      if (error instanceof SandboxError) return Effect.succeed(errorBody(error.status, error.message))
      if (typeof error === "object" && error !== null && "_tag" in error && error._tag === "RouteNotFound") {
        return Effect.succeed(errorBody(404, "Not found"))
      }
      return Effect.logError("sandbox request failed", error).pipe(
        Effect.as(errorBody(500, "Internal error in the sandbox"))
      )
    }),
    Effect.catchAllDefect((defect) =>
      Effect.logError("sandbox request died", Cause.die(defect)).pipe(
        Effect.as(errorBody(500, "Internal error in the sandbox"))
      )
    )
  )
}

/**
 * Runs the sandbox in-process on `config.port` (0 picks a free port; read it from `HttpServer.HttpServer`)
 * for as long as the layer lives. Defaults as on the command line.
 */
export const layer = (options: Partial<SandboxConfig> = {}) => {
  const config = { ...defaults, ...options }
  const store = SandboxStore.layer(databaseFile(config))
  const seeded =
    config.seed === undefined
      ? store
      : Layer.effectDiscard(SandboxSeed.load(config.seed)).pipe(Layer.provideMerge(store))
  return HttpServer.serve(makeApp(config), HttpMiddleware.withLoggerDisabled).pipe(
    Layer.provide(seeded),
    Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: config.port, host: config.host }))
  )
}

/** The base URL of a running server, e.g. `http://127.0.0.1:8090`. */
export const url = Effect.map(HttpServer.HttpServer, (server) => {
  const address = server.address
  if (address._tag === "UnixAddress") return `http+unix://${address.path}`
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname
  return `http://${host}:${address.port}`
})
