/**
 * The sandbox's embedded storage: one SQLite file, created and migrated on start.
 *
 * @since 0.1.0
 */
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer } from "effect"

/**
 * Times are stored as milliseconds since the epoch so range queries use plain integer indexes.
 * `usage_hourly` is kept by a trigger in the same transaction as each track event, so usage insights
 * aggregate a few rows per feature and hour instead of scanning every event.
 */
const MIGRATION = `
CREATE TABLE IF NOT EXISTS companies (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  traits TEXT NOT NULL DEFAULT '{}',
  logo_url TEXT,
  last_seen_at INTEGER,
  base_plan_id TEXT,
  base_plan_added_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS companies_created ON companies(created_at DESC);
CREATE INDEX IF NOT EXISTS companies_base_plan ON companies(base_plan_id);

CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  traits TEXT NOT NULL DEFAULT '{}',
  last_seen_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS users_created ON users(created_at DESC);

CREATE TABLE IF NOT EXISTS entity_keys (
  id TEXT PRIMARY KEY,
  entity_type TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (entity_type, key, value)
);
CREATE INDEX IF NOT EXISTS entity_keys_entity ON entity_keys(entity_type, entity_id);

CREATE TABLE IF NOT EXISTS company_memberships (
  id TEXT PRIMARY KEY,
  company_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (company_id, user_id)
);
CREATE INDEX IF NOT EXISTS company_memberships_user ON company_memberships(user_id);

CREATE TABLE IF NOT EXISTS features (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  feature_type TEXT NOT NULL,
  icon TEXT NOT NULL,
  event_subtype TEXT,
  trait_id TEXT,
  singular_name TEXT,
  plural_name TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS features_subtype ON features(event_subtype);

CREATE TABLE IF NOT EXISTS flags (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  flag_type TEXT NOT NULL,
  default_value INTEGER NOT NULL,
  feature_id TEXT,
  last_checked_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS flags_feature ON flags(feature_id);

CREATE TABLE IF NOT EXISTS plan_entitlements (
  id TEXT PRIMARY KEY,
  plan_id TEXT NOT NULL,
  feature_id TEXT NOT NULL,
  value_type TEXT NOT NULL,
  value_bool INTEGER,
  value_numeric INTEGER,
  value_trait_id TEXT,
  metric_period TEXT,
  metric_period_month_reset TEXT,
  soft_limit INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (plan_id, feature_id)
);
CREATE INDEX IF NOT EXISTS plan_entitlements_feature ON plan_entitlements(feature_id);

CREATE TABLE IF NOT EXISTS plans (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  plan_type TEXT NOT NULL,
  icon TEXT NOT NULL,
  monthly_price INTEGER,
  yearly_price INTEGER,
  currency TEXT NOT NULL DEFAULT 'usd',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS company_add_ons (
  company_id TEXT NOT NULL,
  plan_id TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY (company_id, plan_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS company_add_ons_plan ON company_add_ons(plan_id);

-- One row per period a company held a plan (base or add-on); ended_at is NULL while it holds it.
CREATE TABLE IF NOT EXISTS plan_subscriptions (
  company_id TEXT NOT NULL,
  plan_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER
);
CREATE INDEX IF NOT EXISTS plan_subscriptions_company ON plan_subscriptions(company_id, ended_at);
CREATE INDEX IF NOT EXISTS plan_subscriptions_started ON plan_subscriptions(started_at);

CREATE TABLE IF NOT EXISTS company_overrides (
  id TEXT PRIMARY KEY,
  company_id TEXT NOT NULL,
  feature_id TEXT NOT NULL,
  value_type TEXT NOT NULL,
  value_bool INTEGER,
  value_numeric INTEGER,
  value_trait_id TEXT,
  value_credit_id TEXT,
  consumption_rate REAL,
  metric_period TEXT,
  metric_period_month_reset TEXT,
  expiration_date INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (company_id, feature_id)
);
CREATE INDEX IF NOT EXISTS company_overrides_feature ON company_overrides(feature_id);

CREATE TABLE IF NOT EXISTS override_notes (
  id TEXT PRIMARY KEY,
  override_id TEXT NOT NULL,
  note TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS override_notes_override ON override_notes(override_id);

CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  subtype TEXT,
  status TEXT NOT NULL,
  body TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  company_id TEXT,
  user_id TEXT,
  idempotency_key TEXT,
  error_message TEXT,
  captured_at INTEGER NOT NULL,
  sent_at INTEGER,
  received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_captured ON events(captured_at);
CREATE INDEX IF NOT EXISTS events_company ON events(company_id, captured_at);
CREATE INDEX IF NOT EXISTS events_idempotency ON events(idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE IF NOT EXISTS usage_hourly (
  subtype TEXT NOT NULL,
  hour INTEGER NOT NULL,
  quantity INTEGER NOT NULL,
  PRIMARY KEY (subtype, hour)
) WITHOUT ROWID;

-- Each company's usage of each event name per UTC day, kept like usage_hourly: a metric period (day, week,
-- month, all time) is then a sum over a few rows, whatever the number of events.
CREATE TABLE IF NOT EXISTS usage_daily (
  company_id TEXT NOT NULL,
  subtype TEXT NOT NULL,
  day INTEGER NOT NULL,
  quantity INTEGER NOT NULL,
  PRIMARY KEY (company_id, subtype, day)
) WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS events_usage_daily AFTER INSERT ON events
WHEN NEW.type = 'track' AND NEW.company_id IS NOT NULL BEGIN
  INSERT INTO usage_daily (company_id, subtype, day, quantity)
  VALUES (NEW.company_id, NEW.subtype, NEW.captured_at - (NEW.captured_at % 86400000), NEW.quantity)
  ON CONFLICT (company_id, subtype, day) DO UPDATE SET quantity = quantity + excluded.quantity;
END;

CREATE TRIGGER IF NOT EXISTS events_usage_hourly AFTER INSERT ON events WHEN NEW.type = 'track' BEGIN
  INSERT INTO usage_hourly (subtype, hour, quantity)
  VALUES (NEW.subtype, NEW.captured_at - (NEW.captured_at % 3600000), NEW.quantity)
  ON CONFLICT (subtype, hour) DO UPDATE SET quantity = quantity + excluded.quantity;
END;
`

/** Runs the schema on a fresh or existing database. */
export const migrate = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe("PRAGMA synchronous = NORMAL")
  // Each track event also updates two rollups; with SQLite's default 2 MB page cache, their pages were read back
  // from the file for most events of a large batch. The cache grows only as pages are used.
  yield* sql.unsafe("PRAGMA cache_size = -65536")
  yield* sql.unsafe("PRAGMA foreign_keys = OFF")
  // One transaction: a new table and what fills it from data already there land together or not at all.
  yield* sql.withTransaction(
    Effect.gen(function* () {
      const rollups = yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE name = 'usage_daily'`
      for (const statement of MIGRATION.split(/;\s*\n(?=CREATE|--)/)) {
        const text = statement.trim()
        if (text.length > 0) yield* sql.unsafe(text.endsWith("END") ? `${text};` : text)
      }
      // A database from before the daily rollup gets it from the events it already holds.
      if (rollups.length === 0) {
        yield* sql`INSERT INTO usage_daily (company_id, subtype, day, quantity)
          SELECT company_id, subtype, captured_at - (captured_at % 86400000), SUM(quantity) FROM events
          WHERE type = 'track' AND company_id IS NOT NULL GROUP BY 1, 2, 3`
      }
    })
  )
})

/** SQLite at `filename` (directories are created), migrated. `:memory:` keeps nothing. */
export const layer = (filename: string): Layer.Layer<SqlClient.SqlClient> => {
  if (filename !== ":memory:") mkdirSync(dirname(filename), { recursive: true })
  return Layer.effectDiscard(migrate).pipe(
    Layer.provideMerge(SqliteClient.layer({ filename })),
    Layer.orDie
  ) as Layer.Layer<SqlClient.SqlClient>
}
