/**
 * A file of records read as a stream, never whole: CSV with a header row, or NDJSON. Each row comes with its line
 * number; a malformed line is reported with its number and skipped, and the rest go on.
 */
import { createReadStream } from "node:fs"
import { createInterface } from "node:readline"
import { parse } from "csv-parse"

export type Format = "csv" | "ndjson"

export type Row =
  | { readonly _tag: "Row"; readonly line: number; readonly values: Record<string, unknown> }
  | { readonly _tag: "Malformed"; readonly line: number; readonly reason: string }

export const formatOf = (path: string): Format => (/\.(nd)?jsonl?$/i.test(path) ? "ndjson" : "csv")

export interface Reading {
  /** The header of a CSV file, once its first line is read (NDJSON has none). */
  readonly header: () => ReadonlyArray<string> | undefined
  /** Bytes of the file read so far, for progress. */
  readonly bytesRead: () => number
  readonly rows: AsyncIterable<Row>
}

const csvRows = (path: string): Reading => {
  const input = createReadStream(path)
  let header: ReadonlyArray<string> | undefined
  const skipped: Array<Row> = []
  const parser = parse({
    bom: true,
    columns: (names: Array<string>) => {
      header = names.map((name) => name.trim())
      return header as Array<string>
    },
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true
  })
  parser.on("skip", (error: Error & { lines?: number }) =>
    skipped.push({ _tag: "Malformed", line: error.lines ?? parser.info.lines, reason: error.message })
  )
  input.pipe(parser)
  input.on("error", (error) => parser.destroy(error))
  async function* rows(): AsyncGenerator<Row> {
    for await (const item of parser as AsyncIterable<{ record: Record<string, unknown>; info: { lines: number } }>) {
      while (skipped.length > 0) yield skipped.shift()!
      yield { _tag: "Row", line: item.info.lines, values: item.record }
    }
    while (skipped.length > 0) yield skipped.shift()!
  }
  return { header: () => header, bytesRead: () => input.bytesRead, rows: rows() }
}

const ndjsonRows = (path: string): Reading => {
  const input = createReadStream(path)
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
  async function* rows(): AsyncGenerator<Row> {
    let line = 0
    for await (const text of lines) {
      line++
      if (text.trim() === "") continue
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
      yield { _tag: "Row", line, values: value as Record<string, unknown> }
    }
  }
  return { header: () => undefined, bytesRead: () => input.bytesRead, rows: rows() }
}

export const read = (path: string, format: Format): Reading => (format === "csv" ? csvRows(path) : ndjsonRows(path))
