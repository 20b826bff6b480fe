/**
 * How the sandbox runs: where it listens, where it stores data, which API key it accepts.
 *
 * @since 0.1.0
 */
import { join } from "node:path"

export interface SandboxConfig {
  readonly port: number
  readonly host: string
  /** Directory of the SQLite database; `":memory:"` keeps nothing. */
  readonly dataDir: string
  /** The only `X-Schematic-Api-Key` it accepts. */
  readonly apiKey: string
  /** Requests per second for reads and for writes before it answers 429; 0 turns emulation off. */
  readonly rateLimit: number
  /** A dataset to load into an empty database on start: `demo` (see the README), or none. */
  readonly seed?: Seed | undefined
}

/** Datasets the sandbox can start with (see `SandboxSeed`). */
export type Seed = "demo"

export const seeds: ReadonlyArray<Seed> = ["demo"]

export const DEFAULT_API_KEY = "sch_dev_sandbox"

export const defaults: SandboxConfig = {
  port: 8090,
  host: "127.0.0.1",
  dataDir: "./.data/sandbox",
  apiKey: DEFAULT_API_KEY,
  rateLimit: 0
}

export const databaseFile = (config: Pick<SandboxConfig, "dataDir">): string =>
  config.dataDir === ":memory:" ? ":memory:" : join(config.dataDir, "schematic-sandbox.db")
