/**
 * A test operation of its own, as tests of the tool adapters declare one: `{ n }` in and out, readable by any caller,
 * served at `GET /v1/<name>`. The AI SDK's tests use it too.
 */
import { Schema } from "effect"
import * as Operation from "../src/Operation.js"

type Numbered = { readonly n: number }

/** The operation `named`, whose handler is the test's. */
export const numberOperation = (
  named: { readonly name: string; readonly title: string; readonly description: string },
  handler: Operation.Operation<Numbered, Numbered, never>["handler"]
) =>
  Operation.make<Numbered, Numbered, never>({
    ...named,
    input: Schema.Struct({ n: Schema.Number }),
    output: Schema.Struct({ n: Schema.Number }),
    hints: Operation.hints.readsOutbox,
    scope: "read",
    toolset: "insights",
    rest: { method: "GET", paths: [`/v1/${named.name}`], status: 200 },
    handler,
    errors: []
  })
