// Stable identities for findings. The fingerprint ignores line numbers and
// whitespace so a rebase, a line shift or a new version of the series keeps
// it; the short id adds the patch mail, so every finding in one result has
// its own id that commands and replies can cite.
import { createHash } from 'node:crypto';

export interface FingerprintInput {
  ruleId: string;
  file: string;
  function?: string;
  evidence: string[];
}

/** Whitespace-insensitive form of a quoted line. */
export function normalizeEvidence(line: string): string {
  return line.replace(/\s+/g, ' ').trim();
}

export function fingerprintOf(input: FingerprintInput): string {
  const parts = [input.ruleId, input.file, input.function ?? '', ...input.evidence.map(normalizeEvidence)];
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}

/**
 * Short id: 8 characters of a hash of the fingerprint, the mail and the
 * occurrence number (two identical findings in one mail stay distinct).
 */
export function shortId(fingerprint: string, messageId: string, occurrence: number): string {
  const digest = createHash('sha256').update(`${fingerprint}\0${messageId}\0${occurrence}`).digest('hex');
  return `F${digest.slice(0, 7)}`;
}
