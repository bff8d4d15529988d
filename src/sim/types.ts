// The parsed litmus test: what the file says, before any semantics.

/**
 * A value: an integer, or a symbol. Symbols are location addresses (the bare
 * location name, as herd prints them), code labels (`label:"P1:L0"`) and
 * instruction values (`instr:"NOP"`).
 */
export type Value = bigint | string;

export type Arch = 'C' | 'AArch64';

/** A location of the final state or of a condition atom. */
export type RLoc =
  | { readonly kind: 'reg'; readonly thread: number; readonly reg: string }
  | { readonly kind: 'mem'; readonly name: string };

export type Prop =
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  | { readonly kind: 'eq'; readonly loc: RLoc; readonly value: Value }
  | { readonly kind: 'eqloc'; readonly loc: RLoc; readonly other: RLoc }
  | { readonly kind: 'not'; readonly prop: Prop }
  | { readonly kind: 'and'; readonly props: readonly Prop[] }
  | { readonly kind: 'or'; readonly props: readonly Prop[] }
  | { readonly kind: 'implies'; readonly left: Prop; readonly right: Prop }
  | { readonly kind: 'fault'; readonly text: string };

export type Quantifier = 'exists' | '~exists' | 'forall';

/** One memory location's declaration in the init block. */
export interface LocationInit {
  readonly name: string;
  readonly type: string | null;
  readonly value: Value;
  /** Array cells, when declared as an array. */
  readonly size?: number;
}

export interface RegisterInit {
  readonly thread: number;
  readonly reg: string;
  readonly type: string | null;
  readonly value: Value;
}

export interface InitState {
  readonly locations: readonly LocationInit[];
  readonly registers: readonly RegisterInit[];
}

// ---- C programs -----------------------------------------------------------

export interface Pos {
  readonly line: number;
  readonly col: number;
}

export type CExpr =
  | { readonly kind: 'num'; readonly value: bigint; readonly pos: Pos }
  | { readonly kind: 'name'; readonly name: string; readonly pos: Pos }
  | { readonly kind: 'deref'; readonly expr: CExpr; readonly pos: Pos }
  | { readonly kind: 'addrof'; readonly name: string; readonly pos: Pos }
  | { readonly kind: 'unary'; readonly op: '!' | '-' | '~'; readonly expr: CExpr; readonly pos: Pos }
  | { readonly kind: 'binary'; readonly op: string; readonly left: CExpr; readonly right: CExpr; readonly pos: Pos }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly CExpr[]; readonly pos: Pos };

export type CStmt =
  | { readonly kind: 'decl'; readonly name: string; readonly init: CExpr | null; readonly pos: Pos }
  | { readonly kind: 'assign'; readonly target: CExpr; readonly value: CExpr; readonly pos: Pos }
  | { readonly kind: 'expr'; readonly expr: CExpr; readonly pos: Pos }
  | { readonly kind: 'if'; readonly cond: CExpr; readonly then: readonly CStmt[]; readonly else: readonly CStmt[]; readonly pos: Pos }
  | { readonly kind: 'while'; readonly cond: CExpr; readonly body: readonly CStmt[]; readonly pos: Pos };

export interface CParam {
  readonly name: string;
  readonly type: string;
}

export interface CThread {
  readonly index: number;
  readonly params: readonly CParam[];
  readonly body: readonly CStmt[];
  readonly pos: Pos;
}

// ---- AArch64 programs -----------------------------------------------------

/** One instruction of an AArch64 thread, kept close to its text. */
export interface A64Instr {
  readonly mnemonic: string;
  readonly operands: readonly string[];
  readonly text: string;
  readonly labels: readonly string[];
  readonly pos: Pos;
}

export interface A64Thread {
  readonly index: number;
  readonly code: readonly A64Instr[];
  /** Labels that precede no instruction (at the end of the thread). */
  readonly trailingLabels: readonly string[];
  /** For a `Pn.F` column: the thread whose faults it handles. */
  readonly handlerFor: number | null;
}

export interface LitmusTest {
  readonly file: string;
  readonly arch: Arch;
  readonly name: string;
  readonly info: ReadonlyMap<string, string>;
  readonly init: InitState;
  readonly cThreads: readonly CThread[];
  readonly a64Threads: readonly A64Thread[];
  readonly locationsClause: readonly RLoc[];
  readonly filter: Prop | null;
  readonly quantifier: Quantifier;
  readonly prop: Prop;
}
