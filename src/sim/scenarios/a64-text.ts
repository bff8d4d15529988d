// AArch64 litmus text: threads as columns, the way herd7 tests are laid out.

/** Rows `a | b ;`, each column padded to its widest cell. */
export function a64Columns(columns: readonly (readonly string[])[]): string {
  const height = Math.max(...columns.map((c) => c.length));
  const width = columns.map((c, i) => Math.max(`P${i}`.length, ...c.map((x) => x.length)));
  const row = (cells: readonly string[]): string => cells.map((x, i) => x.padEnd(width[i]!)).join(' | ') + ' ;';
  const lines = [row(columns.map((_c, i) => `P${i}`))];
  for (let k = 0; k < height; k++) lines.push(row(columns.map((c) => c[k] ?? '')));
  return lines.join('\n');
}

/** A whole AArch64 test. */
export function a64Test(name: string, about: string, info: readonly string[], init: readonly string[], columns: readonly (readonly string[])[], exists: string): string {
  return [`AArch64 ${name}`, `"${about}"`, ...info, '{', ...init, '}', a64Columns(columns), `exists ${exists}`, ''].join('\n');
}
