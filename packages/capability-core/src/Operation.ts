/**
 * One operation of the capability, declared once: every adapter (REST, MCP, a custom host) is derived from it.
 *
 * @since 0.1.0
 */
import type { Effect, Schema } from "effect"
import type { CapabilityError, ErrorCode } from "./CapabilityError.js"

/** What a caller's credentials must allow: `write` includes `read`; `admin` includes `write`. */
export type Scope = "read" | "write" | "admin"

/** Behaviour hints, as MCP tool annotations define them; adapters set all four explicitly. */
export interface Hints {
  /** Changes nothing. */
  readonly readOnly: boolean
  /** May destroy or overwrite data (meaningful when not read-only). */
  readonly destructive: boolean
  /** Repeating the call with the same input has no further effect. */
  readonly idempotent: boolean
  /** Reaches a system outside the server (Schematic). */
  readonly openWorld: boolean
}

/** The hints of each kind of operation, so a declaration says what it does in one word. */
export const hints = {
  /** Reads from Schematic. */
  readsSchematic: { readOnly: true, destructive: false, idempotent: true, openWorld: true },
  /** Reads what this server keeps (the event outbox). */
  readsOutbox: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  /** Creates in Schematic: each call creates again, unless it carries an idempotency key that repeats. */
  createsInSchematic: { readOnly: false, destructive: false, idempotent: false, openWorld: true },
  /** Creates or updates in Schematic: the same input again changes nothing more. */
  upsertsSchematic: { readOnly: false, destructive: false, idempotent: true, openWorld: true },
  /** Deletes in Schematic: what it removes is gone; deleting again changes nothing more. */
  deletesSchematic: { readOnly: false, destructive: true, idempotent: true, openWorld: true },
  /** Records usage for Schematic: each call counts, unless its idempotency key repeats. */
  recordsUsage: { readOnly: false, destructive: false, idempotent: false, openWorld: true },
  /** Repairs what this server keeps: doing it twice does nothing more. */
  repairsOutbox: { readOnly: false, destructive: false, idempotent: true, openWorld: false }
} as const satisfies Record<string, Hints>

/**
 * The group of work an operation belongs to: what a server may offer on its own (MCP_TOOLSETS), the tag it is
 * documented under, and the order adapters list operations in.
 */
export const toolsets = ["companies", "usage", "catalogue", "billing", "events", "insights"] as const
export type Toolset = (typeof toolsets)[number]

export interface RestBinding {
  /** GET and DELETE take their input from the query string; POST, PUT and PATCH from a JSON body. */
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  /**
   * The first path is the canonical one; the others serve the same operation. A segment `{name}` is a path
   * parameter: it sets the input's field `name`.
   */
  readonly paths: readonly [string, ...Array<string>]
  /** Status of a success answer. */
  readonly status: 200 | 201 | 202
  /** Largest body this route accepts, when it needs more than the adapter's default. */
  readonly maxBodyBytes?: number | undefined
  /**
   * The input's array field that a body may fill on its own: a JSON array, or NDJSON (`application/x-ndjson`,
   * one item a line). The input's other fields then come from the query string.
   */
  readonly records?: string | undefined
}

/**
 * A second input shape for MCP, where an agent fills a flat object more reliably than a nested one.
 * `toInput` turns it into the operation's input.
 */
export interface McpBinding<I, M> {
  readonly name: string
  readonly title: string
  readonly description: string
  // biome-ignore lint/suspicious/noExplicitAny: the encoded side is JSON
  readonly input: Schema.Schema<M, any>
  readonly toInput: (input: M) => I
}

/**
 * An operation: `I` and `O` its decoded input and output, `R` the services its handler needs, `M` its MCP input; `N`
 * its name as a literal type and `IE` / `OE` the encoded (JSON) sides of its input and output, so that a host can be
 * typed by the name of the operation it runs (see `Operations.Input`, `Operations.Output`).
 */
// biome-ignore lint/suspicious/noExplicitAny: operations are stored together whatever their types
export interface Operation<I = any, O = any, R = any, M = any, N extends string = string, IE = any, OE = any> {
  /** The capability document's name, e.g. `list-companies`. */
  readonly name: N
  readonly title: string
  /** Written for an AI agent: when to use it, what the keys mean, a short example. */
  readonly description: string
  readonly input: Schema.Schema<I, IE>
  readonly output: Schema.Schema<O, OE>
  readonly hints: Hints
  readonly scope: Scope
  readonly toolset: Toolset
  readonly rest: RestBinding
  readonly mcp?: McpBinding<I, M> | undefined
  /**
   * What the operation does. Handlers over a service with a callback form (event ingestion over the durable outbox)
   * build their Effect with `Callback.make`, so that adapters run them without a fiber.
   */
  readonly handler: (input: I) => Effect.Effect<O, CapabilityError, R>
  /** The failures its handler can give (see `CapabilityError.table`); adapters add their own (input, access). */
  readonly errors: ReadonlyArray<ErrorCode>
}

/** Declares an operation; the identity function, there for inference (the name as its literal type). */
// biome-ignore lint/suspicious/noExplicitAny: inferred from the schemas; any only where a schema does not say
export const make = <I, O, R, M = unknown, const N extends string = string, IE = any, OE = any>(
  operation: Operation<I, O, R, M, N, IE, OE>
): Operation<I, O, R, M, N, IE, OE> => operation

/** The services an operation (or a union of operations) needs. */
// biome-ignore lint/suspicious/noExplicitAny: only R is asked for
export type Requirements<Op> = Op extends Operation<any, any, infer R, any> ? R : never

/** The name an operation has as an MCP tool. */
export const toolName = (operation: Operation): string => operation.mcp?.name ?? operation.name
