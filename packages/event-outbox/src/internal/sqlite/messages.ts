/** What the request thread and the outbox thread say to each other. */
import type { SyncAppend } from "../../OutboxStore.js"
import type { Options, OutboxFile } from "./outboxFile.js"

/** The outbox file's operations other than storing events (which is grouped) and closing. */
export type Method = Exclude<keyof OutboxFile, "store" | "close">

export type Request =
  | {
      readonly id: number
      readonly op: "store"
      readonly keys: ReadonlyArray<string>
      /** The payloads joined by newlines (JSON text has none), which crosses threads as one string. */
      readonly payloads: string
      readonly sync?: SyncAppend | undefined
    }
  | { readonly id: number; readonly op: "call"; readonly method: Method; readonly args: ReadonlyArray<unknown> }
  | { readonly id: number; readonly op: "close" }

/** Id 0 answers once, when the file is open (or could not be opened). */
export type Reply = { readonly id: number; readonly value: unknown } | { readonly id: number; readonly error: string }

export type ThreadData = Options
