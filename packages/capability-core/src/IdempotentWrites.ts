/**
 * Writes that Schematic does not deduplicate (a credit grant: each call grants again), made once per idempotency
 * key. A key is claimed before the write and holds its answer after it, for a day: a retry with the same key gets
 * the first answer rather than a second write. A claim whose write never said how it ended (the process died, or
 * Schematic did not answer in time) is settled on the next try by looking in Schematic for what the write made.
 *
 * The default keeps keys in this process's memory; the server keeps them with its event outbox (SQLite, or the
 * PostgreSQL database replicas share), so they outlive a restart and hold across replicas.
 *
 * @since 0.2.0
 */
import { Context, Effect } from "effect"
import type { CapabilityError } from "./CapabilityError.js"

/** How long a key holds its answer. */
export const RETENTION_MILLIS = 24 * 60 * 60 * 1000

/** What claiming a key found. */
export type Claim =
  /** Nobody wrote with this key: the caller makes the write. */
  | { readonly _tag: "New" }
  /** A write with this key ended: its answer, and what it was asked (a fingerprint of its input). */
  | { readonly _tag: "Done"; readonly answer: unknown; readonly fingerprint: string }
  /** A write with this key began at `startedAt` and has not said how it ended. */
  | { readonly _tag: "Pending"; readonly startedAt: number; readonly fingerprint: string }

export interface IdempotentWritesShape {
  /**
   * Claims `key` (within `scope`, an operation's name) for a write asked with `fingerprint`: `New` when the caller is
   * the first, else what is known of the first. `takeOver` claims a pending key again (its first write is settled
   * as not having happened).
   */
  readonly claim: (
    scope: string,
    key: string,
    fingerprint: string,
    now: number,
    takeOver?: boolean
  ) => Effect.Effect<Claim, CapabilityError>
  /** Records the answer of the write `key` was claimed for. */
  readonly finish: (scope: string, key: string, answer: unknown, now: number) => Effect.Effect<void, CapabilityError>
  /** Gives `key` up: its write failed without doing anything, so a retry may write. */
  readonly release: (scope: string, key: string) => Effect.Effect<void, CapabilityError>
}

interface Entry {
  fingerprint: string
  startedAt: number
  answer?: unknown
  done: boolean
}

/** Keys this process remembers at most; the oldest go first. */
const MEMORY_ENTRIES = 100_000

/** Keys in memory, for this process's life: the default. */
export const inMemory = (): IdempotentWritesShape => {
  const entries = new Map<string, Entry>()
  const id = (scope: string, key: string) => `${scope}\u0000${key}`
  return {
    claim: (scope, key, fingerprint, now, takeOver = false) =>
      Effect.sync(() => {
        const at = id(scope, key)
        const entry = entries.get(at)
        if (entry !== undefined && now - entry.startedAt < RETENTION_MILLIS && !(takeOver && !entry.done)) {
          return entry.done
            ? { _tag: "Done", answer: entry.answer, fingerprint: entry.fingerprint }
            : { _tag: "Pending", startedAt: entry.startedAt, fingerprint: entry.fingerprint }
        }
        entries.delete(at)
        entries.set(at, { fingerprint, startedAt: now, done: false })
        if (entries.size > MEMORY_ENTRIES) entries.delete(entries.keys().next().value!)
        return { _tag: "New" }
      }),
    finish: (scope, key, answer) =>
      Effect.sync(() => {
        const entry = entries.get(id(scope, key))
        if (entry !== undefined) {
          entry.answer = answer
          entry.done = true
        }
      }),
    release: (scope, key) => Effect.sync(() => void entries.delete(id(scope, key)))
  }
}

/** Where idempotency keys are kept: in memory unless a host provides durable keeping (the server does). */
export class IdempotentWrites extends Context.Reference<IdempotentWrites>()(
  "@schematic-capability/capability-core/IdempotentWrites",
  { defaultValue: inMemory }
) {}
