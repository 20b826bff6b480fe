/**
 * Reading a request body as text within a size limit: what the REST and MCP adapters' `node:http` listeners share.
 *
 * @since 0.1.0
 */
import type { IncomingMessage } from "node:http"
import { Effect } from "effect"

/** Why a body was not read: larger than allowed, or broken off. */
export type BodyFailure = "too_large" | "unreadable"

/** Reads a request body as text, stopping at `maxBytes`. */
export type ReadBody = (maxBytes: number) => Effect.Effect<string, BodyFailure>

/**
 * The body of a Node request. Past `maxBytes` it stops reading (the stream is paused): the answer must close the
 * connection, since what is left unread would otherwise be taken for the next request.
 */
export const fromNode =
  (request: IncomingMessage): ReadBody =>
  (maxBytes) =>
    Effect.async<string, BodyFailure>((resume) => {
      const chunks: Array<Buffer> = []
      let size = 0
      const stop = (failure: BodyFailure) => {
        request.off("data", onData).off("end", onEnd).off("error", onError).off("aborted", onError)
        resume(Effect.fail(failure))
      }
      const onData = (chunk: Buffer) => {
        size += chunk.length
        if (size > maxBytes) {
          request.pause()
          stop("too_large")
        } else {
          chunks.push(chunk)
        }
      }
      const onEnd = () => resume(Effect.succeed(Buffer.concat(chunks, size).toString("utf8")))
      const onError = () => stop("unreadable")
      request.on("data", onData).on("end", onEnd).on("error", onError).on("aborted", onError)
    })
