// Loading the configuration: config/default.yaml, then the user's file
// (objects merge, lists replace), then PTBOT_* environment variables, then
// validation against the schema. Every problem is reported, not just the
// first, with the file and key it concerns.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { configSchema, SECRET_PATHS, type Config } from './schema.ts';

export interface ConfigProblem {
  /** The file or variable the problem is in. */
  source: string;
  /** Dotted key path, or `line:col` for a syntax error. */
  key: string;
  message: string;
}

export type ConfigResult =
  | { ok: true; config: Config; sources: string[] }
  | { ok: false; problems: ConfigProblem[]; sources: string[] };

type Plain = { [k: string]: unknown };

/** Environment variables and the keys they set; numbers are parsed. */
export const ENV_KEYS: Record<string, { path: string; type: 'string' | 'number' }> = {
  PTBOT_STORE_ENGINE: { path: 'store.engine', type: 'string' },
  PTBOT_SQLITE_PATH: { path: 'store.sqlitePath', type: 'string' },
  PTBOT_POSTGRES_URL: { path: 'store.postgresUrl', type: 'string' },
  PTBOT_REPLY_MODE: { path: 'reply.mode', type: 'string' },
  PTBOT_OUTBOX_DIR: { path: 'reply.outboxDir', type: 'string' },
  PTBOT_SMTP_HOST: { path: 'reply.smtp.host', type: 'string' },
  PTBOT_SMTP_PORT: { path: 'reply.smtp.port', type: 'number' },
  PTBOT_SMTP_USER: { path: 'reply.smtp.user', type: 'string' },
  PTBOT_SMTP_PASSWORD: { path: 'reply.smtp.password', type: 'string' },
  PTBOT_GITHUB_APP_ID: { path: 'github.appId', type: 'number' },
  PTBOT_GITHUB_PRIVATE_KEY: { path: 'github.privateKey', type: 'string' },
  PTBOT_GITHUB_PRIVATE_KEY_PATH: { path: 'github.privateKeyPath', type: 'string' },
  PTBOT_GITHUB_WEBHOOK_SECRET: { path: 'github.webhookSecret', type: 'string' },
  PTBOT_KERNEL_TREE: { path: 'analysis.kernelTree', type: 'string' },
  PTBOT_LORE_URL: { path: 'lore.baseUrl', type: 'string' },
};

export function defaultConfigPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'config', 'default.yaml'))) return join(dir, 'config', 'default.yaml');
    dir = dirname(dir);
  }
  throw new Error('config/default.yaml not found beside package.json');
}

export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): ConfigResult {
  const problems: ConfigProblem[] = [];
  const sources: string[] = [];
  const defPath = defaultConfigPath();
  let merged: Plain = readYaml(defPath, problems) ?? {};
  sources.push(defPath);
  if (opts.file) {
    sources.push(opts.file);
    const user = readYaml(opts.file, problems);
    if (user) merged = deepMerge(merged, user);
  }
  const env = opts.env ?? process.env;
  for (const [name, { path, type }] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    sources.push(`$${name}`);
    if (type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) { problems.push({ source: `$${name}`, key: path, message: `not a number: '${value}'` }); continue; }
      setPath(merged, path, n);
    } else {
      setPath(merged, path, value);
    }
  }
  if (problems.length) return { ok: false, problems, sources };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.map(String).join('.') || '(top level)';
      let message = issue.message;
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) problems.push({ source: opts.file ?? defPath, key: key === '(top level)' ? k : `${key}.${k}`, message: 'unknown key' });
        continue;
      }
      if (issue.code === 'invalid_type' && message.startsWith('Invalid input')) message = message.replace('Invalid input: ', '');
      problems.push({ source: opts.file ?? defPath, key, message });
    }
    return { ok: false, problems, sources };
  }
  return { ok: true, config: parsed.data, sources };
}

function readYaml(path: string, problems: ConfigProblem[]): Plain | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : '';
    problems.push({ source: path, key: '(file)', message: code === 'ENOENT' ? 'no such file' : `cannot read: ${String(err)}` });
    return undefined;
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    for (const e of doc.errors) {
      const pos = e.linePos?.[0];
      problems.push({ source: path, key: pos ? `${pos.line}:${pos.col}` : '(syntax)', message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '') });
    }
    return undefined;
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ source: path, key: '(top level)', message: 'expected a mapping of keys to values' });
    return undefined;
  }
  return value as Plain;
}

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlain(b) && isPlain(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function setPath(obj: Plain, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (!isPlain(next)) cur[p] = {};
    cur = cur[p] as Plain;
  }
  cur[parts[parts.length - 1] ?? path] = value;
}

/** A copy of the config with every secret that is set replaced by `****`. */
export function maskSecrets(config: Config): Plain {
  const copy = JSON.parse(JSON.stringify(config)) as Plain;
  for (const path of SECRET_PATHS) {
    const parts = path.split('.');
    let cur: unknown = copy;
    for (const p of parts.slice(0, -1)) cur = isPlain(cur) ? cur[p] : undefined;
    const last = parts[parts.length - 1] ?? '';
    if (isPlain(cur) && cur[last] !== undefined) {
      cur[last] = path === 'store.postgresUrl' ? String(cur[last]).replace(/\/\/([^:/@]+):[^@]*@/, '//$1:****@') : '****';
    }
  }
  return copy;
}
