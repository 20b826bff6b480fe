/**
 * Serving a Node request listener on a port for as long as the scope lives. On close the server stops
 * accepting, answers what it is serving, and then closes idle keep-alive connections.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Data, Effect } from "effect"

/** A server could not listen where its setting says (the port taken, or not allowed): a setting to change. */
export class ListenFailed extends Data.TaggedError("ListenFailed")<{
  /** One line naming the setting, e.g. `REST_PORT: port 8081 on 127.0.0.1 is already in use`. */
  readonly message: string
  /** The setting that names the port. */
  readonly variable: string
}> {}

/** The error a failed `listen` came with, as `ListenFailed` for the setting `variable`. */
export const listenFailed = (variable: string, port: number, host: string, error: unknown) => {
  const code = (error as { readonly code?: unknown } | undefined)?.code
  const why =
    code === "EADDRINUSE"
      ? "is already in use"
      : code === "EACCES"
        ? "may not be used by this user"
        : `cannot be listened on (${typeof code === "string" ? code : error instanceof Error ? error.message : String(error)})`
  return new ListenFailed({ message: `${variable}: port ${port} on ${host} ${why}`, variable })
}

export const serve = (
  what: string,
  options: { readonly port: number; readonly host: string; readonly path?: string; readonly variable: string },
  listener: (request: IncomingMessage, response: ServerResponse) => void
) =>
  Effect.gen(function* () {
    const server = createServer(listener)
    yield* Effect.acquireRelease(
      Effect.async<void, ListenFailed>((resume) => {
        server.once("error", (error) =>
          resume(Effect.fail(listenFailed(options.variable, options.port, options.host, error)))
        )
        server.listen(options.port, options.host, () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeIdleConnections()
        })
    )
    const address = server.address() as AddressInfo
    yield* logListening(what, address.address, address.port, options.path)
  })

/** The one line that says where a server listens (tests and benchmarks read the URL from it). */
export const logListening = (what: string, hostname: string, port: number, suffix = "") =>
  Effect.logInfo(`${what} listening on http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}${suffix}`)
