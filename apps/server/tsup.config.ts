import { defineConfig } from "tsup"

// The executables are bundled: Node then loads one module graph instead of a few thousand files of Effect and the
// workspace packages, which is most of what an idle server holds in memory. better-sqlite3 stays external (a
// native addon). The outbox thread's script is bundled beside `main.js`, under the `internal/` path where
// `SqliteOutboxStore` looks for it. The banner gives the bundled CommonJS dependencies a `require`.
export default defineConfig({
  entry: {
    main: "src/main.ts",
    mcpStdio: "src/mcpStdio.ts",
    sync: "src/sync.ts",
    index: "src/index.ts",
    "internal/outboxThread": "../../packages/event-outbox/src/internal/outboxThread.ts"
  },
  format: ["esm"],
  dts: false,
  sourcemap: true,
  clean: true,
  target: "node20",
  noExternal: [/^(?!better-sqlite3$)/],
  external: ["better-sqlite3"],
  minifyWhitespace: true,
  minifySyntax: true,
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);'
  }
})
