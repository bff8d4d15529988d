// A small glob matcher for the relevance filter: `*`, `**`, `?`, `[...]`
// and `{a,b}`. Node 20's path.matchesGlob is still experimental (it warns
// on every process), so this stays ours.

export interface GlobOptions {
  /**
   * Paths: `*` and `?` stop at `/`, `**` crosses directories. Identifiers
   * have no separators, so there `*` matches anything.
   */
  pathMode: boolean;
}

const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string, options: GlobOptions): RegExp {
  const key = `${options.pathMode ? 'p' : 'i'}:${glob}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const re = new RegExp(`^${translate(glob, options.pathMode)}$`);
  cache.set(key, re);
  return re;
}

export function matchesGlob(subject: string, glob: string, options: GlobOptions): boolean {
  return globToRegExp(glob, options).test(subject);
}

function translate(glob: string, pathMode: boolean): string {
  const any = pathMode ? '[^/]*' : '.*';
  const one = pathMode ? '[^/]' : '.';
  let out = '';
  let braceDepth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more directories; a trailing `**` anything.
        const slash = glob[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else {
        out += any;
      }
    } else if (c === '?') {
      out += one;
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) {
        out += '\\[';
      } else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else if (c === '{') {
      braceDepth++;
      out += '(?:';
    } else if (c === '}' && braceDepth > 0) {
      braceDepth--;
      out += ')';
    } else if (c === ',' && braceDepth > 0) {
      out += '|';
    } else {
      out += c.replace(/[.+^$()|\\/]/g, '\\$&');
    }
  }
  if (braceDepth > 0) throw new Error(`glob '${glob}': unclosed '{'`);
  return out;
}
