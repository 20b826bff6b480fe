/**
 * A write made once per idempotency key (see `IdempotentWrites`): the first call writes and keeps its answer; a
 * retry gets that answer; a key used again for a different write is refused.
 */
import { createHash } from "node:crypto"
import { Effect } from "effect"
import stableStringify from "safe-stable-stringify"
import { CapabilityError, type ErrorCode } from "../CapabilityError.js"
import { IdempotentWrites } from "../IdempotentWrites.js"

/** How long a claim is taken to be its first caller's, still writing, before a retry settles it. */
const IN_PROGRESS_MILLIS = 30_000

/** Failures after which the write may still have happened upstream: the claim stays, and a retry settles it. */
const uncertain: ReadonlySet<ErrorCode> = new Set(["upstream_timeout", "upstream_unavailable", "upstream_error"])

const fingerprintOf = (input: unknown) =>
  createHash("sha256")
    .update(stableStringify(input) ?? "")
    .digest("base64url")

export interface Once<A, R> {
  /** The operation, so that one key names one write per operation. */
  readonly scope: string
  /** The caller's key; without one, the write is made every time. */
  readonly key: string | undefined
  /** What the write is asked to do: a key repeated with other input is refused. */
  readonly input: unknown
  readonly write: Effect.Effect<A, CapabilityError, R>
  /** The write's result if Schematic holds it, for a claim whose write (begun at `startedAt`) never said how it ended. */
  readonly written: (startedAt: number) => Effect.Effect<A | undefined, CapabilityError, R>
}

/** Runs the write once per key; answers its result and whether it is the first call's, repeated. */
export const once = <A, R>(
  options: Once<A, R>
): Effect.Effect<{ readonly answer: A; readonly repeated: boolean }, CapabilityError, R> =>
  Effect.gen(function* () {
    if (options.key === undefined) return { answer: yield* options.write, repeated: false }
    const writes = yield* IdempotentWrites
    const { scope, key } = options
    const fingerprint = fingerprintOf(options.input)
    const write = Effect.gen(function* () {
      const result = yield* Effect.either(options.write)
      if (result._tag === "Right") {
        yield* writes.finish(scope, key, result.right, Date.now())
        return { answer: result.right, repeated: false }
      }
      if (!uncertain.has(result.left.code)) yield* writes.release(scope, key)
      return yield* result.left
    })
    const claim = yield* writes.claim(scope, key, fingerprint, Date.now())
    if (claim._tag === "New") return yield* write
    if (claim.fingerprint !== fingerprint) {
      return yield* new CapabilityError({
        code: "conflict",
        message: "This idempotency_key was used for a different request; use a new key for a new one",
        fields: [{ path: "idempotency_key", message: "was used for a different request" }]
      })
    }
    if (claim._tag === "Done") return { answer: claim.answer as A, repeated: true }
    if (Date.now() - claim.startedAt < IN_PROGRESS_MILLIS) {
      return yield* new CapabilityError({
        code: "conflict",
        message: "A request with this idempotency_key is in progress; retry shortly",
        retryAfterSeconds: 2
      })
    }
    // Begun and never finished: what it made, if Schematic has it, is its answer; else it made nothing.
    const found = yield* options.written(claim.startedAt)
    if (found !== undefined) {
      yield* writes.finish(scope, key, found, Date.now())
      return { answer: found, repeated: true }
    }
    const again = yield* writes.claim(scope, key, fingerprint, Date.now(), true)
    return again._tag === "New"
      ? yield* write
      : yield* new CapabilityError({
          code: "conflict",
          message: "A request with this idempotency_key is in progress; retry shortly",
          retryAfterSeconds: 2
        })
  })
