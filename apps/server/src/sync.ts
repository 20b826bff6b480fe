#!/usr/bin/env node
/**
 * `schematic-capability-sync companies|users FILE [options]`: syncs the companies or users of a CSV or NDJSON file
 * to a running server (`sync-companies`, `sync-users`). `--help` says how.
 */
import { accessSync, constants, statSync } from "node:fs"
import { basename, resolve } from "node:path"
import { parseArgs } from "node:util"
import * as RecordMapping from "./sync/RecordMapping.js"
import * as SyncClient from "./sync/SyncClient.js"
import * as SyncCommand from "./sync/SyncCommand.js"
import * as SyncFile from "./sync/SyncFile.js"

const USAGE = `Usage: schematic-capability-sync companies|users FILE [options]

Sends the records of FILE (CSV with a header row, or NDJSON) to a running server in chunks. A record whose content
was sent before from the same source is not sent again, so running the command again after a failure is safe.

  --key NAME=COLUMN      a key of the record from a column (repeatable), e.g. --key stripe_customer_id="Stripe ID"
  --name COLUMN          the name
  --trait NAME=COLUMN    a trait (repeatable; numbers stay numbers, true/false booleans); --trait seats reads "seats"
  --company-key NAME=COLUMN   users: a key of the user's company (repeatable)
                         Without these, columns named keys.NAME, name, traits.NAME and company.NAME are used, and an
                         NDJSON line is a record as it is ({"keys": {...}, "name": ..., "traits": {...}}).
  --source NAME          where the records come from (default: the file's name); part of each record's idempotency key
  --url URL              the server's REST API (default $CAPABILITY_URL or http://127.0.0.1:8081)
  --token TOKEN          a bearer token with the write scope (default $CAPABILITY_TOKEN)
  --wait                 then wait until Schematic has every accepted record
  --refused FILE         where refused lines are listed (default: FILE.refused.txt)
  --chunk N              records a request (default 5000, at most 10000)
  --retry-for SECONDS    how long a request is retried while the server is busy or unreachable (default 30)
  --format csv|ndjson    the file's format (default: from its extension)

A line that cannot be read as a record (e.g. a quote left open) is refused alone, with its line number; the lines
after it are read as they are. The summary accounts for every line of the file.

Exit code 0 when every line was accepted (and, with --wait, delivered); 1 when some were not, or the file is empty
or its header cannot be read; 2 on a usage error (FILE missing, a directory or unreadable included).`

/** Why FILE cannot be read, if it cannot: a usage error, found before anything is sent. */
const fileProblem = (path: string): string | undefined => {
  try {
    if (statSync(path).isDirectory()) return `${path} is a directory, not a file`
    accessSync(path, constants.R_OK)
    return undefined
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === "ENOENT" || code === "ENOTDIR") return `No file ${path}`
    return `Cannot read ${path}: ${(error as Error).message}`
  }
}

const fail = (message: string, code: number): never => {
  process.stderr.write(`${message}\n`)
  process.exit(code)
}

const parseOptions = () =>
  parseArgs({
    allowPositionals: true,
    options: {
      key: { type: "string", multiple: true },
      name: { type: "string" },
      trait: { type: "string", multiple: true },
      "company-key": { type: "string", multiple: true },
      source: { type: "string" },
      url: { type: "string" },
      token: { type: "string" },
      wait: { type: "boolean" },
      refused: { type: "string" },
      chunk: { type: "string" },
      "retry-for": { type: "string" },
      format: { type: "string" },
      help: { type: "boolean", short: "h" }
    }
  })

const main = async () => {
  let parsed: ReturnType<typeof parseOptions>
  try {
    parsed = parseOptions()
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${USAGE}`, 2)
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const [kind, file, ...extra] = positionals
  if ((kind !== "companies" && kind !== "users") || file === undefined || extra.length > 0) {
    return fail(USAGE, 2)
  }
  // Run through `pnpm sync`, the working directory is the repository's; INIT_CWD is where the command was typed.
  const path = resolve(process.env.INIT_CWD ?? process.cwd(), file)
  const unreadable = fileProblem(path)
  if (unreadable !== undefined) return fail(unreadable, 2)
  const format = values.format ?? SyncFile.formatOf(path)
  if (format !== "csv" && format !== "ndjson") return fail("--format must be csv or ndjson", 2)
  const chunkSize = Number(values.chunk ?? 5000)
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 10_000) {
    return fail("--chunk must be a whole number from 1 to 10000", 2)
  }
  const retryFor = Number(values["retry-for"] ?? 30)
  if (!Number.isFinite(retryFor) || retryFor < 0) return fail("--retry-for must be a number of seconds", 2)
  const mapped =
    values.key !== undefined ||
    values.name !== undefined ||
    values.trait !== undefined ||
    values["company-key"] !== undefined
  const mapping: RecordMapping.Mapping | undefined = mapped
    ? {
        keys: (values.key ?? []).map(RecordMapping.column),
        name: values.name,
        traits: (values.trait ?? []).map(RecordMapping.column),
        companyKeys: (values["company-key"] ?? []).map(RecordMapping.column)
      }
    : undefined
  if (mapping !== undefined && mapping.keys.length === 0) return fail("Give at least one --key NAME=COLUMN", 2)
  const source =
    values.source ??
    (basename(path)
      .replace(/\.[^.]*$/, "")
      .replace(/[^\w.:-]+/g, "-")
      .slice(0, 100) ||
      "cli")
  const options = {
    kind,
    file: path,
    format,
    mapping,
    source,
    client: SyncClient.make({
      url: (values.url ?? process.env.CAPABILITY_URL ?? "http://127.0.0.1:8081").replace(/\/+$/, ""),
      token: values.token ?? process.env.CAPABILITY_TOKEN,
      retryForMillis: retryFor * 1000
    }),
    chunkSize,
    wait: values.wait === true,
    refusedFile: resolve(process.env.INIT_CWD ?? process.cwd(), values.refused ?? `${path}.refused.txt`),
    progress: process.stderr.isTTY === true
  } satisfies SyncCommand.Options
  try {
    const summary = await SyncCommand.run(options)
    process.stdout.write(`${SyncCommand.report(options, summary).join("\n")}\n`)
    process.exitCode = SyncCommand.succeeded(summary) ? 0 : 1
  } catch (error) {
    if (error instanceof SyncFile.Unreadable) return fail(`Nothing synced: ${error.message}`, 1)
    if (error instanceof SyncCommand.SyncStopped || error instanceof SyncClient.CallRefused) {
      return fail(`Sync stopped: ${error.message}`, 1)
    }
    // Anything else (the file failing while it is read, the refused list that cannot be written) is said plainly.
    return fail(`Sync stopped: ${(error as Error).message ?? String(error)}`, 1)
  }
}

await main()
