/** `pnpm bench`: every benchmark, one after another, each printing its table. */
import { run as insights } from "./insights.ts"

await insights()
