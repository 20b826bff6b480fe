/**
 * The capability's operations as Vercel AI SDK tools, for `generateText`, `streamText` or an agent: the same tools an
 * MCP client lists (names, titles, descriptions, lean input schemas: capability-core's `Tools` declares them once),
 * chosen the same way (by toolset and by the caller's scope), run on an Effect runtime that provides their services.
 *
 * A tool's result is the operation's output as JSON. A failed call throws a `ToolCallError`: the AI SDK makes it the
 * step's `tool-error` part and gives the model its message (the code, then one line per bad field), so the model can
 * correct its arguments in the next step.
 *
 * @since 0.1.0
 */
import {
  CapabilityError,
  type Operation,
  type Operations,
  RequestTrace,
  Tools
} from "@schematic-capability/capability-core"
import { type JSONSchema7, jsonSchema, type Tool, type ToolSet } from "ai"
import { Cause, Effect, Exit, ManagedRuntime, Runtime } from "effect"
import { ToolCallError } from "./ToolCallError.js"

/** The services the operations `Op` need: a `SchematicClient` and an `EventSink` for the built-in ones. */
export type Requirements<Op extends Tools.AnyOperation> = Operation.Requirements<Op>

/** Where the tools run: a runtime, or a managed one (built on first use). */
export type RuntimeOf<R> = Runtime.Runtime<R> | ManagedRuntime.ManagedRuntime<R, unknown>

export interface Options<Op extends Tools.AnyOperation = (typeof Operations.all)[number]> extends Tools.Selection<Op> {
  /**
   * Which tools wait for the user's approval before they run (the AI SDK's `needsApproval`): `write` for every tool
   * that changes something (write and admin scope), `admin` for admin tools only, or a function of the tool and its
   * input. None by default.
   */
  readonly needsApproval?:
    | "write"
    | "admin"
    | ((tool: Tools.Definition, input: unknown) => boolean | PromiseLike<boolean>)
    | undefined
}

/** The tool set's Tool type: arguments in the tool's (lean) JSON Schema, the operation's output as JSON. */
export type SchematicTool = Tool<Record<string, unknown>, unknown>

const needsApprovalOf = (
  option: Options["needsApproval"],
  tool: Tools.Tool
): SchematicTool["needsApproval"] | undefined => {
  if (option === undefined) return undefined
  if (typeof option === "function") return (input) => option(tool.definition, input)
  return option === "write" ? tool.operation.scope !== "read" : tool.operation.scope === "admin"
}

/**
 * The tools `options` select (scope `read` by default, every toolset), keyed by name, each running on `runtime`:
 * `generateText({ model, tools: schematicTools(runtime, { scope: "write" }), system: schematicInstructions() })`.
 */
export const schematicTools = <Op extends Tools.AnyOperation = (typeof Operations.all)[number]>(
  runtime: RuntimeOf<Requirements<Op>>,
  options: Options<Op> = {}
): ToolSet => {
  const runtimeOf: () => Runtime.Runtime<Requirements<Op>> | Promise<Runtime.Runtime<Requirements<Op>>> =
    ManagedRuntime.isManagedRuntime(runtime)
      ? () => (runtime as ManagedRuntime.ManagedRuntime<Requirements<Op>, unknown>).runtime()
      : () => runtime as Runtime.Runtime<Requirements<Op>>
  const tools: Record<string, SchematicTool> = {}
  for (const tool of Tools.select(options)) {
    const { name, title, description, inputSchema } = tool.definition
    const needsApproval = needsApprovalOf(options.needsApproval, tool)
    tools[name] = {
      title,
      description,
      inputSchema: jsonSchema<Record<string, unknown>>(inputSchema as JSONSchema7),
      metadata: { toolset: tool.operation.toolset, scope: tool.operation.scope },
      ...(needsApproval === undefined ? {} : { needsApproval }),
      execute: async (input, { toolCallId }) => call(await runtimeOf(), tool, input, toolCallId)
    }
  }
  return tools
}

/** A tool's call run to its output, or a `ToolCallError`; a defect is logged and thrown as `internal`. */
const call = <R>(runtime: Runtime.Runtime<R>, tool: Tools.Tool, input: unknown, toolCallId: string) =>
  new Promise<unknown>((resolve, reject) => {
    const name = tool.definition.name
    const died = (cause: Cause.Cause<unknown>) => {
      Runtime.runFork(runtime)(Effect.logError(`tool ${name} died`, cause))
      reject(
        ToolCallError.of(name, new CapabilityError.CapabilityError({ code: "internal", message: "Internal error" }))
      )
    }
    const trace = RequestTrace.enabledOn(runtime)
      ? {
          name: `tool ${name}`,
          attributes: { "gen_ai.tool.name": name, "gen_ai.tool.call.id": toolCallId, "capability.transport": "ai-sdk" }
        }
      : undefined
    Tools.callOn(
      runtime,
      tool.operation,
      input,
      (exit) => {
        if (Exit.isSuccess(exit)) return resolve(exit.value)
        const failure = Cause.failureOption(exit.cause)
        if (failure._tag === "Some") reject(ToolCallError.of(name, failure.value))
        else died(exit.cause)
      },
      trace
    )
  })

/**
 * What the tools share, said once rather than in every tool's schema (the fields every tool names the same way and
 * the conventions of companies, features, pages, money and times): for the system prompt. The same text an MCP
 * client reads as the server's instructions.
 */
export const schematicInstructions = (): string => Tools.instructions
