// Which series and version a message belongs to, for a finding's origin. A
// patch or cover letter is listed in its version; a reply is placed by its
// thread (the nearest ancestor that is), and failing that by its subject's
// tag (`Re: [RESEND PATCH v5] title`), since replies to a posting we never
// saw (a RESEND, say) still name the series. A message in no series gets its
// thread root as series id, so findings stay attributable and stable.
import { buildThreads } from '../../mail/thread.ts';
import type { MailMessage, Series } from '../../mail/types.ts';

export interface Placement { seriesId: string; version: number }

export function placeMessages(series: readonly Series[], messages: readonly MailMessage[]): (m: MailMessage) => Placement {
  const byMessage = new Map<string, Placement>();
  for (const s of series) {
    for (const v of s.versions) for (const id of v.messageIds) byMessage.set(id, { seriesId: s.id, version: v.version });
  }
  const threads = buildThreads([...messages]);
  const byTitle = (m: MailMessage): Placement | undefined => {
    const title = m.tag?.title;
    if (title === undefined) return undefined;
    const s = series.find((x) => x.subject === title || x.patchLineage.some((p) => p.title === title));
    return s === undefined ? undefined : { seriesId: s.id, version: m.tag?.version ?? s.versions.at(-1)?.version ?? 1 };
  };
  return (m) => {
    const seen = new Set<string>();
    for (let id: string | undefined = m.messageId; id !== undefined && !seen.has(id); id = threads.parentOf.get(id)) {
      seen.add(id);
      const p = byMessage.get(id);
      if (p !== undefined) return p;
    }
    return byTitle(m) ?? { seriesId: threads.rootOf.get(m.messageId) ?? m.messageId, version: m.tag?.version ?? 1 };
  };
}
