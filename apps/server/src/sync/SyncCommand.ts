/**
 * `schematic-capability-sync companies|users FILE`: streams a file's records to a running server in chunks, with a
 * progress bar, then a summary (and, with `--wait`, until Schematic has them all). Exit code 0 only when every line
 * was accepted (and, waiting, delivered).
 */
import { statSync, writeFileSync } from "node:fs"
import cliProgress from "cli-progress"
import * as RecordMapping from "./RecordMapping.js"
import type * as SyncClient from "./SyncClient.js"
import * as SyncFile from "./SyncFile.js"

export interface Options {
  readonly kind: RecordMapping.Kind
  readonly file: string
  readonly format: SyncFile.Format
  /** How columns become records; undefined: a CSV header says it, an NDJSON line is a record as it is. */
  readonly mapping: RecordMapping.Mapping | undefined
  readonly source: string
  readonly client: SyncClient.SyncClient
  readonly chunkSize: number
  readonly wait: boolean
  /** Where refused lines are listed, when there are any. */
  readonly refusedFile: string
  /** Draw progress bars (on a terminal). */
  readonly progress: boolean
}

export interface Refusal {
  readonly line: number
  readonly reason: string
}

export interface Summary {
  readonly syncId: string | undefined
  readonly read: number
  readonly accepted: number
  readonly alreadyAccepted: number
  readonly refused: ReadonlyArray<Refusal>
  readonly delivered: number | undefined
  readonly failed: number | undefined
}

/** The command cannot go on (a mapping that does not fit the file, a server that refuses the call). */
export class SyncStopped extends Error {}

/** Chunks sent and not yet answered, at most: one is read and built while the server stores the other. */
const IN_FLIGHT = 2

const bar = (enabled: boolean, format: string) =>
  enabled
    ? new cliProgress.SingleBar(
        { format, stream: process.stderr, hideCursor: true, etaBuffer: 50, fps: 5 },
        cliProgress.Presets.shades_classic
      )
    : undefined

export const run = async (options: Options): Promise<Summary> => {
  const reading = SyncFile.read(options.file, options.format)
  const total = statSync(options.file).size
  const sending = bar(
    options.progress,
    ` ${options.kind} {bar} {percentage}% | {records} records | {rate}/s | ETA {eta_formatted}`
  )
  const started = Date.now()
  sending?.start(total, 0, { records: 0, rate: 0 })

  let mapping = options.mapping
  let syncId: string | undefined
  let read = 0
  let accepted = 0
  let alreadyAccepted = 0
  let answered = 0
  const refused: Array<Refusal> = []
  const inFlight = new Set<Promise<void>>()
  let failure: unknown

  let checked = false
  /** The mapping, checked against the CSV header once it is read. */
  const mappingFor = (): RecordMapping.Mapping | undefined => {
    if (checked || options.format === "ndjson") return mapping
    checked = true
    const header = reading.header() ?? []
    const using = mapping ?? RecordMapping.fromHeader(header)
    const missing = RecordMapping.missingColumns(using, header)
    if (missing.length > 0) {
      throw new SyncStopped(`${options.file} has no column ${missing.map((name) => JSON.stringify(name)).join(", ")}`)
    }
    if (using.keys.length === 0) {
      throw new SyncStopped(
        'No key columns: give --key NAME=COLUMN (e.g. --key stripe_customer_id="Stripe ID"), or name columns keys.NAME'
      )
    }
    mapping = using
    return mapping
  }

  const settle = (answer: SyncClient.ChunkAnswer, lines: ReadonlyArray<number>) => {
    syncId = answer.sync_id
    accepted += answer.accepted
    alreadyAccepted += answer.already_accepted
    answered += lines.length
    for (const { index, fields } of answer.refused) {
      const reason = fields.map((field) => (field.path === "" ? field.message : `${field.path}: ${field.message}`))
      refused.push({ line: lines[index] ?? 0, reason: reason.join("; ") })
    }
    const seconds = Math.max(0.001, (Date.now() - started) / 1000)
    sending?.update(reading.bytesRead(), { records: answered, rate: Math.round(answered / seconds) })
  }

  const send = async (records: Array<Record<string, unknown>>, lines: Array<number>) => {
    // The first chunk starts the sync; the others join it, so they wait for its id.
    if (syncId === undefined) {
      return settle(await options.client.send(options.kind, records, { source: options.source, id: undefined }), lines)
    }
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
    if (failure !== undefined) throw failure
    const call = options.client
      .send(options.kind, records, { source: options.source, id: syncId })
      .then((answer) => settle(answer, lines))
      .catch((error) => {
        failure ??= error
      })
      .finally(() => inFlight.delete(call))
    inFlight.add(call)
  }

  try {
    let records: Array<Record<string, unknown>> = []
    let lines: Array<number> = []
    for await (const row of reading.rows) {
      if (row._tag === "Malformed") {
        refused.push({ line: row.line, reason: row.reason })
        continue
      }
      read++
      const using = mappingFor()
      records.push(using === undefined ? row.values : RecordMapping.toRecord(options.kind, using, row.values))
      lines.push(row.line)
      if (records.length >= options.chunkSize) {
        await send(records, lines)
        records = []
        lines = []
      }
    }
    if (records.length > 0) await send(records, lines)
    await Promise.all(inFlight)
    if (failure !== undefined) throw failure
  } finally {
    sending?.update(reading.bytesRead())
    sending?.stop()
  }

  refused.sort((a, b) => a.line - b.line)
  if (refused.length > 0) {
    writeFileSync(options.refusedFile, refused.map((item) => `line ${item.line}: ${item.reason}\n`).join(""))
  }

  let delivered: number | undefined
  let failed: number | undefined
  if (options.wait && syncId !== undefined) {
    const delivering = bar(options.progress, " delivery {bar} {percentage}% | {value}/{total} delivered")
    delivering?.start(accepted, 0)
    for (;;) {
      const status = await options.client.status(syncId)
      delivering?.update(status.delivered + status.failed)
      if (status.finished_at !== null) {
        delivered = status.delivered
        failed = status.failed
        break
      }
      await new Promise((done) => setTimeout(done, 500))
    }
    delivering?.stop()
  }
  return { syncId, read, accepted, alreadyAccepted, refused, delivered, failed }
}

const count = (value: number) => value.toLocaleString("en-US")

/** The summary as the command prints it. */
export const report = (options: Pick<Options, "kind" | "file" | "refusedFile">, summary: Summary): Array<string> => {
  const lines = [
    `Synced ${options.kind} from ${options.file}${summary.syncId === undefined ? "" : ` (sync ${summary.syncId})`}`,
    `  records read      ${count(summary.read)}`,
    `  accepted          ${count(summary.accepted)}${summary.alreadyAccepted > 0 ? ` (${count(summary.alreadyAccepted)} already accepted before: not sent again)` : ""}`,
    `  refused           ${count(summary.refused.length)}${summary.refused.length > 0 ? `, listed in ${options.refusedFile}` : ""}`
  ]
  for (const item of summary.refused.slice(0, 10)) lines.push(`    line ${item.line}: ${item.reason}`)
  if (summary.refused.length > 10) lines.push(`    ... and ${count(summary.refused.length - 10)} more`)
  if (summary.delivered !== undefined) {
    lines.push(`  delivered         ${count(summary.delivered)}`)
    lines.push(
      `  failed            ${count(summary.failed ?? 0)}${(summary.failed ?? 0) > 0 ? " (see list-dead-letter-events)" : ""}`
    )
  }
  return lines
}

/** Whether every line was accepted, and, when waited for, delivered. */
export const succeeded = (summary: Summary) =>
  summary.refused.length === 0 && (summary.failed === undefined || summary.failed === 0)
