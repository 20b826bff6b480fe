/**
 * A failed tool call, as the Vercel AI SDK carries it: thrown from a tool's `execute`, it becomes a `tool-error` part
 * of the step (the application reads its code and fields), and the model reads its message in the next step (the AI
 * SDK sends a thrown error's message as the tool's `error-text` result). The message is the text every agent reads
 * for a failed call (see capability-core's `Tools.errorText`): the code first, then one line per bad field.
 *
 * @since 0.1.0
 */
import { CapabilityError, Tools } from "@schematic-capability/capability-core"
import { Schema } from "effect"

export class ToolCallError extends Schema.TaggedError<ToolCallError>()("ToolCallError", {
  /** The tool that failed. */
  tool: Schema.String,
  /** The failure's code (see capability-core's `CapabilityError.table`), e.g. `invalid_input`. */
  code: CapabilityError.ErrorCodeSchema,
  /** What the model reads: the code, the message, one line per bad field. */
  message: Schema.String,
  /** For refused input: each bad field's path in the tool's arguments, and why. */
  fields: Schema.optional(Schema.Array(CapabilityError.FieldIssue)),
  retryAfterSeconds: Schema.optional(Schema.Number)
}) {
  /** A capability failure of `tool`'s call. */
  static of(tool: string, error: CapabilityError.CapabilityError): ToolCallError {
    return new ToolCallError({
      tool,
      code: error.code,
      message: Tools.errorText(error),
      ...(error.fields === undefined ? {} : { fields: error.fields }),
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds })
    })
  }
}
