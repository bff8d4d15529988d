// SQLite through better-sqlite3: the embedded default. WAL mode and
// `synchronous=FULL` so that a committed step survives kill -9 and power
// loss; BEGIN IMMEDIATE so a transaction takes the write lock up front
// (another process sharing the file waits rather than failing mid-step).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Serial, type Row, type SqlDriver, type SqlExecutor, type SqlValue } from './sql-driver.ts';

export function openSqlite(path: string): SqlDriver {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  const serial = new Serial();
  const exec: SqlExecutor = {
    all: async (sql: string, params: SqlValue[] = []) => db.prepare(sql).all(...params) as Row[],
    run: async (sql: string, params: SqlValue[] = []) => ({ changes: db.prepare(sql).run(...params).changes }),
  };
  return {
    dialect: { name: 'sqlite', blob: 'BLOB', autoId: 'INTEGER PRIMARY KEY AUTOINCREMENT', lockForClaim: '' },
    ...exec,
    tx: <T>(fn: (q: SqlExecutor) => Promise<T>) => serial.run(async () => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(exec);
        db.exec('COMMIT');
        return out;
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
    }),
    exec: async (script: string) => { db.exec(script); },
    close: async () => { db.close(); },
  };
}
