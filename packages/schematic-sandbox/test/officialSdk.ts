import { SchematicClient } from "@schematichq/schematic-typescript-node"
import { API_KEY } from "./support.js"

/** Schematic's official Node SDK pointed at the sandbox at `url` (errors logged only); `options` add to that. */
export const officialSdk = (url: string, options: Partial<ConstructorParameters<typeof SchematicClient>[0]> = {}) =>
  new SchematicClient({ apiKey: API_KEY, basePath: url, logLevel: "error", ...options })
