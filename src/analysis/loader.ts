// Loading rules/: one rule per `<id>.ts` (or `.js` once built) exporting
// `default` or `rule`, with its documentation beside it in `<id>.md`. This is
// the engine's only disk access, kept at the edge: the caller loads once and
// hands the rules to analyzeSeriesWith().
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HAZARD_CLASSES } from './finding.ts';
import type { Rule } from './rule-api.ts';

/** The repository's rules/ folder. */
export const DEFAULT_RULES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../rules');

const RULE_FILE = /^[a-z0-9][a-z0-9-]*\.(ts|js)$/;

export function ruleFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => RULE_FILE.test(f) && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => join(dir, f));
}

/** Why a loaded module is not a usable rule, or undefined when it is. */
export function ruleProblem(rule: unknown, file: string): string | undefined {
  const id = basename(file, extname(file));
  if (typeof rule !== 'object' || rule === null) return `${file}: exports no rule (default or \`rule\`)`;
  const r = rule as Partial<Rule>;
  if (typeof r.check !== 'function') return `${file}: rule has no check(context)`;
  const meta = r.meta;
  if (!meta || meta.id !== id) return `${file}: meta.id must be '${id}'`;
  if (!(HAZARD_CLASSES as readonly string[]).includes(meta.hazardClass)) {
    return `${file}: unknown hazardClass '${String(meta.hazardClass)}'`;
  }
  if (!['error', 'warning', 'info'].includes(meta.severity)) return `${file}: bad severity '${meta.severity}'`;
  if (!docsCandidates(file, meta.docs).some((p) => existsSync(p))) {
    return `${file}: documentation ${id}.md is missing`;
  }
  return undefined;
}

/**
 * Where a rule's docs may be: beside the rule file, or at `meta.docs` from
 * the repository root (in the production image the rules run compiled from
 * dist/rules/ while their .md pages stay in rules/).
 */
function docsCandidates(file: string, docs: string): string[] {
  const dir = dirname(file);
  return [join(dir, basename(docs)), resolve(dir, '..', docs), resolve(dir, '../..', docs)];
}

/** Import every rule in `dir`; a broken rule file is an error naming it. */
export async function loadRules(dir: string = DEFAULT_RULES_DIR): Promise<Rule[]> {
  const rules: Rule[] = [];
  for (const file of ruleFiles(dir)) {
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown; rule?: unknown };
    const rule = mod.default ?? mod.rule;
    const problem = ruleProblem(rule, file);
    if (problem) throw new Error(problem);
    rules.push(rule as Rule);
  }
  return rules;
}
