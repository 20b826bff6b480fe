#!/usr/bin/env node
/**
 * `schematic-sandbox [--port 8090] [--host 127.0.0.1] [--data-dir ./.data/sandbox] [--api-key sch_dev_sandbox]
 *  [--rate-limit 0] [--seed demo]`: serves Schematic's API locally until SIGINT or SIGTERM.
 */
import { parseArgs } from "node:util"
import { defaults, type SandboxConfig, type Seed, seeds } from "./SandboxConfig.js"

const USAGE = `usage: schematic-sandbox [options]
  --port <n>          port to listen on (default ${defaults.port}; 0 picks a free one)
  --host <address>    address to bind (default ${defaults.host})
  --data-dir <path>   where the SQLite database lives (default ${defaults.dataDir}; ":memory:" keeps nothing)
  --api-key <key>     the X-Schematic-Api-Key it accepts (default ${defaults.apiKey})
  --rate-limit <n>    answer 429 past n reads/s or n writes/s (default 0: off)
  --seed demo         load the demo dataset into an empty database (plans, features, 200 companies, usage)
  --help              show this message`

const fail = (message: string): never => {
  process.stderr.write(`schematic-sandbox: ${message}\n${USAGE}\n`)
  process.exit(2)
}

const wholeNumber = (name: string, value: string | undefined, max: number): number | undefined => {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > max)
    fail(`--${name} must be a whole number from 0 to ${max}, got ${JSON.stringify(value)}`)
  return n
}

const seedOf = (value: string | undefined): Seed | undefined => {
  if (value === undefined) return undefined
  if (!seeds.includes(value as Seed)) fail(`--seed must be one of ${seeds.join(", ")}, got ${JSON.stringify(value)}`)
  return value as Seed
}

const parse = (): SandboxConfig => {
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "data-dir": { type: "string" },
        "api-key": { type: "string" },
        "rate-limit": { type: "string" },
        seed: { type: "string" },
        help: { type: "boolean" }
      },
      strict: true,
      allowPositionals: false
    }))
  } catch (error) {
    return fail((error as Error).message)
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    process.exit(0)
  }
  const text = (name: string) => {
    const value = values[name]
    if (value === "") fail(`--${name} must not be empty`)
    return typeof value === "string" ? value : undefined
  }
  return {
    port: wholeNumber("port", text("port"), 65535) ?? defaults.port,
    host: text("host") ?? defaults.host,
    dataDir: text("data-dir") ?? defaults.dataDir,
    apiKey: text("api-key") ?? defaults.apiKey,
    rateLimit: wholeNumber("rate-limit", text("rate-limit"), 1_000_000) ?? defaults.rateLimit,
    seed: seedOf(text("seed"))
  }
}

const config = parse()

// Loaded once the arguments are known good: a usage error is told without loading the server.
const [{ NodeRuntime }, { Console, Effect, Layer }, SchematicSandbox] = await Promise.all([
  import("@effect/platform-node"),
  import("effect"),
  import("./SchematicSandbox.js")
])

const announce = Layer.effectDiscard(
  Effect.gen(function* () {
    const url = yield* SchematicSandbox.url
    yield* Console.log(`Schematic sandbox listening on ${url} (data: ${config.dataDir})`)
  })
)

announce.pipe(
  Layer.provide(SchematicSandbox.layer(config)),
  Layer.launch,
  Effect.catchAllCause((cause) =>
    Console.error(`schematic-sandbox: could not start: ${cause.toString().split("\n")[0]}`).pipe(
      Effect.zipRight(Effect.sync(() => process.exit(1)))
    )
  ),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
