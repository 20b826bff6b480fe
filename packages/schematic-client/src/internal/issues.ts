import { ParseResult } from "effect"

/** One line per problem, each naming the field it is about: `events.3.body.event: is missing`. */
export const formatIssues = (error: ParseResult.ParseError, prefix?: string): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter((part) => part !== undefined && part !== "").join(".")
      return `${path === "" ? "(root)" : path}: ${issue.message}`
    })
    .join("; ")
