// Shared by the corpus tests: the copy of the litmus corpus under
// fixtures/litmus (never /work/shared) and herd7's numbers for it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/litmus');

export interface Expected {
  readonly file: string;
  readonly arch: string;
  readonly model: string;
  readonly variant: string;
  readonly expected: string;
  readonly states: number;
  readonly positive: number;
  readonly negative: number;
  readonly herdSeconds: number;
}

export function expectedRows(): Expected[] {
  const lines = readFileSync(join(CORPUS, 'expected.tsv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const [file, arch, model, variant, expected, states, positive, negative, secs] = l.split('\t');
    return {
      file: file!, arch: arch!, model: model!, variant: variant!, expected: expected!,
      states: Number(states), positive: Number(positive), negative: Number(negative), herdSeconds: Number(secs),
    };
  });
}

export function readCorpus(...parts: string[]): string {
  return readFileSync(join(CORPUS, ...parts), 'utf8');
}

/** herd output without the lines that vary between runs (and herd's stderr warnings, kept in some .out files). */
export function normalise(out: string): string {
  return out.split('\n').filter((l) => !/^(Time |Hash=|Warning: )/.test(l)).join('\n').trim();
}
