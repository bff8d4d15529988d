// Small pieces of C litmus text shared by the C/LKMM templates, so that each
// template reads as the kernel code it models.

/** One thread: `// comment` line, `Pn(params)`, locals, body (already indented by one tab). */
export function cThread(index: number, comment: string, params: readonly string[], locals: readonly string[], body: readonly string[]): string {
  const decls = locals.map((l) => `\t${l};`);
  return [
    `// ${comment}`,
    `P${index}(${params.join(', ')})`,
    '{',
    ...decls,
    ...(decls.length > 0 ? [''] : []),
    ...body.map((l) => (l === '' ? '' : `\t${l}`)),
    '}',
  ].join('\n');
}

/** A whole C test: name, header comment, init block, threads, condition. */
export function cTest(name: string, about: readonly string[], init: readonly string[], threads: readonly string[], exists: string): string {
  return [
    `C ${name}`,
    '',
    '(*',
    ...about.map((l) => (l === '' ? ' *' : ` * ${l}`)),
    ' *)',
    '',
    '{',
    ...init.map((l) => `\t${l}`),
    '}',
    '',
    threads.join('\n\n'),
    '',
    `exists ${exists}`,
    '',
  ].join('\n');
}

/** `(a) \/ (b) \/ ...`, or the single term: conditions over several walkers. */
export function anyOf(terms: readonly string[]): string {
  return terms.length === 1 ? `(${terms[0]!})` : `(${terms.map((t) => `(${t})`).join(' \\/ ')})`;
}

/** Name suffixes for what a scenario leaves out: `name+no-x+no-y`. */
export function scenarioName(base: string, parts: readonly (string | false)[]): string {
  return [base, ...parts.filter((p): p is string => p !== false)].join('+');
}
