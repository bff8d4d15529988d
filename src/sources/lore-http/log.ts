// Structured log lines for everything the lore client does that an operator
// may need to see: each retry with its reason and wait, each final failure.
// The logger is injected; the default writes one JSON object per line.

export type LoreLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LoreLogEntry {
  level: LoreLogLevel;
  /** `request`, `retry`, `give-up`, `not-modified`, `problem`, ... */
  event: string;
  /** A readable one-line summary naming the URL and the reason. */
  msg: string;
  url?: string;
  method?: string;
  status?: number;
  attempt?: number;
  maxAttempts?: number;
  /** Milliseconds waited before the next attempt. */
  delayMs?: number;
  reason?: string;
}

export type LoreLogger = (entry: LoreLogEntry) => void;

export const silentLogger: LoreLogger = () => {};

/** One JSON line per entry, with a timestamp, to the given writer (stderr by default). */
export function jsonLineLogger(
  write: (line: string) => void = (line) => { process.stderr.write(line); },
  now: () => number = Date.now,
): LoreLogger {
  return (entry) => write(JSON.stringify({ time: new Date(now()).toISOString(), source: 'lore', ...entry }) + '\n');
}
