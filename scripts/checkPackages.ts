/**
 * `pnpm run check:packages`: every publishable package as npm would ship it. For each package under `packages/`
 * (built first): publint on its packed files, Are the Types Wrong on its tarball (ESM only: Node 16+ resolution and
 * bundlers), and its declaration files import only what its package.json gives a user: its dependencies, its peer
 * dependencies, itself, and Node's built-ins. A type from a workspace-only or dev dependency would leave a user's
 * compiler without it.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { builtinModules } from "node:module"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const bin = (name: string) => join(root, "node_modules", ".bin", name)

interface Manifest {
  readonly name: string
  readonly private?: boolean
  readonly dependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
}

const declarationFiles = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? declarationFiles(join(dir, entry.name))
      : entry.name.endsWith(".d.ts")
        ? [join(dir, entry.name)]
        : []
  )

/** The package a bare specifier names: `effect/Schema` is `effect`, `@scope/name/x` is `@scope/name`. */
const packageOf = (specifier: string) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!

const SPECIFIERS = /(?:from\s+|import\s*\(\s*|import\s+)["']([^"'./][^"']*)["']/g

const undeclaredImports = (dir: string, manifest: Manifest): Array<string> => {
  const allowed = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {})
  ])
  const found = new Set<string>()
  for (const file of declarationFiles(join(dir, "dist"))) {
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(SPECIFIERS)) {
      const name = packageOf(specifier!)
      if (name.startsWith("node:") || builtinModules.includes(name) || allowed.has(name)) continue
      found.add(`${name} (in ${file.slice(dir.length + 1)})`)
    }
  }
  return [...found]
}

const run = (command: string, args: ReadonlyArray<string>, cwd: string) => {
  try {
    execFileSync(command, args, { cwd, stdio: "pipe", encoding: "utf8" })
    return undefined
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string }
    return `${failed.stdout ?? ""}${failed.stderr ?? ""}`.trim()
  }
}

const failures: Array<string> = []
for (const name of readdirSync(join(root, "packages")).sort()) {
  const dir = join(root, "packages", name)
  if (!existsSync(join(dir, "package.json"))) continue
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest
  if (manifest.private === true) continue
  if (!existsSync(join(dir, "dist"))) {
    failures.push(`${manifest.name}: not built (run pnpm build first)`)
    continue
  }
  const problems = [
    run(bin("publint"), ["--pack", "npm", "--strict"], dir),
    run(bin("attw"), ["--pack", ".", "--profile", "esm-only", "--format", "ascii"], dir),
    ...undeclaredImports(dir, manifest).map((item) => `declarations import ${item}, which its package.json lacks`)
  ].filter((problem) => problem !== undefined)
  console.log(`${problems.length === 0 ? "ok  " : "FAIL"} ${manifest.name}`)
  for (const problem of problems) failures.push(`${manifest.name}: ${problem}`)
}
if (failures.length > 0) {
  console.error(`\n${failures.join("\n\n")}`)
  process.exit(1)
}
