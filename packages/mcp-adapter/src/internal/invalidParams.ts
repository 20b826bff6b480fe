import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  InitializeRequestSchema,
  type JSONRPCError,
  ListPromptsRequestSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
  type RequestId
} from "@modelcontextprotocol/sdk/types.js"

/** The requests this server answers, each with the SDK's own schema of it. */
const schemas = {
  "tools/call": CallToolRequestSchema,
  "tools/list": ListToolsRequestSchema,
  "prompts/get": GetPromptRequestSchema,
  "prompts/list": ListPromptsRequestSchema,
  initialize: InitializeRequestSchema,
  ping: PingRequestSchema
} as const

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The JSON-RPC error for a request whose params its method does not take, or undefined. The SDK checks params only
 * inside its handlers, where a failure ends as an internal error (-32603) carrying the schema library's whole issue
 * list; the caller sent bad params, which JSON-RPC answers -32602 with a short message naming the first one.
 */
export const invalidParams = (body: unknown): JSONRPCError | undefined => {
  if (!isRecord(body) || body.jsonrpc !== "2.0" || typeof body.method !== "string") return undefined
  const id = body.id
  if (typeof id !== "string" && !Number.isSafeInteger(id)) return undefined
  const schema = schemas[body.method as keyof typeof schemas]
  if (schema === undefined) return undefined
  const parsed = schema.safeParse(body)
  if (parsed.success) return undefined
  const issue = parsed.error.issues[0]
  const path = issue === undefined || issue.path.length === 0 ? "params" : issue.path.map(String).join(".")
  const what = body.method === "tools/call" ? ' (tools/call takes {"name": string, "arguments": object})' : ""
  return {
    jsonrpc: "2.0",
    id: id as RequestId,
    error: { code: ErrorCode.InvalidParams, message: `Invalid params: ${path}: ${issue?.message ?? "invalid"}${what}` }
  }
}
