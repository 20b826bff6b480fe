import { SchematicClient, type SchematicError } from "@schematic-capability/schematic-client"
import { Effect } from "effect"
import { type CapabilityError, fromSchematic } from "../CapabilityError.js"

/** Runs a call on the Schematic client and speaks the capability's errors. */
export const withSchematic = <A>(
  call: (client: SchematicClient.SchematicClient) => Effect.Effect<A, SchematicError.SchematicError>
): Effect.Effect<A, CapabilityError, SchematicClient.SchematicClient> =>
  Effect.flatMap(SchematicClient.SchematicClient, (client) => Effect.mapError(call(client), fromSchematic))

/** Deletes what `id` names, answering the id and whether there was something to delete. */
export const deleting = (
  id: string,
  remove: (client: SchematicClient.SchematicClient, id: string) => Effect.Effect<boolean, SchematicError.SchematicError>
): Effect.Effect<
  { readonly deleted: boolean; readonly id: string },
  CapabilityError,
  SchematicClient.SchematicClient
> =>
  Effect.map(
    withSchematic((client) => remove(client, id)),
    (deleted) => ({ deleted, id })
  )
