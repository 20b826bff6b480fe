import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

const here = fileURLToPath(new URL("..", import.meta.url))

/** Runs the example as a user would, without keys: the scripted model over the sandbox's demo data. */
const run = (args: ReadonlyArray<string>) =>
  new Promise<{ readonly code: number | null; readonly output: string }>((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", "main.ts", ...args], {
      cwd: here,
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk) => {
      output += chunk
    })
    child.stderr.on("data", (chunk) => {
      output += chunk
    })
    child.on("exit", (code) => done({ code, output }))
  })

it("answers with the scripted model from a tool's result on the sandbox's demo data", async () => {
  const { code, output } = await run([])
  expect(output).toMatch(/^tool find-companies-near-limit \{"feature_key":"api-calls","limit":5\}$/m)
  expect(output).toMatch(/^Past 80% of their API calls limit: [^(]+ \(\d+%\)/m)
  expect(code, output).toBe(0)
})
