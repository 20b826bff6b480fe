import { SqlClient } from "@effect/sql"
import { Effect, ManagedRuntime } from "effect"
import { it } from "vitest"
import { seedDemo } from "../src/internal/demo.js"
import * as SandboxStore from "../src/SandboxStore.js"

it("times the demo", async () => {
  for (let i = 0; i < 2; i++) {
    const runtime = ManagedRuntime.make(SandboxStore.layer(":memory:"))
    const t = performance.now()
    const out = await runtime.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql.withTransaction(seedDemo(Date.now())))
    )
    console.log("demo load ms", Math.round(performance.now() - t), JSON.stringify(out))
    await runtime.dispose()
  }
}, 120_000)
