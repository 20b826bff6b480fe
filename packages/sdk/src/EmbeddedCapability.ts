/**
 * The capability for hosts that do not use Effect: every operation as a method that answers a Promise, typed by the
 * registry, on Schematic or on a sandbox started in this process.
 *
 * ```ts
 * const cap = createCapability({ sandbox: true })
 * await cap.upsertCompany({ keys: { crm_id: "1" }, name: "Acme" })
 * const company = await cap.getCompany({ keys: { crm_id: "1" } })
 * await cap.close()
 * ```
 *
 * @since 0.1.0
 */
import { Capability, CapabilityError, Operations } from "@schematic-capability/capability-core"
import { Cause, type Effect, LogLevel as EffectLogLevel, Exit, ManagedRuntime, Option, Redacted } from "effect"
import * as Services from "./internal/services.js"

/** How much the capability logs (to the console, through Effect's default logger); `warning` unless set. */
export type LogLevel = "none" | "error" | "warning" | "info" | "debug"

interface CommonOptions {
  /**
   * A folder to keep data in. On the sandbox, its database (`<dataDir>/sandbox`); on either, the durable event outbox
   * (`<dataDir>/outbox/events.db`): usage events are stored there before they are acknowledged (`status: "queued"`)
   * and delivered in batches, so none is lost when the process stops. Without it, usage events go straight to
   * Schematic (or the sandbox) and are acknowledged once it has them (`status: "delivered"`), and the sandbox keeps
   * its data in a temporary folder removed by `close()`. One process at a time may use a folder.
   */
  readonly dataDir?: string | undefined
  readonly logLevel?: LogLevel | undefined
}

/** Schematic's wire API served from SQLite in this process, on a free loopback port: no account, no network. */
export interface SandboxOptions extends CommonOptions {
  readonly sandbox: true
  /** Load the demo dataset (plans, features, companies, usage) into an empty sandbox. */
  readonly seed?: "demo" | undefined
}

/** Schematic's API. */
export interface SchematicOptions extends CommonOptions {
  readonly sandbox?: false | undefined
  /** Schematic's API key; kept `Redacted` (never logged, never printed). */
  readonly apiKey: string | Redacted.Redacted<string>
  /** Schematic's API by default; another deployment's, or a sandbox's (`schematic-sandbox` on the command line). */
  readonly baseUrl?: string | undefined
  /** The client's request budgets per second (20 each by default; 0 turns a budget off). */
  readonly readsPerSecond?: number | undefined
  readonly writesPerSecond?: number | undefined
}

export type CapabilityOptions = SandboxOptions | SchematicOptions

/** `get-company` as `getCompany`. */
export type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S

/** An operation's input: optional when every field of it is. */
type InputArgs<N extends Operations.OperationName> =
  {} extends Operations.Input<N> ? [input?: Operations.Input<N>] : [input: Operations.Input<N>]

/** One method per operation, named after it in camelCase, typed by it. */
export type Methods = {
  readonly [N in Operations.OperationName as CamelCase<N>]: (...input: InputArgs<N>) => Promise<Operations.Output<N>>
}

export interface EmbeddedCapability extends Methods {
  /** Runs an operation by name: the same as its method. */
  run<N extends Operations.OperationName>(name: N, ...input: InputArgs<N>): Promise<Operations.Output<N>>
  /** Runs an operation by a name known only at run time (an MCP tool's name too), with input of any shape. */
  runUnknown(name: string, input?: unknown): Promise<unknown>
  /**
   * The Effect runtime the operations run on, for Effect programs and adapters:
   * `cap.runtime.runPromise(Capability.run("get-company", input))`, or `RestApi.listener` on `await cap.runtime.runtime()`.
   */
  readonly runtime: ManagedRuntime.ManagedRuntime<Services.Services, CapabilityError.CapabilityError>
  /** Stops the sandbox and the outbox (delivering nothing more) and releases what they hold. Safe to call twice. */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

const levels: Record<LogLevel, EffectLogLevel.LogLevel> = {
  none: EffectLogLevel.None,
  error: EffectLogLevel.Error,
  warning: EffectLogLevel.Warning,
  info: EffectLogLevel.Info,
  debug: EffectLogLevel.Debug
}

const camelCase = (name: string): string => name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())

/**
 * A failure as the caller's to handle: the operation's `CapabilityError` itself (not wrapped), or, for a defect (a
 * bug) or an interruption, the error that caused it.
 */
const thrown = (cause: Cause.Cause<CapabilityError.CapabilityError>): unknown => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) return failure.value
  if (Cause.isInterruptedOnly(cause)) {
    return new CapabilityError.CapabilityError({ code: "unavailable", message: "The capability is closing" })
  }
  return Cause.squash(cause)
}

const closed = () =>
  new CapabilityError.CapabilityError({ code: "unavailable", message: "The capability is closed (close() was called)" })

/**
 * The capability, on the sandbox (`{ sandbox: true }`) or on Schematic (`{ apiKey }`). It starts on the first call
 * (or `await cap.runtime.runtime()`), which fails with `code: "unavailable"` if it cannot (a data folder in use).
 * Every failure is thrown as a `CapabilityError` with `code`, `message` and, for bad input, `fields`.
 */
export const createCapability = (options: CapabilityOptions): EmbeddedCapability => {
  const logLevel = levels[options.logLevel ?? "warning"]
  const runtime = ManagedRuntime.make(
    Services.layer(
      options.sandbox === true
        ? { sandbox: true, dataDir: options.dataDir, seed: options.seed, logLevel }
        : {
            sandbox: false,
            apiKey: Redacted.isRedacted(options.apiKey) ? options.apiKey : Redacted.make(options.apiKey),
            baseUrl: options.baseUrl,
            dataDir: options.dataDir,
            readsPerSecond: options.readsPerSecond,
            writesPerSecond: options.writesPerSecond,
            logLevel
          }
    )
  )
  let closing: Promise<void> | undefined
  const settle = async (
    effect: Effect.Effect<unknown, CapabilityError.CapabilityError, Services.Services>
  ): Promise<unknown> => {
    if (closing !== undefined) throw closed()
    const exit = await runtime.runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    throw thrown(exit.cause)
  }
  // By a built-in operation's name (`run` and the methods, whose types say so), or by any name (`runUnknown`).
  const runTyped = (name: string, input: unknown) =>
    settle(
      Capability.run(name as Operations.OperationName, (input ?? {}) as Operations.Input<Operations.OperationName>)
    )
  const close = (): Promise<void> => {
    closing ??= runtime.dispose()
    return closing
  }
  const capability: Record<string | symbol, unknown> = {
    run: runTyped,
    runUnknown: (name: string, input?: unknown) => settle(Capability.runUnknown(name, input ?? {})),
    runtime,
    close,
    [Symbol.asyncDispose]: close
  }
  for (const operation of Operations.all) {
    capability[camelCase(operation.name)] = (input?: unknown) => runTyped(operation.name, input)
  }
  return capability as unknown as EmbeddedCapability
}
