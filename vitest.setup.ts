/**
 * Runs before each test file. `@effect/vitest` (0.x, for Effect 3) puts its methods on vitest's shared `it` object,
 * and each `layer(...)` block puts its own `effect`, `scoped`, `prop`, `flakyTest` and `layer` over them (its 4.x
 * line wraps instead: Effect-TS/effect-smol#2177). With `isolate: false` a worker keeps that object from one file to
 * the next, so a file run after one that uses `layer(...)` would run its `it.effect` tests in that layer's runtime,
 * without the test services (TestClock). This puts the package's own methods back first.
 */
import { it } from "@effect/vitest"

const methods = ["effect", "scoped", "live", "scopedLive", "flakyTest", "layer", "prop"] as const
const key = Symbol.for("schematic-capability/test/effect-vitest-methods")
const store = globalThis as { [key]?: Partial<typeof it> }
// The first run in a worker sees the methods as the package set them; later runs put those back.
store[key] ??= Object.fromEntries(methods.map((name) => [name, it[name]]))
Object.assign(it, store[key])
