import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
    reporters: ["default"],
    // Most test files wait on servers, child processes and sockets more than they compute: several at once keep
    // two cores busy (one a core would leave them idle through every wait).
    maxWorkers: 4,
    minWorkers: 1
  }
})
