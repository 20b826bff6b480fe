/**
 * An MCP server over the operation registry, built on the SDK's low-level `Server` (its high-level
 * `McpServer` only takes zod schemas). Arguments are decoded with the operations' Effect schemas;
 * every domain failure is an `isError` result with the code and a readable message, never a protocol error.
 *
 * @since 0.1.0
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListToolsRequestSchema,
  McpError
} from "@modelcontextprotocol/sdk/types.js"
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv"
import {
  Authenticator,
  CapabilityError,
  type Operation,
  Operations,
  type RequestObserver,
  RequestTrace,
  Tools
} from "@schematic-capability/capability-core"
import { PackageVersion } from "@schematic-capability/http-exchange"
import { Cause, Effect, Exit, Runtime } from "effect"
import * as McpPrompts from "./McpPrompts.js"
import type * as McpTools from "./McpTools.js"

export type AnyOperation = Tools.AnyOperation

export interface Options<Op extends AnyOperation = (typeof Operations.all)[number]> {
  readonly operations?: ReadonlyArray<Op> | undefined
  /**
   * The toolsets the server offers (`companies`, `usage`, `catalogue`, `billing`, `events`, `insights`); all by
   * default. A tool outside them is neither listed nor called, whatever the caller's scopes.
   */
  readonly toolsets?: ReadonlyArray<Operation.Toolset> | undefined
  readonly name?: string | undefined
  readonly version?: string | undefined
  /** Told of every tool call answered: its operation, the status of its outcome and its time. */
  readonly observe?: RequestObserver.RequestObserver | undefined
}

/** The text rendering of a result: compact JSON, which costs an agent fewer tokens than indented JSON. */
const text = (value: unknown) => JSON.stringify(value)

/**
 * A domain failure as a tool result: its text as every agent reads it (see `Tools.errorText`). No
 * structuredContent: clients check it against the tool's output schema even on errors.
 */
export const errorResult = (error: CapabilityError.CapabilityError): CallToolResult => ({
  isError: true,
  content: [{ type: "text", text: Tools.errorText(error) }]
})

/** The tool registry, computed once: definitions for tools/list and the operation behind each name. */
export interface Registry {
  readonly tools: ReadonlyArray<Tools.Tool<AnyOperation>>
  readonly definitions: ReadonlyArray<McpTools.ToolDefinition>
  readonly byName: ReadonlyMap<string, AnyOperation>
}

export const registry = (
  operations: ReadonlyArray<AnyOperation> = Operations.all,
  toolsets?: ReadonlyArray<Operation.Toolset> | undefined
): Registry => {
  const tools = Tools.offered(operations, toolsets)
  return {
    tools,
    definitions: tools.map((tool) => tool.definition),
    byName: new Map(tools.map((tool) => [tool.definition.name, tool.operation]))
  }
}

const success = (output: unknown): CallToolResult => ({
  content: [{ type: "text", text: text(output) }],
  structuredContent: output as Record<string, unknown>
})

/**
 * A tool call run on `runtime` to its result; whatever happens, a result. The input is decoded as plain code, then
 * the operation runs in at most one fiber (see `Tools.callOn`). A domain failure is an isError result; a
 * defect is logged and answered `internal`.
 */
const runTool = <R>(
  runtime: Runtime.Runtime<R>,
  tools: Registry,
  name: string,
  args: unknown,
  observe: RequestObserver.RequestObserver | undefined,
  traceparent: string | undefined
): Promise<CallToolResult> =>
  new Promise((resolve) => {
    const operation = tools.byName.get(name)
    const timer = observe === undefined ? 0 : performance.now()
    /** Answers with `result`, telling the observer what it came to. */
    const answer = (result: CallToolResult, status: number) => {
      resolve(result)
      observe?.({
        operation: operation?.name ?? "unknown-tool",
        transport: "mcp",
        status,
        seconds: (performance.now() - timer) / 1000
      })
    }
    const refuse = (error: CapabilityError.CapabilityError) => answer(errorResult(error), error.status)
    if (operation === undefined) {
      return refuse(
        new CapabilityError.CapabilityError({ code: "not_found", message: `No tool named ${name.slice(0, 100)}` })
      )
    }
    const died = (cause: Cause.Cause<unknown>) => {
      Runtime.runFork(runtime)(Effect.logError(`tool ${name} died`, cause))
      refuse(new CapabilityError.CapabilityError({ code: "internal", message: "Internal error" }))
    }
    const ended = (exit: Exit.Exit<unknown, CapabilityError.CapabilityError>) => {
      if (Exit.isFailure(exit)) {
        const failure = Cause.failureOption(exit.cause)
        return failure._tag === "Some" ? refuse(failure.value) : died(exit.cause)
      }
      // An output its schema accepts may still hold what JSON cannot carry (a bigint in an unknown field).
      let result: CallToolResult
      try {
        result = success(exit.value)
      } catch (defect) {
        return died(Cause.die(defect))
      }
      answer(result, 200)
    }
    const trace = RequestTrace.enabledOn(runtime)
      ? {
          name: `tools/call ${name}`,
          traceparent,
          attributes: { "mcp.tool.name": name, "capability.transport": "mcp" }
        }
      : undefined
    Tools.callOn(runtime, operation, args, ended, trace)
  })

/**
 * The SDK's JSON Schema validator (for elicitation answers, which these tools never ask for), made once: a
 * `Server` otherwise builds a new Ajv instance of its own, and over stateless HTTP there is a `Server` per
 * request, so every request would pay for building one.
 */
const jsonSchemaValidator = new AjvJsonSchemaValidator()

/** The version the server tells clients, unless its options give one. */
const version = PackageVersion.of(import.meta.url)

/**
 * A fresh low-level MCP server whose tool calls run on `runtime`, for one caller: it lists only the tools the
 * caller's scopes allow, and answers a call to another with an isError result saying why.
 */
export const make = <R>(
  runtime: Runtime.Runtime<R>,
  tools: Registry,
  options: Options<AnyOperation> = {},
  principal: Authenticator.Principal = Authenticator.LOCAL
) => {
  const server = new Server(
    { name: options.name ?? "schematic-capability", version: options.version ?? version },
    {
      jsonSchemaValidator,
      capabilities: { tools: {}, prompts: {} },
      instructions: Tools.instructions
    }
  )
  const allowed = Tools.allowed(tools.tools, principal.scopes).map((tool) => tool.definition)
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: allowed }))
  // A prompt is offered where every tool it uses is.
  const offered = new Set(allowed.map((definition) => definition.name))
  const prompts = McpPrompts.all.filter((prompt) => prompt.tools.every((tool) => offered.has(tool)))
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: prompts.map(McpPrompts.listed) }))
  server.setRequestHandler(GetPromptRequestSchema, async (request) => {
    const prompt = prompts.find((candidate) => candidate.name === request.params.name)
    if (prompt === undefined) {
      throw new McpError(ErrorCode.InvalidParams, `No prompt named ${request.params.name.slice(0, 100)}`)
    }
    const args = request.params.arguments ?? {}
    const missing = prompt.arguments.filter((argument) => argument.required && !args[argument.name])
    if (missing.length > 0) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Missing arguments: ${missing.map((argument) => argument.name).join(", ")}`
      )
    }
    return McpPrompts.rendered(prompt, args)
  })
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const traceparent = extra.requestInfo?.headers.traceparent
    return answerCall(runtime, tools, principal, request.params.name, request.params.arguments, {
      observe: options.observe,
      traceparent: typeof traceparent === "string" ? traceparent : undefined
    })
  })
  return server
}

/** A tool call by `principal`, run on `runtime`: a tool outside the caller's scopes answers why, as an isError result. */
export const answerCall = <R>(
  runtime: Runtime.Runtime<R>,
  tools: Registry,
  principal: Authenticator.Principal,
  name: string,
  args: unknown,
  call: {
    readonly observe?: RequestObserver.RequestObserver | undefined
    /** The caller's W3C `traceparent`, if it sent one. */
    readonly traceparent?: string | undefined
  } = {}
): Promise<CallToolResult> => {
  const observe = call.observe
  const operation = tools.byName.get(name)
  if (operation !== undefined && !Authenticator.allows(principal, operation.scope)) {
    const forbidden = new CapabilityError.CapabilityError({
      code: "forbidden",
      message: `The token "${principal.name}" does not have the ${operation.scope} scope ${name} needs`
    })
    observe?.({ operation: operation.name, transport: "mcp", status: forbidden.status, seconds: 0 })
    return Promise.resolve(errorResult(forbidden))
  }
  return runTool(runtime, tools, name, args, observe, call.traceparent)
}
