/**
 * Serving a Node request listener on a port for as long as the scope lives. On close the server stops
 * accepting, answers what it is serving, and then closes idle keep-alive connections.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

export const serve = (
  what: string,
  options: { readonly port: number; readonly host: string; readonly path?: string },
  listener: (request: IncomingMessage, response: ServerResponse) => void
) =>
  Effect.gen(function* () {
    const server = createServer(listener)
    yield* Effect.acquireRelease(
      Effect.async<void, Error>((resume) => {
        server.once("error", (error) => resume(Effect.fail(error)))
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
