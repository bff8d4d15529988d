// The data that src/mail/ hands down the pipeline: parsed kernel mail,
// patch tags, threads and series. Plain data only; no I/O lives here.

/** Where a raw message came from, for error messages and provenance. */
export interface MailOrigin {
  /** Input name as the user gave it: a path, `stdin`, a lore URL. */
  input: string;
  /** Position inside the input: `message 17`, `line 4031`, a file name. */
  where: string;
}

/** The `[PATCH ...]` tag of a subject, decoded. */
export interface PatchTag {
  /** Version: 1 when the tag carries no `vN`. */
  version: number;
  /** 1-based index within the series, 0 for a cover letter; undefined for a lone patch. */
  index?: number;
  /** Series length (the `n` of `m/n`); undefined for a lone patch. */
  total?: number;
  rfc: boolean;
  resend: boolean;
  /** Did the tag say `vN`? (`[PATCH mm 10/12]` in a v3 thread did not.) */
  versionExplicit: boolean;
  /**
   * `[PATCH v3 04/13 fix]` is an incremental fix on top of patch 4;
   * `[PATCH v2 07/23 replacement]` replaces patch 7.
   */
  amendment?: 'fixup' | 'replacement';
  /** Other words in the tag: a tree (`net-next`), `mm-unstable`, ... */
  prefixes: string[];
  /** Subject with every `Re:` and the bracketed tag removed. */
  title: string;
  /** The tag as written, without brackets: `PATCH v4 06/12`. */
  raw: string;
}

/** Why a mail must never get a review. */
export type NoReviewReason =
  | 'commit-notification'
  | 'applied-reply'
  | 'bot-mail'
  | 'auto-submitted';

export interface Trailer {
  /** `Signed-off-by`, `Fixes`, `Link`, `Reviewed-by`, ... as written. */
  key: string;
  value: string;
}

/** One parsed message, whatever it is (patch, reply, cover letter). */
export interface MailMessage {
  messageId: string;
  /** Decoded subject. */
  subject: string;
  /** The real author: `X-Original-From` over a rewritten `From`. */
  from: { name: string; address: string };
  /** Recipients as posted, for reply-all. */
  to?: Array<{ name: string; address: string }>;
  cc?: Array<{ name: string; address: string }>;
  date?: string;
  inReplyTo?: string;
  /** Message-IDs of References, in order, without duplicates. */
  references: string[];
  /** Decoded plain-text body (first text/plain part, or the only part). */
  body: string;
  /** Tag from the subject when it has one; undefined for a plain reply. */
  tag?: PatchTag;
  /** Is the subject a reply (`Re:`)? */
  isReply: boolean;
  /** Why this mail must never get a review, if it must not. */
  noReview?: NoReviewReason;
  origin: MailOrigin;
  /** Lists the message reached (List-Id / X-Mailing-List). */
  lists: string[];
}

/** A message that carries a patch. */
export interface PatchMail extends MailMessage {
  /** Commit message: the body up to the first `---` line or the diff. */
  commitMessage: string;
  trailers: Trailer[];
  /** The unified diff text, from `diff --git` to the signature or end. */
  diff: string;
  /** Paths touched (b/ side, a/ for a deletion), in diff order. */
  files: string[];
  baseCommit?: string;
  changeId?: string;
  /** `git patch-id --stable` of the diff, to match patches across versions. */
  patchId: string;
}

/** One version of a series, as posted (usually one thread). */
export interface SeriesVersion {
  version: number;
  cover?: MailMessage;
  /** Patches ordered by index (replacements already in place). */
  patches: PatchMail[];
  /** Incremental fixes posted on top of a patch of this version. */
  fixups: PatchMail[];
  /** Indexes 1..total that were never seen. */
  missing: number[];
  /** Expected series length, when the tags say it. */
  total?: number;
  resend: boolean;
  rfc: boolean;
  /** Message-IDs of the cover letter and the patches of this version. */
  messageIds: string[];
  baseCommit?: string;
}

/** A series across all its versions. */
export interface Series {
  /** Stable id: from `change-id:` when present, else author + subject. */
  id: string;
  /** Subject of the newest version without its tag. */
  subject: string;
  author: { name: string; address: string };
  changeId?: string;
  /** Versions in ascending order. */
  versions: SeriesVersion[];
  /**
   * Patches matched across versions: each entry lists, per version, the
   * Message-ID of the same logical patch (by subject or by patch-id).
   */
  patchLineage: Array<{ title: string; byVersion: Record<number, string> }>;
}

/** A problem with one input, reported and then stepped over. */
export interface InputError {
  input: string;
  where: string;
  message: string;
}
