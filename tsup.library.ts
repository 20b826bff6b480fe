import { defineConfig, type Options } from "tsup"

/** The build every library shares: ESM with declarations and source maps, for Node 20. */
export const library = (options: Partial<Options> = {}) =>
  defineConfig({
    entry: ["src/index.ts"],
    format: ["esm"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    ...options
  })
