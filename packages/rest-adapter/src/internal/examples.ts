import data from "./examples.json" with { type: "json" }

/** An operation's example: a request it accepts and (lists shortened) the answer it gave. */
export interface Example {
  readonly request: unknown
  readonly response: unknown
}

/**
 * The examples the OpenAPI document shows, by operation name. `examples.json` is written by `pnpm run docs`
 * (`scripts/examples.ts`) from the demo dataset: do not edit it by hand.
 */
export const examples: Readonly<Record<string, Example>> = data
