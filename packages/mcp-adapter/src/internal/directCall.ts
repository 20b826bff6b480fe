import { type RequestId, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js"

export interface DirectCall {
  readonly id: RequestId
  readonly name: string
  readonly arguments: unknown
}

const JSON_TYPE = /^application\/json\s*(;|$)/i

/**
 * The request almost every MCP call is: one JSON-RPC `tools/call`, posted with the headers the SDK's Streamable HTTP
 * transport requires. Such a call can be answered without the SDK's transport and protocol machinery (a web Request,
 * parses of the message, the request and the result, a web Response read back through a stream), which together cost
 * more than the rest of the server's work. Anything else (initialize, tools/list, batches, notifications, a call with
 * `_meta` or a task, every malformed or unusual request) goes to the SDK, which stays the reference: the checks here
 * are the SDK's own, in its order, and a differential test holds both answers equal.
 */
export const directCall = (
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  body: unknown
): DirectCall | undefined => {
  const accept = headers.accept
  if (typeof accept !== "string" || !accept.includes("application/json") || !accept.includes("text/event-stream")) {
    return undefined
  }
  const type = headers["content-type"]
  if (typeof type !== "string" || !JSON_TYPE.test(type)) return undefined
  const version = headers["mcp-protocol-version"]
  if (version !== undefined && (typeof version !== "string" || !SUPPORTED_PROTOCOL_VERSIONS.includes(version))) {
    return undefined
  }
  return plainCall(body)
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Whether `value` has no key but `keys` (a key named __proto__, which JSON.parse keeps as its own, included). */
const hasOnly = (value: Record<string, unknown>, keys: ReadonlyArray<string>) => {
  for (const key in value) if (!keys.includes(key)) return false
  return true
}

/**
 * The plain call almost every client sends, recognised without the SDK's schemas, whose two parses cost more than
 * the rest of recognising it: `{jsonrpc: "2.0", id, method: "tools/call", params: {name, arguments?}}` and nothing
 * else. What this takes, the SDK's schemas take too, with the same values (a test holds them to it); everything
 * else is left to them.
 */
const plainCall = (body: unknown): DirectCall | undefined => {
  if (!isRecord(body) || !hasOnly(body, ["jsonrpc", "id", "method", "params"])) return undefined
  const { id, params } = body
  if (body.jsonrpc !== "2.0" || body.method !== "tools/call") return undefined
  if (typeof id !== "string" && !Number.isSafeInteger(id)) return undefined
  if (!isRecord(params) || !hasOnly(params, ["name", "arguments"]) || typeof params.name !== "string") return undefined
  const args = params.arguments
  if (args !== undefined && (!isRecord(args) || Object.hasOwn(args, "__proto__"))) return undefined
  return { id: id as RequestId, name: params.name, arguments: args }
}
