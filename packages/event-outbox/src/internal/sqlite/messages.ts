/**
 * What the request thread and the outbox thread say to each other. A message carries many requests, and what it
 * carries crosses threads by structured clone, whose cost grows with the number of values rather than their size:
 * the events of all the store requests of a message go as a few strings and arrays of numbers (`StoreBatch`), and
 * their answers come back as one array of numbers (`StoredBatch`), not as an object or two an event.
 */
import type { SyncAppend } from "../../OutboxStore.js"

export { EXISTING, EXISTING_LEGACY, NEW } from "./groupCommit.js"

import type { Options, OutboxFile } from "./outboxFile.js"

/** The outbox file's operations other than storing events (which is grouped) and closing. */
export type Method = Exclude<keyof OutboxFile, "store" | "close">

export type Call =
  | { readonly id: number; readonly op: "call"; readonly method: Method; readonly args: ReadonlyArray<unknown> }
  | { readonly id: number; readonly op: "close" }

/** The store requests of one message: request `i` has `counts[i]` events, taken in order from `keys` and `payloads`. */
export interface StoreBatch {
  readonly ids: ReadonlyArray<number>
  readonly counts: ReadonlyArray<number>
  /** Each event's key, in `keys` one after another (keys may hold any character, so they are not joined by one). */
  readonly keyLengths: ReadonlyArray<number>
  readonly keys: string
  /** The payloads joined by newlines (JSON text has none). */
  readonly payloads: string
  /** Each request's sync, when any request has one. */
  readonly syncs?: ReadonlyArray<SyncAppend | undefined> | undefined
}

export interface Message {
  readonly store?: StoreBatch | undefined
  readonly calls: ReadonlyArray<Call>
}

/** Id 0 answers once, when the file is open (or could not be opened). */
export type Reply = { readonly id: number; readonly value: unknown } | { readonly id: number; readonly error: string }

/** How a store request went, in `StoredBatch.numbers`. */
export const STORED = 0
export const FULL = 1
export const FAILED = 2

/**
 * The answers of a message's store requests: for each, in `numbers`, its id, how it went (`STORED`, `FULL`, `FAILED`)
 * and its number of events, then for each event its `seq`, `accepted_at` and how it went (`NEW`, `EXISTING`,
 * `EXISTING_LEGACY`). A full outbox's or a failure's message, and legacy ids, are the next of `texts`.
 */
export interface StoredBatch {
  readonly numbers: Float64Array
  readonly texts: ReadonlyArray<string>
}

export interface ReplyMessage {
  readonly stored?: StoredBatch | undefined
  readonly replies: ReadonlyArray<Reply>
  /** What the thread tells the server's log while it opens the file (a move of an earlier layout, say). */
  readonly notice?: string | undefined
}

export type ThreadData = Options
