/** The failures both stores answer requests with, worded the same way. */
import { OutboxClosed, OutboxStorageFailed } from "../OutboxStore.js"

/** Storing events failed: nothing of the request was stored. */
export const storingFailed = (reason: string): OutboxStorageFailed =>
  new OutboxStorageFailed({ message: `The event outbox could not store the events: ${reason}`, reason })

/** A read or a write a request waits for failed; `storage` names what failed ("storage", "database"). */
export const storageFailed = (storage: string, reason: string): OutboxStorageFailed =>
  new OutboxStorageFailed({ message: `The event outbox ${storage} failed: ${reason}`, reason })

/** The store is closing: the caller retries, and reaches the server that takes over. */
export const shuttingDown = (): OutboxClosed =>
  new OutboxClosed({ message: "The server is shutting down; retry shortly" })
