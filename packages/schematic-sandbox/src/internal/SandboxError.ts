import { Data } from "effect"

/** A failure the sandbox answers with Schematic's error body `{error}` and the given status. */
export class SandboxError extends Data.TaggedError("SandboxError")<{
  readonly status: number
  readonly message: string
}> {}

export const badRequest = (message: string) => new SandboxError({ status: 400, message })
export const notFound = (message: string) => new SandboxError({ status: 404, message })
