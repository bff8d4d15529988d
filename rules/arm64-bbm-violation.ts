// R22: arm64 requires break-before-make when a live translation changes
// between table and block, or in output address, memory type, nG or the
// contiguous bit: write an invalid entry, TLBI + DSB + ISB, then the new
// entry. Otherwise two TLB entries may overlap (TLB conflict abort,
// amalgamated translations; 15122ee2c515 saw it on Cortex-A75). Three checks:
// - p?d_set_huge() reached on a path with no p?d_none()/p?d_present() test
//   and no p?d_free_*_page() (a block over a possibly live table);
// - set_p?d()/set_pte()/__set_pte() over an entry the path proved valid (or
//   inside a p?d_set_huge() definition, whose callers may pass a live entry),
//   with no clear + TLBI between and no pgattr_change_is_safe()/BBML2 check;
// - arch/arm64 code outside contpte.c, pgtable.h and hugetlbpage.c calling
//   the private __set_ptes()/__ptep_*() on a user mm: that bypasses the
//   contpte fold/unfold, which does the BBM for contiguous blocks.
import {
  defineRule,
  introducedBy,
  lineText,
  reportOn,
  type CCall,
  type HunkLine,
  type ImageFunction,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';
import { pathStates } from '../src/analysis/path-state.ts';

const SET_HUGE = /^(pmd|pud|p4d)_set_huge$/;
const FREE_TABLE = /^(pmd_free_pte_page|pud_free_pmd_page|p4d_free_pud_page|__pmd_free_pte_page|__pud_free_pmd_page)$/;
/** Tests that leave the entry's state known (none, present, a leaf, a table). */
const STATE_TEST = (level: string): RegExp => new RegExp(`\\b${level}_(none|present|bad|leaf|table|sect|valid)\\s*\\(`);
/** The exceptions to BBM: attribute changes the architecture allows, BBML2_NOABORT CPUs. */
const SAFE_CHANGE = /\b(pgattr_change_is_safe|system_supports_bbml2_noabort|linear_map_requires_bbml2|bbml2\w*)\b/;
const SETTER = /^(set_pte|__set_pte|__set_pte_nosync|set_pmd|set_pud|set_p4d|set_pgd)$/;
const CLEAR = /^(pte_clear|__pte_clear|pmd_clear|pud_clear|p4d_clear|pgd_clear|__ptep_get_and_clear|ptep_get_and_clear|pmdp_huge_get_and_clear|pudp_huge_get_and_clear)$/;
const TLBI = /^(__tlbi|__tlbi_user|flush_tlb_\w+|__flush_tlb_\w+|local_flush_tlb_\w+)$/;
const VALID_TEST = /^(pte|pmd|pud|p4d|pgd)_(valid|present)(_cont)?$/;

const levelOf = (callee: string): string => /(pte|pmd|pud|p4d|pgd)/.exec(callee)?.[1] ?? 'pte';
const isArm64 = (file: string): boolean => file.startsWith('arch/arm64/') && !file.startsWith('arch/arm64/kvm/');
const codeOf = (text: string): string => text.replace(/\/\*.*?(\*\/|$)/g, '').replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');

/** p?d_set_huge() calls some path reaches with the entry's state unknown. */
function unguardedInstalls(image: ImageFunction): CCall[] {
  if (image.lines.some((l) => SAFE_CHANGE.test(codeOf(l.text)))) return [];
  const out = new Map<string, CCall>();
  for (const level of ['pmd', 'pud', 'p4d']) {
    const tested = STATE_TEST(level);
    const states = pathStates<boolean>(image.analysis.cfg, {
      initial: false,
      key: (s) => (s ? 'g' : '-'),
      condition: (s, text) => s || tested.test(text) || /\b\w+_free_\w+_page\s*\(/.test(text),
      // A free, or an entry emptied first (mm/debug_vm_pgtable.c: WRITE_ONCE(*pmdp, __pmd(0))).
      call: (s, c) =>
        s || FREE_TABLE.test(c.callee) || c.callee === `${level}_clear` ||
        (/^(WRITE_ONCE|set_(pmd|pud|p4d))$/.test(c.callee) && new RegExp(`__${level}\\(\\s*0\\s*\\)`).test(c.args[1] ?? '')),
    });
    for (const { call, before } of states.calls) {
      if (!before && call.callee === `${level}_set_huge`) out.set(`${call.line}:${call.text}`, call);
    }
  }
  return [...out.values()];
}

interface WriteState {
  /** The path proved the entry valid, or the function's contract says it may be. */
  live: boolean;
  /** A state or safe-change check was passed. */
  checked: boolean;
  cleared: boolean;
  invalidated: boolean;
}

const writeKey = (s: WriteState): string => `${+s.live}${+s.checked}${+s.cleared}${+s.invalidated}`;

/** Writes over a live entry without BBM or an allowed-change check. */
function liveWrites(image: ImageFunction, fnName: string | undefined): CCall[] {
  const isSetHuge = fnName !== undefined && SET_HUGE.test(fnName);
  const states = pathStates<WriteState>(image.analysis.cfg, {
    initial: { live: isSetHuge, checked: false, cleared: false, invalidated: false },
    key: writeKey,
    condition: (s, text) => (SAFE_CHANGE.test(text) || (isSetHuge && /\b(pmd|pud|p4d)_(none|present)\s*\(/.test(text)) ? { ...s, checked: true } : s),
    call: (s, c) => {
      if (SAFE_CHANGE.test(c.callee)) return { ...s, checked: true };
      if (CLEAR.test(c.callee) || (SETTER.test(c.callee) && /__(pte|pmd|pud|p4d|pgd)\(\s*0\s*\)/.test(c.args[1] ?? ''))) return { ...s, cleared: true, invalidated: false };
      if (TLBI.test(c.callee) && s.cleared) return { ...s, invalidated: true };
      return s;
    },
    outcome: (s, facts) => (facts.some((f) => f.kind === 'call-result' && f.nonZero && VALID_TEST.test(f.callee)) ? { ...s, live: true } : s),
  });
  const out = new Map<string, CCall>();
  for (const { call, before } of states.calls) {
    if (!SETTER.test(call.callee) || /__(pte|pmd|pud|p4d|pgd)\(\s*0\s*\)/.test(call.args[1] ?? '')) continue;
    if (before.live && !before.checked && !(before.cleared && before.invalidated)) out.set(`${call.line}:${call.text}`, call);
  }
  return [...out.values()];
}

/** Removed lines that held a guard (a state test, a free, a safe-change check): evidence of what the patch dropped. */
function removedGuards(fn: TouchedFunction, level: string): HunkLine[] {
  const guard = new RegExp(`${STATE_TEST(level).source}|${SAFE_CHANGE.source}|\\b\\w*_free_\\w+_page\\s*\\(`);
  return fn.region.fragments.flat().filter((l) => l.kind === 'removed' && guard.test(codeOf(l.text)));
}

function installReports(fn: TouchedFunction): RuleReport[] {
  if (!isArm64(fn.file) && !/^(mm|lib)\//.test(fn.file)) return [];
  const found = introducedBy(fn, unguardedInstalls, (c, image) => lineText(image, c.line));
  return found.flatMap(({ item: c, image }) => {
    // A fragment may hide the guard above the hunk: there, only a guard the patch removes counts.
    if (image.confidence === 'fragment' && removedGuards(fn, levelOf(c.callee)).length === 0) return [];
    const r = reportOn(fn, image, {
      messageId: 'blockOverTable',
      data: { install: c.callee, level: levelOf(c.callee) },
      line: c.line,
      extra: removedGuards(fn, levelOf(c.callee)),
      suggestion: `free the table first and fall back on failure: \`if (${levelOf(c.callee)}_present(*${levelOf(c.callee)}) && !${c.callee === 'pud_set_huge' ? 'pud_free_pmd_page' : c.callee === 'p4d_set_huge' ? 'p4d_free_pud_page' : 'pmd_free_pte_page'}(${levelOf(c.callee)}, addr)) return 0;\``,
    });
    return r ? [r] : [];
  });
}

function writeReports(fn: TouchedFunction): RuleReport[] {
  if (!isArm64(fn.file)) return [];
  const found = introducedBy(fn, (image) => liveWrites(image, fn.name), (c, image) => lineText(image, c.line));
  const inSetHuge = fn.name !== undefined && SET_HUGE.test(fn.name);
  return found.flatMap(({ item: c, image }) => {
    // Inside p?d_set_huge() the state check may sit above a fragment's hunk.
    if (inSetHuge && image.confidence === 'fragment' && removedGuards(fn, levelOf(c.callee)).length === 0) return [];
    const r = reportOn(fn, image, {
      messageId: fn.name !== undefined && SET_HUGE.test(fn.name) ? 'setHugeOverLive' : 'writeOverValid',
      data: { write: c.callee, fn: fn.name ?? '' },
      line: c.line,
      extra: removedGuards(fn, levelOf(c.callee)),
      suggestion:
        'refuse changes that need BBM (`if (!pgattr_change_is_safe(old, new)) return 0;`), or break before make: ' +
        'clear the entry, __flush_tlb_kernel_pgtable()/flush_tlb_kernel_range(), then write the new entry',
    });
    return r ? [r] : [];
  });
}

const PRIVATE_ACCESSOR = /^(__set_ptes|__ptep_\w+|__pte_clear|__clear_young_dirty_ptes|__wrprotect_ptes|__get_and_clear_full_ptes|__clear_full_ptes)$/;
/** Files that own the private accessors or manage contiguous bits themselves (hugetlb's num_contig). */
const OWNS_ACCESSORS = /^arch\/arm64\/(mm\/contpte\.c|include\/asm\/pgtable\.h|mm\/hugetlbpage\.c)$/;

/** A private accessor used on a user address space: an mm or vma argument that is not &init_mm. */
function onUserMm(args: string[]): boolean {
  const first = args[0] ?? '';
  return /\b(mm|vma|vm_mm)\b/.test(first) && !/&\s*init_mm\b/.test(first);
}

/** `__ptep_get_and_clear(mm, a, p)` for `ptep_get_and_clear(mm, a, p)`: the contpte series' renames. */
const publicForm = (text: string): string =>
  codeOf(text).replace(/\b__(set_ptes|ptep_\w+|pte_clear|set_pte)\b/g, '$1').replace(/\s+/g, '');

function accessorReports(fn: TouchedFunction): RuleReport[] {
  if (!isArm64(fn.file) || OWNS_ACCESSORS.test(fn.file) || !fn.post) return [];
  const post = fn.post;
  const out: RuleReport[] = [];
  for (const fragment of fn.region.fragments) {
    const renamed = new Set(fragment.filter((l) => l.kind === 'removed').map((l) => publicForm(l.text)));
    for (const line of fragment) {
      if (line.kind !== 'added' || renamed.has(publicForm(line.text))) continue;
      const n = line.newLine;
      const calls = post.analysis.calls.filter((c) => c.line === n && PRIVATE_ACCESSOR.test(c.callee) && onUserMm(c.args));
      for (const c of calls) {
        const r: RuleReport = {
          messageId: 'privateAccessor',
          data: { accessor: c.callee },
          file: fn.file,
          at: line as HunkLine,
          evidence: [line],
          suggestion: `use the public ${c.callee.replace(/^__/, '')}(), which unfolds and refolds contpte blocks with BBM`,
          confidence: post.confidence,
          severity: 'warning',
        };
        if (fn.name !== undefined) r.function = fn.name;
        out.push(r);
      }
    }
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'arm64-bbm-violation',
    title: 'live arm64 mapping changed without break-before-make',
    severity: 'error',
    hazardClass: 'bbm',
    contract:
      'On arm64, replacing a valid table entry with a block (or the reverse), or changing the output address, memory ' +
      'type, nG or contiguous bit of a live entry, must break before make: write an invalid entry, TLBI with DSB and ' +
      'ISB, then the new entry. The exceptions are the attribute changes pgattr_change_is_safe() accepts and CPUs ' +
      'with BBML2_NOABORT; contiguous (contpte) blocks are repainted only through the contpte helpers.',
    arches: ['arm64'],
    references: [
      {
        title: 'Will Deacon, arm64: Enforce BBM for huge IO/VMAP mappings (15122ee2c515)',
        url: 'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=15122ee2c515',
      },
      {
        title: 'Ryan Roberts, [PATCH v5 19/25] arm64/mm: Wire up PTE_CONT for user mappings',
        url: 'https://lore.kernel.org/all/20240202080756.1453939-20-ryan.roberts@arm.com/',
      },
      {
        title: 'Toshi Kani, x86/mm: add TLB purge to free pmd/pte page interfaces (the free before p?d_set_huge)',
        url: 'https://lore.kernel.org/all/20180627141348.21777-4-toshi.kani@hpe.com/',
      },
    ],
    docs: 'rules/arm64-bbm-violation.md',
    messages: {
      blockOverTable:
        '{{install}}() may write a block over a live {{level}} table: no {{level}}_none()/{{level}}_present() test and ' +
        'no successful p?d_free_*_page() precedes it on this path (arm64: break-before-make, TLB conflict aborts)',
      setHugeOverLive:
        '{{write}}() in {{fn}}() writes a block entry over one that may be live without break-before-make or a ' +
        'pgattr_change_is_safe() check (arm64: TLB conflict aborts, 15122ee2c515)',
      writeOverValid:
        '{{write}}() rewrites an entry this path found valid with no clear + TLBI before it and no ' +
        'pgattr_change_is_safe()/BBML2 check (arm64: break-before-make, TLB conflict aborts)',
      privateAccessor:
        '{{accessor}}() on a user mm outside contpte.c/pgtable.h bypasses the contpte fold/unfold and its ' +
        'break-before-make (arm64)',
    },
  },
  check(context) {
    return context.functions().flatMap((fn) => [...installReports(fn), ...writeReports(fn), ...accessorReports(fn)]);
  },
});
