/**
 * The outbox thread: owns the SQLite file and answers the request thread. Events of the messages that arrive
 * before this thread's next turn of its event loop are stored in one transaction (`sqlite/groupCommit.ts`), so
 * concurrent requests share one commit and one fsync; the answers of that turn go back as one message.
 *
 * Its script is `internal/outboxThread.js` beside the package's modules (and beside the server's bundle), where
 * `SqliteOutboxStore` starts it; it loads neither Effect nor anything else the file does not need.
 */
import { parentPort, workerData } from "node:worker_threads"
import { describeFailure } from "./describeFailure.js"
import type { Stored, StoreRequest } from "./sqlite/groupCommit.js"
import {
  type Call,
  FAILED,
  FULL,
  type Message,
  type Reply,
  type ReplyMessage,
  STORED,
  type StoreBatch,
  type ThreadData
} from "./sqlite/messages.js"
import { type OutboxFile, open } from "./sqlite/outboxFile.js"

const port = parentPort!

let file: OutboxFile
try {
  file = open(workerData as ThreadData, (notice) => port.postMessage({ replies: [], notice } satisfies ReplyMessage))
} catch (error) {
  port.postMessage({ replies: [{ id: 0, error: describeFailure(error) }] } satisfies ReplyMessage)
  process.exit(1)
}

let waiting: Array<StoreRequest & { readonly id: number }> = []
let replies: Array<Reply> = []
let stored: { numbers: Array<number>; texts: Array<string> } = { numbers: [], texts: [] }
let scheduled = false

/** Adds a request's outcome to the answers of this turn (see `StoredBatch`). */
const addStored = (id: number, outcome: Stored) => {
  if ("full" in outcome || "failed" in outcome) {
    stored.numbers.push(id, "full" in outcome ? FULL : FAILED, 0)
    stored.texts.push("full" in outcome ? outcome.full : outcome.failed)
    return
  }
  stored.numbers.push(id, STORED, outcome.events.length / 3)
  for (const value of outcome.events) stored.numbers.push(value)
  for (const legacyId of outcome.legacyIds) stored.texts.push(legacyId)
}

const storeWaiting = () => {
  const requests = waiting
  waiting = []
  if (requests.length === 0) return
  // A storage failure comes back as each request's answer (`failed`), told apart from a full outbox.
  const results = file.store(requests)
  for (const [index, request] of requests.entries()) addStored(request.id, results[index]!)
}

const answer = () => {
  const numbers = Float64Array.from(stored.numbers)
  // The numbers' buffer is handed over, not copied.
  port.postMessage({ stored: { numbers, texts: stored.texts }, replies } satisfies ReplyMessage, [numbers.buffer])
  replies = []
  stored = { numbers: [], texts: [] }
}

/** The store requests of a message, each with its events, waiting for this turn's transaction. */
const receive = (batch: StoreBatch) => {
  const payloads = batch.payloads.split("\n")
  let event = 0
  let keyAt = 0
  for (const [index, id] of batch.ids.entries()) {
    const events = []
    for (let n = 0; n < batch.counts[index]!; n++, event++) {
      const length = batch.keyLengths[event]!
      events.push({ idempotencyKey: batch.keys.slice(keyAt, keyAt + length), payload: payloads[event]! })
      keyAt += length
    }
    waiting.push({ id, events, sync: batch.syncs?.[index] })
  }
}

const handle = (request: Call) => {
  switch (request.op) {
    case "call": {
      try {
        const method = file[request.method] as (...args: ReadonlyArray<unknown>) => unknown
        replies.push({ id: request.id, value: method(...request.args) })
      } catch (error) {
        replies.push({ id: request.id, error: describeFailure(error) })
      }
      return
    }
    case "close": {
      storeWaiting()
      file.close()
      replies.push({ id: request.id, value: undefined })
      answer()
      port.close()
    }
  }
}

const turn = () => {
  scheduled = false
  storeWaiting()
  if (replies.length > 0 || stored.numbers.length > 0) answer()
}

port.on("message", (message: Message) => {
  if (message.store !== undefined) receive(message.store)
  for (const call of message.calls) handle(call)
  if (!scheduled) {
    scheduled = true
    setImmediate(turn)
  }
})
port.postMessage({ replies: [{ id: 0, value: "open" }] } satisfies ReplyMessage)
