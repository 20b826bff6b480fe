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
import type { SyncAppend } from "../../OutboxStore.js"
import { idPrefix, seqHex } from "../eventId.js"
import {
  type Call,
  EXISTING_LEGACY,
  FULL,
  type Message,
  NEW,
  type Reply,
  type ReplyMessage,
  STORED,
  type StoredBatch
} from "./messages.js"
import { PendingById } from "./pendingById.js"

export type Resume = (reply: Reply) => void

/** What storing a request's events came to: their ids and which were stored before, or why none was stored. */
export type StoreOutcome =
  | { readonly ids: ReadonlyArray<string>; readonly existing: ReadonlyArray<boolean> }
  | { readonly full: string }
  | { readonly failed: string }
  /** The thread has stopped. */
  | { readonly closed: string }

/** Events in waiting requests that make a message go to the thread even while it works on another. */
const SEND_AT_ONCE = 256

export interface ThreadChannel {
  /** The id of a new request. */
  readonly nextId: () => number
  /** Hands a call to the thread; `resume` gets its answer, or an error once the thread has stopped. */
  readonly send: (call: Call, resume: Resume) => void
  /**
   * Hands events to the thread to store (`payloads` joined by newlines); `resume` gets what came of them. A newline in
   * JSON text is whitespace, so a payload's own are written as spaces.
   */
  readonly store: (
    keys: ReadonlyArray<string>,
    payloads: string,
    sync: SyncAppend | undefined,
    resume: (outcome: StoreOutcome) => void
  ) => void
}

interface PendingStore {
  readonly id: number
  readonly keys: ReadonlyArray<string>
  readonly payloads: string
  readonly sync: SyncAppend | undefined
}

/**
 * Talks to a thread just started; `opened` gets its first answer (id 0): the file open, or why it could not be;
 * `notice` what the thread tells the log meanwhile.
 * The thread keeps the process alive only while an answer is awaited.
 */
export const connect = (
  thread: Worker,
  opened: Resume,
  notice: (text: string) => void = () => undefined
): ThreadChannel => {
  const waiting = new PendingById<Resume>()
  const storing = new PendingById<(outcome: StoreOutcome) => void>()
  let lastId = 0
  let stopped: string | undefined

  // Requests waiting for the next message, and the events they hold.
  let calls: Array<Call> = []
  let stores: Array<PendingStore> = []
  let outgoingEvents = 0
  // Requests posted and not yet answered.
  let inFlight = 0
  let scheduled = false

  const awaited = () => waiting.size + storing.size
  const batchOf = (pending: ReadonlyArray<PendingStore>): Message["store"] => {
    if (pending.length === 0) return undefined
    const ids: Array<number> = []
    const counts: Array<number> = []
    const keyLengths: Array<number> = []
    const keys: Array<string> = []
    const payloads: Array<string> = []
    let synced = false
    for (const request of pending) {
      ids.push(request.id)
      counts.push(request.keys.length)
      for (const key of request.keys) {
        keyLengths.push(key.length)
        keys.push(key)
      }
      payloads.push(request.payloads)
      if (request.sync !== undefined) synced = true
    }
    return {
      ids,
      counts,
      keyLengths,
      keys: keys.join(""),
      payloads: payloads.join("\n"),
      syncs: synced ? pending.map((request) => request.sync) : undefined
    }
  }
  const post = () => {
    scheduled = false
    if ((calls.length === 0 && stores.length === 0) || stopped !== undefined) return
    if (inFlight > 0 && outgoingEvents < SEND_AT_ONCE) return
    inFlight += calls.length + stores.length
    thread.postMessage({ store: batchOf(stores), calls } satisfies Message)
    calls = []
    stores = []
    outgoingEvents = 0
  }
  const schedule = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(post)
  }
  const send = (call: Call, resume: Resume) => {
    if (stopped !== undefined) return resume({ id: call.id, error: stopped })
    if (awaited() === 0) thread.ref()
    waiting.set(call.id, resume)
    calls.push(call)
    schedule()
  }
  const store: ThreadChannel["store"] = (keys, payloads, sync, resume) => {
    if (stopped !== undefined) return resume({ closed: stopped })
    if (awaited() === 0) thread.ref()
    const id = ++lastId
    storing.set(id, resume)
    stores.push({ id, keys, payloads, sync })
    outgoingEvents += keys.length
    schedule()
  }
  const settled = () => {
    if (awaited() === 0) thread.unref()
  }
  const settle = (reply: Reply) => {
    const resume = waiting.take(reply.id)
    if (resume === undefined) return
    settled()
    resume(reply)
  }
  const settleStore = (id: number, outcome: StoreOutcome) => {
    const resume = storing.take(id)
    if (resume === undefined) return
    settled()
    resume(outcome)
  }
  /** Reads the answers of a message's store requests (see `StoredBatch`) and hands each to its caller. */
  const settleStored = ({ numbers, texts }: StoredBatch) => {
    let at = 0
    let text = 0
    // Events stored in one transaction share the time they were accepted, and so the first half of their ids.
    let prefixTime = Number.NaN
    let prefix = ""
    while (at < numbers.length) {
      const id = numbers[at]!
      const how = numbers[at + 1]!
      const count = numbers[at + 2]!
      at += 3
      if (how !== STORED) {
        const message = texts[text++]!
        settleStore(id, how === FULL ? { full: message } : { failed: message })
        continue
      }
      const ids: Array<string> = []
      const existing: Array<boolean> = []
      for (let event = 0; event < count; event++, at += 3) {
        const acceptedAt = numbers[at + 1]!
        const state = numbers[at + 2]!
        if (state === EXISTING_LEGACY) {
          ids.push(texts[text++]!)
        } else {
          if (acceptedAt !== prefixTime) {
            prefixTime = acceptedAt
            prefix = idPrefix(acceptedAt)
          }
          ids.push(prefix + seqHex(numbers[at]!))
        }
        existing.push(state !== NEW)
      }
      settleStore(id, { ids, existing })
    }
  }
  const stop = (reason: string) => {
    stopped ??= reason
    for (const id of waiting.ids()) settle({ id, error: reason })
    for (const id of storing.ids()) settleStore(id, { closed: reason })
  }

  thread.unref()
  thread.on("error", (error) => stop(`The event outbox thread failed: ${error.message}`))
  thread.on("exit", () => stop("The event outbox is closed"))
  waiting.set(0, opened)
  thread.ref()
  thread.on("message", (message: ReplyMessage) => {
    if (message.notice !== undefined) notice(message.notice)
    const stored = message.stored
    for (const reply of message.replies) if (reply.id !== 0) inFlight--
    if (stored !== undefined) {
      // Each stored request's answer starts with its id, how it went and its number of events.
      for (let at = 0; at < stored.numbers.length; inFlight--) {
        const how = stored.numbers[at + 1]!
        at += 3 + (how === STORED ? stored.numbers[at + 2]! * 3 : 0)
      }
    }
    // The requests that waited go to the thread before these answers are handled: it stores them while this
    // thread writes the answers, instead of after.
    post()
    if (stored !== undefined) settleStored(stored)
    for (const reply of message.replies) settle(reply)
  })

  return { nextId: () => ++lastId, send, store }
}
