/**
 * Customer sync end to end: the sync command streams files to the running server, which stores each record as an
 * identify event in the outbox and delivers it to the embedded sandbox.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, describe, expect, it } from "vitest"
import * as SyncFile from "../src/sync/SyncFile.js"
import { crmMapping, writeCrmExport } from "./crmExport.js"
import { allCompanies, outbox, rest, runSync, serverForSuite } from "./support.js"

const work = mkdtempSync(join(tmpdir(), "capability-sync-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** A file of `text` in the test's folder: its path. */
const workFile = (name: string, text: string) => {
  const path = join(work, name)
  writeFileSync(path, text)
  return path
}

/** A CRM export of `count` companies in the test's folder (see `writeCrmExport`). */
const companiesCsv = (name: string, count: number, prefix = "cus") => writeCrmExport(join(work, name), count, prefix)

describe("sync command", () => {
  const server = serverForSuite()

  it("syncs 10,000 companies from a CSV with their keys and typed traits; a second run changes nothing", async () => {
    const file = companiesCsv("crm-export.csv", 10_000)
    const first = await runSync(["companies", file, ...crmMapping, "--url", server.rest, "--wait"])
    expect(first.code, first.stdout + first.stderr).toBe(0)
    expect(first.stdout).toMatch(/records read\s+10,000/)
    expect(first.stdout).toMatch(/accepted\s+10,000\n/)
    expect(first.stdout).toMatch(/refused\s+0/)
    expect(first.stdout).toMatch(/delivered\s+10,000/)

    const companies = await allCompanies(server.rest)
    expect(companies.size).toBe(10_000)
    for (const i of [0, 1, 4_321, 9_999]) {
      expect(companies.get(`cus_${i}`)).toMatchObject({
        name: `Company ${i}, Inc`,
        traits: { seats: i % 50, tier: `tier-${i % 3}`, active: i % 2 === 0 }
      })
    }
    const delivered = (await outbox(server.rest)).delivered

    const second = await runSync(["companies", file, ...crmMapping, "--url", server.rest, "--wait"])
    expect(second.code, second.stdout + second.stderr).toBe(0)
    expect(second.stdout).toMatch(/accepted\s+10,000 \(10,000 already accepted before: not sent again\)/)
    expect((await outbox(server.rest)).delivered).toBe(delivered)
    const again = await allCompanies(server.rest)
    expect(again.get("cus_4321")?.updated_at).toBe(companies.get("cus_4321")?.updated_at)

    // Line 5001 loses its closing quote, and the 15 lines after it change to names without a comma (so without
    // quotes, which would otherwise end the open quote at once): line 5001 alone is refused, by its own number, and
    // the 15 lines after it are read and sent.
    const lines = readFileSync(file, "utf8").split("\n")
    lines[5000] = lines[5000]!.replace(', Inc"', ", Inc")
    for (let i = 5000; i < 5015; i++) lines[i + 1] = `cus_${i},Company ${i} Ltd,${i % 50},tier-${i % 3},${i % 2 === 0}`
    writeFileSync(file, lines.join("\n"))
    const broken = await runSync(["companies", file, ...crmMapping, "--url", server.rest, "--wait"])
    expect(broken.code, broken.stdout + broken.stderr).toBe(1)
    expect(broken.stdout).toMatch(/lines\s+10,001 = 1 header \+ 9,999 accepted \+ 1 refused \+ 0 blank\n/)
    expect(broken.stdout).toMatch(/accepted\s+9,999 \(9,984 already accepted before: not sent again\)/)
    expect(readFileSync(`${file}.refused.txt`, "utf8")).toMatch(
      /^line 5001: a quote opened on this line is not closed on it \(read on, the record breaks on line 5017\)\n$/
    )
    for (const i of [5000, 5007, 5014]) {
      const changed = await rest(server.rest, "GET", `/v1/companies/lookup?keys[stripe_customer_id]=cus_${i}`)
      expect(changed.body.name).toBe(`Company ${i} Ltd`)
    }
    // The server counts the refused line too: the command reported it with its chunks.
    const syncId = /\(sync (syn_\w+)\)/.exec(broken.stdout)?.[1]
    expect((await rest(server.rest, "GET", `/v1/syncs/${syncId}`)).body).toMatchObject({ accepted: 9_999, refused: 1 })
  }, 60_000)

  it("reports each bad line with its line number, writes them to a file, and syncs the rest", async () => {
    const path = workFile(
      "with-bad-lines.csv",
      [
        "Stripe ID,Company,Seats,Plan tier,Active",
        "bad_1,One,1,a,true",
        ",No id,2,b,false", // line 3: no key
        "bad_3,Too,many,columns,here,extra", // line 4: a column too many
        "bad_4,Four,4,d,true",
        `bad_5,${"x".repeat(300)},5,e,true`, // line 6: a name over 256 characters
        "bad_6,Six,6,f,false"
      ].join("\n")
    )
    const run = await runSync(["companies", path, ...crmMapping, "--url", server.rest])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/accepted\s+3\n/)
    expect(run.stdout).toMatch(
      /refused\s+3 \(1 line that is not a record: not sent; 2 records the server refused\), listed in .*with-bad-lines\.csv\.refused\.txt/
    )
    const listed = readFileSync(`${path}.refused.txt`, "utf8").trim().split("\n")
    expect(listed).toHaveLength(3)
    expect(listed[0]).toMatch(/^line 3: keys: /)
    expect(listed[1]).toMatch(/^line 4: .*columns/i)
    expect(listed[2]).toMatch(/^line 6: name: /)

    const ndjson = workFile(
      "with-bad-lines.ndjson",
      [
        JSON.stringify({ keys: { stripe_customer_id: "nd_1" }, name: "ND one", traits: { seats: 3 } }),
        "{not json",
        "[1, 2]",
        JSON.stringify({ keys: { stripe_customer_id: "nd_2" }, traits: { plan: "pro" } })
      ].join("\n")
    )
    const lines = await runSync(["companies", ndjson, "--url", server.rest, "--wait"])
    expect(lines.code).toBe(1)
    expect(lines.stdout).toMatch(/accepted\s+2\n/)
    expect(lines.stdout).toContain("line 2: not valid JSON")
    expect(lines.stdout).toContain("line 3: not a JSON object")
    const found = await rest(server.rest, "GET", "/v1/companies/lookup?keys[stripe_customer_id]=nd_1")
    expect(found.body).toMatchObject({ name: "ND one", traits: { seats: 3 } })
  })

  it("reads a BOM, \\r\\n line ends, blank lines and a quoted field over two lines; a broken line alone is refused", async () => {
    const path = workFile(
      "exported.csv",
      [
        "\uFEFFStripe ID,Company,Seats,Plan tier,Active",
        "crlf_1,One,1,a,true",
        "",
        'crlf_2,"Two',
        'over two lines",2,b,false',
        'crlf_3,"Three, Inc,3,c,true', // line 6: a quote left open
        "crlf_4,Four,4,d,true",
        'crlf_5,Five "the fifth",5,e,true', // line 8: a quote inside an unquoted field
        'crlf_6,"Six ""quoted""",6,f,false',
        "   ",
        ""
      ].join("\r\n")
    )
    const run = await runSync(["companies", path, ...crmMapping, "--url", server.rest, "--wait"])
    expect(run.code, run.stdout + run.stderr).toBe(1)
    expect(run.stdout).toMatch(
      /lines\s+10 = 1 header \+ 4 accepted \+ 2 refused \+ 2 blank \+ 1 inside quoted fields\n/
    )
    expect(run.stdout).toMatch(/refused\s+2 \(2 lines that are not records: not sent\), listed in /)
    expect(readFileSync(`${path}.refused.txt`, "utf8").split("\n")).toEqual([
      "line 6: a quote opened on this line is not closed on it (read on, the record breaks on line 8)",
      expect.stringMatching(/^line 8: column "Company": a quote inside a field that does not start with one/),
      ""
    ])
    const lookup = async (key: string) =>
      (await rest(server.rest, "GET", `/v1/companies/lookup?keys[stripe_customer_id]=${key}`)).body
    expect(await lookup("crlf_2")).toMatchObject({ name: "Two\nover two lines", traits: { seats: 2 } })
    expect(await lookup("crlf_4")).toMatchObject({ name: "Four" })
    expect(await lookup("crlf_6")).toMatchObject({ name: 'Six "quoted"' })
    const syncId = /\(sync (syn_\w+)\)/.exec(run.stdout)?.[1]
    expect((await rest(server.rest, "GET", `/v1/syncs/${syncId}`)).body).toMatchObject({ accepted: 4, refused: 2 })

    const ndjson = workFile(
      "cut-short.ndjson",
      [
        `\uFEFF${JSON.stringify({ keys: { stripe_customer_id: "nd_bom" } })}`,
        "",
        JSON.stringify({ keys: { stripe_customer_id: "nd_crlf" } }),
        '{"keys": {"stripe_customer_id": "nd_cu'
      ].join("\r\n")
    )
    const cut = await runSync(["companies", ndjson, "--url", server.rest])
    expect(cut.code, cut.stdout + cut.stderr).toBe(1)
    expect(cut.stdout).toMatch(/lines\s+4 = 2 accepted \+ 1 refused \+ 1 blank\n/)
    expect(cut.stdout).toContain("line 4: not valid JSON")
    expect((await lookup("nd_bom")).keys).toEqual({ stripe_customer_id: "nd_bom" })
  })

  it("ends on a file that cannot be read with a message and an exit code, never a stack trace", async () => {
    const cases: Array<[ReadonlyArray<string>, number, string]> = [
      [[workFile("empty.csv", "")], 1, "Nothing synced: "],
      [[workFile("empty.ndjson", "")], 1, "is empty"],
      [[workFile("blank.csv", "\n\n")], 1, "has no header row, only blank lines"],
      [
        [workFile("broken-header.csv", 'Stripe ID,"Company,Seats\ncus_1,One,1\n')],
        1,
        "line 1, the header, is not valid CSV"
      ],
      [
        [workFile("header-only.csv", "Id,Company\n"), "--key", "stripe_customer_id=Stripe ID"],
        1,
        'has no column "Stripe ID"'
      ],
      [[work], 2, "is a directory, not a file"],
      [[join(work, "missing.csv")], 2, "No file"],
      [[join(work, "empty.csv"), "--chunks", "5"], 2, "Usage:"]
    ]
    for (const [args, code, message] of cases) {
      const run = await runSync(["companies", ...args, "--url", server.rest])
      expect(run.code, `${args[0]}: ${run.stdout}${run.stderr}`).toBe(code)
      expect(run.stderr).toContain(message)
      expect(run.stderr).not.toMatch(/^\s+at /m)
    }
  })

  it("refuses a mapping that does not fit the file, naming the column", async () => {
    const file = companiesCsv("small.csv", 3, "small")
    const run = await runSync(["companies", file, "--key", "stripe_customer_id=Stripe", "--url", server.rest])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('has no column "Stripe"')
    const usage = await runSync(["customers", file])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain("Usage:")
  })
})

describe("sync operations over REST and MCP", () => {
  const server = serverForSuite()

  const post = (path: string, body: string, contentType: string) =>
    fetch(`${server.rest}${path}`, { method: "POST", headers: { "content-type": contentType }, body }).then(
      async (response) => ({ status: response.status, body: await response.json() })
    )

  const finished = async (syncId: string) => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const status = (await rest(server.rest, "GET", `/v1/syncs/${syncId}`)).body
      if (status.finished_at !== null) return status
      await new Promise((done) => setTimeout(done, 50))
    }
    throw new Error(`sync ${syncId} did not finish`)
  }

  it("takes NDJSON, a JSON array or the whole input; refuses bad records alone, by index and field", async () => {
    const ndjson = [
      { keys: { crm_id: "r1" }, name: "Rest One", traits: { seats: 1 } },
      { keys: {} },
      { keys: { crm_id: "r2" }, name: "Rest Two", unknown: true }
    ]
      .map((record) => JSON.stringify(record))
      .join("\n")
    const first = await post("/v1/companies/sync?source=crm", ndjson, "application/x-ndjson")
    expect(first.status).toBe(202)
    expect(first.body).toMatchObject({ source: "crm", accepted: 1, already_accepted: 0 })
    expect(first.body.refused).toEqual([
      { index: 1, fields: [{ path: "keys", message: expect.stringContaining("between 1 and 100 keys") }] },
      { index: 2, fields: [{ path: "unknown", message: expect.any(String) }] }
    ])
    const syncId = first.body.sync_id
    expect(syncId).toMatch(/^syn_[0-9a-f]{32}$/)

    // More records join the same sync; its source carries over. The caller refused 2 records itself: counted too.
    const more = await post(
      `/v1/companies/sync?sync_id=${syncId}&refused_before_sending=2`,
      JSON.stringify([{ keys: { crm_id: "r3" } }, { keys: { crm_id: "r1" }, name: "Rest One", traits: { seats: 1 } }]),
      "application/json"
    )
    expect(more.body).toMatchObject({ sync_id: syncId, source: "crm", accepted: 2, already_accepted: 1 })
    // r1 came twice: one record, delivered once; its second sending is already accepted.
    expect(await finished(syncId)).toMatchObject({
      sync_id: syncId,
      kind: "companies",
      source: "crm",
      accepted: 2,
      already_accepted: 1,
      refused: 4,
      pending: 0,
      delivered: 2,
      failed: 0
    })
    expect((await rest(server.rest, "GET", "/v1/companies/lookup?keys[crm_id]=r3")).status).toBe(200)

    const whole = await rest(server.rest, "POST", "/v1/users/sync", {
      source: "auth",
      records: [{ keys: { email: "ada@rest.example" }, name: "Ada", company: { crm_id: "r1" } }]
    })
    expect(whole.status).toBe(202)
    await finished(whole.body.sync_id)
    const ada = (await rest(server.rest, "GET", "/v1/users/lookup?keys[email]=ada@rest.example")).body
    const r1 = (await rest(server.rest, "GET", "/v1/companies/lookup?keys[crm_id]=r1")).body
    expect(ada).toMatchObject({ name: "Ada", company_ids: [r1.id] })
  })

  it("refuses what is not a sync, naming the field", async () => {
    const companies = await rest(server.rest, "POST", "/v1/companies/sync", { records: [{ keys: { crm_id: "x" } }] })
    const wrongKind = await rest(server.rest, "POST", "/v1/users/sync", {
      sync_id: companies.body.sync_id,
      records: [{ keys: { email: "x@example.com" } }]
    })
    expect(wrongKind.status).toBe(400)
    expect(wrongKind.body.error.fields[0]).toMatchObject({
      path: "sync_id",
      message: "is a sync of companies, not users"
    })
    const wrongSource = await rest(server.rest, "POST", "/v1/companies/sync", {
      sync_id: companies.body.sync_id,
      source: "other",
      records: [{ keys: { crm_id: "y" } }]
    })
    expect(wrongSource.body.error.fields[0].path).toBe("source")
    for (const [count, message] of [
      [-1, "must be a whole number from 0 to 1000000000"],
      [1.5, "Expected an integer, actual 1.5"]
    ]) {
      const refusedBefore = await rest(server.rest, "POST", "/v1/companies/sync", {
        refused_before_sending: count,
        records: [{ keys: { crm_id: "z" } }]
      })
      expect(refusedBefore.status).toBe(400)
      expect(refusedBefore.body.error.fields).toEqual([{ path: "refused_before_sending", message }])
    }
    const unknown = await rest(server.rest, "GET", `/v1/syncs/syn_${"0".repeat(32)}`)
    expect(unknown.status).toBe(404)
    expect((await rest(server.rest, "GET", "/v1/syncs/nope")).body.error.fields[0].path).toBe("sync_id")

    const badLine = await post("/v1/companies/sync", '{"keys": {"crm_id": "a"}}\n\n{oops\n', "application/x-ndjson")
    expect(badLine.status).toBe(400)
    expect(badLine.body.error.fields).toEqual([{ path: "records.1", message: "line 3 is not valid JSON" }])
    const text = await post("/v1/companies/sync", "keys", "text/csv")
    expect(text.status).toBe(415)
    const tooMany = await rest(server.rest, "POST", "/v1/companies/sync", {
      records: Array.from({ length: 10_001 }, (_, i) => ({ keys: { crm_id: `many-${i}` } }))
    })
    expect(tooMany.status).toBe(400)
    expect(tooMany.body.error.fields[0]).toMatchObject({
      path: "records",
      message: "must have at most 10000 records (it has 10001)"
    })
    const empty = await rest(server.rest, "POST", "/v1/companies/sync", { records: [] })
    expect(empty.body.error.fields[0].path).toBe("records")
  })

  it("gives an agent sync-companies, sync-users and get-sync-status through MCP", async () => {
    const client = new Client({ name: "sync-test", version: "1.0.0" })
    await client.connect(new StreamableHTTPClientTransport(new URL(server.mcp)))
    const tool = async (name: string, args: Record<string, unknown>) => {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult
      // biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert on them
      return { isError: result.isError === true, data: result.structuredContent as any }
    }
    const tools = (await client.listTools()).tools
    const sync = tools.find((item) => item.name === "sync-companies")
    // Hints are sent only where they differ from MCP's defaults (readOnlyHint false is the default).
    expect(sync?.annotations).toEqual({ destructiveHint: false, idempotentHint: true })
    const companies = await tool("sync-companies", {
      source: "agent",
      records: [
        { keys: { crm_id: "mcp-1" }, name: "Agent Co" },
        { keys: { crm_id: "mcp-2" }, name: "" }
      ]
    })
    expect(companies.isError).toBe(false)
    expect(companies.data).toMatchObject({ accepted: 1, refused: [{ index: 1, fields: [{ path: "name" }] }] })
    const users = await tool("sync-users", {
      source: "agent",
      records: [{ keys: { email: "agent@mcp.example" }, company: { crm_id: "mcp-1" } }]
    })
    expect(users.data.accepted).toBe(1)
    let status = (await tool("get-sync-status", { sync_id: users.data.sync_id })).data
    for (let attempt = 0; attempt < 200 && status.finished_at === null; attempt++) {
      await new Promise((done) => setTimeout(done, 50))
      status = (await tool("get-sync-status", { sync_id: users.data.sync_id })).data
    }
    expect(status).toMatchObject({ kind: "users", accepted: 1, delivered: 1 })
    await client.close()
  })
})

describe("reading a CSV file", () => {
  const readAll = async (name: string, text: string) => {
    const path = workFile(name, text)
    const reading = SyncFile.read(path, "csv")
    const rows: Array<SyncFile.Row> = []
    for await (const row of reading.rows) rows.push(row)
    // Every line is accounted for once.
    const covered = rows.reduce((sum, row) => sum + (row._tag === "Row" ? row.lines : 1), 0)
    expect(covered).toBe(reading.linesRead())
    return rows
  }
  const refusedLines = (rows: ReadonlyArray<SyncFile.Row>) =>
    rows.flatMap((row) => (row._tag === "Malformed" ? [row.line] : []))

  it("keeps a quoted field over many lines one record, across the lines parsed at a time", async () => {
    const lines = ["id,notes"]
    for (let i = 0; i < 3000; i++) lines.push(`r${i},plain`)
    // Line 2047 opens a field of 5000 lines; the records after it are read as they are.
    lines[2046] = `long,"${Array.from({ length: 5000 }, (_, i) => `note ${i}`).join("\n")}"`
    const rows = await readAll("long-field.csv", lines.join("\n"))
    const long = rows.find((row) => row._tag === "Row" && row.values.id === "long")
    expect(long).toMatchObject({ line: 2047, lines: 5000 })
    expect(rows.filter((row) => row._tag === "Row")).toHaveLength(3000)
    expect(refusedLines(rows)).toEqual([])
  })

  it("refuses each broken line alone, and a quote left open over too many characters", async () => {
    const lines = ["id,name"]
    for (let i = 0; i < 200; i++) lines.push(i % 3 === 0 ? `b${i},say "hi"` : `g${i},"Good, ${i}"`)
    const rows = await readAll("many-broken.csv", lines.join("\n"))
    expect(refusedLines(rows)).toEqual(Array.from({ length: 67 }, (_, i) => 2 + i * 3))
    expect(rows.filter((row) => row._tag === "Row")).toHaveLength(133)

    // An open quote with no quote after it: read on up to the bound, then the line alone is refused.
    const runaway = ["id,name", 'x,"open', ...Array.from({ length: 60_000 }, (_, i) => `r${i},${"n".repeat(40)}`)]
    const read = await readAll("runaway.csv", runaway.join("\n"))
    expect(read.find((row) => row._tag === "Malformed")).toEqual({
      _tag: "Malformed",
      line: 2,
      reason: `a quote opened on this line is not closed within ${SyncFile.MAX_RECORD_CHARS.toLocaleString("en-US")} characters`
    })
    expect(read.filter((row) => row._tag === "Row")).toHaveLength(60_000)
  })
})
