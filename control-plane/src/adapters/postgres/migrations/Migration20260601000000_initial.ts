/**
 * The initial schema, written by hand so that every CHECK, partial index and
 * foreign key is exactly what the stores rely on. Forward-only: a later change
 * is a new migration, never an edit of this one (the test template database is
 * named after a hash of this folder, so an edit would silently fork schemas).
 *
 * Credit invariants the constraints and the stores keep together:
 *   credit_accounts.balance == Σ topup − Σ capture            (ledger)
 *   credit_accounts.held    == Σ hold − Σ capture − Σ release (ledger)
 *   credit_accounts.held    == Σ jobs.held_credits of the org  (open holds)
 *   0 <= held <= balance, and a job in a terminal status holds nothing.
 */
import { Migration } from "@mikro-orm/migrations";

const STATUSES = "'waiting', 'dispatched', 'running', 'complete', 'failed', 'cancelled'";
const TERMINAL = "'complete', 'failed', 'cancelled'";

const STATEMENTS: readonly string[] = [
  `create table plans (
    name text primary key,
    requests_per_minute integer not null check (requests_per_minute > 0),
    max_concurrent_jobs integer not null check (max_concurrent_jobs > 0),
    max_input_bytes bigint not null check (max_input_bytes > 0),
    max_execution_seconds integer not null check (max_execution_seconds > 0)
  )`,
  `insert into plans (name, requests_per_minute, max_concurrent_jobs, max_input_bytes, max_execution_seconds) values
    ('free', 30, 1, 104857600, 300),
    ('pro', 300, 25, 2147483648, 900)`,

  `create table orgs (
    id text primary key check (starts_with(id, 'org_')),
    name text not null,
    plan text not null constraint orgs_plan_foreign references plans (name),
    suspended boolean not null default false,
    created_at timestamptz not null default now()
  )`,

  `create table api_keys (
    id text primary key,
    org_id text not null constraint api_keys_org_id_foreign references orgs (id),
    hash text not null constraint api_keys_hash_unique unique,
    prefix text not null,
    scopes text[] not null default '{}',
    test_mode boolean not null default false,
    name text not null default '',
    expires_at timestamptz null,
    revoked_at timestamptz null,
    last_used_at timestamptz null,
    created_at timestamptz not null default now()
  )`,
  `create index api_keys_org_id_idx on api_keys (org_id)`,

  `create table agents (
    id text primary key check (starts_with(id, 'agt_')),
    name text not null,
    token_hash text not null constraint agents_token_hash_unique unique,
    job_types text[] not null default '{}',
    labels jsonb not null default '{}',
    slots integer not null default 1 check (slots >= 1),
    version text not null default '',
    last_heartbeat_at timestamptz null,
    created_at timestamptz not null default now()
  )`,

  `create table job_types (
    name text primary key,
    description text not null default '',
    params_schema jsonb not null default '{}',
    max_execution_seconds integer not null check (max_execution_seconds > 0),
    queue_ttl_seconds integer not null check (queue_ttl_seconds > 0),
    base_credits bigint not null default 0 check (base_credits >= 0),
    credits_per_second bigint not null default 0 check (credits_per_second >= 0),
    allowed_plans text[] not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`,

  `create table jobs (
    id text primary key,
    org_id text not null constraint jobs_org_id_foreign references orgs (id),
    type text not null constraint jobs_type_foreign references job_types (name),
    status text not null check (status in (${STATUSES})),
    attempt integer not null default 1 check (attempt >= 1),
    priority integer not null default 0,
    params jsonb not null default '{}',
    inputs jsonb not null default '[]',
    progress jsonb null,
    steps jsonb not null default '[]',
    error jsonb null,
    output jsonb null,
    estimated_credits bigint not null default 0 check (estimated_credits >= 0),
    actual_credits bigint null check (actual_credits >= 0),
    held_credits bigint not null default 0 check (held_credits >= 0),
    test_mode boolean not null default false,
    idempotency_key text null,
    api_key_id text null constraint jobs_api_key_id_foreign references api_keys (id),
    agent_id text null constraint jobs_agent_id_foreign references agents (id),
    cancel_requested boolean not null default false,
    deadline_at timestamptz null,
    version integer not null default 1,
    created_at timestamptz not null default now(),
    dispatched_at timestamptz null,
    started_at timestamptz null,
    completed_at timestamptz null,
    updated_at timestamptz not null default now(),
    constraint jobs_terminal_holds_nothing check (status not in (${TERMINAL}) or held_credits = 0)
  )`,
  // The dispatcher: next waiting jobs of one org, highest priority first, then oldest.
  `create index jobs_waiting_idx on jobs (org_id, priority desc, created_at) where status = 'waiting'`,
  // The sweeper: running jobs past their deadline; dispatched jobs past their queue TTL.
  `create index jobs_running_deadline_idx on jobs (deadline_at) where status = 'running'`,
  `create index jobs_dispatched_at_idx on jobs (dispatched_at) where status = 'dispatched'`,
  // Plan concurrency: an org's dispatched + running jobs.
  `create index jobs_active_org_idx on jobs (org_id) where status in ('dispatched', 'running')`,
  // ListJobs: newest first, keyset-paginated on (created_at, id).
  `create index jobs_org_listing_idx on jobs (org_id, created_at desc, id desc)`,
  `create unique index jobs_org_idempotency_key_uniq on jobs (org_id, idempotency_key) where idempotency_key is not null`,

  // The outbox. `sequence` is assigned after commit by one sequencer (under an
  // advisory lock), so readers following it never see a gap fill in later.
  `create table job_events (
    id bigserial primary key,
    event_id text not null constraint job_events_event_id_unique unique check (starts_with(event_id, 'evt_')),
    org_id text not null constraint job_events_org_id_foreign references orgs (id),
    job_id text not null constraint job_events_job_id_foreign references jobs (id),
    attempt integer not null check (attempt >= 1),
    type text not null,
    status text not null check (status in (${STATUSES})),
    payload jsonb not null,
    occurred_at timestamptz not null default now(),
    sequence bigint null constraint job_events_sequence_unique unique,
    published_at timestamptz null
  )`,
  `create index job_events_org_sequence_idx on job_events (org_id, sequence)`,
  `create index job_events_job_sequence_idx on job_events (job_id, sequence)`,
  `create index job_events_unsequenced_idx on job_events (id) where sequence is null`,
  `create index job_events_unpublished_idx on job_events (sequence) where published_at is null and sequence is not null`,

  `create table credit_accounts (
    org_id text primary key constraint credit_accounts_org_id_foreign references orgs (id),
    balance bigint not null default 0,
    held bigint not null default 0,
    updated_at timestamptz not null default now(),
    constraint credit_accounts_held_non_negative check (held >= 0),
    constraint credit_accounts_balance_covers_held check (balance >= held)
  )`,

  `create table credit_ledger (
    id bigserial primary key,
    org_id text not null constraint credit_ledger_org_id_foreign references credit_accounts (org_id),
    kind text not null check (kind in ('topup', 'hold', 'capture', 'release')),
    amount bigint not null check (amount > 0),
    job_id text null constraint credit_ledger_job_id_foreign references jobs (id),
    attempt integer null check (attempt >= 1),
    memo text not null default '',
    created_at timestamptz not null default now()
  )`,
  `create index credit_ledger_org_idx on credit_ledger (org_id, id desc)`,
  `create index credit_ledger_job_idx on credit_ledger (job_id) where job_id is not null`,

  `create table webhook_endpoints (
    id text primary key check (starts_with(id, 'whe_')),
    org_id text not null constraint webhook_endpoints_org_id_foreign references orgs (id),
    url text not null,
    secret text not null,
    previous_secret text null,
    previous_secret_expires_at timestamptz null,
    events text[] not null default '{}',
    description text not null default '',
    active boolean not null default true,
    disabled_reason text null,
    consecutive_failures integer not null default 0 check (consecutive_failures >= 0),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`,
  `create index webhook_endpoints_org_idx on webhook_endpoints (org_id)`,

  // event_id is deliberately not a foreign key: job_events may be pruned by
  // retention while delivery history is kept.
  `create table webhook_deliveries (
    id text primary key check (starts_with(id, 'whd_')),
    endpoint_id text not null constraint webhook_deliveries_endpoint_id_foreign references webhook_endpoints (id) on delete cascade,
    event_id text not null,
    event_type text not null,
    payload jsonb not null,
    status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    attempts integer not null default 0 check (attempts >= 0),
    next_at timestamptz null,
    last_status_code integer null,
    last_error text null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint webhook_deliveries_endpoint_event_uniq unique (endpoint_id, event_id)
  )`,
  `create index webhook_deliveries_due_idx on webhook_deliveries (next_at) where status = 'pending'`,
];

export class Migration20260601000000_initial extends Migration {
  override name = "Migration20260601000000_initial";

  override up(): void {
    for (const statement of STATEMENTS) this.addSql(statement);
  }

  override down(): void {
    throw new Error("migrations are forward-only: restore a backup or write a new migration");
  }
}
