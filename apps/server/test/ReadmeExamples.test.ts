/**
 * Every TypeScript example in the repository's READMEs compiles against the packages as built: an example that
 * forgets a service an operation needs, or calls an API that changed, fails here. The quick start's requests answer
 * on a default start, as a new user would send them.
 */

import { execFile, execFileSync } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { ManagedRuntime } from "effect"
import ts from "typescript"
import { describe, expect, it } from "vitest"
import { startServer } from "./support.js"

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

/** The requests of the quick start's `text` block: each `curl` command, its continuation lines joined. */
const quickStartRequests = () => {
  const readme = readFileSync(join(root, "README.md"), "utf8")
  const quickStart = readme.slice(
    readme.indexOf("## Quick start"),
    readme.indexOf("\n## ", readme.indexOf("## Quick start") + 1)
  )
  const block = /```text\n([\s\S]*?)```/.exec(quickStart)?.[1] ?? ""
  return block
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .filter((line) => line.startsWith("curl "))
    .map((line) => {
      // Arguments: quoted in single quotes, or bare words.
      const words = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2]!)
      let method = "GET"
      let body: string | undefined
      const headers: Record<string, string> = {}
      let url = ""
      for (let index = 1; index < words.length; index++) {
        const word = words[index]!
        if (word === "-X") method = words[++index]!
        else if (word === "-d") body = words[++index]
        else if (word === "-H") {
          const [name, value] = words[++index]!.split(/:\s*/, 2)
          headers[name!] = value!
        } else if (!word.startsWith("-")) url = word
      }
      return { line, method, url, headers, body }
    })
}

describe("the README's quick start", () => {
  it("answers every request 2xx with something to look at, on the default start", { timeout: 60_000 }, async () => {
    const requests = quickStartRequests()
    expect(requests.length).toBeGreaterThanOrEqual(6)
    // The default start: no SANDBOX_SEED, a fresh data folder.
    const server = await startServer({ SANDBOX_SEED: undefined })
    try {
      for (const request of requests) {
        const response = await fetch(request.url.replace(/^localhost:8081/, server.rest), {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body })
        })
        const answer = await response.json()
        expect({ request: request.line, status: response.status }).toEqual({
          request: request.line,
          status: expect.toSatisfy((status: number) => status >= 200 && status < 300)
        })
        // Something to look at: a read's answer with lists has at least one that is not empty. A write answers what
        // it wrote (a company just created has no add-ons yet).
        const lists = request.method === "GET" ? Object.values(answer).filter((value) => Array.isArray(value)) : []
        const nothing = lists.length > 0 && lists.every((list) => list.length === 0)
        expect({ request: request.line, nothing }).toEqual({ request: request.line, nothing: false })
      }
    } finally {
      await server.stop()
    }
  })
})
