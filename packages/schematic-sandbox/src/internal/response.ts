import { type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { SqlClient, type Statement } from "@effect/sql"
import { Effect } from "effect"
import { pathId } from "./request.js"
import { notFound, type SandboxError } from "./SandboxError.js"

/** Schematic's success envelope: `{data, params}`. */
export const envelope = (data: unknown, params: Record<string, unknown> = {}, status = 200) =>
  HttpServerResponse.unsafeJson({ data, params: dropUndefined(params) }, { status })

export const errorBody = (status: number, message: string, headers?: Record<string, string>) =>
  HttpServerResponse.unsafeJson({ error: message }, headers === undefined ? { status } : { status, headers })

const dropUndefined = (params: Record<string, unknown>) => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) out[key] = value
  }
  return out
}

/** Renders many rows at once; a single row goes through the same renderer so it answers the same shape. */
type Render<Row, E, R> = (rows: ReadonlyArray<Row>) => Effect.Effect<ReadonlyArray<unknown>, E, R>

/** One row by id, or the 404 every resource answers (`<what> <id> not found`). */
export const rowById =
  <Row extends object>(table: string, what: string) =>
  (id: string) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<Row>`SELECT * FROM ${sql(table)} WHERE id = ${id}`
      if (rows[0] === undefined) return yield* notFound(`${what} ${id} not found`)
      return rows[0]
    })

/** Answers one stored row as its list renders it: how every get, lookup, create and update ends. */
export const answerOne = <Row, E1, R1, E2, R2>(
  row: Effect.Effect<Row, E1, R1>,
  render: Render<Row, E2, R2>,
  params?: Record<string, unknown>,
  status?: number
) =>
  Effect.gen(function* () {
    const [item] = yield* render([yield* row])
    return envelope(item, params, status)
  })

/** `GET /<resource>/:<param>`, the same for every resource. */
export const getById = <Row, E1, R1, E2, R2>(
  param: string,
  load: (id: string) => Effect.Effect<Row, E1, R1>,
  render: Render<Row, E2, R2>
) => Effect.flatMap(pathId(param), (id) => answerOne(load(id), render))

/** `DELETE /<resource>/:<param>`: removes in one transaction (`remove` answers 404 itself) and echoes `params`. */
export const deleteById = <E1, R1, E2 = never, R2 = never>(
  param: string,
  remove: (id: string) => Effect.Effect<unknown, E1, R1>,
  params: Effect.Effect<Record<string, unknown>, E2, R2> = Effect.succeed({})
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const echoed = yield* params
    yield* sql.withTransaction(remove(yield* pathId(param)))
    return envelope({ deleted: true }, echoed)
  })

/** What a list and its count share: the table, the alias `where` uses, the query reader and the filter. */
export interface Listing<F> {
  readonly table: string
  readonly alias: string
  readonly filter: Effect.Effect<F, SandboxError, HttpServerRequest.ParsedSearchParams>
  readonly where: (sql: SqlClient.SqlClient, filter: F) => Statement.Fragment
}

/** `GET /<resource>`: one page of the matching rows, newest first as every Schematic list is, with `params` echoed. */
export const listNewestFirst = <
  F extends { readonly limit: number; readonly offset: number },
  Row extends object,
  E,
  R
>(
  listing: Listing<F>,
  render: Render<Row, E, R>,
  params: (filter: F) => Record<string, unknown> = (filter) => filter
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const filter = yield* listing.filter
    const t = sql(listing.alias)
    const rows = yield* sql<Row>`SELECT ${t}.* FROM ${sql(listing.table)} ${t} WHERE ${listing.where(sql, filter)}
      ORDER BY ${t}.created_at DESC, ${t}.rowid DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
    return envelope(yield* render(rows), params(filter))
  })

/** `GET /<resource>/count`: how many rows the same filter matches, with `params` echoed. */
export const countMatching = <F>(listing: Listing<F>, params: (filter: F) => Record<string, unknown>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const filter = yield* listing.filter
    const [row] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql(listing.table)} ${sql(listing.alias)}
      WHERE ${listing.where(sql, filter)}`
    return envelope({ count: row?.n ?? 0 }, params(filter))
  })
