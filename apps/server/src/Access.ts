/**
 * Inbound access: the tokens from CAPABILITY_TOKENS and CAPABILITY_TOKENS_FILE, and the rule that a server
 * without tokens listens on loopback only.
 */
import { readFileSync } from "node:fs"
import { Authenticator } from "@schematic-capability/capability-core"
import { Effect, Option, Redacted } from "effect"
import { isLoopback, type ServerConfig } from "./ServerConfig.js"

/** Refusals to start, each naming the variable at fault. */
export class AccessConfigError extends Error {}

export const authenticator = (
  config: ServerConfig
): Effect.Effect<Authenticator.AuthenticatorShape, AccessConfigError> =>
  Effect.gen(function* () {
    const entries: Array<Authenticator.TokenEntry> = []
    const parse = (variable: string, text: string) =>
      Effect.try({
        try: () => Authenticator.parseTokens(text),
        catch: (error) => new AccessConfigError(`${variable}: ${(error as Error).message}`)
      })
    if (Option.isSome(config.tokens))
      entries.push(...(yield* parse("CAPABILITY_TOKENS", Redacted.value(config.tokens.value))))
    if (Option.isSome(config.tokensFile)) {
      const path = config.tokensFile.value
      const text = yield* Effect.try({
        try: () => readFileSync(path, "utf8"),
        catch: (error) =>
          new AccessConfigError(`CAPABILITY_TOKENS_FILE: cannot read ${path}: ${(error as Error).message}`)
      })
      entries.push(...(yield* parse("CAPABILITY_TOKENS_FILE", text)))
    }
    const names = entries.map((entry) => entry.name)
    const twice = names.find((name, index) => names.indexOf(name) !== index)
    if (twice !== undefined)
      return yield* Effect.fail(new AccessConfigError(`token name "${twice}" is configured twice`))
    if (entries.length === 0) {
      if (!isLoopback(config.host)) {
        return yield* Effect.fail(
          new AccessConfigError(
            `HOST=${config.host} would expose the APIs without authentication: set CAPABILITY_TOKENS (or CAPABILITY_TOKENS_FILE), or bind a loopback address`
          )
        )
      }
      yield* Effect.logWarning(
        `No CAPABILITY_TOKENS: anyone who can reach ${config.host} can call every operation; set tokens before exposing the server`
      )
      return Authenticator.open
    }
    yield* Effect.logInfo(`Bearer tokens required: ${names.join(", ")}`)
    return Authenticator.fromTokens(entries)
  })
