/**
 * The operations as tools for an AI agent, declared once for every agent protocol (MCP, the Vercel AI SDK, a custom
 * host): each tool's name, title, description and lean input schema (a plain JSON Schema object, no `$ref`: see
 * `internal/leanSchema`), its hints as MCP-style annotations, which tools a caller is offered (by toolset and by
 * scope), the text that describes the fields every tool shares, and the text of a failed call.
 *
 * No output schemas: results are compact JSON an agent reads as it comes, and every tool's definition is paid for in
 * every conversation's context, where output schemas would more than double it.
 *
 * @since 0.1.0
 */
import { JsonSchemas } from "@schematic-capability/schema-check"
import { Either, Exit, type Runtime } from "effect"
import * as Authenticator from "./Authenticator.js"
import * as Capability from "./Capability.js"
import type { CapabilityError } from "./CapabilityError.js"
import { COMMON_FIELDS, leanInput } from "./internal/leanSchema.js"
import * as Operation from "./Operation.js"
import * as Operations from "./Operations.js"
import type * as RequestTrace from "./RequestTrace.js"

// biome-ignore lint/suspicious/noExplicitAny: operations of every input and output type are offered together
export type AnyOperation = Operation.Operation<any, any, any>

/** A tool as an agent protocol lists it. */
export interface Definition {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly inputSchema: { readonly type: "object"; readonly [key: string]: unknown }
  readonly annotations: {
    readonly readOnlyHint?: boolean
    readonly destructiveHint?: boolean
    readonly idempotentHint?: boolean
    readonly openWorldHint?: boolean
  }
}

/** A tool: its definition and the operation that runs it. */
export interface Tool<Op extends AnyOperation = AnyOperation> {
  readonly definition: Definition
  readonly operation: Op
}

const objectSchema = (operation: Operation.Operation, schema: JsonSchemas.JsonSchemaObject, which: string) => {
  if (schema.type !== "object" || "$ref" in schema) {
    throw new Error(`${operation.name}: the ${which} schema must be a plain object schema`)
  }
  return schema as Definition["inputSchema"]
}

/**
 * The hints as annotations, each one given where it differs from what MCP takes when it is left out (not read-only,
 * destructive, not idempotent, open world): the same meaning, in fewer of an agent's tokens. Whether a read-only tool
 * destroys or repeats safely means nothing, so a read-only tool says only that.
 */
const annotationsOf = (hints: Operation.Hints): Definition["annotations"] =>
  hints.readOnly
    ? { readOnlyHint: true, ...(hints.openWorld ? {} : { openWorldHint: false }) }
    : {
        ...(hints.destructive ? {} : { destructiveHint: false }),
        ...(hints.idempotent ? { idempotentHint: true } : {}),
        ...(hints.openWorld ? {} : { openWorldHint: false })
      }

/** An operation's tool definition: its MCP shape where it has one (a flat input an agent fills more reliably). */
export const definition = (operation: Operation.Operation): Definition => ({
  name: Operation.toolName(operation),
  title: operation.mcp?.title ?? operation.title,
  description: operation.mcp?.description ?? operation.description,
  inputSchema: objectSchema(
    operation,
    leanInput(JsonSchemas.of(operation.mcp?.input ?? operation.input)) as JsonSchemas.JsonSchemaObject,
    "input"
  ),
  annotations: annotationsOf(operation.hints)
})

/** The tools of `operations` (all by default) in `toolsets` (all when not given), in the operations' order. */
export const offered = <Op extends AnyOperation = (typeof Operations.all)[number]>(
  operations: ReadonlyArray<Op> = Operations.all as ReadonlyArray<Op>,
  toolsets?: ReadonlyArray<Operation.Toolset> | undefined
): ReadonlyArray<Tool<Op>> =>
  (toolsets === undefined ? operations : operations.filter((operation) => toolsets.includes(operation.toolset))).map(
    (operation) => ({ operation, definition: definition(operation) })
  )

/** The tools a caller holding `scopes` (implied ones included, see `Authenticator.expand`) may call. */
export const allowed = <T extends Tool>(tools: ReadonlyArray<T>, scopes: ReadonlySet<Operation.Scope>): Array<T> =>
  tools.filter((tool) => scopes.has(tool.operation.scope))

/** Which tools to offer: `offered`, then `allowed` for the caller's `scope`. */
export interface Selection<Op extends AnyOperation = AnyOperation> {
  /** The operations to offer as tools; all of them by default. */
  readonly operations?: ReadonlyArray<Op> | undefined
  /** The toolsets offered (`companies`, `usage`, `catalogue`, `billing`, `events`, `insights`); all by default. */
  readonly toolsets?: ReadonlyArray<Operation.Toolset> | undefined
  /** The caller's scope: `read`; `write` (includes read); `admin` (includes write). `read` by default. */
  readonly scope?: Operation.Scope | undefined
}

/** The tools a selection offers, in the operations' order. */
export const select = <Op extends AnyOperation = (typeof Operations.all)[number]>(
  selection: Selection<Op> = {}
): ReadonlyArray<Tool<Op>> =>
  allowed(offered(selection.operations, selection.toolsets), Authenticator.expand([selection.scope ?? "read"]))

/**
 * Fields every tool names the same way, described once (in `instructions`) rather than in each tool that takes them:
 * their descriptions are left out of every input schema.
 */
export const commonFields: Readonly<Record<string, string>> = COMMON_FIELDS

/**
 * What the tools share, said once rather than in every tool's schema: for an MCP server's instructions, or an agent's
 * system prompt, read before any tool.
 */
export const instructions: string = [
  "Tools over Schematic (billing and entitlements): customer companies and users, what plans and overrides entitle",
  "them to and their usage, billing and credits, the plan catalogue, usage events and insights.",
  "Conventions: a company is named by company_id or by keys; a feature by feature_id or feature_key; lists page with",
  "limit and offset and say whether there is more (pagination.next_offset). Money is in minor units (4900 is 49.00);",
  "times are ISO 8601 in UTC. Fields:",
  ...Object.entries(COMMON_FIELDS).map(([name, description]) => `${name}: ${description}.`)
].join(" ")

/**
 * A failed call as an agent reads it: the code first (`invalid_input: ...`), then one line per bad field, then when
 * to retry, if the failure says.
 */
export const errorText = (error: CapabilityError): string =>
  [
    `${error.code}: ${error.message}`,
    ...(error.fields ?? []).map((field) => `- ${field.path || "(arguments)"}: ${field.message}`),
    ...(error.retryAfterSeconds === undefined ? [] : [`Retry after ${error.retryAfterSeconds} s.`])
  ].join("\n")

/**
 * Decodes a tool's arguments (in the tool's input shape, see `definition`) and runs its operation on `runtime`, its
 * Exit handed to `done`: the one way every agent protocol runs a tool (see `Capability.executeOn`). Refused input is
 * a failure naming its fields; a throw while decoding or building the handler is a defect.
 */
export const callOn = <I, O, R>(
  runtime: Runtime.Runtime<R>,
  operation: Operation.Operation<I, O, R>,
  args: unknown,
  done: (exit: Exit.Exit<unknown, CapabilityError>) => void,
  trace?: RequestTrace.RequestTrace | undefined
): void => {
  try {
    const input = Capability.decodeInput(operation as Operation.Operation<I>, args ?? {}, "mcp")
    if (Either.isLeft(input)) done(Exit.fail(input.left))
    else Capability.executeOn(runtime, operation, input.right, done, trace)
  } catch (defect) {
    done(Exit.die(defect))
  }
}
