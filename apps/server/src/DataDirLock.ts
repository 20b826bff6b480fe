/**
 * One DATA_DIR, one server. A server that keeps its data in DATA_DIR (the SQLite outbox, the embedded sandbox) holds
 * a lock on it for as long as it runs, taken before anything there is opened: a second server started on it stops
 * at once, having touched nothing (it would otherwise put the first one's events in flight back to pending, and both
 * would deliver them). The lock is SQLite's on `DATA_DIR/server.lock` (a lock of the operating system's, held by
 * the process), so it ends with the process however that ends: there is no stale lock to clear after a crash.
 */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import Database from "better-sqlite3"
import { Data, Effect } from "effect"

/** DATA_DIR is another server's (or cannot be locked): a setting to change. */
export class DataDirUnavailable extends Data.TaggedError("DataDirUnavailable")<{
  readonly message: string
  /** Another process holds it (rather than the folder or file being unusable). */
  readonly held: boolean
}> {}

export const LOCK_FILE = "server.lock"

const describe = (error: unknown) => {
  const code = (error as { readonly code?: unknown } | undefined)?.code
  const message = error instanceof Error ? error.message : String(error)
  return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message
}

/** Holds DATA_DIR (created if missing) until the scope closes; fails at once when another process holds it. */
export const hold = (dataDir: string) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        mkdirSync(dataDir, { recursive: true })
        // No busy wait: a lock held is another server's, and it holds it for as long as it runs.
        const db = new Database(join(dataDir, LOCK_FILE), { timeout: 0 })
        try {
          // In exclusive locking mode the lock a write takes is kept until the connection closes.
          db.pragma("locking_mode = EXCLUSIVE")
          db.exec("CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL)")
          db.prepare("INSERT OR REPLACE INTO holder (id, pid) VALUES (1, ?)").run(process.pid)
          return db
        } catch (error) {
          db.close()
          throw error
        }
      },
      catch: (error) => {
        const code = (error as { readonly code?: unknown } | undefined)?.code
        const held = code === "SQLITE_BUSY" || code === "SQLITE_LOCKED"
        return new DataDirUnavailable({
          held,
          message: held
            ? `DATA_DIR: ${dataDir} is in use by another server (it holds ${LOCK_FILE}); stop it, or give this one a DATA_DIR of its own`
            : `DATA_DIR: ${dataDir} cannot be used: ${describe(error)}`
        })
      }
    }),
    (db) => Effect.sync(() => db.close())
  )
