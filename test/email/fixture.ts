// Real patches analysed by the real rules, as input for reply tests.
import { analyzeSeries } from '../../src/analysis/analyze.ts';
import { loadConfig } from '../../src/config/load.ts';
import { ingest } from '../../src/mail/ingest.ts';
import type { Config } from '../../src/config/schema.ts';
import { readLocalInputs } from '../../src/sources/local-files.ts';
import { fixture } from '../helpers/fixtures.ts';

export function defaultConfig(): Config {
  const c = loadConfig({ env: {} });
  if (!c.ok) throw new Error('default config invalid');
  return c.config;
}

export async function analysed(...paths: string[][]) {
  const config = defaultConfig();
  const mail = await ingest(readLocalInputs(paths.map((p) => fixture(...p))));
  const result = await analyzeSeries(mail.series, { relevance: config.relevance, rules: config.rules, versions: 'newest' });
  return { config, mail, result };
}

export const X86_BUG = ['lore', 'bugs', 'x86_free_pmd_pte_page_no_tlb_purge', 'introducing.patch'];
