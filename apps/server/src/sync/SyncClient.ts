/**
 * The running server's sync calls, over HTTP: a chunk of records (as NDJSON) to `POST /v1/{kind}/sync`, and a sync's
 * progress from `GET /v1/syncs/{id}`. A chunk that meets a busy or unreachable server is sent again after a pause:
 * its records' idempotency keys make that safe.
 */
import type { Kind } from "./RecordMapping.js"

export interface Options {
  readonly url: string
  /** The bearer token, if the server wants one. Never printed. */
  readonly token: string | undefined
  /** How long a chunk is retried before the command gives up. */
  readonly retryForMillis: number
}

export interface FieldIssue {
  readonly path: string
  readonly message: string
}

export interface ChunkAnswer {
  readonly sync_id: string
  readonly source: string
  readonly accepted: number
  readonly already_accepted: number
  readonly refused: ReadonlyArray<{ readonly index: number; readonly fields: ReadonlyArray<FieldIssue> }>
}

export interface SyncStatus {
  readonly accepted: number
  readonly refused: number
  readonly pending: number
  readonly delivered: number
  readonly failed: number
  readonly finished_at: string | null
}

/** The server refused the call itself (not one record): what it said. */
export class CallRefused extends Error {}

const sleep = (millis: number) => new Promise((done) => setTimeout(done, millis))

const describe = (body: unknown, status: number) => {
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error
  return error?.message === undefined ? `HTTP ${status}` : `${error.message} (${error.code ?? status})`
}

export const make = (options: Options) => {
  const headers = (extra: Record<string, string>) => ({
    ...extra,
    ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` })
  })

  /** A call, retried while the server is busy (429, 503) or unreachable; other refusals are final. */
  const call = async <A>(path: string, init: RequestInit): Promise<A> => {
    const deadline = Date.now() + options.retryForMillis
    for (let attempt = 0; ; attempt++) {
      let retryAfter: number
      try {
        const response = await fetch(`${options.url}${path}`, init)
        const body = await response.json().catch(() => undefined)
        if (response.ok) return body as A
        if (response.status !== 429 && response.status !== 503) throw new CallRefused(describe(body, response.status))
        // Seconds, or (unread here) an HTTP date: then a second.
        const seconds = Number(response.headers.get("retry-after") ?? 1)
        retryAfter = (Number.isFinite(seconds) && seconds >= 0 ? seconds : 1) * 1000
        if (Date.now() + retryAfter > deadline) throw new CallRefused(describe(body, response.status))
      } catch (error) {
        if (error instanceof CallRefused) throw error
        if (Date.now() > deadline) {
          throw new CallRefused(`${options.url} did not answer: ${(error as Error).cause ?? (error as Error).message}`)
        }
        retryAfter = Math.min(5000, 250 * 2 ** attempt)
      }
      await sleep(retryAfter)
    }
  }

  return {
    send: (
      kind: Kind,
      records: ReadonlyArray<Record<string, unknown>>,
      sync: {
        readonly source: string
        readonly id: string | undefined
        /** Records of the sync the command refused itself since the last chunk (lines that are not records). */
        readonly refusedBeforeSending: number
      }
    ): Promise<ChunkAnswer> => {
      const query = new URLSearchParams(sync.id === undefined ? { source: sync.source } : { sync_id: sync.id })
      if (sync.refusedBeforeSending > 0) query.set("refused_before_sending", String(sync.refusedBeforeSending))
      return call(`/v1/${kind}/sync?${query}`, {
        method: "POST",
        headers: headers({ "content-type": "application/x-ndjson" }),
        body: `${records.map((record) => JSON.stringify(record)).join("\n")}\n`
      })
    },
    status: (id: string): Promise<SyncStatus> =>
      call(`/v1/syncs/${encodeURIComponent(id)}`, { method: "GET", headers: headers({}) })
  }
}

export type SyncClient = ReturnType<typeof make>
