/**
 * The version an adapter tells its callers (OpenAPI's `info.version`, the MCP server's `serverInfo`): that of the
 * package.json beside the module's folder. For a library that is its own; bundled into an application, the
 * application's (the bundle's `import.meta.url` is the application's), which is what its callers run.
 *
 * @since 0.2.0
 */
import { createRequire } from "node:module"

/** The version in the package.json one folder up from `moduleUrl` (a module in `src/` or `dist/`), or "0.0.0". */
export const of = (moduleUrl: string): string => {
  try {
    const { version } = createRequire(moduleUrl)("../package.json") as { readonly version?: unknown }
    return typeof version === "string" ? version : "0.0.0"
  } catch {
    return "0.0.0"
  }
}
