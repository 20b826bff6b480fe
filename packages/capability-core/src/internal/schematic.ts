import { SchematicClient, type SchematicError } from "@schematic-capability/schematic-client"
import { Effect } from "effect"
import { type CapabilityError, fromSchematic } from "../CapabilityError.js"

/** Runs a call on the Schematic client and speaks the capability's errors. */
export const withSchematic = <A>(
  call: (client: SchematicClient.SchematicClient) => Effect.Effect<A, SchematicError.SchematicError>
): Effect.Effect<A, CapabilityError, SchematicClient.SchematicClient> =>
  Effect.flatMap(SchematicClient.SchematicClient, (client) => Effect.mapError(call(client), fromSchematic))
