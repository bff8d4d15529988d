// What every source hands to src/mail/: the bytes of one message and where
// they came from. Parsing the bytes is src/mail/'s job, not a source's.
import type { MailOrigin } from '../mail/types.ts';

export interface RawMessage {
  bytes: Buffer;
  origin: MailOrigin;
}

/** A problem a source met; the source goes on with the rest of its input. */
export interface SourceProblem {
  input: string;
  where: string;
  message: string;
}

export type SourceItem =
  | { kind: 'message'; message: RawMessage }
  | { kind: 'problem'; problem: SourceProblem };
