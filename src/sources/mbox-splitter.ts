// A streaming mbox splitter (mboxrd, and mboxo read as mboxrd, which is
// what public-inbox and `git format-patch` produce). Chunks go in, whole
// messages come out; memory is bounded by the largest message kept, and a
// message over the size limit is dropped (with a problem) while its bytes
// stream past.

export interface SplitMessage {
  /** 1-based position of the message in the mbox. */
  index: number;
  /** 1-based line of its `From ` separator (or of its first line). */
  line: number;
  bytes: Buffer;
}

export interface SplitProblem {
  index: number;
  line: number;
  message: string;
}

export type SplitItem =
  | { kind: 'message'; message: SplitMessage }
  | { kind: 'problem'; problem: SplitProblem };

// `From <sender> <asctime date>`; loose on purpose (real mboxes vary), but
// it needs a year at the end so a body line starting "From " that slipped
// through unescaped is not taken for a separator.
const SEPARATOR = /^From \S+\s+\S.*\b\d{4}\s*$/;

const NL = 0x0a;

export class MboxSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private lines: Buffer[] = [];
  private size = 0;
  private oversized = false;
  private lineNo = 0;
  private msgIndex = 0;
  private msgLine = 0;
  private prevBlank = true;
  private started = false;

  constructor(private readonly maxMessageBytes: number) {}

  /** Feeds a chunk; returns the messages completed by it. */
  push(chunk: Buffer): SplitItem[] {
    const out: SplitItem[] = [];
    const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = data.indexOf(NL, start);
      if (nl < 0) break;
      this.onLine(data.subarray(start, nl + 1), out);
      start = nl + 1;
    }
    // Keep the partial line (copied, so the chunk can be released).
    this.pending = Buffer.from(data.subarray(start));
    if (this.pending.length > this.maxMessageBytes) {
      // A single giant line: account for it without keeping it.
      this.account(this.pending.length);
      this.pending = Buffer.alloc(0);
    }
    return out;
  }

  /** Ends the input; returns the last message and any problem about it. */
  end(): SplitItem[] {
    const out: SplitItem[] = [];
    if (this.pending.length) {
      const last = this.pending;
      this.pending = Buffer.alloc(0);
      this.onLine(last, out);
      if (this.started) {
        out.push({ kind: 'problem', problem: {
          index: this.msgIndex, line: this.lineNo,
          message: 'input ends without a final newline: the last message may be truncated',
        } });
      }
    }
    this.flush(out);
    return out;
  }

  private onLine(line: Buffer, out: SplitItem[]): void {
    this.lineNo++;
    const isSeparator = this.prevBlank && line.length >= 5 &&
      line[0] === 0x46 && line.toString('latin1', 0, 5) === 'From ' &&
      SEPARATOR.test(line.toString('latin1').replace(/\r?\n$/, ''));
    if (isSeparator || !this.started) {
      if (this.started) this.flush(out);
      this.started = true;
      this.msgIndex++;
      this.msgLine = this.lineNo;
      this.lines = [];
      this.size = 0;
      this.oversized = false;
      this.prevBlank = false;
      if (isSeparator) return;
    }
    this.prevBlank = line.length === 1 || (line.length === 2 && line[0] === 0x0d);
    this.account(line.length);
    if (this.oversized) return;
    // mboxrd: one '>' is removed from lines matching /^>+From /.
    if (line[0] === 0x3e && /^>+From /.test(line.toString('latin1', 0, Math.min(line.length, 64)))) {
      line = line.subarray(1);
    }
    this.lines.push(Buffer.from(line));
  }

  private account(n: number): void {
    this.size += n;
    if (!this.oversized && this.size > this.maxMessageBytes) {
      this.oversized = true;
      this.lines = [];
    }
  }

  private flush(out: SplitItem[]): void {
    if (!this.started) return;
    if (this.oversized) {
      out.push({ kind: 'problem', problem: {
        index: this.msgIndex, line: this.msgLine,
        message: `message is ${formatBytes(this.size)}, over the limit of ${formatBytes(this.maxMessageBytes)}: skipped`,
      } });
    } else {
      // A trailing blank line belongs to the mbox format, not the message.
      const bytes = Buffer.concat(this.lines);
      if (bytes.length > 0) {
        out.push({ kind: 'message', message: { index: this.msgIndex, line: this.msgLine, bytes } });
      }
    }
    this.lines = [];
    this.size = 0;
    this.started = false;
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** Does this input start like an mbox (a `From ` separator line)? */
export function looksLikeMbox(head: Buffer): boolean {
  return head.length >= 5 && head.toString('latin1', 0, 5) === 'From ';
}
