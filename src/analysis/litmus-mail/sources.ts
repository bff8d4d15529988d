// Where a message's litmus tests are: its own text (the commit message and
// the notes after `---` for a patch, the whole body of a cover letter or a
// reply, quoted parts included), and the files a patch adds or changes under
// tools/memory-model/litmus-tests/ or with a `.litmus` name, read from the
// post-image the diff shows.
import type { MailMessage, PatchMail } from '../../mail/types.ts';
import { parseUnifiedDiff } from '../../patch/diff.ts';
import type { FileChange } from '../../patch/types.ts';
import { extractLitmus, type FoundLitmus, parseHeader } from './extract.ts';
import { mailLines, type MailLine } from './mail-lines.ts';

export interface TestInMessage {
  found: FoundLitmus;
  /** Undefined for the body; the path for a file of the diff. */
  path?: string;
}

export interface MessageTests {
  /** The body's lines (quote marks off), for claims and prose. */
  lines: MailLine[];
  tests: TestInMessage[];
  notes: string[];
}

function isPatch(m: MailMessage): m is PatchMail {
  return 'diff' in m;
}

export function isLitmusPath(path: string): boolean {
  return path.startsWith('tools/memory-model/litmus-tests/') || path.endsWith('.litmus');
}

/** The writer's text: a patch's body stops where its diff starts. */
function textLines(m: MailMessage): MailLine[] {
  const lines = mailLines(m.body);
  if (!isPatch(m)) return lines;
  const diffAt = lines.findIndex((l) => l.depth === 0 && l.text.startsWith('diff --git '));
  return diffAt < 0 ? lines : lines.slice(0, diffAt);
}

/**
 * An added file is one test from its first line, whatever it looks like,
 * so a broken header is reported rather than missed.
 */
function wholeFile(lines: MailLine[]): FoundLitmus | null {
  const first = lines.find((l) => l.text.trim() !== '');
  if (first === undefined) return null;
  const header = parseHeader(first.text) ?? { arch: first.text.trim().split(/\s+/)[0] ?? '', name: '?' };
  const from = lines.indexOf(first);
  return { arch: header.arch, name: header.name, lines: lines.slice(from).map((l) => l.text), lineMap: lines.slice(from).map((l) => l.line), depth: 0, complete: true };
}

function fileTests(file: FileChange, notes: string[]): FoundLitmus[] {
  const post = (kinds: ReadonlyArray<string>) => file.hunks.map((h) => h.lines
    .filter((l) => kinds.includes(l.kind) && l.newLine !== undefined)
    .map((l) => ({ line: l.newLine!, depth: 0, text: l.text })));
  if (file.status === 'added') {
    const lines = post(['added']).flat();
    const found = extractLitmus(lines);
    if (found.length > 0) return found;
    const whole = wholeFile(lines);
    return whole === null ? [] : [whole];
  }
  // A changed file shows only its hunks: a test is run if one hunk holds all of it.
  const found = post(['added', 'context']).flatMap(extractLitmus);
  if (found.length === 0 && file.additions > 0) notes.push(`${file.path}: the diff shows only part of this litmus test, so it was not run`);
  return found;
}

export function testsInMessage(m: MailMessage): MessageTests {
  const lines = textLines(m);
  const notes: string[] = [];
  const tests: TestInMessage[] = extractLitmus(lines).map((found) => ({ found }));
  if (isPatch(m) && m.files.some(isLitmusPath)) {
    for (const file of parseUnifiedDiff(m.diff, m.messageId).files) {
      if (!isLitmusPath(file.path) || file.status === 'deleted' || file.status === 'binary') continue;
      for (const found of fileTests(file, notes)) tests.push({ found, path: file.path });
    }
  }
  return { lines, tests, notes };
}

/** The paragraph just before and just after a body test, for claim phrases. */
export function proseAround(lines: readonly MailLine[], found: FoundLitmus, maxLines = 6): string[] {
  const first = lines.findIndex((l) => l.line === found.lineMap[0]);
  const last = lines.findIndex((l) => l.line === found.lineMap.at(-1));
  if (first < 0 || last < 0) return [];
  const take = (from: number, step: 1 | -1): string[] => {
    const out: string[] = [];
    let i = from;
    // Skip the blank and scissors lines right next to the test.
    while (lines[i] !== undefined && lines[i]!.depth === found.depth && !/[A-Za-z]/.test(lines[i]!.text)) i += step;
    while (lines[i] !== undefined && lines[i]!.depth === found.depth && lines[i]!.text.trim() !== '' && out.length < maxLines) {
      out.push(lines[i]!.text);
      i += step;
    }
    return step === 1 ? out : out.reverse();
  };
  return [...take(first - 1, -1), ...take(last + 1, 1)];
}
