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

-- The billing mirror: customers, products, prices and subscriptions, each upserted by the billing system's id.
CREATE TABLE IF NOT EXISTS billing_customers (
  id TEXT PRIMARY KEY,
  external_id TEXT NOT NULL UNIQUE,
  company_id TEXT,
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  meta TEXT NOT NULL DEFAULT '{}',
  provider_type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS billing_customers_company ON billing_customers(company_id);

CREATE TABLE IF NOT EXISTS billing_products (
  id TEXT PRIMARY KEY,
  external_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  price REAL NOT NULL,
  is_active INTEGER NOT NULL,
  provider_type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS billing_prices (
  id TEXT PRIMARY KEY,
  external_id TEXT NOT NULL UNIQUE,
  product_id TEXT NOT NULL,
  price INTEGER NOT NULL,
  currency TEXT NOT NULL,
  interval TEXT NOT NULL,
  usage_type TEXT NOT NULL,
  provider_type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS billing_prices_product ON billing_prices(product_id);

-- Subscription times (period, trial end, cancel date) are epoch seconds, as Schematic's wire carries them.
CREATE TABLE IF NOT EXISTS billing_subscriptions (
  id TEXT PRIMARY KEY,
  external_id TEXT NOT NULL UNIQUE,
  customer_external_id TEXT NOT NULL,
  company_id TEXT,
  status TEXT NOT NULL,
  currency TEXT NOT NULL,
  interval TEXT NOT NULL,
  total_price INTEGER NOT NULL,
  period_start INTEGER NOT NULL,
  period_end INTEGER NOT NULL,
  trial_end INTEGER,
  trial_end_setting TEXT,
  cancel_at INTEGER,
  cancel_at_period_end INTEGER NOT NULL,
  expired_at INTEGER,
  provider_type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS billing_subscriptions_company ON billing_subscriptions(company_id);
CREATE INDEX IF NOT EXISTS billing_subscriptions_customer ON billing_subscriptions(customer_external_id);

CREATE TABLE IF NOT EXISTS billing_subscription_items (
  subscription_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  product_id TEXT NOT NULL,
  price_id TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  item_external_id TEXT,
  PRIMARY KEY (subscription_id, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS billing_subscription_items_product ON billing_subscription_items(product_id);

-- Credits: types, the grants that hold a company's balance, and the ledger of what changed each grant.
CREATE TABLE IF NOT EXISTS credit_types (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  currency TEXT NOT NULL,
  singular_name TEXT,
  plural_name TEXT,
  burn_strategy TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS credit_grants (
  id TEXT PRIMARY KEY,
  company_id TEXT NOT NULL,
  credit_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  quantity REAL NOT NULL,
  quantity_remaining REAL NOT NULL,
  valid_from INTEGER NOT NULL,
  expires_at INTEGER,
  zeroed_out_at INTEGER,
  zeroed_out_reason TEXT,
  plan_id TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS credit_grants_company ON credit_grants(company_id, credit_id);

CREATE TABLE IF NOT EXISTS credit_ledger (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  company_id TEXT NOT NULL,
  credit_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  amount REAL NOT NULL,
  grant_id TEXT,
  feature_id TEXT,
  usage_event_id TEXT,
  event_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS credit_ledger_company ON credit_ledger(company_id, event_at);

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

/**
 * Columns added after a table was first released: a database made before them gets them (`ALTER TABLE` cannot say
 * "if not exists", so the table's columns are read first).
 */
const ADDED_COLUMNS: ReadonlyArray<{ table: string; column: string; definition: string }> = [
  { table: "plans", column: "is_trialable", definition: "INTEGER NOT NULL DEFAULT 0" },
  { table: "plans", column: "trial_days", definition: "INTEGER" },
  { table: "plans", column: "charge_type", definition: "TEXT" },
  { table: "plans", column: "billing_product_id", definition: "TEXT" },
  { table: "plans", column: "monthly_price_id", definition: "TEXT" },
  { table: "plans", column: "yearly_price_id", definition: "TEXT" },
  { table: "plan_entitlements", column: "value_credit_id", definition: "TEXT" },
  { table: "plan_entitlements", column: "consumption_rate", definition: "REAL" }
]

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
      for (const added of ADDED_COLUMNS) {
        const columns = yield* sql<{ name: string }>`SELECT name FROM pragma_table_info(${added.table})`
        if (!columns.some((column) => column.name === added.column)) {
          yield* sql.unsafe(`ALTER TABLE ${added.table} ADD COLUMN ${added.column} ${added.definition}`)
        }
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
