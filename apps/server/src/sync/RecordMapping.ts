/**
 * How a row of a file (a CSV line by its header, or an NDJSON object) becomes a sync record: which columns are
 * keys, the name, traits and (for users) the company's keys.
 */

export type Kind = "companies" | "users"

/** A record field's name and the column it is read from. */
export interface Column {
  readonly name: string
  readonly column: string
}

export interface Mapping {
  readonly keys: ReadonlyArray<Column>
  readonly name: string | undefined
  readonly traits: ReadonlyArray<Column>
  readonly companyKeys: ReadonlyArray<Column>
}

/** `stripe_customer_id=Stripe ID` reads the key `stripe_customer_id` from the column `Stripe ID`; `seats` is both. */
export const column = (option: string): Column => {
  const at = option.indexOf("=")
  return at === -1 ? { name: option, column: option } : { name: option.slice(0, at), column: option.slice(at + 1) }
}

/**
 * Without options, a header says it: `keys.X` columns are keys, `name` the name, `traits.X` traits and
 * `company.X` the company's keys.
 */
export const fromHeader = (header: ReadonlyArray<string>): Mapping => {
  const prefixed = (prefix: string) =>
    header.filter((name) => name.startsWith(prefix)).map((name) => ({ name: name.slice(prefix.length), column: name }))
  return {
    keys: prefixed("keys."),
    name: header.includes("name") ? "name" : undefined,
    traits: prefixed("traits."),
    companyKeys: prefixed("company.")
  }
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/

/**
 * A CSV cell as a trait: a number stays a number and true or false a boolean, when the text is exactly how that
 * value is written (so `007` and `1.50` stay text); an empty cell is no trait.
 */
const typed = (value: unknown): unknown => {
  if (typeof value !== "string") return value
  if (value === "") return undefined
  if (value === "true" || value === "false") return value === "true"
  if (NUMBER.test(value)) {
    const number = Number(value)
    if (Number.isFinite(number) && String(number) === value) return number
  }
  return value
}

/** A key's value is text; an empty cell is no key (a record left with none is refused, naming `keys`). */
const text = (value: unknown): string | undefined =>
  value === undefined || value === null || value === "" ? undefined : String(value)

const collect = <A>(columns: ReadonlyArray<Column>, row: Record<string, unknown>, read: (value: unknown) => A) => {
  const out: Record<string, A> = {}
  for (const { name, column } of columns) {
    const value = read(row[column])
    if (value !== undefined) out[name] = value
  }
  return out
}

/** The record a row makes. */
export const toRecord = (kind: Kind, mapping: Mapping, row: Record<string, unknown>): Record<string, unknown> => {
  const record: Record<string, unknown> = { keys: collect(mapping.keys, row, text) }
  const name = mapping.name === undefined ? undefined : text(row[mapping.name])
  if (name !== undefined) record.name = name
  const traits = collect(mapping.traits, row, typed)
  if (Object.keys(traits).length > 0) record.traits = traits
  if (kind === "users" && mapping.companyKeys.length > 0) {
    const company = collect(mapping.companyKeys, row, text)
    if (Object.keys(company).length > 0) record.company = company
  }
  return record
}

/** The columns a mapping reads that the header lacks. */
export const missingColumns = (mapping: Mapping, header: ReadonlyArray<string>): ReadonlyArray<string> =>
  [...mapping.keys, ...mapping.traits, ...mapping.companyKeys]
    .map((entry) => entry.column)
    .concat(mapping.name === undefined ? [] : [mapping.name])
    .filter((name) => !header.includes(name))
