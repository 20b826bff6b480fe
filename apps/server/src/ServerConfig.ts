/**
 * The server's configuration, from the environment. Every bad value is reported with its variable's name.
 */

import { Operation } from "@schematic-capability/capability-core"
import { SandboxSeed } from "@schematic-capability/schematic-sandbox"
import { Config, ConfigError, Either, Option, Redacted } from "effect"

export interface ServerConfig {
  /** Absent: the embedded sandbox serves as Schematic. */
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly apiUrl: string
  /** Client-side budgets against Schematic (its documented 20 reads/s and 20 writes/s by default; 0: off). */
  readonly readsPerSecond: number
  readonly writesPerSecond: number
  readonly host: string
  readonly restPort: number
  readonly mcpPort: number
  readonly dataDir: string
  readonly sandboxPort: number
  /** Sandbox only: emulate Schematic's rate limits at this many requests/s (0: off). */
  readonly sandboxRateLimit: number
  /**
   * Sandbox only: the dataset loaded into its empty database on start: the demo (the default, so that a first start
   * has something to look at) or none (SANDBOX_SEED=none).
   */
  readonly sandboxSeed: Option.Option<SandboxSeed.Seed>
  /** Bounds of the event outbox: events and payload bytes held that are not yet delivered. */
  readonly outboxMaxRows: number
  readonly outboxMaxBytes: number
  /** The outbox in PostgreSQL, shared by replicas (OUTBOX_DATABASE_URL); kept Redacted. Unset: SQLite in DATA_DIR. */
  readonly outboxDatabaseUrl: Option.Option<Redacted.Redacted<string>>
  /** How long a replica holds the events it is delivering; one that dies holds them this long (seconds). */
  readonly outboxLeaseSeconds: number
  /** Bearer tokens, `name:token:scopes` entries (CAPABILITY_TOKENS); kept Redacted. */
  readonly tokens: Option.Option<Redacted.Redacted<string>>
  /** A file of such entries, one a line (CAPABILITY_TOKENS_FILE). */
  readonly tokensFile: Option.Option<string>
  /** Largest request body, and largest for bulk routes (event batches). */
  readonly maxBodyBytes: number
  readonly maxBulkBodyBytes: number
  /** Requests a second per token (0: no limit); applies when tokens are configured. */
  readonly rateLimitPerToken: number
  /** REST request lines written one by one each second; past it, summed up a second at a time (errors: always). */
  readonly logRequestsPerSecond: number
  /** The MCP toolsets offered (MCP_TOOLSETS); none given: all of them. */
  readonly mcpToolsets: Option.Option<ReadonlyArray<Operation.Toolset>>
  readonly mcpAllowedHosts: Option.Option<ReadonlyArray<string>>
  readonly mcpAllowedOrigins: Option.Option<ReadonlyArray<string>>
}

/** A check whose failure names the variable (Config.validate would report an empty path). */
const check =
  <A>(name: string, message: string, valid: (value: A) => boolean) =>
  (config: Config.Config<A>): Config.Config<A> =>
    Config.mapOrFail(config, (value) =>
      valid(value) ? Either.right(value) : Either.left(ConfigError.InvalidData([name], message))
    )

/** A whole number with a default and a lower bound (and an upper one for ports). */
const wholeNumber = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    check(
      name,
      max === Number.MAX_SAFE_INTEGER
        ? `must be a whole number >= ${min}`
        : `must be a whole number from ${min} to ${max}`,
      (n) => n >= min && n <= max
    )
  )

const port = (name: string, fallback: number) => wholeNumber(name, fallback, 0, 65535)

const list = (name: string) =>
  Config.option(
    Config.string(name).pipe(
      Config.map((value) =>
        value
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item.length > 0)
      )
    )
  )

export const config: Config.Config<ServerConfig> = Config.all({
  apiKey: Config.option(
    Config.redacted("SCHEMATIC_API_KEY").pipe(
      check("SCHEMATIC_API_KEY", "must not be empty", (key) => Redacted.value(key).trim().length > 0)
    )
  ),
  apiUrl: Config.string("SCHEMATIC_API_URL").pipe(
    Config.withDefault("https://api.schematichq.com"),
    check("SCHEMATIC_API_URL", "must be an http(s) URL", (url) => /^https?:\/\/[^\s/]+/.test(url))
  ),
  readsPerSecond: wholeNumber("SCHEMATIC_READS_PER_SECOND", 20, 0),
  writesPerSecond: wholeNumber("SCHEMATIC_WRITES_PER_SECOND", 20, 0),
  host: Config.string("HOST").pipe(
    Config.withDefault("127.0.0.1"),
    check("HOST", "must be an address or host name", (host) => /^[\w.:-]+$/.test(host))
  ),
  restPort: port("REST_PORT", 8081),
  mcpPort: port("MCP_PORT", 9091),
  dataDir: Config.string("DATA_DIR").pipe(
    Config.withDefault("./.data"),
    check("DATA_DIR", "must not be empty", (dir) => dir.trim().length > 0)
  ),
  sandboxPort: port("SANDBOX_PORT", 8090),
  sandboxRateLimit: wholeNumber("SANDBOX_RATE_LIMIT", 0, 0),
  sandboxSeed: Config.literal(
    ...SandboxSeed.seeds,
    "none"
  )("SANDBOX_SEED").pipe(
    Config.withDefault("demo" as const),
    Config.map((seed) => (seed === "none" ? Option.none() : Option.some(seed)))
  ),
  outboxMaxRows: wholeNumber("OUTBOX_MAX_ROWS", 1_000_000, 1),
  outboxMaxBytes: wholeNumber("OUTBOX_MAX_BYTES", 512 * 1024 * 1024, 1024),
  outboxDatabaseUrl: Config.option(
    Config.redacted("OUTBOX_DATABASE_URL").pipe(
      Config.validate({
        message: "must be a PostgreSQL URL, postgres://user:password@host:5432/database",
        validation: (url) => /^postgres(ql)?:\/\/\S+$/.test(Redacted.value(url))
      })
    )
  ),
  outboxLeaseSeconds: wholeNumber("OUTBOX_LEASE_SECONDS", 30, 1),
  tokens: Config.option(Config.redacted("CAPABILITY_TOKENS")),
  tokensFile: Config.option(Config.string("CAPABILITY_TOKENS_FILE")),
  rateLimitPerToken: wholeNumber("CAPABILITY_RATE_LIMIT", 100, 0),
  logRequestsPerSecond: wholeNumber("LOG_REQUESTS_PER_SECOND", 100, 0),
  maxBodyBytes: wholeNumber("REST_MAX_BODY_BYTES", 1024 * 1024, 1024),
  maxBulkBodyBytes: wholeNumber("REST_MAX_BULK_BODY_BYTES", 8 * 1024 * 1024, 1024),
  mcpToolsets: list("MCP_TOOLSETS").pipe(
    Config.mapOrFail((names) =>
      Option.match(names, {
        onNone: () => Either.right(names as Option.Option<ReadonlyArray<Operation.Toolset>>),
        onSome: (given) => {
          const unknown = given.filter((name) => !(Operation.toolsets as ReadonlyArray<string>).includes(name))
          return unknown.length > 0 || given.length === 0
            ? Either.left(
                ConfigError.InvalidData(
                  ["MCP_TOOLSETS"],
                  `must be a comma-separated list of ${Operation.toolsets.join(", ")}${unknown.length > 0 ? `; not ${unknown.join(", ")}` : ""}`
                )
              )
            : Either.right(Option.some(given as ReadonlyArray<Operation.Toolset>))
        }
      })
    )
  ),
  mcpAllowedHosts: list("MCP_ALLOWED_HOSTS"),
  mcpAllowedOrigins: list("MCP_ALLOWED_ORIGINS")
})

/** One line per bad variable, e.g. `REST_PORT: must be a port number from 0 to 65535`. */
export const describe = (error: ConfigError.ConfigError): ReadonlyArray<string> => {
  const lines: Array<string> = []
  const walk = (e: ConfigError.ConfigError): void => {
    switch (e._op) {
      case "And":
      case "Or":
        walk(e.left)
        walk(e.right)
        return
      case "InvalidData":
      case "MissingData":
      case "SourceUnavailable":
      case "Unsupported":
        lines.push(`${e.path.join(".")}: ${e.message}`)
        return
    }
  }
  walk(error)
  return [...new Set(lines)]
}

export const isConfigError = (value: unknown): value is ConfigError.ConfigError => ConfigError.isConfigError(value)

/** Loopback addresses and names: reachable only from this machine. */
export const isLoopback = (host: string) =>
  host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
