// Ordered events on what the hunks show (HAZARDS P6 on straight-line code):
// "after A, B must come before C". Only pairs inside one contiguous hunk
// fragment count, since unseen lines between hunks may hold the B event.
import { callSites, type CallSite, type NameMatcher } from './code.ts';
import { imageOf, type FunctionRegion, type Image } from '../patch/context.ts';

export interface OrderSpec {
  /** A: the event that opens the window (clearing an entry). */
  first: NameMatcher;
  /** B: the event that must close it (the invalidate). */
  between: NameMatcher;
  /** C: the event that must not happen while it is open (the free). */
  then: NameMatcher;
}

export interface OrderViolation {
  first: CallSite;
  then: CallSite;
}

/** Each C with an A before it in the same fragment and no B in between. */
export function unguardedOrder(region: FunctionRegion, image: Image, spec: OrderSpec): OrderViolation[] {
  const fragments = region.fragments.map((f) => imageOf(f, image));
  const events = [
    ...callSites(fragments, spec.first).map((site) => ({ site, role: 'A' as const })),
    ...callSites(fragments, spec.between).map((site) => ({ site, role: 'B' as const })),
    ...callSites(fragments, spec.then).map((site) => ({ site, role: 'C' as const })),
  ].sort((x, y) => x.site.index - y.site.index || x.site.column - y.site.column);
  const out: OrderViolation[] = [];
  let open: CallSite | undefined;
  for (const { site, role } of events) {
    if (open && open.fragment !== site.fragment) open = undefined;
    if (role === 'A') open = site;
    else if (role === 'B') open = undefined;
    else if (open) out.push({ first: open, then: site });
  }
  return out;
}

const key = (v: OrderViolation): string => `${v.first.line.text.trim()}\0${v.then.line.text.trim()}`;

/**
 * Violations the patch introduces: present in the post-image and not in the
 * pre-image (compared by the text of the A and C lines, so moved code that
 * was already wrong stays quiet).
 */
export function introducedOrderViolations(region: FunctionRegion, spec: OrderSpec): OrderViolation[] {
  const before = new Set(unguardedOrder(region, 'pre', spec).map(key));
  return unguardedOrder(region, 'post', spec).filter((v) => !before.has(key(v)));
}
