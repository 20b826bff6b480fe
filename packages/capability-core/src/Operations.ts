/**
 * The registry (see `operations/index.ts`, one line an operation): every operation of the capability, in the order
 * adapters list them, by toolset and then by name.
 *
 * @since 0.1.0
 */
import type { SchematicClient } from "@schematic-capability/schematic-client"
import type { EventSink } from "./EventSink.js"
import { type Operation, toolsets } from "./Operation.js"
import * as registry from "./operations/index.js"

export * from "./operations/index.js"

/** The services the built-in operations need. */
export type Requirements = SchematicClient.SchematicClient | EventSink

/** Every built-in operation; each needs some of `Requirements`. */
// biome-ignore lint/suspicious/noExplicitAny: operations of every input and output type are listed together
export const all: ReadonlyArray<Operation<any, any, Requirements>> = Object.values(registry).sort(
  (a, b) => toolsets.indexOf(a.toolset) - toolsets.indexOf(b.toolset) || a.name.localeCompare(b.name)
)
