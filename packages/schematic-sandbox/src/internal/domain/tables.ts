/** Reads every resource's table answers the same way: one row by id, a page of rows newest first, a count. */
import { SqlClient, type Statement } from "@effect/sql"
import { Effect } from "effect"
import { notFound } from "../SandboxError.js"

/** One row by `column` (the id unless said), or the 404 every resource answers (`<what> <value> not found`). */
export const rowById =
  <Row extends object>(table: string, what: string, column = "id") =>
  (id: string) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<Row>`SELECT * FROM ${sql(table)} WHERE ${sql(column)} = ${id}`
      if (rows[0] === undefined) return yield* notFound(`${what} ${id} not found`)
      return rows[0]
    })

/**
 * Removes one row by id in the caller's transaction, after answering 404 if there is none; `dependents` are the
 * statements that first remove what points at it.
 */
export const deleteRowById = (
  table: string,
  what: string,
  dependents: (sql: SqlClient.SqlClient, id: string) => ReadonlyArray<Statement.Statement<unknown>> = () => []
) => {
  const load = rowById<object>(table, what)
  return (id: string) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* load(id)
      for (const statement of dependents(sql, id)) yield* statement
      yield* sql`DELETE FROM ${sql(table)} WHERE id = ${id}`
    })
}

/**
 * The rows of `table` with the ids `idOf` gives for `items` (repeats and empty ids passed over; no query for none):
 * `rowsIn<FeatureRow>("features")(flags, (flag) => flag.feature_id)`.
 */
export const rowsIn =
  <Row extends object>(table: string) =>
  <Item>(items: ReadonlyArray<Item>, idOf: (item: Item) => string | null | undefined) =>
    Effect.gen(function* () {
      const ids = [...new Set(items.map(idOf).filter((id): id is string => Boolean(id)))]
      if (ids.length === 0) return []
      const sql = yield* SqlClient.SqlClient
      return yield* sql<Row>`SELECT * FROM ${sql(table)} WHERE id IN ${sql.in(ids)}`
    })

/** The rows of `table` with the given ids, by id (no query for none). */
export const rowsById =
  <Row extends { readonly id: string }>(table: string) =>
  (ids: ReadonlyArray<string>) =>
    Effect.map(
      rowsIn<Row>(table)(ids, (id) => id),
      (rows) => new Map(rows.map((row) => [row.id, row]))
    )

/** Stores `row` in `table` (in the caller's transaction) and answers it. */
export const insertRow = <Row extends object>(table: string, row: Row) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    // A row type is an interface, which TypeScript does not take for the record `sql.insert` reads.
    Effect.as(sql`INSERT INTO ${sql(table)} ${sql.insert({ ...row } as Record<string, unknown>)}`, row)
  )

/** Which page of a list: at most `limit` rows after the first `offset`. */
export interface Page {
  readonly limit: number
  readonly offset: number
}

/** What most lists filter on: a search text and ids. */
export interface SearchFilter {
  readonly q?: string | undefined
  readonly ids: ReadonlyArray<string>
}

/** The clauses of a search among rows with a name: `q` within the name or equal to the id, `ids` among the ids. */
export const byNameOrId = (sql: SqlClient.SqlClient, filter: SearchFilter) => [
  ...(filter.q ? [sql`(name LIKE ${`%${filter.q}%`} OR id = ${filter.q})`] : []),
  ...(filter.ids.length > 0 ? [sql`id IN ${sql.in(filter.ids)}`] : [])
]

/** A resource's table as its list and count read it: the alias its WHERE clause uses and that clause. */
export interface Table<F> {
  readonly table: string
  readonly alias: string
  readonly where: (sql: SqlClient.SqlClient, filter: F) => Statement.Fragment
}

/** A condition of a WHERE clause, or nothing (`false`, `""`, `undefined`) where the filter does not ask for it. */
export type Condition = Statement.Fragment | false | "" | undefined

/**
 * A table whose list and count keep the rows that meet every condition `conditions` gives for the filter: every row
 * when none applies.
 */
export const filteredTable = <F>(
  table: string,
  alias: string,
  conditions: (sql: SqlClient.SqlClient, filter: F) => ReadonlyArray<Condition>
): Table<F> => ({
  table,
  alias,
  where: (sql, filter) =>
    sql.and([
      sql`1 = 1`,
      ...conditions(sql, filter).filter((condition): condition is Statement.Fragment => Boolean(condition))
    ])
})

/** One page of the rows matching `filter`, newest first as every Schematic list is. */
export const newestFirst = <Row extends object, F extends Page>(table: Table<F>, filter: F) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const t = sql(table.alias)
    return yield* sql<Row>`SELECT ${t}.* FROM ${sql(table.table)} ${t} WHERE ${table.where(sql, filter)}
      ORDER BY ${t}.created_at DESC, ${t}.rowid DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
  })

/** How many rows match `filter`. */
export const countWhere = <F>(table: Table<F>, filter: F) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql(table.table)} ${sql(table.alias)}
      WHERE ${table.where(sql, filter)}`
    return row?.n ?? 0
  })
