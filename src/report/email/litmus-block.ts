// A generated litmus test laid out for list mail: indented, at most the
// mail's width, and still the same test once pasted into a file for herd7.
// Only layout changes: a tab of indentation becomes four spaces, trailing
// comments line up where they fit and otherwise move onto their own line,
// lines of the header comment are rewrapped inside it, and a parameter list
// too long for the line breaks after a comma (C tokens, so herd7 and our
// parser read the same test). AArch64 rows (`P0 | P1 ;`) cannot be broken
// and are left as they are.
import { wrapParagraph } from './wrap.ts';

interface Row {
  /** Indentation, already in spaces. */
  lead: string;
  code: string;
  /** A trailing `// ...` or `(* ... *)` comment. */
  comment?: string;
}

function rowOf(line: string): Row {
  const tabs = /^\t*/.exec(line)?.[0].length ?? 0;
  const rest = line.slice(tabs);
  const at = rest.search(/\t+(?=\/\/|\(\*)/);
  const lead = '    '.repeat(tabs);
  if (at <= 0) return { lead, code: rest.replace(/\t+/g, ' ').trimEnd() };
  return { lead, code: rest.slice(0, at).replace(/\t+/g, ' ').trimEnd(), comment: rest.slice(at).trim() };
}

/** A long code line broken after commas, continuation lines four spaces deeper. */
function breakAtCommas(prefix: string, code: string, width: number): string[] {
  const parts = code.split(/(?<=,) /);
  const out: string[] = [];
  let line = '';
  for (const p of parts) {
    const cont = out.length > 0 ? '    ' : '';
    if (line !== '' && (prefix + cont + line + ' ' + p).length > width) {
      out.push(prefix + cont + line);
      line = p;
    } else {
      line = line === '' ? p : `${line} ${p}`;
    }
  }
  if (line !== '') out.push(prefix + (out.length > 0 ? '    ' : '') + line);
  return out;
}

/** The test's lines, each starting with `indent`, fitting `width` where the test's syntax allows. */
export function litmusBlock(litmus: string, width: number, indent = '    '): string[] {
  const rows = litmus.trimEnd().split('\n').map(rowOf);
  const ends = rows.filter((r) => r.comment !== undefined).map((r) => ({ end: indent.length + r.lead.length + r.code.length, len: r.comment!.length }));
  // One comment column for the block, as far right as the comments allow.
  const column = Math.max(0, ...ends.filter((e) => e.end + 2 + e.len <= width).map((e) => e.end + 2));
  const out: string[] = [];
  for (const r of rows) {
    const prefix = indent + r.lead;
    if (r.code === '' && r.comment === undefined) {
      out.push('');
      continue;
    }
    const header = /^(\s?\*)\s(.*)$/.exec(r.code);
    if (header && r.comment === undefined && (prefix + r.code).length > width) {
      out.push(...wrapParagraph(header[2]!, width, `${prefix}${header[1]!} `));
      continue;
    }
    const code = (prefix + r.code).length > width && r.code.includes(', ') && !r.code.includes('|')
      ? breakAtCommas(prefix, r.code, width)
      : [prefix + r.code];
    if (r.comment === undefined) {
      out.push(...code);
      continue;
    }
    const last = code[code.length - 1]!;
    if (column >= last.length + 2 && column + r.comment.length <= width) out.push(...code.slice(0, -1), last.padEnd(column) + r.comment);
    else if (last.length + 2 + r.comment.length <= width) out.push(...code.slice(0, -1), `${last}  ${r.comment}`);
    else out.push(prefix + r.comment, ...code);
  }
  return out;
}

/** A witness (an interleaving, prose per line) wrapped to `width` with a hanging indent. */
export function witnessBlock(witness: string, width: number, indent = '    '): string[] {
  return witness.trimEnd().split('\n').flatMap((l) => {
    const lead = /^\s*/.exec(l)?.[0] ?? '';
    const line = indent + l;
    if (line.length <= width) return [line];
    const wrapped = wrapParagraph(l.trim(), width, `${indent}${lead}    `);
    return [`${indent}${lead}${wrapped[0]!.trim()}`, ...wrapped.slice(1)];
  });
}
