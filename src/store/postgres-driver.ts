// PostgreSQL through pg: the scale-out engine. A pool for plain queries;
// each transaction runs on one client from the pool.
import pg from 'pg';
import { numberPlaceholders, type Row, type SqlDriver, type SqlExecutor, type SqlValue } from './sql-driver.ts';

export function openPostgres(url: string, opts: { max?: number } = {}): SqlDriver {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 4 });
  // An idle client's error (server restart) must not crash the process;
  // the next query reports it.
  pool.on('error', () => undefined);
  const on = (client: pg.Pool | pg.PoolClient): SqlExecutor => ({
    all: async (sql: string, params: SqlValue[] = []) => (await client.query(numberPlaceholders(sql), params)).rows as Row[],
    run: async (sql: string, params: SqlValue[] = []) => ({ changes: (await client.query(numberPlaceholders(sql), params)).rowCount ?? 0 }),
  });
  return {
    dialect: { name: 'postgres', blob: 'BYTEA', autoId: 'BIGSERIAL PRIMARY KEY', lockForClaim: ' FOR UPDATE SKIP LOCKED' },
    ...on(pool),
    tx: async <T>(fn: (q: SqlExecutor) => Promise<T>) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(on(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    exec: async (script: string) => { await pool.query(script); },
    close: async () => { await pool.end(); },
  };
}
