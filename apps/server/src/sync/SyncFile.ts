/**
 * A file of records read as a stream, never whole: CSV with a header row, or NDJSON. Every line of the file is
 * accounted for once: the header, a line of a record, a refused line (with its number and why), or a blank line.
 */
import { createReadStream } from "node:fs"
import { createInterface } from "node:readline"
import { CsvError, parse } from "csv-parse/sync"

export type Format = "csv" | "ndjson"

export type Row =
  | { readonly _tag: "Header"; readonly line: number; readonly names: ReadonlyArray<string> }
  /** A record, from `line` over `lines` lines (more than one when a quoted field holds line breaks). */
  | { readonly _tag: "Row"; readonly line: number; readonly lines: number; readonly values: Record<string, unknown> }
  | { readonly _tag: "Malformed"; readonly line: number; readonly reason: string }
  | { readonly _tag: "Blank"; readonly line: number }

/** The file cannot be read as records at all (it is empty, or its header is broken): nothing of it is sent. */
export class Unreadable extends Error {}

export const formatOf = (path: string): Format => (/\.(nd)?jsonl?$/i.test(path) ? "ndjson" : "csv")

export interface Reading {
  /** Bytes of the file read so far, for progress. */
  readonly bytesRead: () => number
  /** Lines of the file read so far (a line ends at \n, \r\n or \r). */
  readonly linesRead: () => number
  readonly rows: AsyncIterable<Row>
}

/** The file's lines, without their ends; a byte order mark at the start is no part of the first. */
const linesOf = (path: string) => {
  const input = createReadStream(path)
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
  let count = 0
  async function* lines(): AsyncGenerator<string> {
    for await (const text of reader) {
      count++
      yield count === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
    }
  }
  return { lines: lines(), bytesRead: () => input.bytesRead, linesRead: () => count }
}

const isBlank = (text: string) => text.trim() === ""

/**
 * How far a quoted field may run over lines before the quote that opened it is taken as never closed: a bound on
 * what is held in memory for one record.
 */
export const MAX_RECORD_CHARS = 1024 * 1024

/** Lines parsed at a time: fewer after a refused line (so many broken lines cost little), more after clean ones. */
const MIN_SPAN = 16
const MAX_SPAN = 2048

const count = (value: number) => value.toLocaleString("en-US")

/**
 * Whether a line of valid CSV turns inside out: in or out of a quoted field. Each quote opens or closes a field, and a
 * doubled one (text inside a field) does both, so an odd number of quotes does it.
 */
const turnsQuoting = (text: string) => {
  let quotes = 0
  for (let at = text.indexOf('"'); at !== -1; at = text.indexOf('"', at + 1)) quotes++
  return quotes % 2 === 1
}

/** What is wrong with a line that is not valid CSV on its own, in the words of the file's columns. */
const errorReason = (error: CsvError, header: ReadonlyArray<string> | undefined) => {
  const index = error.column
  const where =
    typeof index !== "number"
      ? ""
      : header?.[index] !== undefined
        ? `column "${header[index]}": `
        : `field ${index + 1}: `
  switch (error.code) {
    case "INVALID_OPENING_QUOTE":
      return `${where}a quote inside a field that does not start with one (quote the field and double its quotes: "a ""b"" c")`
    case "CSV_INVALID_CLOSING_QUOTE":
      return `${where}a quote ends the field but more text follows it (double a quote inside a quoted field: "a ""b"" c")`
    case "CSV_QUOTE_NOT_CLOSED":
      return "a quote opened on this line is never closed"
    default:
      return error.message.replace(/ (at|on) line \d+/g, "")
  }
}

/**
 * CSV records, each checked against the header. csv-parse reads the quoting; how a broken line is kept from taking
 * the lines after it with it is decided here, because once csv-parse meets an error its state is not to be trusted:
 * with `skip_records_with_error` it stays inside the quote the broken line opened and drops every line up to the next
 * quote with it (the lines of many good records).
 *
 * So the lines are parsed a span at a time (joined by \n: csv-parse counts a \r\n inside quotes as two lines), with
 * `relax_column_count` so a record of the wrong width comes back rather than failing, and each record's lines are
 * counted from the line breaks inside its fields. A record is valid when it has the header's columns; one that
 * spans lines only does so because a quote opened on its first line is not closed there, so when such a record cannot
 * be valid (another column count, or csv-parse reports an error on a later line) that first line alone is refused and
 * parsing starts again on the next line, where the good records are found again. A quoted field that legitimately
 * spans lines and keeps the header's column count is one record. The line a csv-parse error belongs to is found by
 * counting quotes: up to the error the text is valid CSV, where the quotes before a point say whether it is inside a
 * quoted field. CSV cannot tell a stray quote whose record happens to keep the header's column count from a quoted
 * line break; such a record is sent, and any field the server finds wrong is refused there.
 */
const csvRows = (path: string): Reading => {
  const source = linesOf(path)
  const next = source.lines[Symbol.asyncIterator]()
  /** Lines read and not yet accounted for; the first is line `first`. */
  let window: Array<string> = []
  let first = 1
  let ended = false
  let header: ReadonlyArray<string> | undefined

  const fill = async (size: number) => {
    while (!ended && window.length < size) {
      const line = await next.next()
      if (line.done === true) ended = true
      else window.push(line.value)
    }
  }

  interface Settled {
    readonly rows: Array<Row>
    /** Lines of the window accounted for. */
    readonly used: number
    /** Whether a line was refused (parsing starts again after it). */
    readonly refused: boolean
    /** Whether the record at `used` runs past the lines parsed: parse again with more. */
    readonly more: boolean
  }

  /** The line `at` (of the window) refused: the header cannot be, so then the file is unreadable. */
  const refuse = (rows: Array<Row>, at: number, reason: string): Settled => {
    if (header === undefined) throw new Unreadable(`line ${first + at}, the header, is not valid CSV: ${reason}`)
    rows.push({ _tag: "Malformed", line: first + at, reason })
    return { rows, used: at + 1, refused: true, more: false }
  }

  /** The first `size` lines of the window as rows; `last`: they are the last lines of the file. */
  const settle = (size: number, last: boolean): Settled => {
    const rows: Array<Row> = []
    let records: Array<Array<string>>
    try {
      records = parse(window.slice(0, size).join("\n"), { relax_column_count: true, record_delimiter: "\n" })
    } catch (error) {
      if (!(error instanceof CsvError)) throw error
      // The record being read when the error came starts after the last line that ends outside a quote.
      const reported = Number(error.lines)
      const errorAt = Number.isInteger(reported) ? Math.min(size, Math.max(1, reported)) - 1 : size - 1
      let start = 0
      let inside = false
      for (let at = 0; at < errorAt; at++) {
        if (turnsQuoting(window[at]!)) inside = !inside
        if (!inside) start = at + 1
      }
      if (start > 0) {
        const before = settle(start, false)
        if (before.used < start) return before
        rows.push(...before.rows)
      }
      if (error.code === "CSV_QUOTE_NOT_CLOSED" && !last) {
        let chars = 0
        for (let at = start; at < size; at++) chars += window[at]!.length + 1
        if (chars <= MAX_RECORD_CHARS) return { rows, used: start, refused: false, more: true }
        return refuse(
          rows,
          start,
          `a quote opened on this line is not closed within ${count(MAX_RECORD_CHARS)} characters`
        )
      }
      if (errorAt === start) return refuse(rows, start, errorReason(error, header))
      if (error.code === "CSV_QUOTE_NOT_CLOSED")
        return refuse(rows, start, "a quote opened on this line is never closed")
      return refuse(
        rows,
        start,
        `a quote opened on this line is not closed on it (read on, the record breaks on line ${first + errorAt})`
      )
    }
    let at = 0
    for (const fields of records) {
      let lines = 1
      for (const field of fields) for (let i = field.indexOf("\n"); i !== -1; i = field.indexOf("\n", i + 1)) lines++
      if (lines === 1 && isBlank(window[at]!)) {
        rows.push({ _tag: "Blank", line: first + at })
      } else if (header === undefined) {
        if (lines > 1) return refuse(rows, at, "a quote opened on this line is not closed on it")
        header = fields.map((name) => name.trim())
        rows.push({ _tag: "Header", line: first + at, names: header })
      } else if (fields.length !== header.length) {
        if (lines > 1) {
          return refuse(
            rows,
            at,
            `a quote opened on this line is not closed on it (read on to line ${first + at + lines - 1}, the record has ${fields.length} columns, not ${header.length})`
          )
        }
        const columns = (n: number) => `${n} column${n === 1 ? "" : "s"}`
        rows.push({
          _tag: "Malformed",
          line: first + at,
          reason: `has ${columns(fields.length)}, the header has ${header.length}`
        })
      } else {
        const values: Record<string, unknown> = {}
        header.forEach((name, index) => {
          values[name] = fields[index]
        })
        rows.push({ _tag: "Row", line: first + at, lines, values })
      }
      at += lines
    }
    // csv-parse gives no record for a last line that is empty.
    for (; at < size; at++) rows.push({ _tag: "Blank", line: first + at })
    return { rows, used: size, refused: false, more: false }
  }

  async function* rows(): AsyncGenerator<Row> {
    let span = MAX_SPAN
    for (;;) {
      await fill(span)
      if (window.length === 0) break
      const size = Math.min(span, window.length)
      const settled = settle(size, ended && size === window.length)
      window = window.slice(settled.used)
      first += settled.used
      yield* settled.rows
      span = settled.more
        ? settled.used === 0
          ? size * 2
          : span
        : settled.refused
          ? Math.max(MIN_SPAN, span >> 1)
          : Math.min(MAX_SPAN, span * 2)
    }
    if (header === undefined) {
      throw new Unreadable(
        source.linesRead() === 0 ? `${path} is empty` : `${path} has no header row, only blank lines`
      )
    }
  }
  return { bytesRead: source.bytesRead, linesRead: source.linesRead, rows: rows() }
}

const ndjsonRows = (path: string): Reading => {
  const source = linesOf(path)
  async function* rows(): AsyncGenerator<Row> {
    let line = 0
    for await (const text of source.lines) {
      line++
      if (isBlank(text)) {
        yield { _tag: "Blank", line }
        continue
      }
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (error) {
        yield { _tag: "Malformed", line, reason: `not valid JSON (${(error as Error).message})` }
        continue
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        yield { _tag: "Malformed", line, reason: "not a JSON object" }
        continue
      }
      yield { _tag: "Row", line, lines: 1, values: value as Record<string, unknown> }
    }
    if (line === 0) throw new Unreadable(`${path} is empty`)
  }
  return { bytesRead: source.bytesRead, linesRead: source.linesRead, rows: rows() }
}

export const read = (path: string, format: Format): Reading => (format === "csv" ? csvRows(path) : ndjsonRows(path))
