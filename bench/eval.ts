// `npm run eval`: the rules measured on real kernel bugs (issue 7). Every
// bug pair of fixtures/lore/bugs is analysed as mail, its introducing patch
// and its fix apart; a hit is a warning or error on the introducing patch
// whose hazardClass fits the pair's class in INDEX.tsv, in a file the fix
// touches. Clean patches, and the seed series' merged versions, are
// negatives: any warning or error there is a false positive.
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
}

function indexRows(): Row[] {
  const [head, ...lines] = readFileSync(join(BUGS, 'INDEX.tsv'), 'utf8').trim().split('\n');
  const cols = (head ?? '').split('\t');
  const at = (cells: string[], name: string): string => cells[cols.indexOf(name)] ?? '';
  return lines.map((l) => l.split('\t')).map((c) => ({ name: at(c, 'name'), indexClass: at(c, 'class'), fixFiles: at(c, 'fix_files').split(/\s+/).filter(Boolean) }));
}

const config = loadConfig();
if (!config.ok) throw new Error(`config: ${config.problems.map((p) => p.message).join('; ')}`);

async function findingsOf(paths: string[]): Promise<Finding[]> {
  const mail = await ingest(readLocalInputs(paths));
  const result = await analyzeSeries(mail.series, { relevance: config.ok ? config.config.relevance : { paths: [], identifiers: [] }, rules: {}, versions: 'all' });
  return result.findings;
}

const serious = (f: Finding): boolean => f.severity !== 'info';
const brief = (f: Finding): string => `${f.ruleId}@${f.file}:${f.line}(${f.severity[0]})`;

/** One table row per bug pair. */
async function bugTable(): Promise<{ lines: string[]; hits: number; scored: number }> {
  const lines = ['| pair | class (INDEX.tsv) | introducing: findings | fix: findings | hit |', '| --- | --- | --- | --- | --- |'];
  let hits = 0;
  let scored = 0;
  for (const row of indexRows()) {
    const dir = join(BUGS, row.name);
    const intro = join(dir, 'introducing.patch');
    const fix = join(dir, 'fix.patch');
    const fits = fitsOf(row.indexClass);
    const introFindings = existsSync(intro) ? await findingsOf([intro]) : undefined;
    const fixFindings = existsSync(fix) ? await findingsOf([fix]) : [];
    const hit = introFindings?.some((f) => serious(f) && fits.includes(f.hazardClass) && row.fixFiles.includes(fixFileOf(f.file)));
    if (introFindings) {
      scored++;
      if (hit) hits++;
    }
    const list = (fs: Finding[] | undefined): string => (fs === undefined ? 'not obtained' : fs.length === 0 ? '—' : fs.map(brief).join(', '));
    lines.push(`| ${row.name} | ${row.indexClass} | ${list(introFindings)} | ${list(fixFindings)} | ${introFindings === undefined ? 'n/a' : hit ? 'hit' : 'miss'} |`);
  }
  return { lines, hits, scored };
}

async function cleanTable(): Promise<{ lines: string[]; errors: number; warnings: number }> {
  const lines = ['| clean patch | findings |', '| --- | --- |'];
  let errors = 0;
  let warnings = 0;
  for (const file of readdirSync(CLEAN).filter((f) => f.endsWith('.patch')).sort()) {
    const fs = await findingsOf([join(CLEAN, file)]);
    errors += fs.filter((f) => f.severity === 'error').length;
    warnings += fs.filter((f) => f.severity === 'warning').length;
    lines.push(`| ${file} | ${fs.length === 0 ? '—' : fs.map(brief).join(', ')} |`);
  }
  return { lines, errors, warnings };
}

/** The seed series of SEEDS.md, each version with what the bot should say. */
const SEEDS: Array<{ thread: string; file: string; label: string; expect: string }> = [
  { thread: 'arm64_vmalloc_huge_ptdump', file: '0001.eml', label: 'ptdump v1', expect: 'design warning, no race' },
  { thread: 'arm64_vmalloc_huge_ptdump', file: '0003.eml', label: 'ptdump v2', expect: 'design warning, no race' },
  { thread: 'arm64_vmalloc_huge_ptdump', file: '0004.eml', label: 'ptdump v4', expect: 'static-key finding' },
  { thread: 'arm64_vmalloc_huge_ptdump', file: '0006.eml', label: 'ptdump v5', expect: 'static-key finding' },
  { thread: 'arm64_vmalloc_huge_ptdump', file: '0009.eml', label: 'ptdump v6 (merged)', expect: 'no race finding (negative)' },
];

async function seedTable(): Promise<string[]> {
  const lines = ['| seed | expected | findings |', '| --- | --- | --- |'];
  for (const s of SEEDS) {
    const path = join(THREADS, s.thread, s.file);
    if (!existsSync(path)) continue;
    const fs = await findingsOf([path]);
    lines.push(`| ${s.label} | ${s.expect} | ${fs.length === 0 ? '—' : fs.map((f) => `${brief(f)} [${f.hazardClass}]`).join(', ')} |`);
  }
  return lines;
}

const bugs = await bugTable();
const clean = await cleanTable();
const seeds = await seedTable();
process.stdout.write(
  [
    `bug pairs: ${bugs.hits} hit(s) of ${bugs.scored} with an introducing patch`,
    '',
    ...bugs.lines,
    '',
    `clean patches: ${clean.errors} error(s), ${clean.warnings} warning(s)`,
    '',
    ...clean.lines,
    '',
    ...seeds,
    '',
  ].join('\n'),
);
