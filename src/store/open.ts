// Opens the configured store engine.
import type { Config } from '../config/schema.ts';
import { openPostgres } from './postgres-driver.ts';
import { SqlStore } from './sql-store.ts';
import { openSqlite } from './sqlite-driver.ts';
import type { Store } from './types.ts';

export async function openStore(config: Config['store']): Promise<Store> {
  let store: SqlStore;
  if (config.engine === 'postgres') {
    if (!config.postgresUrl) throw new Error('store.engine is postgres but store.postgresUrl (PTBOT_POSTGRES_URL) is not set');
    store = new SqlStore(openPostgres(config.postgresUrl));
  } else {
    store = new SqlStore(openSqlite(config.sqlitePath));
  }
  await store.migrate();
  return store;
}
