/**
 * Counts kept in memory rather than queried each time (what is held, what was delivered), made again from the file
 * once another connection to it (a guest of the data folder) has committed, since what it stored or delivered is not
 * in them. SQLite's `data_version` tells, cheaply, whether one has. Counting reads the rows it counts, so once a
 * count takes a while (a large outbox), at most a tenth of the time goes to it: a count that took 10 ms is not made
 * again within 100 ms. A quick one is made whenever there is cause.
 */
import type Database from "better-sqlite3"

export interface CountsOfFile {
  /** Counts now. */
  readonly now: () => void
  /** Counts again when another connection has committed since the last count, unless that count was too recent. */
  readonly ifOthersCommitted: () => void
}

/** A count that takes less is not held back. */
const QUICK_MILLIS = 1

export const countsOfFile = (db: Database.Database, count: () => void): CountsOfFile => {
  const dataVersion = db.prepare("PRAGMA data_version").pluck()
  let seen: unknown
  let after = 0
  const now = () => {
    seen = dataVersion.get()
    count()
  }
  return {
    now,
    ifOthersCommitted: () => {
      const started = performance.now()
      if (started < after || dataVersion.get() === seen) return
      now()
      const took = performance.now() - started
      after = took < QUICK_MILLIS ? 0 : started + 10 * took
    }
  }
}
