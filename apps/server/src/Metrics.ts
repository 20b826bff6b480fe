/**
 * The server's metrics in Prometheus text format (`GET /metrics`), through prom-client: requests by operation,
 * transport and status with their latencies; calls to Schematic by route and status, retries, 429s and the time
 * spent waiting on the rate budget; the outbox's events by state, the age of the oldest pending one, deliveries,
 * dead letters and batch sizes; and the process's own (CPU, memory, event loop lag, handles).
 */
import type { EventSink, RequestObserver } from "@schematic-capability/capability-core"
import type { OutboxObserver } from "@schematic-capability/event-outbox"
import type { UpstreamObserver } from "@schematic-capability/schematic-client"
import client from "prom-client"

/** Latency buckets from a millisecond to ten seconds. */
const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export interface Metrics {
  readonly request: RequestObserver.RequestObserver
  readonly upstream: UpstreamObserver.UpstreamObserverShape
  readonly outbox: OutboxObserver.OutboxObserverShape
  /** Where the outbox gauges are read from at each scrape (set once the event sink is built). */
  readonly readOutboxFrom: (status: () => Promise<EventSink.DeliveryStatus>) => void
  readonly contentType: string
  readonly render: () => Promise<string>
}

export const make = (): Metrics => {
  const registry = new client.Registry()
  client.collectDefaultMetrics({ register: registry })
  const registers = [registry]

  const requests = new client.Counter({
    name: "capability_requests_total",
    help: "Requests answered, by operation (or route), transport (rest, mcp) and HTTP status",
    labelNames: ["operation", "transport", "status"] as const,
    registers
  })
  const requestSeconds = new client.Histogram({
    name: "capability_request_duration_seconds",
    help: "Time to answer a request, by operation (or route) and transport",
    labelNames: ["operation", "transport"] as const,
    buckets: SECONDS,
    registers
  })

  const upstreamCalls = new client.Counter({
    name: "schematic_requests_total",
    help: "Attempts of calls to Schematic, by method, route and HTTP status (0: no answer)",
    labelNames: ["method", "route", "status"] as const,
    registers
  })
  const upstreamSeconds = new client.Histogram({
    name: "schematic_request_duration_seconds",
    help: "Time of an attempt of a call to Schematic, by method and route",
    labelNames: ["method", "route"] as const,
    buckets: SECONDS,
    registers
  })
  const retries = new client.Counter({
    name: "schematic_retries_total",
    help: "Attempts that repeated a failed attempt of the same call, by method and route",
    labelNames: ["method", "route"] as const,
    registers
  })
  const rateLimited = new client.Counter({
    name: "schematic_rate_limited_total",
    help: "Attempts Schematic answered 429 (rate limited), by method and route",
    labelNames: ["method", "route"] as const,
    registers
  })
  const budgetWait = new client.Counter({
    name: "schematic_rate_budget_wait_seconds_total",
    help: "Time calls waited on the client's own rate budget, by kind (read, write)",
    labelNames: ["kind"] as const,
    registers
  })

  let outboxStatus: (() => Promise<EventSink.DeliveryStatus>) | undefined
  let lastStatus: Promise<EventSink.DeliveryStatus | undefined> | undefined
  /** One read of the outbox a scrape, shared by its gauges. */
  const status = () => {
    lastStatus ??= (outboxStatus?.() ?? Promise.resolve(undefined))
      .catch(() => undefined)
      .finally(() => {
        setImmediate(() => {
          lastStatus = undefined
        })
      })
    return lastStatus
  }
  new client.Gauge({
    name: "outbox_events",
    help: "Events in the outbox, by state (pending, in_flight, delivered and kept, dead_lettered)",
    labelNames: ["state"] as const,
    registers,
    async collect() {
      const now = await status()
      if (now === undefined) return
      this.set({ state: "pending" }, now.pending)
      this.set({ state: "in_flight" }, now.in_flight)
      this.set({ state: "delivered" }, now.delivered)
      this.set({ state: "dead_lettered" }, now.dead_lettered)
    }
  })
  new client.Gauge({
    name: "outbox_oldest_pending_age_seconds",
    help: "Age of the oldest event not yet delivered (0 when none is pending)",
    registers,
    async collect() {
      const now = await status()
      if (now !== undefined) this.set(now.oldest_pending_age_seconds ?? 0)
    }
  })
  const delivered = new client.Counter({
    name: "outbox_delivered_total",
    help: "Events this process recorded as delivered to Schematic (an event sent twice is counted once)",
    registers
  })
  const deadLettered = new client.Counter({
    name: "outbox_dead_lettered_total",
    help: "Events this process dead-lettered (refused by Schematic, or too old to send)",
    registers
  })
  const batchSize = new client.Histogram({
    name: "outbox_delivery_batch_size",
    help: "Events in each batch sent to Schematic",
    buckets: [1, 10, 50, 100, 250, 500, 1000],
    registers
  })

  return {
    request: (sample) => {
      requests.inc({ operation: sample.operation, transport: sample.transport, status: sample.status })
      requestSeconds.observe({ operation: sample.operation, transport: sample.transport }, sample.seconds)
    },
    upstream: {
      attempt: (attempt) => {
        const labels = { method: attempt.method, route: attempt.route }
        upstreamCalls.inc({ ...labels, status: attempt.status })
        upstreamSeconds.observe(labels, attempt.seconds)
        if (attempt.retry) retries.inc(labels)
        if (attempt.status === 429) rateLimited.inc(labels)
      },
      budgetWait: (kind, seconds) => budgetWait.inc({ kind }, seconds)
    },
    outbox: {
      batchSent: (size) => batchSize.observe(size),
      delivered: (count) => delivered.inc(count),
      deadLettered: (count) => deadLettered.inc(count)
    },
    readOutboxFrom: (read) => {
      outboxStatus = read
    },
    contentType: registry.contentType,
    render: () => registry.metrics()
  }
}
