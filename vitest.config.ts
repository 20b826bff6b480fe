import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "examples/*"],
    reporters: ["default"],
    // A test file's own modules are loaded once per worker, not once per file: most of what a file costs to start
    // is loading Effect, the MCP SDK and the packages, and no test depends on a fresh copy of them.
    isolate: false,
    // Most test files wait on servers, child processes and sockets more than they compute: two at once keep two
    // cores busy (one a core would leave them idle through every wait).
    maxWorkers: 2,
    minWorkers: 1
  }
})
