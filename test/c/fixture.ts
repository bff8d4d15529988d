// Test helpers: parse a fixtures/c file and pick one of its functions.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildCfg, extractFragment, extractFunctions, loadCParser } from '../../src/c/index.ts';
import type { CFunction, Cfg, ParseOptions, ParsedC } from '../../src/c/index.ts';

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/c/${name}`, import.meta.url));
}

export async function parseFixture(name: string): Promise<ParsedC> {
  const parser = await loadCParser();
  return parser.parse(readFileSync(fixturePath(name), 'utf8'), name);
}

export async function parseText(text: string, name = 'snippet', options: ParseOptions = {}): Promise<ParsedC> {
  return (await loadCParser()).parse(text, name, options);
}

export async function fixtureFunction(file: string, fn: string): Promise<CFunction> {
  const parsed = await parseFixture(file);
  const found = extractFunctions(parsed).find((f) => f.name === fn);
  if (!found) throw new Error(`${file}: no function ${fn}`);
  return found;
}

export async function fixtureCfg(file: string, fn: string): Promise<Cfg> {
  return buildCfg(await fixtureFunction(file, fn));
}

/** The CFG of a hunk fragment fixture (statements outside any function). */
export async function fragmentCfg(file: string): Promise<Cfg> {
  const fragment = extractFragment(await parseFixture(file));
  if (!fragment) throw new Error(`${file}: no fragment`);
  return buildCfg(fragment);
}
