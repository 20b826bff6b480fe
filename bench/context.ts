/**
 * What an agent's context pays: the bytes of MCP tools/list (all tools, and each scope's share) and of the default
 * result of the main list tools, on the server as it starts by default (the demo dataset on its embedded sandbox).
 * Targets: tools/list at most 30,000 bytes; a default list-companies result at most 12,000 bytes.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { startServer } from "./processes.ts"

const TOOLS_TARGET = 30_000
const LIST_TARGET = 12_000

const connect = async (url: string, token?: string) => {
  const client = new Client({ name: "bench-context", version: "0.0.0" })
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` }
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }))
  return client
}

/** The bytes of tools/list as sent: the JSON-RPC answer's result. */
const toolsBytes = async (client: Client) => Buffer.byteLength(JSON.stringify(await client.listTools()))

export const run = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-context-"))
  const tokens = ["read", "write", "admin"]
    .map((scope) => `${scope}:${scope}-token-0123456789abcdef:${scope}`)
    .join(",")
  const server = await startServer(dataDir, undefined, { SANDBOX_SEED: "demo", CAPABILITY_TOKENS: tokens })
  try {
    const rows: Array<[string, number, number | undefined]> = []
    for (const scope of ["read", "write", "admin"]) {
      const client = await connect(server.mcp, `${scope}-token-0123456789abcdef`)
      rows.push([`tools/list, ${scope} scope`, await toolsBytes(client), scope === "admin" ? TOOLS_TARGET : undefined])
      await client.close()
    }
    const agent = await connect(server.mcp, "admin-token-0123456789abcdef")
    for (const [name, args] of [
      ["list-companies", {}],
      ["list-plans", {}],
      ["list-features", {}],
      ["find-companies-near-limit", { feature_key: "api-calls", min_usage_percent: 50 }],
      ["get-company", { keys: { stripe_customer_id: "cus_demo007" } }]
    ] as const) {
      const result = await agent.callTool({ name, arguments: args })
      rows.push([
        `${name} result`,
        Buffer.byteLength(JSON.stringify(result)),
        name === "list-companies" ? LIST_TARGET : undefined
      ])
    }
    await agent.close()
    console.log("\nContext: bytes an agent reads (demo dataset)")
    console.table(
      rows.map(([what, bytes, target]) => ({
        what,
        bytes,
        target: target ?? "",
        met: target === undefined ? "" : bytes <= target ? "yes" : "NO"
      }))
    )
  } finally {
    server.child.kill()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
