/** Reading a request body into text, refusing one larger than the limit without reading it. */
import type { IncomingMessage } from "node:http"

export type BodyFailure = "too_large" | "unreadable"

export const readBody = (request: IncomingMessage, maxBytes: number): Promise<string> =>
  new Promise((resolve, reject: (failure: BodyFailure) => void) => {
    const declared = Number(request.headers["content-length"])
    if (declared > maxBytes) return reject("too_large")
    const chunks: Array<Buffer> = []
    let size = 0
    const stop = (failure: BodyFailure) => {
      request.off("data", onData).off("end", onEnd).off("error", onError).off("aborted", onError)
      reject(failure)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) return stop("too_large")
      chunks.push(chunk)
    }
    const onEnd = () => resolve(Buffer.concat(chunks, size).toString("utf8"))
    const onError = () => stop("unreadable")
    request.on("data", onData).on("end", onEnd).on("error", onError).on("aborted", onError)
  })
