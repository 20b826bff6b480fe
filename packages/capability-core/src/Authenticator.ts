/**
 * Who is calling, and what they may do: one authenticator for REST and MCP. Bearer tokens are configured as
 * `name:token:scopes` (scopes joined with `+`); only SHA-256 digests of the tokens are kept after start, and a
 * presented token is compared against every digest in constant time.
 *
 * Scopes: `read`; `write` (includes read); `admin` (includes write: outbox repair).
 *
 * @since 0.1.0
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"
import type { CallerRateLimit } from "./CallerRateLimit.js"
import { CapabilityError } from "./CapabilityError.js"
import type { Scope } from "./Operation.js"

export interface Principal {
  readonly name: string
  /** Every scope the caller holds, implied ones included. */
  readonly scopes: ReadonlySet<Scope>
}

export type Verdict =
  | { readonly _tag: "Allowed"; readonly principal: Principal }
  /** No credentials, or credentials that match no token. */
  | { readonly _tag: "Unauthenticated"; readonly reason: "missing" | "invalid" }

export interface AuthenticatorShape {
  /** Whether callers must present a token (false: no tokens are configured). */
  readonly required: boolean
  /** Judges an `Authorization` header value. */
  readonly authenticate: (authorization: string | undefined) => Verdict
}

const IMPLIED: Record<Scope, ReadonlyArray<Scope>> = {
  read: ["read"],
  write: ["read", "write"],
  admin: ["read", "write", "admin"]
}

export const expand = (scopes: Iterable<Scope>): ReadonlySet<Scope> =>
  new Set([...scopes].flatMap((scope) => IMPLIED[scope]))

export const allows = (principal: Principal, scope: Scope): boolean => principal.scopes.has(scope)

/** The caller when nobody authenticates (stdio, or a server without tokens): every scope. */
export const LOCAL: Principal = { name: "local", scopes: expand(["admin"]) }

/** Everyone may do everything: for a server with no tokens, which then listens on loopback only. */
export const open: AuthenticatorShape = {
  required: false,
  authenticate: () => ({ _tag: "Allowed", principal: LOCAL })
}

const REALM = 'Bearer realm="schematic-capability"'

/**
 * Lets a request in or says why not, the same way for every adapter: 401 without valid credentials, 403 without
 * `scope` (when given), 429 past the caller's budget (only callers with a token have one).
 */
export const admit = (
  authenticator: AuthenticatorShape,
  authorization: string | undefined,
  options: { readonly scope?: Scope | undefined; readonly limit?: CallerRateLimit | undefined } = {}
):
  | { readonly _tag: "Admitted"; readonly principal: Principal }
  | { readonly _tag: "Refused"; readonly error: CapabilityError } => {
  const verdict = authenticator.authenticate(authorization)
  if (verdict._tag === "Unauthenticated") {
    const missing = verdict.reason === "missing"
    return {
      _tag: "Refused",
      error: new CapabilityError({
        code: "unauthorized",
        message: missing
          ? "Missing credentials: send Authorization: Bearer <token>"
          : "Invalid credentials: the bearer token is not known",
        challenge: missing ? REALM : `${REALM}, error="invalid_token"`
      })
    }
  }
  const { principal } = verdict
  if (options.scope !== undefined && !allows(principal, options.scope)) {
    return {
      _tag: "Refused",
      error: new CapabilityError({
        code: "forbidden",
        message: `The token "${principal.name}" does not have the ${options.scope} scope this needs`,
        challenge: `${REALM}, error="insufficient_scope", scope="${options.scope}"`
      })
    }
  }
  const wait = authenticator.required ? options.limit?.take(principal.name) : undefined
  if (wait !== undefined) {
    return {
      _tag: "Refused",
      error: new CapabilityError({
        code: "rate_limited",
        message: `The token "${principal.name}" is over its request budget; retry after ${wait} s`,
        retryAfterSeconds: wait
      })
    }
  }
  return { _tag: "Admitted", principal }
}

export interface TokenEntry {
  readonly name: string
  readonly token: Redacted.Redacted<string>
  readonly scopes: ReadonlyArray<Scope>
}

const digest = (token: string) => createHash("sha256").update(token).digest()

/** An authenticator over configured tokens. The tokens themselves are not kept. */
export const fromTokens = (entries: ReadonlyArray<TokenEntry>): AuthenticatorShape => {
  const known = entries.map((entry) => ({
    digest: digest(Redacted.value(entry.token)),
    principal: { name: entry.name, scopes: expand(entry.scopes) }
  }))
  return {
    required: true,
    authenticate: (authorization) => {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")
      if (match?.[1] === undefined) return { _tag: "Unauthenticated", reason: authorization ? "invalid" : "missing" }
      const presented = digest(match[1])
      // Compare against every token, so the time taken says nothing about which one (if any) matched.
      let found: Principal | undefined
      for (const entry of known) {
        if (timingSafeEqual(entry.digest, presented) && found === undefined) found = entry.principal
      }
      return found === undefined
        ? { _tag: "Unauthenticated", reason: "invalid" }
        : { _tag: "Allowed", principal: found }
    }
  }
}

const SCOPES: ReadonlyArray<Scope> = ["read", "write", "admin"]

/**
 * Parses `name:token:scopes` entries separated by commas or new lines (blank lines and `#` comments skipped).
 * Throws an Error naming the entry at fault (never echoing a token).
 */
export const parseTokens = (text: string): ReadonlyArray<TokenEntry> => {
  const entries: Array<TokenEntry> = []
  const names = new Set<string>()
  const items = text
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0 && !item.startsWith("#"))
  for (const [index, item] of items.entries()) {
    const parts = item.split(":")
    const where = `entry ${index + 1}${parts[0] ? ` (${parts[0]})` : ""}`
    if (parts.length !== 3) throw new Error(`${where}: expected name:token:scopes`)
    const [name, token, scopeText] = parts as [string, string, string]
    if (!/^[\w.-]{1,64}$/.test(name)) throw new Error(`${where}: the name must be 1-64 letters, digits, _ . or -`)
    if (names.has(name)) throw new Error(`${where}: the name is used twice`)
    if (token.length < 16) throw new Error(`${where}: the token must be at least 16 characters`)
    const scopes = scopeText.split("+").map((scope) => scope.trim())
    const unknown = scopes.find((scope) => !SCOPES.includes(scope as Scope))
    if (unknown !== undefined) throw new Error(`${where}: unknown scope "${unknown}" (use read, write or admin)`)
    names.add(name)
    entries.push({ name, token: Redacted.make(token), scopes: scopes as Array<Scope> })
  }
  return entries
}
