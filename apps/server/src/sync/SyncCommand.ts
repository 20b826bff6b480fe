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
  /** `file`: the line is not a record, so it was never sent; `server`: the server refused the record. */
  readonly by: "file" | "server"
}

export interface Summary {
  readonly syncId: string | undefined
  /** Lines of the file: the header, the lines of records read, refused lines and blank lines. */
  readonly lines: number
  readonly header: number
  readonly blank: number
  /** Records read and sent, and the lines they take (more than one each when a quoted field holds line breaks). */
  readonly read: number
  readonly recordLines: number
  readonly accepted: number
  readonly alreadyAccepted: number
  readonly refused: ReadonlyArray<Refusal>
  readonly delivered: number | undefined
  readonly failed: number | undefined
  /** What the sync's status counts, when it was waited for. */
  readonly status: { readonly accepted: number; readonly refused: number } | undefined
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
  let header = 0
  let blank = 0
  let read = 0
  let recordLines = 0
  let accepted = 0
  let alreadyAccepted = 0
  let answered = 0
  const refused: Array<Refusal> = []
  const inFlight = new Set<Promise<void>>()
  let failure: unknown

  /** The mapping for a CSV file, checked against its header. */
  const mappingFor = (names: ReadonlyArray<string>): RecordMapping.Mapping => {
    const using = mapping ?? RecordMapping.fromHeader(names)
    const missing = RecordMapping.missingColumns(using, names)
    if (missing.length > 0) {
      throw new SyncStopped(`${options.file} has no column ${missing.map((name) => JSON.stringify(name)).join(", ")}`)
    }
    if (using.keys.length === 0) {
      throw new SyncStopped(
        'No key columns: give --key NAME=COLUMN (e.g. --key stripe_customer_id="Stripe ID"), or name columns keys.NAME'
      )
    }
    return using
  }

  const settle = (answer: SyncClient.ChunkAnswer, lines: ReadonlyArray<number>) => {
    syncId = answer.sync_id
    accepted += answer.accepted
    alreadyAccepted += answer.already_accepted
    answered += lines.length
    for (const { index, fields } of answer.refused) {
      const reason = fields.map((field) => (field.path === "" ? field.message : `${field.path}: ${field.message}`))
      refused.push({ line: lines[index] ?? 0, reason: reason.join("; "), by: "server" })
    }
    const seconds = Math.max(0.001, (Date.now() - started) / 1000)
    sending?.update(reading.bytesRead(), { records: answered, rate: Math.round(answered / seconds) })
  }

  /** A chunk, with the lines refused here since the last one: the sync's status counts those too. */
  const send = async (records: Array<Record<string, unknown>>, lines: Array<number>, refusedBefore: number) => {
    const chunk = { source: options.source, refusedBeforeSending: refusedBefore }
    // The first chunk starts the sync; the others join it, so they wait for its id.
    if (syncId === undefined) {
      return settle(await options.client.send(options.kind, records, { ...chunk, id: undefined }), lines)
    }
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
    if (failure !== undefined) throw failure
    const call = options.client
      .send(options.kind, records, { ...chunk, id: syncId })
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
    // Refused lines not yet reported to the server. A full chunk is sent when the next record comes, so the last
    // chunk goes after the whole file is read and carries the lines refused after every record.
    let unreported = 0
    for await (const row of reading.rows) {
      if (row._tag === "Header") {
        header++
        mapping = mappingFor(row.names)
        continue
      }
      if (row._tag === "Blank") {
        blank++
        continue
      }
      if (row._tag === "Malformed") {
        refused.push({ line: row.line, reason: row.reason, by: "file" })
        unreported++
        continue
      }
      if (records.length >= options.chunkSize) {
        await send(records, lines, unreported)
        records = []
        lines = []
        unreported = 0
      }
      read++
      recordLines += row.lines
      records.push(mapping === undefined ? row.values : RecordMapping.toRecord(options.kind, mapping, row.values))
      lines.push(row.line)
    }
    if (records.length > 0) await send(records, lines, unreported)
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
  let status: Summary["status"]
  if (options.wait && syncId !== undefined) {
    const delivering = bar(options.progress, " delivery {bar} {percentage}% | {value}/{total} delivered")
    delivering?.start(accepted, 0)
    for (;;) {
      const now = await options.client.status(syncId)
      delivering?.update(now.delivered + now.failed)
      if (now.finished_at !== null) {
        delivered = now.delivered
        failed = now.failed
        status = { accepted: now.accepted, refused: now.refused }
        break
      }
      await new Promise((done) => setTimeout(done, 500))
    }
    delivering?.stop()
  }
  return {
    syncId,
    lines: reading.linesRead(),
    header,
    blank,
    read,
    recordLines,
    accepted,
    alreadyAccepted,
    refused,
    delivered,
    failed,
    status
  }
}

const count = (value: number) => value.toLocaleString("en-US")

const plural = (value: number, one: string, many: string) => `${count(value)} ${value === 1 ? one : many}`

/**
 * The summary as the command prints it. Its lines add up: each line of the file is the header, a line of an
 * accepted or refused record, a refused line that is not a record, a blank line, or a line inside a quoted field.
 */
export const report = (options: Pick<Options, "kind" | "file" | "refusedFile">, summary: Summary): Array<string> => {
  const unsent = summary.refused.filter((item) => item.by === "file").length
  const byServer = summary.refused.length - unsent
  const inside = summary.recordLines - summary.read
  const parts = [
    ...(summary.header > 0 ? [`${count(summary.header)} header`] : []),
    `${count(summary.accepted)} accepted`,
    `${count(summary.refused.length)} refused`,
    `${count(summary.blank)} blank`,
    ...(inside > 0 ? [`${count(inside)} inside quoted fields`] : [])
  ]
  const why =
    unsent === 0
      ? ""
      : byServer === 0
        ? ` (${plural(unsent, "line that is not a record", "lines that are not records")}: not sent)`
        : ` (${plural(unsent, "line that is not a record", "lines that are not records")}: not sent; ${plural(byServer, "record", "records")} the server refused)`
  const lines = [
    `Synced ${options.kind} from ${options.file}${summary.syncId === undefined ? " (nothing sent)" : ` (sync ${summary.syncId})`}`,
    `  lines             ${count(summary.lines)} = ${parts.join(" + ")}`,
    `  records read      ${count(summary.read)}`,
    `  accepted          ${count(summary.accepted)}${summary.alreadyAccepted > 0 ? ` (${count(summary.alreadyAccepted)} already accepted before: not sent again)` : ""}`,
    `  refused           ${count(summary.refused.length)}${why}${summary.refused.length > 0 ? `, listed in ${options.refusedFile}` : ""}`
  ]
  for (const item of summary.refused.slice(0, 10)) lines.push(`    line ${item.line}: ${item.reason}`)
  if (summary.refused.length > 10) lines.push(`    ... and ${count(summary.refused.length - 10)} more`)
  if (summary.delivered !== undefined) {
    lines.push(`  delivered         ${count(summary.delivered)}`)
    lines.push(
      `  failed            ${count(summary.failed ?? 0)}${(summary.failed ?? 0) > 0 ? " (see list-dead-letter-events)" : ""}`
    )
  }
  // The server counts refused lines the command reported with its chunks; it counts a chunk each time it takes it.
  const status = summary.status
  if (status !== undefined && (status.accepted !== summary.accepted || status.refused !== summary.refused.length)) {
    lines.push(
      `  the sync's status counts ${count(status.accepted)} accepted and ${count(status.refused)} refused: a chunk the server took twice (its first answer lost) counts twice there`
    )
  }
  return lines
}

/** Whether every line was accepted, and, when waited for, delivered. */
export const succeeded = (summary: Summary) =>
  summary.refused.length === 0 && (summary.failed === undefined || summary.failed === 0)
