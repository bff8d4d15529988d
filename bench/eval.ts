// `npm run eval`: the rules measured on real kernel bugs (issues 7 and 8).
// Every bug pair of fixtures/lore/bugs is analysed as mail, its introducing
// patch and its fix apart; a hit is a warning or error on the introducing
// patch whose hazardClass fits the pair's class in INDEX.tsv, in a file the
// fix touches, or with a related location (a per-arch fact the rule names)
// in such a file. Clean patches, and the seed series' merged version, are
// negatives: any warning or error there is a false positive. Per rule, the
// findings on fixes and negatives count against its precision.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSeries } from '../src/analysis/analyze.ts';
import type { HazardClass, Finding } from '../src/analysis/finding.ts';
import { loadConfig } from '../src/config/load.ts';
import { ingest } from '../src/mail/ingest.ts';
import { readLocalInputs } from '../src/sources/local-files.ts';

const ROOT = join(import.meta.dirname, '..');
const BUGS = join(ROOT, 'fixtures/lore/bugs');
const CLEAN = join(ROOT, 'fixtures/lore/clean');
const THREADS = join(ROOT, 'fixtures/lore/threads');

/** INDEX.tsv's free-text class to the hazard classes that fit it. */
const CLASS_FITS: Array<[RegExp, HazardClass[]]> = [
  [/lazy MMU/i, ['lazy-mmu']],
  [/pte_offset_map/i, ['pte-map', 'rcu']],
  [/TLB|walk-cache|paging-structure/i, ['tlb-invalidate', 'table-free', 'mmu-gather']],
  [/page-table free|page table freed|free bug/i, ['table-free', 'tlb-invalidate']],
  [/GUP-fast/i, ['gup-fast', 'table-free', 'ordering']],
  [/race|retract/i, ['ordering', 'walker-sync', 'table-free', 'rcu']],
];

/**
 * Files that moved between an introducing patch and its fix: a finding in
 * the old file counts for the new one. Andrey Konovalov's "kasan: split out
 * shadow.c from common.c" (2020) moved the vmalloc shadow code of
 * 3c5c3cfb9ef4 to mm/kasan/shadow.c, the file the 2025 fixes touch.
 */
const FILE_MOVES: Readonly<Record<string, string>> = { 'mm/kasan/common.c': 'mm/kasan/shadow.c' };

const fixFileOf = (file: string): string => FILE_MOVES[file] ?? file;

export function fitsOf(indexClass: string): HazardClass[] {
  return [...new Set(CLASS_FITS.flatMap(([re, fits]) => (re.test(indexClass) ? fits : [])))];
}

interface Row {
  name: string;
  indexClass: string;
  fixFiles: string[];
  fixCommit: string;
  introCommit: string;
}

function indexRows(): Row[] {
  const [head, ...lines] = readFileSync(join(BUGS, 'INDEX.tsv'), 'utf8').trim().split('\n');
  const cols = (head ?? '').split('\t');
  const at = (cells: string[], name: string): string => cells[cols.indexOf(name)] ?? '';
  return lines
    .map((l) => l.split('\t'))
    .map((c) => ({
      name: at(c, 'name'),
      indexClass: at(c, 'class'),
      fixFiles: at(c, 'fix_files').split(/\s+/).filter(Boolean),
      fixCommit: at(c, 'fix_commit'),
      introCommit: at(c, 'introducing_commit'),
    }));
}

/** A commit id INDEX.tsv knows (not 'unknown', not 'NOT OBTAINED'), by its first 12 digits. */
const commitOf = (id: string): string | undefined => (/^[0-9a-f]{12,40}$/.test(id) ? id.slice(0, 12) : undefined);

const config = loadConfig();
if (!config.ok) throw new Error(`config: ${config.problems.map((p) => p.message).join('; ')}`);

/** Every rule the analysis ran, so the precision table lists the silent ones too. */
const ruleIds = new Set<string>();

async function findingsOf(paths: string[]): Promise<Finding[]> {
  const mail = await ingest(readLocalInputs(paths));
  const result = await analyzeSeries(mail.series, { relevance: config.ok ? config.config.relevance : { paths: [], identifiers: [] }, rules: {}, versions: 'all' });
  for (const r of result.rules) ruleIds.add(r.id);
  return result.findings;
}

const serious = (f: Finding): boolean => f.severity !== 'info';
const brief = (f: Finding): string => `${f.ruleId}@${f.file}:${f.line}(${f.severity[0]})`;
const list = (fs: Finding[] | undefined): string => (fs === undefined ? 'not obtained' : fs.length === 0 ? '—' : fs.map(brief).join(', '));

/** `rule (file) ×n (e)`: findings grouped by rule, file and severity, for the table. */
function grouped(fs: Finding[]): string {
  if (fs.length === 0) return '—';
  const groups = new Map<string, number>();
  for (const f of fs) {
    const key = `${f.ruleId} (${f.file}) | (${f.severity[0]})`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups].map(([k, n]) => k.replace(' | ', n > 1 ? ` ×${n} ` : ' ')).join(', ');
}
const percent = (n: number, of: number): string => (of === 0 ? '—' : `${((100 * n) / of).toFixed(0)}%`);

/** How `f` hits `row`: in a file the fix touches, through a related location there, or not at all. */
function hitOf(f: Finding, row: Row): 'file' | 'related' | undefined {
  if (!serious(f) || !fitsOf(row.indexClass).includes(f.hazardClass)) return undefined;
  if (row.fixFiles.includes(fixFileOf(f.file))) return 'file';
  return f.related?.some((r) => row.fixFiles.includes(fixFileOf(r.file))) ? 'related' : undefined;
}

interface PairResult {
  row: Row;
  intro?: Finding[];
  fix: Finding[];
  via?: 'file' | 'related';
}

async function pairResults(): Promise<PairResult[]> {
  const out: PairResult[] = [];
  for (const row of indexRows()) {
    const dir = join(BUGS, row.name);
    const intro = join(dir, 'introducing.patch');
    const fix = join(dir, 'fix.patch');
    const introFindings = existsSync(intro) ? await findingsOf([intro]) : undefined;
    const fixFindings = existsSync(fix) ? await findingsOf([fix]) : [];
    const vias = (introFindings ?? []).map((f) => hitOf(f, row));
    const via = vias.includes('file') ? 'file' : vias.includes('related') ? 'related' : undefined;
    out.push({ row, ...(introFindings ? { intro: introFindings } : {}), fix: fixFindings, ...(via ? { via } : {}) });
  }
  return out;
}

function bugLines(pairs: PairResult[]): string[] {
  const lines = [
    '| pair | class (INDEX.tsv) | introducing: findings that hit | introducing: other findings | fix: findings | result |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of pairs) {
    const verdict = p.intro === undefined ? 'n/a' : p.via === 'file' ? 'hit' : p.via === 'related' ? 'hit (related location)' : 'miss';
    const hitting = (p.intro ?? []).filter((f) => hitOf(f, p.row) !== undefined);
    const other = (p.intro ?? []).filter((f) => hitOf(f, p.row) === undefined);
    const intro = p.intro === undefined ? ['not in corpus', '—'] : [grouped(hitting), grouped(other)];
    lines.push(`| ${p.row.name} | ${p.row.indexClass} | ${intro.join(' | ')} | ${grouped(p.fix)} | ${verdict} |`);
  }
  return lines;
}

interface Negative {
  label: string;
  findings: Finding[];
}

async function cleanNegatives(): Promise<Negative[]> {
  const out: Negative[] = [];
  for (const file of readdirSync(CLEAN).filter((f) => f.endsWith('.patch')).sort()) out.push({ label: file, findings: await findingsOf([join(CLEAN, file)]) });
  return out;
}

/** The seed series of SEEDS.md, each version with what the bot should say; `negative` ones count as clean. */
const SEEDS: Array<{ thread: string; file: string; label: string; expect: string; negative?: true }> = [
  { thread: 'arm64_vmalloc_huge_ptdump', file: '0001.eml', label: 'ptdump v1', expect: 'design warning, no race' },
  { thread: 'arm64_vmalloc_huge_ptdump', file: '0003.eml', label: 'ptdump v2', expect: 'design warning, no race' },
  { thread: 'arm64_vmalloc_huge_ptdump', file: '0004.eml', label: 'ptdump v4', expect: 'static-key finding' },
  { thread: 'arm64_vmalloc_huge_ptdump', file: '0006.eml', label: 'ptdump v5', expect: 'static-key finding' },
  { thread: 'arm64_vmalloc_huge_ptdump', file: '0009.eml', label: 'ptdump v6 (merged)', expect: 'no race finding (negative)', negative: true },
];

async function seeds(): Promise<{ lines: string[]; negatives: Negative[] }> {
  const lines = ['| seed | expected | findings |', '| --- | --- | --- |'];
  const negatives: Negative[] = [];
  for (const s of SEEDS) {
    const path = join(THREADS, s.thread, s.file);
    if (!existsSync(path)) continue;
    const fs = await findingsOf([path]);
    if (s.negative) negatives.push({ label: s.label, findings: fs });
    lines.push(`| ${s.label} | ${s.expect} | ${fs.length === 0 ? '—' : fs.map((f) => `${brief(f)} [${f.hazardClass}]`).join(', ')} |`);
  }
  return { lines, negatives };
}

interface RuleTally {
  hits: number;
  introOther: number;
  onFixes: number;
  onFixesIntroducing: number;
  onNegatives: number;
  /** Info findings on fixes and negatives: noise a reader sees, not counted. */
  infoNoise: number;
}

/**
 * Per rule, warnings and errors only, each distinct patch once (two pairs
 * may share an introducing patch). A finding on a fix that is itself the
 * introducing patch of another pair (c519c3c0a113) and hits that pair is
 * shown apart, not counted against the rule: that fix did introduce the
 * next bug.
 */
function ruleTallies(pairs: PairResult[], negatives: Negative[]): Map<string, RuleTally> {
  const tallies = new Map<string, RuleTally>();
  const tally = (id: string): RuleTally => {
    let t = tallies.get(id);
    if (!t) tallies.set(id, (t = { hits: 0, introOther: 0, onFixes: 0, onFixesIntroducing: 0, onNegatives: 0, infoNoise: 0 }));
    return t;
  };
  const pairsIntroducedBy = (commit: string | undefined, name: string): PairResult[] =>
    pairs.filter((p) => p.intro !== undefined && (commit !== undefined ? commitOf(p.row.introCommit) === commit : p.row.name === name));
  const seenIntro = new Set<string>();
  for (const p of pairs) {
    if (p.intro === undefined) continue;
    const key = commitOf(p.row.introCommit) ?? p.row.name;
    if (seenIntro.has(key)) continue;
    seenIntro.add(key);
    const sharing = pairsIntroducedBy(commitOf(p.row.introCommit), p.row.name);
    for (const f of p.intro.filter(serious)) {
      if (sharing.some((q) => hitOf(f, q.row))) tally(f.ruleId).hits++;
      else tally(f.ruleId).introOther++;
    }
  }
  for (const p of pairs) {
    const introducesNext = pairsIntroducedBy(commitOf(p.row.fixCommit), '\u0000');
    for (const f of p.fix.filter(serious)) {
      if (commitOf(p.row.fixCommit) !== undefined && introducesNext.some((q) => hitOf(f, q.row))) tally(f.ruleId).onFixesIntroducing++;
      else tally(f.ruleId).onFixes++;
    }
  }
  for (const n of negatives) for (const f of n.findings.filter(serious)) tally(f.ruleId).onNegatives++;
  for (const f of [...pairs.flatMap((p) => p.fix), ...negatives.flatMap((n) => n.findings)]) if (!serious(f)) tally(f.ruleId).infoNoise++;
  for (const id of ruleIds) tally(id);
  return tallies;
}

function precisionLines(tallies: Map<string, RuleTally>): string[] {
  const lines = [
    '| rule | hits on introducing patches | other w/e on introducing patches | w/e on fixes | on fixes that introduce another pair\'s bug | w/e on negatives | precision | info on fixes and negatives |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [id, t] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
    const against = t.onFixes + t.onNegatives;
    lines.push(`| ${id} | ${t.hits} | ${t.introOther} | ${t.onFixes} | ${t.onFixesIntroducing} | ${t.onNegatives} | ${percent(t.hits, t.hits + against)} | ${t.infoNoise} |`);
  }
  return lines;
}

const pairs = await pairResults();
const clean = await cleanNegatives();
const seed = await seeds();
const negatives = [...clean, ...seed.negatives];
const scored = pairs.filter((p) => p.intro !== undefined);
const hits = scored.filter((p) => p.via !== undefined);
const byRelated = hits.filter((p) => p.via === 'related').length;
const flagged = negatives.filter((n) => n.findings.some(serious));
const count = (s: Finding['severity']): number => clean.flatMap((n) => n.findings).filter((f) => f.severity === s).length;
const fixSerious = pairs.flatMap((p) => p.fix).filter(serious).length;
process.stdout.write(
  [
    `recall: ${hits.length} hit(s) of ${scored.length} introducing patches (${percent(hits.length, scored.length)})` +
      (byRelated > 0 ? `, ${byRelated} of them through a related location` : ''),
    `negatives with a warning or error: ${flagged.length} of ${negatives.length} (${percent(flagged.length, negatives.length)})` +
      (flagged.length > 0 ? `: ${flagged.map((n) => n.label).join(', ')}` : ''),
    `clean patches: ${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info`,
    `fix patches: ${fixSerious} warning(s) or error(s)`,
    '',
    ...bugLines(pairs),
    '',
    '| clean patch | findings |',
    '| --- | --- |',
    ...clean.map((n) => `| ${n.label} | ${list(n.findings)} |`),
    '',
    ...seed.lines,
    '',
    'per-rule precision (warnings and errors; hits / (hits + on fixes + on negatives)):',
    '',
    ...precisionLines(ruleTallies(pairs, negatives)),
    '',
  ].join('\n'),
);
