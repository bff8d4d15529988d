// The little the store needs from a SQL engine. Statements are written once
// with `?` placeholders; the PostgreSQL driver numbers them ($1, $2, ...).

export type SqlValue = string | number | bigint | Buffer | null;
export type Row = Record<string, unknown>;

export interface SqlDialect {
  name: 'sqlite' | 'postgres';
  /** Column type for raw message bytes. */
  blob: string;
  /** An auto-numbered integer primary key. */
  autoId: string;
  /** Appended to a SELECT that picks a job to claim. */
  lockForClaim: string;
}

export interface SqlExecutor {
  all(sql: string, params?: SqlValue[]): Promise<Row[]>;
  run(sql: string, params?: SqlValue[]): Promise<{ changes: number }>;
}

export interface SqlDriver extends SqlExecutor {
  dialect: SqlDialect;
  /** Runs `fn` in one transaction (serialised within this process). */
  tx<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T>;
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

/** `?` to `$n`, outside string literals. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let out = '';
  let inString = false;
  for (const ch of sql) {
    if (ch === "'") inString = !inString;
    out += !inString && ch === '?' ? `$${++n}` : ch;
  }
  return out;
}

/** A promise chain used as a mutex: one transaction at a time per driver. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
