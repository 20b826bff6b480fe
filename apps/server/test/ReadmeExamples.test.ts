/**
 * Every TypeScript example in the repository's READMEs compiles against the packages as built: an example that
 * forgets a service an operation needs, or calls an API that changed, fails here.
 */

import { execFile, execFileSync } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { ManagedRuntime } from "effect"
import ts from "typescript"
import { describe, expect, it } from "vitest"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..")

/** The fenced `ts` blocks of every README the repository tracks, each with where it stands. */
const examples = execFileSync("git", ["ls-files", "*README.md"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter((file) => file.length > 0)
  .flatMap((file) => {
    const lines = readFileSync(join(root, file), "utf8").split("\n")
    const blocks: Array<{ readonly where: string; readonly code: string }> = []
    let start = -1
    for (const [index, line] of lines.entries()) {
      if (start === -1 && line.trim() === "```ts") start = index
      else if (start !== -1 && line.trim() === "```") {
        blocks.push({ where: `${file}:${start + 1}`, code: lines.slice(start + 1, index).join("\n") })
        start = -1
      }
    }
    return blocks
  })

describe("README examples", () => {
  it("capability-core's example runs as written, against a sandbox", { timeout: 60_000 }, async () => {
    const example = examples.find((item) => item.where.startsWith("packages/capability-core/README.md"))!
    // Written beside this test, so its imports resolve as an app's would.
    const file = join(dirname(fileURLToPath(import.meta.url)), "readme-example-run.mjs")
    writeFileSync(
      file,
      ts.transpileModule(example.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }
      }).outputText
    )
    const sandbox = ManagedRuntime.make(SchematicSandbox.layer({ port: 0, dataDir: ":memory:" }))
    try {
      const url = await sandbox.runPromise(SchematicSandbox.url)
      const output = await new Promise<string>((done, fail) =>
        execFile(
          process.execPath,
          [file],
          { env: { PATH: process.env.PATH ?? "", SCHEMATIC_API_KEY: "sch_dev_sandbox", SCHEMATIC_API_URL: url } },
          (error, stdout, stderr) => (error ? fail(new Error(`${error.message}\n${stderr}`)) : done(stdout))
        )
      )
      const companies = JSON.parse(output).companies
      expect(companies).toEqual([expect.objectContaining({ name: "Acme", keys: { stripe_customer_id: "cus_123" } })])
      // The usage event reached Schematic (the sandbox), straight from the direct sink.
      const events = await fetch(`${url}/events?event_types=track`, {
        headers: { "x-schematic-api-key": "sch_dev_sandbox" }
      })
      expect((await events.json()).data).toHaveLength(1)
    } finally {
      rmSync(file, { force: true })
      await sandbox.dispose()
    }
  })

  it("there are examples to check", () => {
    expect(examples.length).toBeGreaterThanOrEqual(7)
  })

  it("every one compiles", { timeout: 120_000 }, () => {
    // Each example is a module of its own beside this test, so its imports resolve as an app's would.
    const here = dirname(fileURLToPath(import.meta.url))
    const files = new Map(examples.map((example, index) => [join(here, `readme-example-${index}.ts`), example]))
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      exactOptionalPropertyTypes: true,
      noEmit: true,
      skipLibCheck: true,
      types: ["node"]
    }
    const host = ts.createCompilerHost(options)
    const getSourceFile = host.getSourceFile
    host.getSourceFile = (fileName, language, onError) => {
      const example = files.get(fileName)
      return example === undefined
        ? getSourceFile(fileName, language, onError)
        : ts.createSourceFile(fileName, example.code, language)
    }
    const fileExists = host.fileExists
    host.fileExists = (fileName) => files.has(fileName) || fileExists(fileName)
    const program = ts.createProgram([...files.keys()], options, host)
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const example = diagnostic.file ? files.get(diagnostic.file.fileName) : undefined
      const line =
        diagnostic.file && diagnostic.start !== undefined
          ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1
          : 0
      const where = example
        ? `${example.where} (+${line})`
        : `${diagnostic.file ? relative(root, diagnostic.file.fileName) : "?"}:${line}`
      return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`
    })
    expect(problems).toEqual([])
  })
})
