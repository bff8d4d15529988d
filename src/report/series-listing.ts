// Rendering what `ptbot analyze` found in the mail: the series, their
// versions and patches, and the input problems met on the way, as text
// and as the JSON document of `--format json`.
import type { Finding } from '../analysis/finding.ts';
import type { InputError, Series } from '../mail/types.ts';

export interface SeriesListingJson {
  series: Array<{
    id: string;
    subject: string;
    author: string;
    changeId?: string;
    versions: Array<{
      version: number;
      resend: boolean;
      rfc: boolean;
      total?: number;
      missing: number[];
      baseCommit?: string;
      cover?: { messageId: string; subject: string };
      messageIds: string[];
      patches: Array<{ messageId: string; subject: string; index: number; total: number; files: string[]; findings: string[] }>;
      fixups: Array<{ messageId: string; subject: string; files: string[] }>;
    }>;
    lineage: Array<{ title: string; byVersion: Record<string, string> }>;
  }>;
  findings: Finding[];
  errors: InputError[];
  stats: Record<string, number>;
}

export function seriesListingJson(series: Series[], findings: Finding[], errors: InputError[], stats: Record<string, number>): SeriesListingJson {
  const byMessage = new Map<string, string[]>();
  for (const f of findings) {
    if (f.origin.kind !== 'mail') continue;
    const list = byMessage.get(f.origin.messageId) ?? [];
    list.push(f.id);
    byMessage.set(f.origin.messageId, list);
  }
  return {
    series: series.map((s) => ({
      id: s.id,
      subject: s.subject,
      author: s.author.name ? `${s.author.name} <${s.author.address}>` : s.author.address,
      ...(s.changeId ? { changeId: s.changeId } : {}),
      versions: s.versions.map((v) => ({
        version: v.version,
        resend: v.resend,
        rfc: v.rfc,
        ...(v.total !== undefined ? { total: v.total } : {}),
        missing: v.missing,
        ...(v.baseCommit ? { baseCommit: v.baseCommit } : {}),
        ...(v.cover ? { cover: { messageId: v.cover.messageId, subject: v.cover.subject } } : {}),
        messageIds: v.messageIds,
        patches: v.patches.map((p) => ({
          messageId: p.messageId,
          subject: p.subject,
          index: p.tag?.index ?? 1,
          total: p.tag?.total ?? 1,
          files: p.files,
          findings: byMessage.get(p.messageId) ?? [],
        })),
        fixups: v.fixups.map((p) => ({ messageId: p.messageId, subject: p.subject, files: p.files })),
      })),
      lineage: s.patchLineage.map((l) => ({ title: l.title, byVersion: Object.fromEntries(Object.entries(l.byVersion)) })),
    })),
    findings,
    errors,
    stats,
  };
}

export function seriesListingText(series: Series[], errors: InputError[], stats: Record<string, number>): string {
  const out: string[] = [];
  for (const s of series) {
    out.push(`series ${s.id}: ${s.subject}`);
    out.push(`  author: ${s.author.name ? `${s.author.name} <${s.author.address}>` : s.author.address}${s.changeId ? `  change-id: ${s.changeId}` : ''}`);
    for (const v of s.versions) {
      const flags = [v.rfc ? 'RFC' : '', v.resend ? 'RESEND' : ''].filter(Boolean).join(' ');
      const count = v.total !== undefined ? `${v.patches.length}/${v.total} patches` : `${v.patches.length} patch`;
      const missing = v.missing.length ? `, missing ${v.missing.join(',')}` : '';
      out.push(`  v${v.version}${flags ? ` (${flags})` : ''}: ${count}${missing}${v.baseCommit ? `, base ${v.baseCommit.slice(0, 12)}` : ''}`);
      for (const p of v.patches) {
        const idx = p.tag?.total !== undefined ? `${String(p.tag.index ?? 1).padStart(String(p.tag.total).length, '0')}/${p.tag.total}` : '-';
        out.push(`    [${idx}] ${p.tag?.title ?? p.subject}`);
        out.push(`          ${p.messageId}  ${p.files.length} file${p.files.length === 1 ? '' : 's'}`);
      }
      for (const f of v.fixups) out.push(`    [fix] ${f.tag?.title ?? f.subject}  ${f.messageId}`);
    }
    out.push('');
  }
  const s = stats;
  out.push(`${s.messages ?? 0} messages: ${series.length} series, ${s.patches ?? 0} patches, ${s.covers ?? 0} cover letters, ${s.replies ?? 0} replies, ${s.noReview ?? 0} never reviewed (notifications, bots, applied)${s.duplicates ? `, ${s.duplicates} duplicates` : ''}`);
  for (const e of errors) out.push(`${e.input}: ${e.where}: ${e.message}`);
  return out.join('\n') + '\n';
}
