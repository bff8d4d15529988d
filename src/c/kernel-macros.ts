// Kernel macro normalisation before tree-sitter sees the text.
//
// tree-sitter's C grammar knows nothing of the preprocessor's output, so the
// kernel's statement-shaped macros parse badly: `list_for_each_entry(...) {`
// gives a call with a MISSING `;`, `for_each_possible_cpu(cpu) x();` becomes a
// declaration, `scoped_guard(rcu) {` becomes a nested function definition and
// `__always_inline __must_check` splits the function head. We rewrite those
// shapes into plain C that keeps their meaning for control flow:
//   NAME(args) body            → while (NAME(args)) body        (loop macros)
//   scoped_guard(cls, a) body   → if (scoped_guard(cls, a)) body (guard block)
//   scoped_cond_guard(cls, fail, a) body → the same, fail action blanked out
//   __must_check, __acquires(x) → spaces (recorded as attributes)
// Rewrites never add or remove a newline, so every line number stays the
// patch's line number; columns after a rewrite on the same line shift.

import { codeMask, lineIndex, matchParen } from './lexical.ts';

/** A statement-shaped kernel macro found in the source. */
export interface KernelMacroSite {
  kind: 'loop' | 'scoped-guard' | 'scoped-cond-guard';
  /** Macro name, e.g. `list_for_each_entry`, `scoped_guard`. */
  name: string;
  /** Top-level argument texts as written (the fail action included). */
  args: string[];
  /** 1-based line of the macro name. */
  line: number;
  /** Offset of the macro name in the rewritten text (tree-sitter's startIndex). */
  rewrittenOffset: number;
}

/** A function attribute blanked out of the text (`__init`, `__acquires(ptl)`). */
export interface KernelAttributeSite {
  name: string;
  /** Argument text for `__acquires(x)`-style attributes. */
  arg?: string;
  line: number;
  /** Offset in the (same-length-preserving) rewritten text. */
  rewrittenOffset: number;
}

export interface NormalisedSource {
  original: string;
  rewritten: string;
  macros: KernelMacroSite[];
  attributes: KernelAttributeSite[];
}

/** Bare attributes the grammar does not know; all expand to nothing useful for CFGs. */
const BARE_ATTRIBUTES = new Set([
  '__always_inline', '__must_check', '__init', '__meminit', '__ref', '__maybe_unused',
  'noinline', '__noinline', 'notrace', '__cold', '__hot', '__weak', '__visible', 'asmlinkage',
  '__always_unused', 'nokprobe_inline', '__flatten', '__sched', '__latent_entropy',
  '__init_or_module', '__exit', '__kprobes', 'noinstr', '__noreturn', '__pure', '__inline',
  '__no_sanitize_address', '__no_kcsan', '__cpuidle', '__nocfi', '__head', '__ro_after_init',
  '__initdata', '__meminitdata', '__read_mostly', '__rcu', '__iomem', '__user', '__percpu',
  '__force', '__must_hold_shared',
]);

/** Attributes with one parenthesised argument; the sparse lock annotations matter to rules. */
const CALL_ATTRIBUTES = new Set([
  '__acquires', '__releases', '__must_hold', '__section', '__printf', '__aligned', '__cond_acquires',
  '__no_context_analysis',
]);

const GUARD_BLOCK_MACROS = new Set(['scoped_guard', 'scoped_cond_guard']);

/** Loop macros: anything named *for_each* is a kernel iterator macro. */
export function isLoopMacroName(name: string): boolean {
  return /for_each/.test(name);
}



/** Splits an argument list body at top-level commas. */
export function splitTopLevelArgs(inner: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = inner.slice(start).trim();
  if (last !== '' || out.length > 0) out.push(last);
  return out;
}

function prevCodeChar(text: string, mask: Uint8Array, from: number): string {
  for (let i = from - 1; i >= 0; i--) {
    if (mask[i] && !/\s/.test(text[i] ?? '')) return text[i] ?? '';
  }
  return '';
}

function nextCodeChar(text: string, mask: Uint8Array, from: number): string {
  for (let i = from; i < text.length; i++) {
    if (mask[i] && !/\s/.test(text[i] ?? '')) return text[i] ?? '';
  }
  return '';
}


interface Edit {
  start: number;
  end: number;
  replacement: string;
}

/** Rewrites kernel macro shapes (see the file comment) and records where they were. */
export function normaliseKernelC(original: string): NormalisedSource {
  const mask = codeMask(original);
  const lineAt = lineIndex(original);
  const edits: Edit[] = [];
  const pendingMacros: Array<Omit<KernelMacroSite, 'rewrittenOffset'> & { at: number }> = [];
  const pendingAttrs: Array<Omit<KernelAttributeSite, 'rewrittenOffset'> & { at: number }> = [];
  const ident = /[A-Za-z_][A-Za-z0-9_]*/g;
  let m: RegExpExecArray | null;
  while ((m = ident.exec(original)) !== null) {
    const start = m.index;
    if (!mask[start] || (start > 0 && /[A-Za-z0-9_]/.test(original[start - 1] ?? ''))) continue;
    const name = m[0];
    const after = start + name.length;
    if (BARE_ATTRIBUTES.has(name)) {
      edits.push({ start, end: after, replacement: ' '.repeat(name.length) });
      pendingAttrs.push({ name, line: lineAt(start), at: start });
      continue;
    }
    const isCallAttr = CALL_ATTRIBUTES.has(name);
    const isGuard = GUARD_BLOCK_MACROS.has(name);
    const isLoop = !isGuard && !isCallAttr && isLoopMacroName(name);
    if (!isCallAttr && !isGuard && !isLoop) continue;
    let open = after;
    while (open < original.length && /[ \t]/.test(original[open] ?? '')) open++;
    if (original[open] !== '(') continue;
    const close = matchParen(original, mask, open);
    if (close < 0) continue;
    const inner = original.slice(open + 1, close - 1);
    if (isCallAttr) {
      edits.push({ start, end: close, replacement: original.slice(start, close).replace(/[^\n]/g, ' ') });
      pendingAttrs.push({ name, arg: inner.trim(), line: lineAt(start), at: start });
      ident.lastIndex = close;
      continue;
    }
    // Only statement position: after `{ } ; :` or `)` (an unbraced if body), or at the start.
    const prev = prevCodeChar(original, mask, start);
    if (!['', '{', '}', ';', ':', ')'].includes(prev) && !/(?:^|\W)(?:else|do)\s*$/.test(original.slice(Math.max(0, start - 8), start))) continue;
    const next = nextCodeChar(original, mask, close);
    // `NAME(args);` is an ordinary call (or a declaration macro), not a block.
    if (next === '' || next === ';' || next === ',' || next === ')' || next === '=' || next === '.' || next === '-') continue;
    const args = splitTopLevelArgs(inner);
    const kind: KernelMacroSite['kind'] = isLoop ? 'loop' : name === 'scoped_guard' ? 'scoped-guard' : 'scoped-cond-guard';
    let call = original.slice(start, close);
    if (kind === 'scoped-cond-guard' && args.length >= 2) {
      // The fail action (`return 0`, `goto out`) is a statement: keep it in the
      // site record, and put a harmless `0` of the same length in the text.
      call = blankSecondArg(original, mask, open, close);
    }
    const keyword = kind === 'loop' ? 'while (' : 'if (';
    edits.push({ start, end: close, replacement: `${keyword}${call})` });
    pendingMacros.push({ kind, name, args, line: lineAt(start), at: start });
    ident.lastIndex = close;
  }
  return applyEdits(original, edits, pendingMacros, pendingAttrs);
}

/** Replaces the second top-level argument of the call at [open, close) by `0` padded with spaces. */
function blankSecondArg(text: string, mask: Uint8Array, open: number, close: number): string {
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < close; i++) {
    if (!mask[i]) continue;
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) commas.push(i);
  }
  const nameStart = text.lastIndexOf('scoped_cond_guard', open);
  const from = commas[0];
  if (from === undefined) return text.slice(nameStart, close);
  const to = commas[1] ?? close - 1;
  // Keep newlines so line numbers stay right; the grammar needs some expression there.
  const segment = text.slice(from + 1, to).replace(/[^\n]/g, ' ');
  const filler = segment.length >= 2 ? ' 0' + segment.slice(2) : ' 0';
  return text.slice(nameStart, from + 1) + filler + text.slice(to, close);
}

function applyEdits(
  original: string,
  edits: Edit[],
  macros: Array<Omit<KernelMacroSite, 'rewrittenOffset'> & { at: number }>,
  attrs: Array<Omit<KernelAttributeSite, 'rewrittenOffset'> & { at: number }>,
): NormalisedSource {
  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  // Offsets of original positions in the rewritten text: shift grows after each edit.
  const shifts: Array<{ at: number; shift: number }> = [];
  let shift = 0;
  for (const e of edits) {
    out += original.slice(pos, e.start) + e.replacement;
    shifts.push({ at: e.start, shift });
    shift += e.replacement.length - (e.end - e.start);
    pos = e.end;
  }
  out += original.slice(pos);
  const mapOffset = (at: number, leading: number): number => {
    const s = shifts.find((x) => x.at === at);
    return at + (s?.shift ?? 0) + leading;
  };
  return {
    original,
    rewritten: out,
    macros: macros.map(({ at, ...site }) => ({
      ...site,
      rewrittenOffset: mapOffset(at, site.kind === 'loop' ? 'while ('.length : 'if ('.length),
    })),
    attributes: attrs.map(({ at, ...site }) => ({ ...site, rewrittenOffset: mapOffset(at, 0) })),
  };
}
