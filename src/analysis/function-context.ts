// Function context from the hunks (HAZARDS P1): the pre- and post-image of
// each touched function, parsed by the C front end and analysed once, with a
// map from the C line numbers back to the hunk lines a report points at.
// When a hunk shows a function from its definition to its closing brace, the
// image is the whole function; otherwise it is a fragment, and findings made
// from it say so (and the engine lowers them one severity).
import { analyseFunction, extractFragment, extractFunctions, loadCParser } from '../c/index.ts';
import type { CFunction, FunctionAnalysis, Resource } from '../c/index.ts';
import type { FunctionRegion, Image } from '../patch/context.ts';
import { imageOf } from '../patch/context.ts';
import type { FileChange, HunkLine } from '../patch/types.ts';

// Loaded once per process; rules run synchronously after that.
const parser = await loadCParser();

/** One image (pre or post) of a touched function, analysed. */
export interface ImageFunction {
  image: Image;
  /** The C front end's analysis: CFG, balance, regions, order, provenance. */
  analysis: FunctionAnalysis;
  /** Whole function visible (definition to closing brace, no gap), or a fragment. */
  confidence: 'whole-function' | 'fragment';
  /** Resources the caller holds when this function runs (a pte_fn_t callback runs in lazy MMU mode). */
  entry: Readonly<Partial<Record<Resource, number>>>;
  /** The hunk line at a line number of this image. */
  lineAt(line: number): HunkLine | undefined;
  /** The hunk lines of this image, in order. */
  lines: HunkLine[];
}

export interface TouchedFunction {
  file: string;
  name?: string;
  region: FunctionRegion;
  /** Undefined when the image shows no line of it (a new or deleted function). */
  pre?: ImageFunction;
  post?: ImageFunction;
}

const numberOf = (line: HunkLine, image: Image): number | undefined => (image === 'pre' ? line.oldLine : line.newLine);

/**
 * pte_fn_t callbacks, `int fn(pte_t *ptep, unsigned long addr, void *data)`:
 * apply_to_pte_range() calls them inside a lazy MMU section (38e0edb15bd0).
 * The `@@` section line or the definition line shows the signature.
 */
const PTE_FN_SIGNATURE = /\b(\w+)\s*\(\s*pte_t\s*\*\s*\w+\s*,\s*unsigned long\s+\w+\s*,(\s*void\s*\*\s*\w+\s*\))?\s*$/;

function callbackEntry(file: FileChange, region: FunctionRegion, lines: HunkLine[]): Readonly<Partial<Record<Resource, number>>> {
  const heads = [...file.hunks.filter((h) => h.sectionFunction === region.name).map((h) => h.section), ...lines.slice(0, 3).map((l) => l.text)];
  const isPteFn = heads.some((t) => PTE_FN_SIGNATURE.exec(t)?.[1] === region.name);
  // The call may span lines: look at each hunk's text as a whole.
  const passed = region.name !== undefined && file.hunks.some((h) =>
    new RegExp(`apply_to_(existing_)?page_range\\s*\\([^;]*\\b${region.name}\\b`).test(h.lines.map((l) => l.text).join('\n')));
  return isPteFn || passed ? { 'lazy-mmu': 1 } : {};
}

/**
 * A hunk that starts inside a block comment (` * must use the nested
 * version`) would parse as code: its leading comment lines are left out.
 */
function withoutLeadingComment(lines: HunkLine[]): HunkLine[] {
  let i = 0;
  while (i < lines.length && /^\s*(\*(\s|\/|$)|$)/.test(lines[i]?.text ?? '')) i++;
  return i > 0 && /\*\//.test(lines[i - 1]?.text ?? '') ? lines.slice(i) : lines;
}

/** The image's lines as one C text, each at its own line number (gaps left blank). */
function imageText(fragments: HunkLine[][], image: Image): { text: string; first: number } | undefined {
  const numbered = fragments.flatMap((f) => withoutLeadingComment(f)).filter((l) => numberOf(l, image) !== undefined);
  const first = numbered[0] ? (numberOf(numbered[0], image) as number) : undefined;
  if (first === undefined) return undefined;
  const out: string[] = [];
  for (const l of numbered) {
    const n = numberOf(l, image) as number;
    while (first + out.length < n) out.push('');
    out.push(l.text);
  }
  return { text: out.join('\n'), first };
}

function pickFunction(fns: CFunction[], name: string | undefined): CFunction | undefined {
  return fns.find((f) => f.name === name) ?? (name === undefined ? fns[0] : undefined);
}

function analyseImage(file: FileChange, region: FunctionRegion, image: Image): ImageFunction | undefined {
  const fragments = region.fragments.map((f) => imageOf(f, image));
  const lines = fragments.flat();
  const text = imageText(fragments, image);
  if (!text) return undefined;
  const byNumber = new Map<number, HunkLine>();
  for (const l of lines) {
    const n = numberOf(l, image);
    if (n !== undefined) byNumber.set(n, l);
  }
  const entry = callbackEntry(file, region, lines);
  // Line numbers the image does not show, between its first and last: a
  // blank gap and a blank line parse alike but are not the same evidence.
  const shown = text.text.split('\n');
  const gaps = shown.flatMap((_, i) => (byNumber.has(text.first + i) ? [] : [text.first + i]));
  // Not keyed by image: a function whose hunk lines are all context reads the same in both.
  const key = [file.path, region.name ?? '', text.first, JSON.stringify(entry), gaps.join(','), text.text].join('\0');
  const done = imageCache?.has(key) ? imageCache.get(key) : analyseText(file, region, text, byNumber, entry);
  imageCache?.set(key, done);
  if (!done) return undefined;
  const { analysis, confidence } = done;
  return {
    image,
    analysis,
    confidence,
    entry,
    lineAt: (n) => byNumber.get(n),
    lines,
  };
}

interface AnalysedText {
  analysis: FunctionAnalysis;
  confidence: ImageFunction['confidence'];
}

/** Parse and analyse one image's text (the expensive part, shared through the cache). */
function analyseText(
  file: FileChange,
  region: FunctionRegion,
  text: { text: string; first: number },
  byNumber: Map<number, HunkLine>,
  entry: Readonly<Partial<Record<Resource, number>>>,
): AnalysedText | undefined {
  const name = file.path;
  const parsed = parser.parse(text.text, name, { firstLine: text.first });
  runTrees?.push(parsed.tree);
  let whole = pickFunction(extractFunctions(parsed), region.name);
  let gapless = true;
  for (let n = whole?.startLine ?? 0; whole && n <= whole.endLine && gapless; n++) gapless = byNumber.has(n);
  // Statements of the region after the parsed function's end: a blank gap
  // let an inner `}` close the function early.
  const after = (end: number): HunkLine[] => [...byNumber].flatMap(([n, l]) => (n > end ? [l] : []));
  const endedEarly = whole !== undefined && after(whole.endLine).some((l) => /^\s+[A-Za-z_]/.test(l.text));
  let fn = whole ?? extractFragment(parsed);
  if (whole && (endedEarly || !gapless) && after(whole.endLine).length > 0) {
    // The head and a later hunk with a gap between: the blank gap would let
    // an inner `}` close the function early. Analyse the body as a fragment.
    const bodyStart = whole.bodyNode.startPosition.row + 1;
    const headless = text.text.split('\n').map((l, i) => (text.first + i <= bodyStart ? '' : l)).join('\n');
    const headlessParsed = parser.parse(headless, name, { firstLine: text.first });
    runTrees?.push(headlessParsed.tree);
    fn = extractFragment(headlessParsed);
    whole = undefined;
  }
  if (!fn) return undefined;
  const analysis = analyseFunction(fn, Object.keys(entry).length > 0 ? { entry } : {});
  return { analysis, confidence: whole && analysis.complete && gapless ? 'whole-function' : 'fragment' };
}

/**
 * Images analysed during one analysis run, by text: patch N's pre-image of
 * a function is often patch N-1's post-image, and a series' versions repeat
 * functions. Scoped to one run (withImageCache) so memory does not grow in
 * a long-lived poller and every run does its own work.
 */
let imageCache: Map<string, AnalysedText | undefined> | undefined;

/**
 * The tree-sitter trees parsed during the run. Their memory is in the wasm
 * heap; web-tree-sitter frees it from a FinalizationRegistry, i.e. only when
 * the GC gets round to the JavaScript wrappers (a tight loop of 20,000
 * parses reached 1 GB). Findings are plain data, so the trees are deleted
 * as soon as the run ends (20 analyses of the 30-patch series: 206 MiB RSS
 * instead of 266 MiB).
 */
let runTrees: Array<{ delete(): void }> | undefined;

/** Run `fn` with one image cache (nested calls share the outer one); its trees are freed after. */
export function withImageCache<T>(fn: () => T): T {
  if (imageCache) return fn();
  imageCache = new Map();
  runTrees = [];
  const trees = runTrees;
  try {
    return fn();
  } finally {
    imageCache = undefined;
    runTrees = undefined;
    for (const t of trees) t.delete();
  }
}

/** Touched functions of `files`, in file order, from their regions. */
export function touchedFunctions(files: FileChange[], regions: FunctionRegion[]): TouchedFunction[] {
  const out: TouchedFunction[] = [];
  for (const region of regions) {
    const file = files.find((f) => f.path === region.file);
    if (!file) continue;
    // Only context lines (a hunk's lead-in from the function above): the
    // patch does not touch it, and no finding may rest on it.
    if (region.fragments.every((f) => f.every((l) => l.kind === 'context'))) continue;
    const touched: TouchedFunction = { file: region.file, region };
    if (region.name !== undefined) touched.name = region.name;
    const pre = analyseImage(file, region, 'pre');
    const post = analyseImage(file, region, 'post');
    if (pre) touched.pre = pre;
    if (post) touched.post = post;
    if (pre || post) out.push(touched);
  }
  return out;
}
