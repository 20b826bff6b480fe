/**
 * The PostgreSQL outbox's tables and indexes, created when missing, and the migrations of databases written in
 * earlier layouts. Replicas starting together migrate once: the statements run under an advisory lock, and not at
 * all once the schema is current.
 */
import type postgres from "postgres"
import { bounded } from "./timeLimit.js"
import { WRITES_INDEX, WRITES_TABLE } from "./writes.js"

/**
 * The schema, created when missing. A change to it comes as a further statement here, run under the same advisory
 * lock, so replicas starting together migrate once (see `SCHEMA_CURRENT`).
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS outbox_events (
    seq BIGSERIAL PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    accepted_at BIGINT NOT NULL,
    queued_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    finished_at BIGINT,
    last_error TEXT
  )`,
  "CREATE INDEX IF NOT EXISTS outbox_due ON outbox_events (next_attempt_at, seq) WHERE state = 'pending'",
  "CREATE INDEX IF NOT EXISTS outbox_leased ON outbox_events (lease_until) WHERE state = 'in_flight'",
  "CREATE INDEX IF NOT EXISTS outbox_finished ON outbox_events (finished_at) WHERE state = 'delivered'",
  "CREATE INDEX IF NOT EXISTS outbox_dead ON outbox_events (seq) WHERE state = 'dead'",
  `CREATE TABLE IF NOT EXISTS outbox_syncs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    existing INTEGER NOT NULL,
    refused INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS outbox_syncs_updated_at ON outbox_syncs (updated_at)",
  // One row a record, so a sync's states add up to its records.
  "CREATE TABLE IF NOT EXISTS outbox_sync_events (sync TEXT NOT NULL, seq BIGINT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS outbox_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at BIGINT NOT NULL)",
  // Databases written before a record was one row (a retry added it again): its repeats go, its count is made again
  // from its rows, and the index that keeps it one row takes the place of the one by sync.
  `DO $$ BEGIN
    IF to_regclass('outbox_sync_events_record') IS NULL THEN
      DELETE FROM outbox_sync_events a USING outbox_sync_events b
        WHERE a.sync = b.sync AND a.seq = b.seq AND a.ctid > b.ctid;
      CREATE UNIQUE INDEX outbox_sync_events_record ON outbox_sync_events (sync, seq);
      DROP INDEX IF EXISTS outbox_sync_events_sync;
      UPDATE outbox_syncs s SET accepted = (SELECT COUNT(*) FROM outbox_sync_events m WHERE m.sync = s.id);
    END IF;
  END $$`,
  WRITES_TABLE,
  WRITES_INDEX
]

/**
 * What the schema's last statement makes: when it exists, the schema is current and none of it runs. Even with
 * IF NOT EXISTS, creating an index locks its table, so a replica starting beside others that write would wait on
 * them, or deadlock with them (a prune takes its tables in another order). A further statement names its own here.
 */
const SCHEMA_CURRENT = "outbox_writes_started_at"

/** The advisory lock migrations run under (any number, the same for every replica). */
const MIGRATION_LOCK = 7_245_113

/**
 * Creates or migrates the schema, waiting at most `millis` (for its own statements, or for another replica's
 * migration); fails with the database's reason (unreachable, or the role may not create what the outbox needs).
 */
export const createSchema = (sql: postgres.Sql, millis: number): Promise<void> =>
  bounded(
    (async () => {
      // Read from pg_class in the statement's own snapshot: `to_regclass` may answer from a catalog cache that has
      // not yet seen another replica's migration.
      const current = async (on: postgres.Sql) =>
        (
          await on<Array<{ current: boolean }>>`
            SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE c.relname = ${SCHEMA_CURRENT} AND n.nspname = current_schema()) AS current`
        )[0]?.current === true
      if (await current(sql)) return
      await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`
        // Another replica may have migrated while this one waited for the lock.
        if (await current(tx as unknown as postgres.Sql)) return
        for (const statement of SCHEMA) await tx.unsafe(statement)
      })
    })(),
    millis
  )
