/**
 * Connection settings for Schematic's HTTP API.
 *
 * @since 0.1.0
 */
import { Config, Context, Duration, Effect, Layer, Option, Redacted } from "effect"

/** Schematic's documented Core API budgets: 20 reads/s and 20 writes/s per account. */
export const DEFAULT_RATE_LIMIT_PER_SECOND = 20

export const DEFAULT_BASE_URL = "https://api.schematichq.com"

export interface RetryPolicy {
  /** Attempts after the first one. */
  readonly maxRetries: number
  /** First backoff delay; doubles each attempt, with jitter. */
  readonly baseDelay: Duration.DurationInput
  /** Upper bound for one backoff delay (a longer Retry-After is still honoured up to this bound). */
  readonly maxDelay: Duration.DurationInput
}

export interface SchematicConfigShape {
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly environmentId: Option.Option<string>
  /** Timeout of one HTTP attempt. */
  readonly timeout: Duration.DurationInput
  /** Client-side read budget per second; 0 turns the limiter off. */
  readonly readsPerSecond: number
  /** Client-side write budget per second; 0 turns the limiter off. */
  readonly writesPerSecond: number
  readonly retry: RetryPolicy
}

export interface SchematicConfigInput {
  readonly apiKey: Redacted.Redacted<string> | string
  readonly baseUrl?: string | undefined
  readonly environmentId?: string | undefined
  readonly timeout?: Duration.DurationInput | undefined
  readonly readsPerSecond?: number | undefined
  readonly writesPerSecond?: number | undefined
  readonly retry?: Partial<RetryPolicy> | undefined
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 4,
  baseDelay: Duration.millis(200),
  maxDelay: Duration.seconds(30)
}

/**
 * The configuration the client runs with.
 *
 * @since 0.1.0
 */
export class SchematicConfig extends Context.Tag("@schematic-capability/schematic-client/SchematicConfig")<
  SchematicConfig,
  SchematicConfigShape
>() {}

/** Fills defaults and checks the values; a bad value is a defect of the caller, reported with its name. */
export const make = (input: SchematicConfigInput): SchematicConfigShape => {
  const baseUrl = (input.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "")
  if (!/^https?:\/\/[^\s]+$/.test(baseUrl) || !URL.canParse(baseUrl)) {
    throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(baseUrl)}`)
  }
  const apiKey = Redacted.isRedacted(input.apiKey) ? input.apiKey : Redacted.make(input.apiKey)
  if (Redacted.value(apiKey).length === 0) throw new TypeError("apiKey must not be empty")
  const budget = (name: string, value: number | undefined) => {
    const n = value ?? DEFAULT_RATE_LIMIT_PER_SECOND
    if (!Number.isInteger(n) || n < 0) throw new TypeError(`${name} must be a whole number >= 0, got ${n}`)
    return n
  }
  return {
    baseUrl,
    apiKey,
    environmentId: Option.fromNullable(input.environmentId),
    timeout: input.timeout ?? Duration.seconds(10),
    readsPerSecond: budget("readsPerSecond", input.readsPerSecond),
    writesPerSecond: budget("writesPerSecond", input.writesPerSecond),
    retry: { ...defaultRetryPolicy, ...input.retry }
  }
}

/** A layer from explicit values. */
export const layer = (input: SchematicConfigInput): Layer.Layer<SchematicConfig> =>
  Layer.sync(SchematicConfig, () => make(input))

/**
 * A layer from the environment: SCHEMATIC_API_KEY (required), SCHEMATIC_API_URL, SCHEMATIC_ENVIRONMENT_ID.
 */
export const layerFromEnv: Layer.Layer<SchematicConfig, import("effect/ConfigError").ConfigError> = Layer.effect(
  SchematicConfig,
  Effect.gen(function* () {
    const apiKey = yield* Config.redacted("SCHEMATIC_API_KEY")
    const baseUrl = yield* Config.string("SCHEMATIC_API_URL").pipe(Config.withDefault(DEFAULT_BASE_URL))
    const environmentId = yield* Config.option(Config.string("SCHEMATIC_ENVIRONMENT_ID"))
    return make({ apiKey, baseUrl, environmentId: Option.getOrUndefined(environmentId) })
  })
)
