/**
 * Idempotency keys of writes Schematic does not deduplicate (see capability-core's `IdempotentWrites`), in the
 * database replicas share: a claim per key, taken by one replica at a time, holding the write's answer once made.
 */
import type postgres from "postgres"
import type { WriteClaim } from "../../OutboxStore.js"
import { type ClaimWriteArgs, heldClaim, type WriteRow } from "../writeClaims.js"

export const WRITES_TABLE = `CREATE TABLE IF NOT EXISTS outbox_writes (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    answer TEXT,
    finished_at BIGINT,
    PRIMARY KEY (scope, key)
  )`

export const WRITES_INDEX = "CREATE INDEX IF NOT EXISTS outbox_writes_started_at ON outbox_writes (started_at)"

export const writes = (sql: postgres.Sql) => ({
  /** One transaction, the row locked: two replicas claiming the same key see one another's claim. */
  claimWrite: (...[scope, key, fingerprint, now, expiredBefore, takeOver]: ClaimWriteArgs): Promise<WriteClaim> =>
    sql.begin(async (tx) => {
      const inserted = await tx`
        INSERT INTO outbox_writes (scope, key, fingerprint, started_at) VALUES (${scope}, ${key}, ${fingerprint}, ${now})
        ON CONFLICT (scope, key) DO NOTHING RETURNING key`
      if (inserted.length > 0) return { _tag: "New" } as const
      const [row] = await tx<Array<WriteRow>>`
        SELECT fingerprint, started_at, answer, finished_at FROM outbox_writes
        WHERE scope = ${scope} AND key = ${key} FOR UPDATE`
      const held = heldClaim(row, expiredBefore, takeOver)
      if (held !== undefined) return held
      await tx`
        UPDATE outbox_writes SET fingerprint = ${fingerprint}, started_at = ${now}, answer = NULL, finished_at = NULL
        WHERE scope = ${scope} AND key = ${key}`
      return { _tag: "New" } as const
    }) as Promise<WriteClaim>,
  finishWrite: (scope: string, key: string, answer: string, now: number) =>
    sql`UPDATE outbox_writes SET answer = ${answer}, finished_at = ${now} WHERE scope = ${scope} AND key = ${key}`,
  releaseWrite: (scope: string, key: string) => sql`DELETE FROM outbox_writes WHERE scope = ${scope} AND key = ${key}`
})
