/**
 * GET /metrics, scraped as Prometheus would and read with a Prometheus text-format parser.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import parse from "parse-prometheus-text-format"
import { describe, expect, it } from "vitest"
import { bearer, rest, serverForSuite } from "./support.js"

const READER = "metrics-reader-0123456789"
const WRITER = "metrics-writer-0123456789"

describe("metrics", () => {
  const server = serverForSuite({
    CAPABILITY_TOKENS: `prometheus:${READER}:read,app:${WRITER}:write`,
    // The sandbox emulates Schematic's rate limits, and the client keeps to a budget to match.
    SANDBOX_RATE_LIMIT: "20"
  })

  const scrape = async () => {
    const response = await fetch(`${server.rest}/metrics`, { headers: bearer(READER) })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/plain")
    const text = await response.text()
    const families = parse(text)
    const metric = (name: string) => families.find((family) => family.name === name)
    return Object.assign(metric, { text })
  }

  it("counts requests by operation, transport and status, calls to Schematic, the outbox and the process", async () => {
    expect((await fetch(`${server.rest}/metrics`)).status).toBe(401)

    for (let i = 0; i < 5; i++) await rest(server.rest, "GET", "/v1/companies?limit=1", undefined, bearer(READER))
    const refused = await rest(server.rest, "GET", "/v1/companies?limit=0", undefined, bearer(READER))
    expect(refused.status).toBe(400)
    const accepted = await rest(
      server.rest,
      "POST",
      "/v1/events",
      { event_type: "track", body: { event: "api-call", company: { crm: "metrics" } } },
      bearer(WRITER)
    )
    expect(accepted.status).toBe(202)
    const client = new Client({ name: "metrics-test", version: "1.0.0" })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.mcp), { requestInit: { headers: bearer(READER) } })
    )
    await client.callTool({ name: "list-companies", arguments: { limit: 1 } })
    await client.callTool({ name: "upsert-company", arguments: { keys: { crm: "x" } } })
    await client.close()
    for (let attempt = 0; attempt < 50; attempt++) {
      if ((await rest(server.rest, "GET", "/v1/events/outbox", undefined, bearer(READER))).body.delivered > 0) break
      await new Promise((done) => setTimeout(done, 100))
    }

    const metric = await scrape()
    const requests = metric("capability_requests_total")!
    expect(requests.type).toBe("COUNTER")
    const count = (labels: Record<string, string>) =>
      Number(
        requests.metrics.find((sample) => Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v))?.value ??
          0
      )
    expect(count({ operation: "list-companies", transport: "rest", status: "200" })).toBe(5)
    expect(count({ operation: "list-companies", transport: "rest", status: "400" })).toBe(1)
    expect(count({ operation: "create-event", transport: "rest", status: "202" })).toBe(1)
    expect(count({ operation: "list-companies", transport: "mcp", status: "200" })).toBe(1)
    // A read token calling a write tool.
    expect(count({ operation: "upsert-company", transport: "mcp", status: "403" })).toBe(1)
    expect(count({ operation: "metrics", transport: "rest", status: "401" })).toBe(1)

    expect(metric("capability_request_duration_seconds")?.type).toBe("HISTOGRAM")
    // The parser folds a histogram's label sets together; its lines say each one's count.
    expect(metric.text).toContain(
      'capability_request_duration_seconds_count{operation="list-companies",transport="rest"} 6'
    )
    expect(metric.text).toContain(
      'capability_request_duration_seconds_bucket{le="+Inf",operation="list-companies",transport="rest"} 6'
    )

    const upstream = metric("schematic_requests_total")!
    expect(
      upstream.metrics.find((sample) => sample.labels?.route === "/companies" && sample.labels.status === "200")
    ).toBeDefined()
    expect(
      upstream.metrics.find((sample) => sample.labels?.route === "/event-batch" && sample.labels.method === "POST")
    ).toBeDefined()
    expect(metric("schematic_request_duration_seconds")?.type).toBe("HISTOGRAM")
    // Six reads one after another at 20 a second: most wait a little on the budget.
    const waited = metric("schematic_rate_budget_wait_seconds_total")!.metrics
    expect(Number(waited.find((sample) => sample.labels?.kind === "read")?.value)).toBeGreaterThan(0)
    expect(metric("schematic_retries_total")?.type).toBe("COUNTER")
    expect(metric("schematic_rate_limited_total")?.type).toBe("COUNTER")

    const outbox = metric("outbox_events")!.metrics
    expect(outbox.find((sample) => sample.labels?.state === "delivered")?.value).toBe("1")
    expect(outbox.find((sample) => sample.labels?.state === "pending")?.value).toBe("0")
    expect(metric("outbox_oldest_pending_age_seconds")?.metrics[0]?.value).toBe("0")
    expect(metric("outbox_delivered_total")?.metrics[0]?.value).toBe("1")
    expect(metric("outbox_dead_lettered_total")?.metrics[0]?.value).toBe("0")
    expect(metric.text).toContain("outbox_delivery_batch_size_count 1")

    expect(Number(metric("process_cpu_seconds_total")?.metrics[0]?.value)).toBeGreaterThan(0)
    expect(Number(metric("process_resident_memory_bytes")?.metrics[0]?.value)).toBeGreaterThan(0)
  })
})
