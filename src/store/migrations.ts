// Schema versions, applied in order and recorded in ptbot_schema; each
// migration runs in one transaction. Never edit a released migration: add
// the next one.
import type { SqlDialect } from './sql-driver.ts';

export interface Migration {
  version: number;
  description: string;
  statements: (d: SqlDialect) => string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'ledger, cursors, analyses, findings, replies, leases',
    statements: (d) => [
      `CREATE TABLE messages (
        message_id TEXT PRIMARY KEY,
        list TEXT NOT NULL,
        source TEXT NOT NULL,
        state TEXT NOT NULL,
        raw ${d.blob},
        received_at BIGINT,
        seen_at BIGINT NOT NULL,
        parsed_at BIGINT,
        thread_root TEXT,
        series_id TEXT,
        version INTEGER,
        no_review TEXT,
        error TEXT
      )`,
      `CREATE INDEX messages_state ON messages (state, seen_at)`,
      `CREATE INDEX messages_series ON messages (series_id, version)`,
      `CREATE TABLE cursors (
        list TEXT NOT NULL,
        source TEXT NOT NULL,
        cursor TEXT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (list, source)
      )`,
      `CREATE TABLE analyses (
        id ${d.autoId},
        series_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        message_ids TEXT NOT NULL,
        reason TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_until BIGINT,
        summary TEXT,
        error TEXT,
        created_at BIGINT NOT NULL,
        finished_at BIGINT,
        UNIQUE (series_id, version, revision)
      )`,
      `CREATE INDEX analyses_state ON analyses (state, id)`,
      `CREATE TABLE findings (
        analysis_id BIGINT NOT NULL REFERENCES analyses (id),
        series_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        finding_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (analysis_id, finding_id)
      )`,
      `CREATE INDEX findings_series ON findings (series_id, version)`,
      `CREATE TABLE replies (
        id ${d.autoId},
        analysis_id BIGINT NOT NULL REFERENCES analyses (id),
        message_id TEXT NOT NULL UNIQUE,
        in_reply_to TEXT NOT NULL,
        rfc822 TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        sent_at BIGINT
      )`,
      `CREATE INDEX replies_due ON replies (state, next_attempt_at)`,
      `CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        until BIGINT NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    description: 'parsed messages kept as JSON for series assembly',
    statements: () => [
      'ALTER TABLE messages ADD COLUMN parsed_json TEXT',
      'ALTER TABLE messages ADD COLUMN is_patch INTEGER',
      'CREATE INDEX messages_patches ON messages (list, is_patch)',
    ],
  },
];
