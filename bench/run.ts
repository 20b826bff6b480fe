/** `pnpm bench`: every benchmark, one after another, each printing its table. `pnpm bench capability` (or `context`, `ingestion`, `insights`, `sync`, `fleet`) runs one. */
import { run as capability } from "./capability.ts"
import { run as context } from "./context.ts"
import { run as fleet } from "./fleet.ts"
import { run as ingestion } from "./ingestion.ts"
import { run as insights } from "./insights.ts"
import { run as sync } from "./sync.ts"

const benchmarks: Record<string, () => Promise<void>> = { capability, context, ingestion, insights, sync, fleet }
const chosen = process.argv.slice(2).filter((name) => name in benchmarks)
for (const name of chosen.length > 0 ? chosen : Object.keys(benchmarks)) await benchmarks[name]!()
