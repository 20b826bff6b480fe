import { createServer, type IncomingHttpHeaders } from "node:http"

/** A request as the proxy received it. */
export interface ProxiedRequest {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

/**
 * A proxy in front of an upstream (a sandbox as Schematic): it records every request's method, path and headers, and
 * counts the idempotency keys each delivery (`POST /event-batch`) carries; it answers a delivery
 * `deliveryDelayMillis` after upstream did, so an outbox that leases for less dies, or loses its lease, while
 * upstream already has the events. `onRequest` sees each request first; an answer it returns is given in place of
 * upstream's.
 */
export const upstreamProxy = async (
  target: string,
  options: {
    readonly deliveryDelayMillis?: number
    readonly onRequest?: (request: ProxiedRequest) => { readonly status: number; readonly body: unknown } | undefined
  } = {}
) => {
  const sent = new Map<string, number>()
  const requests: Array<{ readonly method: string; readonly url: string; readonly headers: IncomingHttpHeaders }> = []
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk) => chunks.push(chunk))
    request.on("end", async () => {
      const received = {
        method: request.method ?? "GET",
        url: request.url ?? "/",
        headers: request.headers,
        body: Buffer.concat(chunks)
      }
      requests.push({ method: received.method, url: received.url, headers: received.headers })
      const own = options.onRequest?.(received)
      if (own !== undefined) {
        response.writeHead(own.status, { "content-type": "application/json" })
        response.end(JSON.stringify(own.body))
        return
      }
      const delivery = received.url.startsWith("/event-batch")
      if (delivery) {
        for (const event of JSON.parse(received.body.toString()).events) {
          sent.set(event.idempotency_key, (sent.get(event.idempotency_key) ?? 0) + 1)
        }
      }
      const answer = await fetch(`${target}${received.url}`, {
        method: received.method,
        headers: Object.fromEntries(
          Object.entries(received.headers).filter(([name]) => !["host", "content-length", "connection"].includes(name))
        ) as Record<string, string>,
        ...(received.body.length > 0 ? { body: received.body } : {})
      })
      const text = await answer.text()
      if (delivery) await new Promise((done) => setTimeout(done, options.deliveryDelayMillis ?? 0))
      response.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" })
      response.end(text)
    })
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    requests,
    close: () => new Promise<void>((done) => server.close(() => done()))
  }
}
