import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { call } from "./support.js"

const bin = resolve(dirname(fileURLToPath(import.meta.url)), "../dist/bin.js")

const run = (args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk) => {
    stdout += chunk
  })
  child.stderr.on("data", (chunk) => {
    stderr += chunk
  })
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
  return { child, exited, output: () => ({ stdout, stderr }) }
}

/** Resolves with the URL the sandbox prints once it listens. */
const listening = (started: ReturnType<typeof run>) =>
  new Promise<string>((done, fail) => {
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(started.output().stdout)
      if (match?.[1]) return done(match[1])
    }
    started.child.stdout?.on("data", check)
    started.exited.then((code) => fail(new Error(`exited ${code}: ${started.output().stderr}`)))
  })

const stop = async (child: ChildProcess, exited: Promise<number | null>) => {
  child.kill("SIGTERM")
  return exited
}

describe("the schematic-sandbox command", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "sandbox-cli-"))
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it("prints the URL, serves, exits cleanly on SIGTERM, and keeps its data across restarts", async () => {
    const first = run(["--port", "0", "--data-dir", dataDir])
    const url = await listening(first)
    const created = await call(url, "POST", "/companies", { keys: { crm: "kept" }, name: "Kept" })
    expect(created.status).toBe(200)
    expect(await stop(first.child, first.exited)).toBe(0)

    const second = run(["--port", "0", "--data-dir", dataDir])
    const again = await listening(second)
    const found = await call(again, "GET", `/companies/${created.body.data.id}`)
    expect(found.body.data.name).toBe("Kept")
    expect(await stop(second.child, second.exited)).toBe(0)
  })

  it("accepts a custom API key and refuses the default one", async () => {
    const started = run(["--port", "0", "--data-dir", ":memory:", "--api-key", "sch_dev_other"])
    const url = await listening(started)
    expect((await call(url, "GET", "/companies")).status).toBe(401)
    expect((await call(url, "GET", "/companies", undefined, { "x-schematic-api-key": "sch_dev_other" })).status).toBe(
      200
    )
    expect(await stop(started.child, started.exited)).toBe(0)
  })

  for (const args of [
    ["--port", "99999"],
    ["--port", "abc"],
    ["--bogus"],
    ["--rate-limit", "-1"],
    ["extra"],
    ["--host", ""],
    ["--seed", "everything"]
  ]) {
    it(`refuses ${args.join(" ")} with a usage message`, async () => {
      const started = run(args)
      expect(await started.exited).toBe(2)
      expect(started.output().stderr).toMatch(/usage: schematic-sandbox/)
    })
  }

  it("loads the demo dataset into an empty database only, and says so", async () => {
    const seededDir = mkdtempSync(join(tmpdir(), "sandbox-seed-"))
    try {
      const first = run(["--port", "0", "--data-dir", seededDir, "--seed", "demo"])
      const url = await listening(first)
      expect(first.output().stdout).toMatch(/Loaded the demo dataset: 200 companies/)
      const count = await call(url, "GET", "/companies/count")
      expect(count.body.data.count).toBe(200)
      await call(url, "POST", "/companies", { keys: { crm_id: "crm-001" }, name: "Renamed" })
      expect(await stop(first.child, first.exited)).toBe(0)

      const second = run(["--port", "0", "--data-dir", seededDir, "--seed", "demo"])
      const again = await listening(second)
      expect(second.output().stdout).toMatch(/Not loading the demo dataset: the sandbox's database already holds data/)
      const kept = await call(again, "GET", "/companies/lookup?keys[crm_id]=crm-001")
      expect(kept.body.data.name).toBe("Renamed")
      expect((await call(again, "GET", "/companies/count")).body.data.count).toBe(200)
      expect(await stop(second.child, second.exited)).toBe(0)
    } finally {
      rmSync(seededDir, { recursive: true, force: true })
    }
  })

  it("says why when it cannot listen", async () => {
    const first = run(["--port", "0", "--data-dir", ":memory:"])
    const url = await listening(first)
    const port = new URL(url).port
    const second = run(["--port", port, "--data-dir", ":memory:"])
    expect(await second.exited).toBe(1)
    expect(second.output().stderr).toMatch(/could not start/)
    await stop(first.child, first.exited)
  })
})
