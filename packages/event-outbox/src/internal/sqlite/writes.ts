/**
 * Idempotency keys of writes Schematic does not deduplicate (see capability-core's `IdempotentWrites`), in the
 * outbox's file: a claim per key, holding the write's answer once it is made.
 */
import type Database from "better-sqlite3"
import type { WriteClaim } from "../../OutboxStore.js"
import { type ClaimWriteArgs, heldClaim, type WriteRow } from "../writeClaims.js"

export const WRITES_TABLE = `
CREATE TABLE IF NOT EXISTS outbox_writes (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  answer TEXT,
  finished_at INTEGER,
  PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS outbox_writes_started_at ON outbox_writes(started_at);
`

export const writes = (db: Database.Database) => {
  const statements = {
    get: db.prepare(
      "SELECT fingerprint, started_at, answer, finished_at FROM outbox_writes WHERE scope = ? AND key = ?"
    ),
    claim: db.prepare(
      `INSERT INTO outbox_writes (scope, key, fingerprint, started_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, started_at = excluded.started_at,
         answer = NULL, finished_at = NULL`
    ),
    finish: db.prepare("UPDATE outbox_writes SET answer = ?, finished_at = ? WHERE scope = ? AND key = ?"),
    release: db.prepare("DELETE FROM outbox_writes WHERE scope = ? AND key = ?"),
    prune: db.prepare("DELETE FROM outbox_writes WHERE started_at < ?")
  }
  // BEGIN IMMEDIATE: it reads before it writes (see `storeAll` in groupCommit.ts).
  const claim = db.transaction((...[scope, key, fingerprint, now, expiredBefore, takeOver]: ClaimWriteArgs) => {
    const held = heldClaim(statements.get.get(scope, key) as WriteRow | undefined, expiredBefore, takeOver)
    if (held !== undefined) return held
    statements.claim.run(scope, key, fingerprint, now)
    return { _tag: "New" } as const
  }).immediate
  return {
    /** One transaction: the look and the claim together. */
    claimWrite: (...args: ClaimWriteArgs): WriteClaim => claim(...args),
    finishWrite: (scope: string, key: string, answer: string, now: number): void => {
      statements.finish.run(answer, now, scope, key)
    },
    releaseWrite: (scope: string, key: string): void => {
      statements.release.run(scope, key)
    },
    pruneWrites: (before: number): number => statements.prune.run(before).changes
  }
}
