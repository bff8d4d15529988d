// A mail body as lines with their quote depth: `> `, `>> `, `> > ` (any
// depth, with or without the space mailers put after each `>`) are taken
// off, so a test quoted in a reply reads like the original. Line numbers
// stay those of the body, for "message <id>, line 42".

export interface MailLine {
  /** 1-based line of the body. */
  line: number;
  /** Number of `>` quote marks in front (0 for the writer's own text). */
  depth: number;
  /** The line without its quote marks (and the one space after the last). */
  text: string;
}

// Quote marks may be separated by single blanks (`> > x`); a lone `>` line
// is an empty quoted line.
const QUOTE_PREFIX = /^((?:[ \t]?>)+)[ \t]?/;

export function mailLines(body: string): MailLine[] {
  return body.split(/\r?\n/).map((raw, i) => {
    const m = QUOTE_PREFIX.exec(raw);
    if (m === null) return { line: i + 1, depth: 0, text: raw };
    const marks = m[1]!.replace(/[ \t]/g, '').length;
    return { line: i + 1, depth: marks, text: raw.slice(m[0].length) };
  });
}

/** Is this the `-----8<-----` line people put around pasted code? */
export function isScissors(text: string): boolean {
  return /^[\s\-_=]*(?:8<|>8)[\s\-_=]*$/.test(text) && /[-_=]{3}/.test(text);
}

/** The signature separator ends a writer's text. */
export function isSignature(text: string): boolean {
  return text === '-- ' || text === '--';
}
