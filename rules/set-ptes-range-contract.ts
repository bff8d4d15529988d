// R25: set_ptes() and the other batched PTE helpers take `nr` entries that
// must all sit in one PTE table (one PMD) and map pages of one folio. A
// count taken from the folio's size (folio_nr_pages(), 1 << order) is only
// safe once it is clamped to the table (pmd_addr_end(), `end`, PTRS_PER_PTE),
// the address is aligned to it, or it comes from folio_pte_batch(), which
// stops at the end given. Heuristic: the rule reports a count derived from a
// folio's size with no such clamp anywhere in the function, when the patch
// introduces the call or drops the clamp.
import {
  defineRule,
  introducedBy,
  lineText,
  reportOn,
  type CCall,
  type ImageFunction,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';
import { mentions } from '../src/analysis/path-state.ts';

/** Batched helpers and the index of their `nr` argument. */
const BATCHED: Readonly<Record<string, number>> = {
  set_ptes: 4,
  __set_ptes: 4,
  set_pte_range: 3,
  clear_ptes: 3,
  clear_full_ptes: 3,
  get_and_clear_full_ptes: 3,
  get_and_clear_ptes: 3,
  wrprotect_ptes: 3,
  clear_young_dirty_ptes: 3,
  clear_not_present_full_ptes: 3,
};
/** Counts that say "the whole folio": only safe with a clamp. */
const FOLIO_SIZED = /\b(folio_nr_pages|compound_nr|thp_nr_pages|folio_size|pages_per_huge_page|HPAGE_PUD_NR)\b|\b1U?L?\s*<<\s*\w*order\b/;
/** What bounds a count to the table, the range, or the batch already checked. */
const CLAMP =
  /\b(folio_pte_batch\w*|pte_batch_hint|min|min_t|min3|clamp|pmd_addr_end|end|next|PTRS_PER_PTE|HPAGE_PMD_NR|PMD_SIZE|ALIGN_DOWN|ALIGN|IS_ALIGNED|pte_index|max_nr)\b/;

interface Batch {
  call: CCall;
  nr: string;
  /** The expression the count was derived from. */
  source: string;
}

/** Calls whose count is the folio's size and nothing in the function bounds it. */
function unclampedBatches(image: ImageFunction): Batch[] {
  const params = new Set(image.analysis.fn.params.map((p) => p.name));
  const texts = image.analysis.cfg.nodes.map((n) => n.text);
  const assigns = image.analysis.cfg.nodes.flatMap((n) => n.events.flatMap((e) => (e.kind === 'assign' ? [e] : [])));
  return image.analysis.calls.flatMap((call) => {
    const at = BATCHED[call.callee];
    const nr = at === undefined ? undefined : call.args[at];
    if (nr === undefined) return [];
    const variable = /^[A-Za-z_]\w*$/.test(nr) ? nr : undefined;
    // A count handed in by the caller is the caller's contract (set_pte_range() wrappers).
    if (variable !== undefined && params.has(variable)) return [];
    // So is an address handed in: the caller aligned it to the folio (map_anon_folio_pte()).
    const addr = call.args[call.callee === 'set_pte_range' ? 4 : 1];
    if (addr !== undefined && params.has(addr)) return [];
    const sources = [nr, ...(variable ? assigns.filter((a) => a.target === variable).map((a) => a.value) : [])];
    const source = sources.find((s) => FOLIO_SIZED.test(s));
    if (source === undefined) return [];
    if (sources.some((s) => CLAMP.test(s))) return [];
    // A statement or condition that relates the count to a bound (`if (pte_off + nr > PTRS_PER_PTE)`).
    if (variable !== undefined && texts.some((t) => mentions(t, variable) && CLAMP.test(t))) return [];
    return [{ call, nr, source }];
  });
}

function reports(fn: TouchedFunction): RuleReport[] {
  if (!/^(mm|arch|include)\//.test(fn.file)) return [];
  const found = introducedBy(fn, unclampedBatches, (b, image) => `${lineText(image, b.call.line)}\0${b.source}`);
  return found.flatMap(({ item: b, image }) => {
    const fromLine = image.analysis.cfg.nodes.find((n) => n.events.some((e) => e.kind === 'assign' && e.value === b.source) && n.line !== b.call.line)?.line;
    const r = reportOn(fn, image, {
      messageId: 'unclampedBatch',
      data: { helper: b.call.callee, nr: b.nr, source: b.source.replace(/\s+/g, ' ') },
      line: b.call.line,
      lines: fromLine !== undefined ? [fromLine] : [],
      extra: fn.region.fragments.flat().filter((l) => l.kind === 'removed' && CLAMP.test(l.text) && (/^[A-Za-z_]\w*$/.test(b.nr) ? mentions(l.text, b.nr) : false)),
      suggestion:
        `clamp the count to the PTE table: \`nr = min(${b.nr}, (pmd_addr_end(addr, end) - addr) >> PAGE_SHIFT)\`, ` +
        'align addr to the folio, or take nr from folio_pte_batch()',
    });
    return r ? [r] : [];
  });
}

export default defineRule({
  meta: {
    id: 'set-ptes-range-contract',
    title: 'batched PTE update whose count may cross a PTE table',
    severity: 'warning',
    hazardClass: 'pte-map',
    contract:
      'set_ptes(mm, addr, ptep, pte, nr) requires the PTL held, all nr entries in the same PTE table (same PMD) and ' +
      'the pages in one folio; clear_full_ptes(), get_and_clear_full_ptes(), wrprotect_ptes() and ' +
      'clear_young_dirty_ptes() have the same constraint. A count taken from the folio size must be clamped to ' +
      'pmd_addr_end()/end, or come from folio_pte_batch().',
    arches: ['all'],
    references: [
      {
        title: 'Ryan Roberts, [PATCH v5 01/25] mm: Clarify the spec for set_ptes()',
        url: 'https://lore.kernel.org/all/20240202080756.1453939-2-ryan.roberts@arm.com/',
      },
      {
        title: 'Ryan Roberts, [PATCH v5 19/25] arm64/mm: Wire up PTE_CONT for user mappings',
        url: 'https://lore.kernel.org/all/20240202080756.1453939-20-ryan.roberts@arm.com/',
      },
      {
        title: 'Alexander Gordeev, mm: Lock kernel page tables before entering lazy MMU mode (lazy_mmu_mode_enable_pte, one table)',
        url: 'https://lore.kernel.org/all/cover.1749747752.git.agordeev@linux.ibm.com/',
      },
    ],
    docs: 'rules/set-ptes-range-contract.md',
    messages: {
      unclampedBatch:
        '{{helper}}() takes nr = {{nr}} from {{source}} with no clamp to pmd_addr_end()/end and no folio_pte_batch(): ' +
        'the batch may run past the PTE table (all architectures; arm64 contpte fold/unfold, powerpc/sparc/s390 lazy-MMU batches)',
    },
  },
  check(context) {
    return context.functions().flatMap(reports);
  },
});
