// The tree-sitter C parser: web-tree-sitter with the grammar wasm that the
// tree-sitter-c package ships (no compile step). Loading is async and done
// once per process; parsing after that is synchronous.
import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';
import type { Node, Tree } from 'web-tree-sitter';
import { normaliseKernelC } from './kernel-macros.ts';
import type { KernelAttributeSite, KernelMacroSite } from './kernel-macros.ts';

/** One parsed C text: a whole file, a function, or a hunk's lines. */
export interface ParsedC {
  /** Name for messages (`mm/memory.c`, `hunk 3`). */
  name: string;
  /**
   * The text as given; with `firstLine`, preceded by that many empty lines
   * less one, so every line number (here and in all results) is a file line.
   */
  source: string;
  /** The text tree-sitter parsed (kernel macros rewritten; same lines). */
  parsedText: string;
  tree: Tree;
  root: Node;
  macros: KernelMacroSite[];
  attributes: KernelAttributeSite[];
  /** True when tree-sitter had to recover from syntax errors (fragments, odd macros). */
  hasErrors: boolean;
}

export interface ParseOptions {
  /** File line of the text's first line (a hunk's `+c` start): results then use file lines. */
  firstLine?: number;
}

export interface CParser {
  parse(source: string, name?: string, options?: ParseOptions): ParsedC;
}

let loading: Promise<CParser> | undefined;

/** Where the tree-sitter-c package keeps its wasm grammar, resolved through Node's resolver. */
export function cGrammarWasmPath(): string {
  return createRequire(import.meta.url).resolve('tree-sitter-c/tree-sitter-c.wasm');
}

/** Loads the C grammar once; every caller shares the same parser. */
export function loadCParser(): Promise<CParser> {
  loading ??= (async () => {
    await Parser.init();
    const language = await Language.load(cGrammarWasmPath());
    const parser = new Parser();
    parser.setLanguage(language);
    return {
      parse(text: string, name = '<c>', options: ParseOptions = {}): ParsedC {
        const pad = Math.max(0, (options.firstLine ?? 1) - 1);
        const source = pad > 0 ? '\n'.repeat(pad) + text : text;
        const norm = normaliseKernelC(source);
        const tree = parser.parse(norm.rewritten);
        if (!tree) throw new Error(`${name}: tree-sitter returned no tree`);
        return {
          name,
          source,
          parsedText: norm.rewritten,
          tree,
          root: tree.rootNode,
          macros: norm.macros,
          attributes: norm.attributes,
          hasErrors: tree.rootNode.hasError,
        };
      },
    };
  })();
  return loading;
}
