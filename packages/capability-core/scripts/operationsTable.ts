/**
 * The README's table of operations, rendered from the registry. `pnpm run docs` writes it between the README's
 * `operations` markers; a test holds the README to it.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Operation, Operations } from "../src/index.js"

export const readme = fileURLToPath(new URL("../README.md", import.meta.url))
const START = "<!-- operations: generated from the registry by `pnpm run docs` -->"
const END = "<!-- /operations -->"

export const table = (operations: ReadonlyArray<Operation.Operation> = Operations.all): string =>
  [
    "| operation | what it does | toolset | scope | REST | MCP tool |",
    "| --- | --- | --- | --- | --- | --- |",
    ...operations
      .map((operation) =>
        [
          `\`${operation.name}\``,
          operation.title,
          operation.toolset,
          operation.scope,
          operation.rest.paths.map((path) => `\`${operation.rest.method} ${path}\``).join(", "),
          `\`${Operation.toolName(operation)}\``
        ].join(" | ")
      )
      .map((row) => `| ${row} |`)
  ].join("\n")

/** The README's text with the table between its markers as the registry has it now. */
export const withTable = (text: string): string => {
  const start = text.indexOf(START)
  const end = text.indexOf(END)
  if (start === -1 || end < start) throw new Error(`${readme} has no ${START} ... ${END} markers`)
  return `${text.slice(0, start + START.length)}\n${table()}\n${text.slice(end)}`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(readme, withTable(readFileSync(readme, "utf8")))
}
