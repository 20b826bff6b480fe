/**
 * Running operations: decode the input with the operation's schema, run its handler, encode the output
 * through the output schema (which also trims anything the schema does not list).
 *
 * @since 0.1.0
 */

import { SchemaCheck } from "@schematic-capability/schema-check"
import { Effect, Either, Exit, Option, type ParseResult, Runtime, Schema } from "effect"
import { CapabilityError, invalidInput } from "./CapabilityError.js"
import type { Operation } from "./Operation.js"
import * as Operations from "./Operations.js"

/** Which input shape a caller sent: the operation's own, or its MCP shape when it has one. */
export type InputShape = "canonical" | "mcp"

/** Decodes an operation's raw input. It is synchronous, so the answer is an `Either` (also an Effect). */
export const decodeInput = <I, M>(
  operation: Operation<I, unknown, unknown, M>,
  raw: unknown,
  shape: InputShape = "canonical"
): Either.Either<I, CapabilityError> => {
  const options = { errors: "all", onExcessProperty: "error" } as const
  if (shape === "mcp" && operation.mcp !== undefined) {
    const mcp = operation.mcp
    const fast = SchemaCheck.decoderOf(mcp.input)(raw)
    if (Option.isSome(fast)) return Either.right(mcp.toInput(fast.value as M))
    return Either.mapBoth(Schema.decodeUnknownEither(mcp.input, options)(raw), {
      onLeft: (error) => invalidInput(error, "arguments"),
      onRight: (input) => mcp.toInput(input)
    })
  }
  // What the compiled check decodes (plain input, or fields with defaults) is what Effect Schema would give (see
  // SchemaCheck in @schematic-capability/schema-check); everything else, and every refusal, is Effect Schema's.
  const fast = SchemaCheck.decoderOf(operation.input)(raw)
  if (Option.isSome(fast)) return Either.right(fast.value as I)
  return Either.mapLeft(Schema.decodeUnknownEither(operation.input, options)(raw), (error) => invalidInput(error))
}

/**
 * An operation's output in its encoding. An output of a plain schema that the compiled check accepts (which also
 * means it holds no key the schema does not name) already is its own encoding, so it is not walked again.
 */
const encodeOutput = (operation: Operation, output: unknown): Either.Either<unknown, ParseResult.ParseError> =>
  SchemaCheck.acceptorOf(operation.output)?.(output)
    ? Either.right(output)
    : Schema.encodeEither(operation.output)(output)

/** Runs the handler and encodes its result; an output that breaks its own schema is an internal error. */
export const execute = <I, O, R>(operation: Operation<I, O, R>, input: I): Effect.Effect<unknown, CapabilityError, R> =>
  operation.handler(input).pipe(
    Effect.flatMap((output) => {
      const encoded = encodeOutput(operation, output)
      if (Either.isRight(encoded)) return Effect.succeed(encoded.right)
      return Effect.logError(`${operation.name} produced output outside its schema`, encoded.left).pipe(
        Effect.zipRight(
          Effect.fail(
            new CapabilityError({ code: "internal", status: 500, message: `${operation.name} failed internally` })
          )
        )
      )
    })
  )

/**
 * Runs an operation on decoded input with `runtime`'s services, and hands its Exit to `done`, as a fiber's observer
 * would get it. The operation's callback form (`handleNow`) runs, with no fiber, when it and the runtime's services
 * have one (ingestion over the durable outbox); the handler runs in a fiber otherwise, suspended, so a handler that
 * throws as it is built is a defect there. Either way the output is encoded as `execute` encodes it; an output
 * outside its schema is a defect (the caller logs it).
 */
export const executeOn = <I, O, R>(
  runtime: Runtime.Runtime<R>,
  operation: Operation<I, O, R>,
  input: I,
  done: (exit: Exit.Exit<unknown, CapabilityError>) => void
): void => {
  const now = operation.handleNow?.(input, runtime.context, (result) => {
    if (Either.isLeft(result)) return done(Exit.fail(result.left))
    const encoded = encodeOutput(operation, result.right)
    done(
      Either.isRight(encoded)
        ? Exit.succeed(encoded.right)
        : Exit.die(new Error(`${operation.name} produced output outside its schema: ${encoded.left.message}`))
    )
  })
  if (now === true) return
  Runtime.runCallback(runtime)(
    Effect.suspend(() => execute(operation, input)),
    { onExit: done }
  )
}

/**
 * Runs an operation by name with raw input, as a custom host would: `run("list-companies", { limit: 5 })`.
 * Provide the operation's services (a `SchematicClient`) to the result.
 */
export const run = (
  name: string,
  raw: unknown,
  options: { readonly operations?: ReadonlyArray<Operation>; readonly shape?: InputShape } = {}
): Effect.Effect<unknown, CapabilityError, Operations.Requirements> => {
  const operations = options.operations ?? Operations.all
  const operation = operations.find((candidate) => candidate.name === name || candidate.mcp?.name === name)
  if (operation === undefined) {
    return Effect.fail(new CapabilityError({ code: "not_found", status: 404, message: `No operation named ${name}` }))
  }
  const shape = options.shape ?? (operation.mcp?.name === name ? "mcp" : "canonical")
  return Effect.flatMap(decodeInput(operation, raw, shape), (input) => execute(operation, input))
}
