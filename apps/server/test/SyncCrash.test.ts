/**
 * Customer sync through a crash: the server is killed mid-sync, restarted, and the sync run again. Its own file so it
 * runs beside the other sync tests rather than after them.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { afterAll, describe, expect, it } from "vitest"
import { crmMapping, writeCrmExport } from "./crmExport.js"
import { allCompanies, outbox, runSync, startServer } from "./support.js"

const work = mkdtempSync(join(tmpdir(), "capability-sync-crash-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe("a sync through a crash", () => {
  it("SIGKILL of the server mid-sync, restart, re-run: every company present exactly once", async () => {
    const dataDir = join(work, "crash")
    mkdirSync(dataDir)
    const file = writeCrmExport(join(work, "crash.csv"), 10_000, "crash")
    let server = await startServer({ DATA_DIR: dataDir })
    // Small chunks make the sync long enough to be cut in the middle.
    const interrupted = runSync([
      "companies",
      file,
      ...crmMapping,
      "--url",
      server.rest,
      "--chunk",
      "100",
      "--retry-for",
      "1"
    ])
    for (let attempt = 0; attempt < 2000; attempt++) {
      const status = await outbox(server.rest)
      if (status.pending + status.in_flight + status.delivered >= 2_000) break
      await new Promise((done) => setTimeout(done, 5))
    }
    await server.stop("SIGKILL")
    const cut = await interrupted
    expect(cut.code).toBe(1)
    expect(cut.stderr).toContain("Sync stopped")

    server = await startServer({ DATA_DIR: dataDir })
    const rerun = await runSync(["companies", file, ...crmMapping, "--url", server.rest, "--wait"])
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0)
    expect(rerun.stdout).toMatch(/accepted\s+10,000 \(\d{1,3}(,\d{3})? already accepted before/)
    expect(rerun.stdout).toMatch(/delivered\s+10,000/)
    const companies = await allCompanies(server.rest)
    expect([...companies.keys()].filter((key) => key.startsWith("crash_"))).toHaveLength(10_000)
    await server.stop()

    // Upstream's own record: one identify event and one company per record, none twice.
    const upstream = new Database(join(dataDir, "sandbox", "schematic-sandbox.db"), { readonly: true })
    try {
      const events = upstream
        .prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT idempotency_key) AS keys FROM events WHERE type = 'identify'")
        .get() as { n: number; keys: number }
      expect(events).toEqual({ n: 10_000, keys: 10_000 })
      const stored = upstream.prepare("SELECT COUNT(*) AS n FROM companies").get() as { n: number }
      expect(stored.n).toBe(10_000)
    } finally {
      upstream.close()
    }
  })
})
