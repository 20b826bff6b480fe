/**
 * A storage failure as the log, the caller and /readyz are told it: the storage's code (`SQLITE_FULL`, a PostgreSQL
 * SQLSTATE) and its message, never where the storage is (a database URL). Free of Effect: the SQLite store's thread
 * loads it.
 */
export const describeFailure = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const code = (error as { readonly code?: unknown }).code
  return typeof code === "string" && !error.message.includes(code) ? `${code}: ${error.message}` : error.message
}
