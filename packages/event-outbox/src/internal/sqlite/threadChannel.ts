/**
 * The request thread's end of the outbox thread: requests go to it in messages, and its answers come back to
 * whoever waits for them.
 *
 * Every message wakes the thread, a system call that on a busy machine can also hand this thread's CPU to it. While
 * requests are being worked on, small ones wait and go with the next message, so under load messages follow commits
 * and each commit carries more requests than it would without waiting; a request with many events goes at once, so
 * the thread stores it while this thread reads the next.
 */
import type { Worker } from "node:worker_threads"
import type { Reply, Request } from "./messages.js"

export type Resume = (reply: Reply) => void

/** Events in waiting requests that make a message go to the thread even while it works on another. */
const SEND_AT_ONCE = 256

export interface ThreadChannel {
  /** The id of a new request. */
  readonly nextId: () => number
  /** Hands a request to the thread; `resume` gets its answer, or an error once the thread has stopped. */
  readonly send: (request: Request, resume: Resume) => void
}

/**
 * Talks to a thread just started; `opened` gets its first answer (id 0): the file open, or why it could not be.
 * The thread keeps the process alive only while an answer is awaited.
 */
export const connect = (thread: Worker, opened: Resume): ThreadChannel => {
  const waiting = new Map<number, Resume>()
  let lastId = 0
  let stopped: string | undefined

  // Requests waiting for the next message, and the events they hold.
  let outgoing: Array<Request> = []
  let outgoingEvents = 0
  // Requests posted and not yet answered.
  let inFlight = 0
  let scheduled = false
  const post = () => {
    scheduled = false
    if (outgoing.length === 0 || stopped !== undefined) return
    if (inFlight > 0 && outgoingEvents < SEND_AT_ONCE) return
    inFlight += outgoing.length
    thread.postMessage(outgoing)
    outgoing = []
    outgoingEvents = 0
  }
  const schedule = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(post)
  }
  const send = (request: Request, resume: Resume) => {
    if (stopped !== undefined) return resume({ id: request.id, error: stopped })
    if (waiting.size === 0) thread.ref()
    waiting.set(request.id, resume)
    outgoing.push(request)
    if (request.op === "store") outgoingEvents += request.keys.length
    schedule()
  }
  const settle = (reply: Reply) => {
    const resume = waiting.get(reply.id)
    if (resume === undefined) return
    waiting.delete(reply.id)
    if (waiting.size === 0) thread.unref()
    resume(reply)
  }
  const stop = (reason: string) => {
    stopped ??= reason
    for (const id of [...waiting.keys()]) settle({ id, error: reason })
  }

  thread.unref()
  thread.on("error", (error) => stop(`The event outbox thread failed: ${error.message}`))
  thread.on("exit", () => stop("The event outbox is closed"))
  waiting.set(0, opened)
  thread.ref()
  thread.on("message", (replies: ReadonlyArray<Reply>) => {
    for (const reply of replies) if (reply.id !== 0) inFlight--
    // The requests that waited go to the thread before these answers are handled: it stores them while this
    // thread writes the answers, instead of after.
    post()
    for (const reply of replies) settle(reply)
  })

  return { nextId: () => ++lastId, send }
}
