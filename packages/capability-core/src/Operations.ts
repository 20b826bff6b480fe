/**
 * The registry (see `operations/index.ts`, one line an operation): every operation of the capability, in the order
 * adapters list them, by toolset and then by name.
 *
 * @since 0.1.0
 */
import type { SchematicClient } from "@schematic-capability/schematic-client"
import type { Schema } from "effect"
import type { EventSink } from "./EventSink.js"
import { type Operation, toolsets } from "./Operation.js"
import * as registry from "./operations/index.js"

export * from "./operations/index.js"

/** The services the built-in operations need. */
export type Requirements = SchematicClient.SchematicClient | EventSink

/** The type of every built-in operation, derived from the registry's exports (one line an operation). */
export type Registered = (typeof registry)[keyof typeof registry]

/** The name of a built-in operation: `"get-company" | "list-companies" | ...`. */
export type OperationName = Registered["name"]

/** The built-in operation named `N`. */
export type Named<N extends OperationName> = Extract<Registered, { readonly name: N }>

/** The input of the operation named `N` as a caller sends it: its JSON (encoded) side, before defaults are applied. */
export type Input<N extends OperationName> = Schema.Schema.Encoded<Named<N>["input"]>

/** The output of the operation named `N` as it is answered: its JSON (encoded) side, trimmed to its schema. */
export type Output<N extends OperationName> = Schema.Schema.Encoded<Named<N>["output"]>

/** Every built-in operation; each needs some of `Requirements`. */
// biome-ignore lint/suspicious/noExplicitAny: operations of every input and output type are listed together
export const all: ReadonlyArray<Operation<any, any, Requirements>> = Object.values(registry).sort(
  (a, b) => toolsets.indexOf(a.toolset) - toolsets.indexOf(b.toolset) || a.name.localeCompare(b.name)
)
