// Early exits inside a paired section, on what one hunk shows: a `return`
// added between an open and the close that matches it at the same
// indentation, with no close in the return's own block before it. This is
// the leak HAZARDS R01 opens with (`return -EINVAL;` inside a lazy MMU
// section); `goto` and `break` are left alone, since they usually jump to
// the close.
import { callSites, codeOf, type CallSite } from './code.ts';
import type { PairSpec } from './balance.ts';
import { imageOf, type FunctionRegion } from '../patch/context.ts';
import type { HunkLine } from '../patch/types.ts';

export interface SectionExit {
  open: CallSite;
  /** The close the exit skips. */
  close: CallSite;
  exit: HunkLine;
}

/** Leading white space in columns, a tab to the next multiple of 8. */
export function indentWidth(text: string): number {
  let col = 0;
  for (const c of text) {
    if (c === '\t') col = (Math.floor(col / 8) + 1) * 8;
    else if (c === ' ') col++;
    else break;
  }
  return col;
}

/** The close at the open's indentation that ends its section, if visible. */
function matchingClose(open: CallSite, opens: CallSite[], closes: CallSite[]): CallSite | undefined {
  const depth = indentWidth(open.line.text);
  const close = closes.find((c) => c.index > open.index && indentWidth(c.line.text) === depth);
  if (!close) return undefined;
  const reopened = opens.some((o) => o.index > open.index && o.index < close.index && indentWidth(o.line.text) === depth);
  return reopened ? undefined : close;
}

function exitsIn(lines: HunkLine[], spec: PairSpec): SectionExit[] {
  const code = codeOf(lines);
  const opens = callSites([lines], spec.open);
  const closes = callSites([lines], spec.close);
  const out: SectionExit[] = [];
  for (const open of opens) {
    const close = matchingClose(open, opens, closes);
    if (!close) continue;
    const depth = indentWidth(open.line.text);
    for (let r = open.index + 1; r < close.index; r++) {
      const line = lines[r] as HunkLine;
      const at = (code[r] ?? '').search(/\breturn\b/);
      if (line.kind !== 'added' || at < 0 || indentWidth(line.text) <= depth) continue;
      // The return's own block starts at the last line above it that is
      // indented less (`if (err) {` or a brace-less `if (err)`).
      let block = r - 1;
      while (block > open.index && ((code[block] ?? '').trim() === '' || indentWidth(lines[block]!.text) >= indentWidth(line.text))) block--;
      const closed = closes.some((c) => (c.index > block && c.index < r) || (c.index === r && c.column < at));
      if (!closed) out.push({ open, close, exit: line });
    }
  }
  return out;
}

/** Added returns that leave a visible section open, per hunk fragment. */
export function exitsInsideSections(region: FunctionRegion, spec: PairSpec): SectionExit[] {
  return region.fragments.flatMap((f) => exitsIn(imageOf(f, 'post'), spec));
}
