import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    // One project over every package's tests, not a project each: with `isolate: false` vitest runs projects one
    // after another and starts fresh workers for each, so a project's last slow file left a core idle and each new
    // project paid its workers' start again. (A package's own vitest.config.ts serves `vitest` run in its folder.)
    include: ["{packages,apps,examples}/*/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    setupFiles: ["./vitest.setup.ts"],
    reporters: ["default"],
    // A test file's own modules are loaded once per worker, not once per file: most of what a file costs to start
    // is loading Effect, the MCP SDK and the packages, and no test depends on a fresh copy of them.
    isolate: false,
    // Most test files wait on servers, child processes and sockets more than they compute: two at once keep two
    // cores busy (one a core would leave them idle through every wait). Three were no faster on two cores, and ended
    // with tinypool's "Terminating worker thread" (vitest-dev/vitest#8133).
    maxWorkers: 2,
    minWorkers: 1
  }
})
