// Source text with positions, and the one error type of the simulator.
// Every error a user can cause carries `file:line:col` so editors can jump to
// it, as herd7's own messages do.

export class LitmusError extends Error {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly detail: string;

  constructor(file: string, line: number, col: number, detail: string) {
    super(`${file}:${line}:${col}: ${detail}`);
    this.name = 'LitmusError';
    this.file = file;
    this.line = line;
    this.col = col;
    this.detail = detail;
  }
}

/** A litmus file's text, mapping offsets to 1-based line and column. */
export class Source {
  readonly file: string;
  readonly text: string;
  private readonly lineStarts: number[];

  constructor(file: string, text: string) {
    this.file = file;
    this.text = text;
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.lineStarts[lo]! + 1 };
  }

  error(offset: number, detail: string): LitmusError {
    const { line, col } = this.position(offset);
    return new LitmusError(this.file, line, col, detail);
  }
}
