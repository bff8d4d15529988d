// Threading by Message-ID / In-Reply-To / References. A message's parent is
// its In-Reply-To (or, failing that, the last References entry); a thread's
// root is the topmost ancestor, even when that ancestor was never seen
// (v2 patches replying to a cover letter that is not in the input still
// belong together). Loops in References are reported and cut.
import type { InputError, MailMessage } from './types.ts';

/**
 * The thread root as one message alone tells it (the oldest reference, else
 * the parent, else itself): what the store keys threads by, so a message
 * and the replies to it land in one thread without the whole archive.
 */
export function threadRootOf(m: Pick<MailMessage, 'messageId' | 'references' | 'inReplyTo'>): string {
  return m.references[0] ?? m.inReplyTo ?? m.messageId;
}

export interface Threads {
  /** Message-ID to thread root Message-ID (possibly of an unseen message). */
  rootOf: Map<string, string>;
  /** Message-ID to its parent's Message-ID, when it has one. */
  parentOf: Map<string, string>;
  problems: InputError[];
}

export function buildThreads(messages: MailMessage[]): Threads {
  const byId = new Map<string, MailMessage>();
  for (const m of messages) if (!byId.has(m.messageId)) byId.set(m.messageId, m);
  const parentOf = new Map<string, string>();
  for (const m of byId.values()) {
    const parent = m.inReplyTo ?? m.references[m.references.length - 1];
    if (parent && parent !== m.messageId) parentOf.set(m.messageId, parent);
  }
  const rootOf = new Map<string, string>();
  const problems: InputError[] = [];
  for (const m of byId.values()) {
    if (rootOf.has(m.messageId)) continue;
    const chain: string[] = [];
    const onChain = new Set<string>();
    let cur: string | undefined = m.messageId;
    let root: string | undefined;
    while (cur !== undefined) {
      const known = rootOf.get(cur);
      if (known !== undefined) { root = known; break; }
      if (onChain.has(cur)) {
        // A loop: cut it at the message where it closes.
        const loop = chain.slice(chain.indexOf(cur));
        const at = byId.get(cur);
        problems.push({
          input: at?.origin.input ?? m.origin.input,
          where: at?.origin.where ?? m.origin.where,
          message: `loop in In-Reply-To/References: ${[...loop, cur].join(' -> ')}; thread cut at ${cur}`,
        });
        parentOf.delete(cur);
        root = cur;
        break;
      }
      chain.push(cur);
      onChain.add(cur);
      const next = parentOf.get(cur);
      if (next === undefined) { root = cur; break; }
      if (!byId.has(next)) {
        // The parent was never seen: the oldest References entry names the
        // thread's root better than the missing parent alone.
        // Walk on through an older reference that was seen, if any.
        const self = byId.get(cur);
        const seenRef = self?.references.find((r) => byId.has(r) && !onChain.has(r));
        if (seenRef !== undefined) { cur = seenRef; continue; }
        root = self?.references.find((r) => r !== cur && !onChain.has(r)) ?? next;
        break;
      }
      cur = next;
    }
    for (const id of chain) rootOf.set(id, root ?? m.messageId);
  }
  return { rootOf, parentOf, problems };
}
