/**
 * Running operations: decode the input with the operation's schema, run its handler, encode the output
 * through the output schema (which also trims anything the schema does not list).
 *
 * @since 0.1.0
 */

import { SchemaCheck, SizeCheck } from "@schematic-capability/schema-check"
import { Effect, Either, Exit, Option, type Runtime, Schema } from "effect"
import * as Callback from "./Callback.js"
import { CapabilityError, fieldIssues, invalidFields, invalidInput, MAX_FIELD_ISSUES } from "./CapabilityError.js"
import { firstBadItems } from "./internal/firstBadItems.js"
import type { Operation } from "./Operation.js"
import * as Operations from "./Operations.js"
import * as RequestTrace from "./RequestTrace.js"

/** Which input shape a caller sent: the operation's own, or its MCP shape when it has one. */
export type InputShape = "canonical" | "mcp"

/**
 * Decodes with Effect Schema what the compiled check did not accept. An array or object larger than the schema allows
 * is refused by its size first, before decoding walks its items (see `SizeCheck`); of an array with many bad items,
 * only the first are decoded to be named (see `firstBadItems`).
 */
const decodeSlowly = <A>(
  // biome-ignore lint/suspicious/noExplicitAny: the encoded side is JSON
  schema: Schema.Schema<A, any>,
  raw: unknown,
  where: string
): Either.Either<A, CapabilityError> => {
  const oversized = SizeCheck.checkerOf(schema)(raw)
  if (oversized !== undefined) {
    return Either.left(invalidFields([{ path: oversized.path.join("."), message: oversized.message }], where))
  }
  const decode = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })
  const reduced = firstBadItems(schema, raw, MAX_FIELD_ISSUES)
  if (reduced !== undefined) {
    const refused = decode(reduced.raw)
    if (Either.isLeft(refused)) {
      const fields = fieldIssues(refused.left).map((field) => ({ ...field, path: reduced.pathOf(field.path) }))
      return Either.left(invalidFields(fields, where, reduced.leftOut))
    }
  }
  return Either.mapLeft(decode(raw), (error) => invalidInput(error, where))
}

/**
 * Compiles the checks of `operations` (their inputs, MCP inputs and outputs) now. Each is otherwise compiled by the
 * first request that needs it, which then holds the event loop for the compile: a server calls this before it
 * listens, so that no caller waits for it.
 */
export const prepare = (operations: ReadonlyArray<Operation> = Operations.all): void => {
  for (const operation of operations) {
    for (const input of operation.mcp === undefined ? [operation.input] : [operation.input, operation.mcp.input]) {
      SchemaCheck.decoderOf(input)
      SizeCheck.checkerOf(input)
    }
    SchemaCheck.acceptorOf(operation.output)
  }
}

/** Decodes an operation's raw input. It is synchronous, so the answer is an `Either` (also an Effect). */
export const decodeInput = <I, M>(
  operation: Operation<I, unknown, unknown, M>,
  raw: unknown,
  shape: InputShape = "canonical"
): Either.Either<I, CapabilityError> => {
  if (shape === "mcp" && operation.mcp !== undefined) {
    const mcp = operation.mcp
    const fast = SchemaCheck.decoderOf(mcp.input)(raw)
    if (Option.isSome(fast)) return Either.right(mcp.toInput(fast.value as M))
    return Either.map(decodeSlowly(mcp.input, raw, "arguments"), (input) => mcp.toInput(input))
  }
  // What the compiled check decodes (plain input, or fields with defaults) is what Effect Schema would give (see
  // SchemaCheck in @schematic-capability/schema-check); everything else, and every refusal, is Effect Schema's.
  const fast = SchemaCheck.decoderOf(operation.input)(raw)
  if (Option.isSome(fast)) return Either.right(fast.value as I)
  return decodeSlowly(operation.input, raw, "input")
}

/**
 * The one step both ways of running an operation end in: a success becomes the output's encoding, a failure stays
 * as it is. An output of a plain schema that the compiled check accepts (which also means it holds no key the schema
 * does not name) already is its own encoding, so it is not walked again. An output outside its schema is the
 * handler's bug, not the caller's: a defect, which adapters log and answer as `internal`.
 */
// biome-ignore lint/suspicious/noExplicitAny: only the output matters here
const settle = <O, E>(operation: Operation<any, O>, exit: Exit.Exit<O, E>): Exit.Exit<unknown, E> => {
  if (Exit.isFailure(exit)) return exit
  const output = exit.value
  if (SchemaCheck.acceptorOf(operation.output)?.(output)) return exit
  const encoded = Schema.encodeEither(operation.output)(output)
  return Either.isRight(encoded)
    ? Exit.succeed(encoded.right)
    : Exit.die(new Error(`${operation.name} produced output outside its schema: ${encoded.left.message}`))
}

/** Runs the handler on decoded input and encodes its output. */
export const execute = <I, O, R>(operation: Operation<I, O, R>, input: I): Effect.Effect<unknown, CapabilityError, R> =>
  Effect.flatMap(operation.handler(input), (output) => settle(operation, Exit.succeed(output)))

/**
 * `execute` on `runtime`, its Exit handed to `done`: what adapters call once they have decoded the input. A handler
 * with a callback form (see `Callback`) runs without a fiber; any other runs in one. A handler that throws as it is
 * built is a defect, as it would be in a fiber.
 */
export const executeOn = <I, O, R>(
  runtime: Runtime.Runtime<R>,
  operation: Operation<I, O, R>,
  input: I,
  done: (exit: Exit.Exit<unknown, CapabilityError>) => void,
  trace?: RequestTrace.RequestTrace | undefined
): void => {
  let handler: Effect.Effect<O, CapabilityError, R>
  try {
    handler = operation.handler(input)
  } catch (defect) {
    done(Exit.die(defect))
    return
  }
  // Traced, the handler runs in a fiber, in its spans; untraced, as it is (without one when it can).
  const running =
    trace !== undefined && RequestTrace.enabledOn(runtime)
      ? RequestTrace.traced(handler, operation.name, trace)
      : handler
  Callback.run(running, runtime, (exit) => done(settle(operation, exit)))
}

/**
 * Runs an operation by name with input of an unknown shape, as a host that reads names and input at run time does
 * (an adapter, a script): `runUnknown("list-companies", { limit: 5 })`. It also takes an operation's MCP name, with
 * its MCP input shape. An unknown name fails with `not_found`, bad input with `invalid_input`. Provide the operations'
 * services (a `SchematicClient`, an `EventSink`) to the result.
 */
export const runUnknown = (
  name: string,
  raw: unknown,
  options: { readonly operations?: ReadonlyArray<Operation>; readonly shape?: InputShape } = {}
): Effect.Effect<unknown, CapabilityError, Operations.Requirements> => {
  const operations = options.operations ?? Operations.all
  const operation = operations.find((candidate) => candidate.name === name || candidate.mcp?.name === name)
  if (operation === undefined) {
    return Effect.fail(new CapabilityError({ code: "not_found", message: `No operation named ${name.slice(0, 100)}` }))
  }
  const shape = options.shape ?? (operation.mcp?.name === name ? "mcp" : "canonical")
  return Effect.flatMap(decodeInput(operation, raw, shape), (input) => execute(operation, input))
}

/**
 * Runs a built-in operation by name, typed by it: the name and the input are checked as the program is compiled,
 * and the success is the operation's output as it is answered (JSON). The input is still decoded as it runs (a
 * value typed right can break a refinement: a key too long, a date that is no date), failing with `invalid_input`.
 *
 * ```ts
 * const company = yield* Capability.run("get-company", { keys: { stripe_customer_id: "cus_1" } })
 * ```
 */
export const run = <N extends Operations.OperationName>(
  name: N,
  input: Operations.Input<N>
): Effect.Effect<Operations.Output<N>, CapabilityError, Operations.Requirements> => {
  // Canonical names only: an MCP tool's name (its input of another shape) is runUnknown's, whatever the types said.
  const operation = Operations.all.find((candidate) => candidate.name === name)
  if (operation === undefined) {
    return Effect.fail(
      new CapabilityError({ code: "not_found", message: `No operation named ${String(name).slice(0, 100)}` })
    )
  }
  return Effect.flatMap(decodeInput(operation, input), (decoded) => execute(operation, decoded)) as Effect.Effect<
    Operations.Output<N>,
    CapabilityError,
    Operations.Requirements
  >
}
