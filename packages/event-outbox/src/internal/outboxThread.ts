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
import type { StoreRequest } from "./sqlite/groupCommit.js"
import type { Reply, Request, ThreadData } from "./sqlite/messages.js"
import { type OutboxFile, open } from "./sqlite/outboxFile.js"

const port = parentPort!

let file: OutboxFile
try {
  file = open(workerData as ThreadData)
} catch (error) {
  port.postMessage([{ id: 0, error: describeFailure(error) }] satisfies Array<Reply>)
  process.exit(1)
}

let waiting: Array<StoreRequest & { readonly id: number }> = []
let replies: Array<Reply> = []
let scheduled = false

const storeWaiting = () => {
  const requests = waiting
  waiting = []
  if (requests.length === 0) return
  // A storage failure comes back as each request's answer (`failed`), told apart from a full outbox.
  const results = file.store(requests)
  for (const [index, request] of requests.entries()) replies.push({ id: request.id, value: results[index] })
}

const answer = () => {
  port.postMessage(replies)
  replies = []
}

const handle = (request: Request) => {
  switch (request.op) {
    case "store": {
      const payloads = request.payloads.split("\n")
      waiting.push({
        id: request.id,
        events: request.keys.map((idempotencyKey, index) => ({ idempotencyKey, payload: payloads[index]! })),
        sync: request.sync
      })
      return
    }
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
  if (replies.length > 0) answer()
}

port.on("message", (requests: ReadonlyArray<Request>) => {
  for (const request of requests) handle(request)
  if (!scheduled) {
    scheduled = true
    setImmediate(turn)
  }
})
port.postMessage([{ id: 0, value: "open" }] satisfies Array<Reply>)
