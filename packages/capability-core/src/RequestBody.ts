/**
 * Reading a request body as text within a size limit: what the REST and MCP adapters' `node:http` listeners share.
 * The reader calls back rather than returning an Effect: a listener reads the body before any fiber starts, so a
 * request costs one fiber (its operation's) and no suspension while its bytes arrive.
 *
 * @since 0.1.0
 */
import type { IncomingMessage } from "node:http"
import { Either } from "effect"

/** Why a body was not read: larger than allowed, or broken off. */
export type BodyFailure = "too_large" | "unreadable"

/** Reads a request body as text, stopping at `maxBytes`; calls `done` once. */
export type ReadBody = (maxBytes: number, done: (body: Either.Either<string, BodyFailure>) => void) => void

/** A body already in hand (an Effect host's, say), held to the same limit. */
export const fromText =
  (text: string): ReadBody =>
  (maxBytes, done) =>
    done(Buffer.byteLength(text) > maxBytes ? Either.left("too_large") : Either.right(text))

/**
 * The body of a Node request. Past `maxBytes` it stops reading (the stream is paused): the answer must close the
 * connection, since what is left unread would otherwise be taken for the next request.
 */
export const fromNode =
  (request: IncomingMessage): ReadBody =>
  (maxBytes, done) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const settle = (body: Either.Either<string, BodyFailure>) => {
      request.off("data", onData).off("end", onEnd).off("error", onError).off("aborted", onError)
      done(body)
    }
    const stop = (failure: BodyFailure) => settle(Either.left(failure))
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        request.pause()
        stop("too_large")
      } else {
        chunks.push(chunk)
      }
    }
    const onEnd = () => settle(Either.right(Buffer.concat(chunks, size).toString("utf8")))
    const onError = () => stop("unreadable")
    request.on("data", onData).on("end", onEnd).on("error", onError).on("aborted", onError)
  }
