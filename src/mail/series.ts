// Series assembly: patch mails and cover letters grouped into postings (one
// version as posted, usually one thread), postings joined into series
// across versions (DESIGN.md "Series identity"), and patches matched across
// versions by subject and by patch-id since numbering shifts.
import { createHash } from 'node:crypto';
import { coverMetadata, isPatchMail } from './parse.ts';
import { normalizeTitle } from './subject.ts';
import { buildThreads } from './thread.ts';
import type { InputError, MailMessage, PatchMail, Series, SeriesVersion } from './types.ts';

export interface Assembly {
  series: Series[];
  problems: InputError[];
  /** Counts for the summary line. */
  stats: { messages: number; patches: number; covers: number; replies: number; noReview: number; duplicates: number };
}

interface Posting {
  key: string;
  version: number;
  total?: number;
  resend: boolean;
  rfc: boolean;
  cover?: MailMessage;
  patches: Map<number, PatchMail>;
  fixups: PatchMail[];
  author: { name: string; address: string };
  title: string;
  changeId?: string;
  baseCommit?: string;
  date: string;
  order: number;
}

export function assembleSeries(input: MailMessage[]): Assembly {
  const problems: InputError[] = [];
  const seen = new Set<string>();
  const messages: MailMessage[] = [];
  let duplicates = 0;
  for (const m of input) {
    if (seen.has(m.messageId)) { duplicates++; continue; }
    seen.add(m.messageId);
    messages.push(m);
  }
  const threads = buildThreads(messages);
  problems.push(...threads.problems);

  const stats = { messages: messages.length, patches: 0, covers: 0, replies: 0, noReview: 0, duplicates };
  // Patches posted into a series' thread without a version of their own
  // (`[PATCH mm 10/12]` answering v3) belong to the version of that thread.
  const threadVersion = new Map<string, number>();
  for (const m of messages) {
    if (m.isReply || m.noReview || !m.tag?.versionExplicit || m.tag.total === undefined) continue;
    const root = threads.rootOf.get(m.messageId) ?? m.messageId;
    const k = `${root}|n${m.tag.total}`;
    threadVersion.set(k, Math.max(threadVersion.get(k) ?? 0, m.tag.version));
  }
  const postings = new Map<string, Posting>();
  messages.forEach((m, order) => {
    if (m.noReview) { stats.noReview++; return; }
    if (m.isReply) { stats.replies++; return; }
    const isCover = m.tag?.index === 0;
    const isPatch = isPatchMail(m) && m.diff !== '';
    if (!isCover && !isPatch) return;
    if (isCover) stats.covers++; else stats.patches++;
    const root = threads.rootOf.get(m.messageId) ?? m.messageId;
    const tag = { ...(m.tag ?? { version: 1, rfc: false, resend: false, versionExplicit: false, prefixes: [], title: m.subject, raw: '' }) };
    if (!tag.versionExplicit && tag.total !== undefined) {
      const inherited = threadVersion.get(`${root}|n${tag.total}`);
      if (inherited !== undefined) { tag.version = inherited; tag.amendment ??= 'replacement'; }
    }
    // A lone patch (no m/n) is its own posting even inside a thread.
    const key = tag.total === undefined ? `lone:${m.messageId}` : `${root}|v${tag.version}|n${tag.total}|${tag.resend ? 'R' : ''}`;
    let p = postings.get(key);
    if (!p) {
      p = {
        key, version: tag.version, resend: tag.resend, rfc: tag.rfc, patches: new Map(), fixups: [],
        author: m.from, title: tag.title, date: m.date ?? '', order,
      };
      if (tag.total !== undefined) p.total = tag.total;
      postings.set(key, p);
    }
    if (isCover) {
      p.cover = m;
      p.author = m.from;
      p.title = tag.title;
      const meta = coverMetadata(m);
      if (meta.changeId) p.changeId = meta.changeId;
      if (meta.baseCommit) p.baseCommit = meta.baseCommit;
    } else if (isPatchMail(m) && tag.amendment === 'fixup') {
      p.fixups.push(m);
    } else if (isPatchMail(m)) {
      const index = tag.index ?? 1;
      const prev = p.patches.get(index);
      if (prev && tag.amendment !== 'replacement') {
        // `[PATCH v2 07/23 replacement]` and re-posts: the later one wins.
        problems.push({ input: m.origin.input, where: m.origin.where,
          message: `patch ${index}/${tag.total ?? 1} of v${tag.version} posted twice (${prev.messageId}, ${m.messageId}); using the later one` });
      }
      if (!prev || (m.date ?? '') >= (prev.date ?? '')) p.patches.set(index, m);
      if (m.changeId && !p.changeId) p.changeId = m.changeId;
      if (m.baseCommit && !p.baseCommit) p.baseCommit = m.baseCommit;
      if (!p.cover && (index === 1 || tag.total === undefined)) { p.title = tag.title; p.author = m.from; }
    }
  });

  const groups = joinPostings([...postings.values()]);
  const series = groups.map(toSeries).sort((a, b) => a.subject.localeCompare(b.subject) || a.id.localeCompare(b.id));
  return { series, problems, stats };
}

/** Union-find over postings: same series if any identity rule says so. */
function joinPostings(list: Posting[]): Posting[][] {
  const parent = list.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) { parent[i] = parent[parent[i] ?? i] ?? i; i = parent[i] ?? i; }
    return i;
  };
  const union = (a: number, b: number) => { const ra = find(a); const rb = find(b); if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb); };
  const byKey = new Map<string, number>();
  const link = (key: string, i: number) => {
    const j = byKey.get(key);
    if (j === undefined) byKey.set(key, i); else union(i, j);
  };
  list.forEach((p, i) => {
    if (p.changeId) link(`change:${p.changeId}`, i);
    const who = p.author.address || p.author.name;
    link(`title:${who}:${normalizeTitle(p.title)}`, i);
    for (const patch of p.patches.values()) {
      if (patch.patchId) link(`pid:${who}:${patch.patchId}`, i);
    }
  });
  // Postings sharing at least half of the smaller one's patch titles (a
  // series whose cover letter was retitled) are one series.
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i];
      const b = list[j];
      if (!a || !b || find(i) === find(j)) continue;
      if ((a.author.address || a.author.name) !== (b.author.address || b.author.name)) continue;
      const ta = new Set([...a.patches.values()].map((p) => normalizeTitle(p.tag?.title ?? p.subject)));
      const tb = [...b.patches.values()].map((p) => normalizeTitle(p.tag?.title ?? p.subject));
      const shared = tb.filter((t) => ta.has(t)).length;
      const smaller = Math.min(ta.size, tb.length);
      if (smaller >= 2 && shared * 2 >= smaller) union(i, j);
    }
  }
  const groups = new Map<number, Posting[]>();
  list.forEach((p, i) => {
    const r = find(i);
    const g = groups.get(r) ?? [];
    g.push(p);
    groups.set(r, g);
  });
  return [...groups.values()];
}

function toSeries(postings: Posting[]): Series {
  postings.sort((a, b) => a.version - b.version || Number(a.resend) - Number(b.resend) || a.order - b.order);
  const versions: SeriesVersion[] = [];
  for (const p of postings) {
    let v = versions.find((x) => x.version === p.version);
    if (!v) {
      v = { version: p.version, patches: [], fixups: [], missing: [], resend: false, rfc: p.rfc, messageIds: [] };
      versions.push(v);
    }
    if (p.resend) v.resend = true;
    if (p.cover) { v.cover = p.cover; v.messageIds.push(p.cover.messageId); }
    if (p.total !== undefined) v.total = p.total;
    if (p.baseCommit) v.baseCommit = p.baseCommit;
    const byIndex = new Map(v.patches.map((x) => [x.tag?.index ?? 1, x] as const));
    for (const [index, patch] of p.patches) byIndex.set(index, patch);
    v.patches = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
    for (const patch of p.patches.values()) if (!v.messageIds.includes(patch.messageId)) v.messageIds.push(patch.messageId);
    for (const fix of p.fixups) { v.fixups.push(fix); if (!v.messageIds.includes(fix.messageId)) v.messageIds.push(fix.messageId); }
  }
  for (const v of versions) {
    if (v.total !== undefined) {
      const have = new Set(v.patches.map((x) => x.tag?.index ?? 1));
      v.missing = [];
      for (let i = 1; i <= v.total; i++) if (!have.has(i)) v.missing.push(i);
    }
  }
  const newest = postings.reduce((a, b) => (b.version > a.version || (b.version === a.version && b.order > a.order) ? b : a));
  const oldest = postings[0] ?? newest;
  const changeId = postings.find((p) => p.changeId)?.changeId;
  const identity = changeId ? `change-id:${changeId}` : `${oldest.author.address}:${normalizeTitle(oldest.title)}`;
  const series: Series = {
    id: createHash('sha1').update(identity).digest('hex').slice(0, 12),
    subject: newest.title,
    author: newest.author,
    versions,
    patchLineage: lineage(versions),
  };
  if (changeId) series.changeId = changeId;
  return series;
}

/**
 * The same logical patch across versions: by title, else by patch-id, else
 * by a close title within the same subsystem prefix (a retitled patch:
 * "replace TIF_LAZY_MMU with in_lazy_mmu_mode()" became "... with
 * is_lazy_mmu_mode_active()").
 */
function lineage(versions: SeriesVersion[]): Series['patchLineage'] {
  interface Entry { title: string; norm: string; patchId: string; byVersion: Record<number, string> }
  const entries: Entry[] = [];
  for (const v of versions) {
    const used = new Set<number>();
    const pending = v.patches.map((patch) => ({ patch, title: patch.tag?.title ?? patch.subject }));
    const assign = (idx: number, patch: PatchMail, title: string) => {
      const e = entries[idx];
      if (!e) return;
      used.add(idx);
      e.byVersion[v.version] = patch.messageId;
      e.title = title;
      e.norm = normalizeTitle(title);
      if (patch.patchId) e.patchId = patch.patchId;
    };
    const open = (e: Entry, i: number) => !used.has(i) && e.byVersion[v.version] === undefined;
    const passes: Array<(e: Entry, p: PatchMail, title: string) => boolean> = [
      (e, _p, title) => e.norm === normalizeTitle(title),
      (e, p) => p.patchId !== '' && e.patchId === p.patchId,
      (e, _p, title) => closeTitles(e.title, title),
    ];
    let rest = pending;
    for (const pass of passes) {
      rest = rest.filter(({ patch, title }) => {
        const idx = entries.findIndex((e, i) => open(e, i) && pass(e, patch, title));
        if (idx < 0) return true;
        assign(idx, patch, title);
        return false;
      });
    }
    for (const { patch, title } of rest) {
      entries.push({ title, norm: normalizeTitle(title), patchId: patch.patchId, byVersion: {} });
      assign(entries.length - 1, patch, title);
    }
  }
  return entries.map((e) => ({ title: e.title, byVersion: e.byVersion }));
}

function closeTitles(a: string, b: string): boolean {
  const prefix = (t: string) => t.split(':').slice(0, -1).join(':').trim().toLowerCase();
  if (prefix(a) !== prefix(b)) return false;
  const words = (t: string) => new Set(t.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean));
  const wa = words(a);
  const wb = words(b);
  let shared = 0;
  for (const w of wa) if (wb.has(w)) shared++;
  const union = wa.size + wb.size - shared;
  return union > 0 && shared / union >= 0.6;
}
