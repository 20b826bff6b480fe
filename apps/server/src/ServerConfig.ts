/**
 * The server's configuration, from the environment. Every bad value is reported with its variable's name.
 */
import { Config, ConfigError, Either, type Option, Redacted } from "effect"

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
  /** Bounds of the event outbox: events and payload bytes held that are not yet delivered. */
  readonly outboxMaxRows: number
  readonly outboxMaxBytes: number
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

const port = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    check(name, "must be a port number from 0 to 65535", (n) => n >= 0 && n <= 65535)
  )

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
  readsPerSecond: Config.integer("SCHEMATIC_READS_PER_SECOND").pipe(
    Config.withDefault(20),
    check("SCHEMATIC_READS_PER_SECOND", "must be a whole number >= 0", (n) => n >= 0)
  ),
  writesPerSecond: Config.integer("SCHEMATIC_WRITES_PER_SECOND").pipe(
    Config.withDefault(20),
    check("SCHEMATIC_WRITES_PER_SECOND", "must be a whole number >= 0", (n) => n >= 0)
  ),
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
  sandboxRateLimit: Config.integer("SANDBOX_RATE_LIMIT").pipe(
    Config.withDefault(0),
    check("SANDBOX_RATE_LIMIT", "must be a whole number >= 0", (n) => n >= 0)
  ),
  outboxMaxRows: Config.integer("OUTBOX_MAX_ROWS").pipe(
    Config.withDefault(1_000_000),
    check("OUTBOX_MAX_ROWS", "must be a whole number >= 1", (n) => n >= 1)
  ),
  outboxMaxBytes: Config.integer("OUTBOX_MAX_BYTES").pipe(
    Config.withDefault(512 * 1024 * 1024),
    check("OUTBOX_MAX_BYTES", "must be a whole number >= 1024", (n) => n >= 1024)
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
