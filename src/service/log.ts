// Structured logs: one JSON object a line on stderr (or any writer), with
// time, level and event; what operators grep and ship.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, event: string, fields?: Record<string, unknown>) => void;

export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l), now: () => Date = () => new Date()): Logger {
  return (level, event, fields = {}) => {
    write(JSON.stringify({ time: now().toISOString(), level, event, ...fields }) + '\n');
  };
}

export const silentLog: Logger = () => undefined;
