/**
 * What the adapters tell an observer (metrics, for instance) about each request they answer.
 *
 * @since 0.2.0
 */

export interface RequestSample {
  /** The operation's name (`upsert-company`); for what is not an operation, the route's (`healthz`, `unmatched`). */
  readonly operation: string
  readonly transport: "rest" | "mcp"
  /** The HTTP status; for MCP, the status of the tool result's error code (200 when it succeeded). */
  readonly status: number
  readonly seconds: number
}

export type RequestObserver = (sample: RequestSample) => void
