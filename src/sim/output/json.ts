// The `--json` shape of the issue: one object per test, positive/negative
// exactly as herd7's "Positive:/Negative:" line (swapped for ~exists).
import type { SimResult } from '../run.ts';
import { stateLine } from './herd.ts';
import { forbiddenExplanation, interleaving } from './witness.ts';

export interface LitmusJson {
  readonly file: string;
  readonly name: string;
  readonly model: string;
  readonly variant: string | null;
  readonly observation: 'Never' | 'Sometimes' | 'Always' | null;
  readonly positive: number | null;
  readonly negative: number | null;
  readonly states: readonly string[];
  readonly flags: readonly string[];
  readonly candidates?: number;
  readonly witness?: readonly string[];
  readonly forbidden?: readonly string[];
  readonly error?: string;
}

export function resultJson(r: SimResult): LitmusJson {
  const base = {
    file: r.test.file,
    name: r.test.name,
    model: r.model,
    variant: r.variant.length === 0 ? null : r.variant.join(','),
  };
  if (r.budgetExceeded !== null) {
    return { ...base, observation: null, positive: null, negative: null, states: [], flags: [], candidates: r.candidates, error: r.budgetExceeded };
  }
  const [positive, negative] = r.test.quantifier === '~exists' ? [r.negative, r.positive] : [r.positive, r.negative];
  const states = r.states.map((s) => stateLine(r, s).trim());
  const witness = interleaving(r);
  const forbidden = forbiddenExplanation(r);
  return {
    ...base, observation: r.observation, positive, negative, states, flags: r.flags, candidates: r.candidates,
    ...(witness.length > 0 ? { witness } : {}),
    ...(forbidden.length > 0 ? { forbidden } : {}),
  };
}

export function errorJson(file: string, model: string, message: string): LitmusJson {
  return { file, name: '', model, variant: null, observation: null, positive: null, negative: null, states: [], flags: [], error: message };
}
