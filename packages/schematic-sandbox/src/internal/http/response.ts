/**
 * Answering in Schematic's envelopes, and the route shapes every resource shares: list, count, get, lookup by keys,
 * create, update and delete.
 */
import { type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect, type Schema } from "effect"
import { type EntityType, entityByKeys } from "../domain/keys.js"
import { countWhere, newestFirst, type Page, type Table } from "../domain/tables.js"
import { badRequest, notFound, type SandboxError } from "../SandboxError.js"
import { body, pathId, type Query, readQuery } from "./request.js"

/** Schematic's success envelope: `{data, params}`. */
export const envelope = (data: unknown, params: object = {}, status = 200) =>
  HttpServerResponse.unsafeJson({ data, params: dropUndefined(params) }, { status })

export const errorBody = (status: number, message: string, headers?: Record<string, string>) =>
  HttpServerResponse.unsafeJson({ error: message }, headers === undefined ? { status } : { status, headers })

const dropUndefined = (params: object) => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) out[key] = value
  }
  return out
}

/** Renders many rows at once; a single row goes through the same renderer so it answers the same shape. */
type Render<Row, E, R> = (rows: ReadonlyArray<Row>) => Effect.Effect<ReadonlyArray<unknown>, E, R>

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

/** `GET /companies/lookup` and `GET /users/lookup` behave the same apart from the entity they find. */
export const lookupByKeys = <Row, E1, R1, E2, R2>(
  entityType: EntityType,
  load: (id: string) => Effect.Effect<Row, E1, R1>,
  render: Render<Row, E2, R2>
) =>
  Effect.gen(function* () {
    const keys = yield* readQuery((q) => q.keyMap("keys"))
    if (keys === undefined || Object.keys(keys).length === 0) return yield* badRequest("keys: is required")
    const id = yield* entityByKeys(entityType, keys, "keys")
    if (id === undefined) return yield* notFound(`no ${entityType} matches these keys`)
    return yield* answerOne(load(id), render, { keys })
  })

/**
 * `POST /<resource>`: checks the body against `schema`, stores it in one transaction and answers the stored row as
 * its list renders it.
 */
export const create = <A, I, Row, E1, R1, E2, R2>(
  schema: Schema.Schema<A, I>,
  store: (input: A, now: number) => Effect.Effect<Row, E1, R1>,
  render: Render<Row, E2, R2>,
  status = 201
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const input = yield* body(schema)
    const row = yield* sql.withTransaction(store(input, Date.now()))
    return yield* answerOne(Effect.succeed(row), render, {}, status)
  })

/**
 * `PUT /<resource>/:<param>`: checks the body against `schema`, changes the row in one transaction (`update` answers
 * 404 itself) and answers it as its list renders it.
 */
export const updateById = <A, I, Row, E1, R1, E2, R2, E3, R3>(
  param: string,
  schema: Schema.Schema<A, I>,
  update: (id: string, input: A, now: number) => Effect.Effect<unknown, E1, R1>,
  load: (id: string) => Effect.Effect<Row, E2, R2>,
  render: Render<Row, E3, R3>
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = yield* pathId(param)
    const input = yield* body(schema)
    yield* sql.withTransaction(update(id, input, Date.now()))
    return yield* answerOne(load(id), render)
  })

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

/** What a list and its count share: the table and its WHERE clause, and the query parameters that fill it. */
export interface Listing<F> extends Table<F> {
  readonly filter: Effect.Effect<F, SandboxError, HttpServerRequest.ParsedSearchParams>
}

/** A table's listing: its WHERE clause filled from the query parameters `read` reads (it may throw a SandboxError). */
export const listing = <F>(table: Table<F>, read: (query: Query) => F & Page): Listing<F & Page> => ({
  ...table,
  filter: readQuery(read)
})

/** `GET /<resource>`: one page of the matching rows, newest first as every Schematic list is, with `params` echoed. */
export const listNewestFirst = <F extends Page, Row extends object, E, R>(
  listing: Listing<F>,
  render: Render<Row, E, R>,
  params: (filter: F) => object = (filter) => filter
) =>
  Effect.gen(function* () {
    const filter = yield* listing.filter
    const rows = yield* newestFirst<Row, F>(listing, filter)
    return envelope(yield* render(rows), params(filter))
  })

/** `GET /<resource>/count`: how many rows the same filter matches, with `params` echoed. */
export const countMatching = <F>(listing: Listing<F>, params: (filter: F) => object) =>
  Effect.gen(function* () {
    const filter = yield* listing.filter
    return envelope({ count: yield* countWhere(listing, filter) }, params(filter))
  })
