import type { SyntaxNode, Tree } from '@lezer/common';
import { Parser } from '@prometheus-io/codemirror-promql/dist/cjs/parser/parser';
import { getType } from '@prometheus-io/codemirror-promql/dist/cjs/parser/type';
import { parser, BinaryExpr, ParenExpr, Pow } from '@prometheus-io/lezer-promql';
import type { ParserState } from './codemirror-language-shim';
import { unquoteGoString } from '../regexp/go-string';
import { checkRE2 } from '../regexp/re2';

/** A problem found in a PromQL expression, at a character offset. */
export interface PromQLProblem {
  /** Offset of the first character concerned (0-based). */
  readonly from: number;
  readonly message: string;
}

/**
 * Parses a PromQL expression with the Prometheus project's own grammar (`@prometheus-io/lezer-promql`, the one
 * Prometheus's UI uses) and checks it with its analyser (`@prometheus-io/codemirror-promql`): syntax errors,
 * wrong argument types (`rate(up)`), binary operations on range vectors. Returns no problem for a valid expression.
 */
export function checkPromQL(expr: string): PromQLProblem[] {
  // A fleet repeats the same expressions in every cluster: parse each one once.
  let problems = checked.get(expr);
  if (problems === undefined) {
    problems = analyse(expr);
    checked.set(expr, problems);
  }
  return problems;
}

const checked = new Map<string, PromQLProblem[]>();

/*
 * Long expressions. A chain of binary operators `a or b or c ...` is a tree as deep as the chain is long (they are
 * left-associative: `((a or b) or c) ...`), and lezer and the analyser do not take deep trees:
 * - @lezer/lr cuts short a production after 300 reductions of 2000 characters or more from the same start
 *   (`Rec.MaxLeftAssociativeReductionCount` and `Recover.MinBigReduction`, Parse.advance and Stack.reduce), to keep
 *   the tree shallow; the cut is a syntax error: "unexpected end of expression" after about 550 `up + `;
 * - @lezer/lr also cuts a parse stack deeper than 8400 entries (`Rec.CutDepth`, Parse.advanceStack): a syntax error,
 *   or for `a ^ b ^ ...` (right-associative) a silent regrouping;
 * - @lezer/common's Tree.build flattens what is deeper than 2500 levels (`CutOff.Depth`), and recurses once per level;
 * - the analyser recurses once or more per level (and overflows the stack at about 2000).
 * So a long expression is checked by windows of WINDOW characters: the complete left operands of binary operators
 * in a window are checked there, then folded, replaced in the text by a placeholder of their type, until what is left
 * is short. The analyser checks a binary operation from the types of its operands only (checkBinaryExpr, getType),
 * so the problems found are those of the whole expression. Nesting (parentheses, calls, `^` chains) cannot be folded
 * that way: deeper than MAX_DEPTH, it is refused as such.
 */

/** Deepest syntax tree analysed; below lezer's limits above, with room for the caller's stack. */
const MAX_DEPTH = 900;
/** Depth from which a syntax error may be lezer's (see treeProblems). */
const CUT_DEPTH = 600;
/** Characters of new text parsed per window: a window holds a few hundred levels at most. */
const WINDOW = 500;
/** A node is folded only if it ends this many characters before the end of its window (see foldable). */
const MARGIN = 100;
/**
 * What replaces a folded operand of each type: the same type to the analyser, a token of its own (the spaces: `bool(a)`,
 * `(a)and`), and no parenthesis (`group_left (x)` would read it as labels).
 */
const PLACEHOLDERS: Record<string, string> = { scalar: ' 0 ', vector: ' x ' };

function analyse(expr: string): PromQLProblem[] {
  if (expr.trim() === '') return [{ from: 0, message: 'the expression is empty' }];
  try {
    return analyseFolding(expr);
  } catch (e) {
    // The stack overflowed in lezer's Tree.build or in the analyser: a tree deeper than they take.
    if (!(e instanceof RangeError)) throw e;
    return [tooDeep(expr)];
  }
}

function analyseFolding(expr: string): PromQLProblem[] {
  const folded = new Folded(expr);
  const found: PromQLProblem[] = [];
  let regex: PromQLProblem | undefined;
  for (let window = WINDOW; folded.done + window < folded.text.length;) {
    const cut = folded.done + window;
    const parse = parser.startParse(folded.text);
    parse.stopAt(cut); // The parser reads on to the end of the token at `cut`, then closes what is open.
    let tree: Tree | null;
    while (!(tree = parse.advance()));
    const problems = treeProblems(tree, folded, cut - MARGIN);
    if (problems.length > 0) return problems;
    const analyser = analyserOf(tree, folded.text);
    const folds = foldable(tree, folded.done, cut - MARGIN);
    for (const node of folds) {
      analyser.checkAST(node);
      regex ??= regexProblem(tree, node.from, node.to, folded);
    }
    found.push(...errorsOf(analyser, folded));
    // A window without a complete operand (a long one, or nesting) is widened.
    window = folds.length > 0 ? WINDOW : window * 2;
    let shift = 0; // Folds are left to right, and each one moves what follows.
    for (const node of folds) shift += folded.fold(node.from - shift, node.to - shift, PLACEHOLDERS[getType(node)]);
  }
  const tree = parser.parse(folded.text);
  const problems = treeProblems(tree, folded, Infinity);
  if (problems.length > 0) return problems;
  const analyser = analyserOf(tree, folded.text);
  analyser.analyze();
  const diagnostics = [...found, ...errorsOf(analyser, folded)].sort((a, b) => a.from - b.from);
  if (diagnostics.length > 0) return diagnostics;
  const last = regexProblem(tree, 0, folded.text.length, folded);
  const first = regex === undefined || (last !== undefined && last.from < regex.from) ? last : regex;
  return first === undefined ? [] : [first];
}

/**
 * The first regular expression of a label matcher (`=~`, `!~`) within text[from, to) that Prometheus would refuse:
 * each is checked as Prometheus compiles it, Go's RE2 syntax, anchored. JavaScript's RegExp would accept a lookahead
 * or a back-reference that Prometheus refuses, dropping the whole rule group.
 */
function regexProblem(tree: Tree, from: number, to: number, folded: Folded): PromQLProblem | undefined {
  let found: PromQLProblem | undefined;
  tree.iterate({
    from,
    to,
    enter: (ref) => {
      if (found !== undefined) return false;
      if (ref.name !== 'MatchOp' || ref.from < from || ref.to > to) return undefined;
      const op = ref.node.firstChild?.name;
      const literal = ref.node.nextSibling;
      if ((op !== 'EqlRegex' && op !== 'NeqRegex') || literal?.name !== 'StringLiteral') return undefined;
      const text = folded.text.slice(literal.from, literal.to);
      const pattern = unquoteGoString(text);
      const problem = pattern === undefined ? undefined : checkRE2(pattern, { anchored: true });
      if (problem) {
        found = {
          from: folded.original(literal.from),
          message: `invalid regular expression ${text}: ${problem.message}`,
        };
      }
      return undefined;
    },
  });
  return found;
}

/** The text being checked, with the operands folded so far, and the way back to offsets in the expression. */
class Folded {
  text: string;
  /** End of the last placeholder in `text`: what is before is folded, checked. */
  done = 0;
  /**
   * Offsets in `text` from which an offset in the expression is `to + (offset - from)`, ascending; or `to`, in a
   * placeholder (`fixed`).
   */
  private readonly anchors: { from: number; to: number; fixed?: boolean }[] = [{ from: 0, to: 0 }];

  constructor(readonly expr: string) {
    this.text = expr;
  }

  /**
   * Replaces text[from, to), which ends after `done`, by the placeholder; returns how many characters fewer the
   * text has.
   */
  fold(from: number, to: number, placeholder: string): number {
    const start = this.original(from);
    const end = this.original(to);
    while (this.anchors.length > 1 && this.anchors[this.anchors.length - 1].from >= from) this.anchors.pop();
    this.anchors.push({ from, to: start, fixed: true }, { from: from + placeholder.length, to: end });
    const shift = to - from - placeholder.length;
    this.text = this.text.slice(0, from) + placeholder + this.text.slice(to);
    this.done = from + placeholder.length;
    return shift;
  }

  /** The offset in the expression of an offset in `text`; a placeholder's characters are the operand's start. */
  original(offset: number): number {
    let i = this.anchors.length - 1;
    while (this.anchors[i].from > offset) i--;
    const anchor = this.anchors[i];
    return anchor.fixed ? anchor.to : anchor.to + (offset - anchor.from);
  }
}

/**
 * The outermost complete left operands of binary operations (`a + b` in `a + b - c`, `(a or b)` in
 * `(a or b) and c`) of the type of a placeholder, ending between `after` and `before`: the parser has read the
 * operator after each one, so the rest of the text cannot change them.
 */
function foldable(tree: Tree, after: number, before: number): SyntaxNode[] {
  const folds: SyntaxNode[] = [];
  const cursor = tree.cursor();
  for (let enter = true; ;) {
    const node = cursor.node;
    const fold =
      (node.type.id === BinaryExpr || node.type.id === ParenExpr) &&
      node.to > after &&
      node.to <= before &&
      node.parent?.type.id === BinaryExpr &&
      node.parent.firstChild?.from === node.from &&
      node.parent.firstChild.to === node.to &&
      PLACEHOLDERS[getType(node)] !== undefined;
    if (fold) folds.push(node);
    if (enter && !fold && cursor.firstChild()) continue;
    if (cursor.nextSibling()) {
      enter = true;
      continue;
    }
    if (!cursor.parent()) return folds;
    enter = false;
  }
}

/** A tree too deep, or the first syntax error starting before `before`. */
function treeProblems(tree: Tree, folded: Folded, before: number): PromQLProblem[] {
  const { depth, regrouped, pows } = shape(tree);
  if (depth > MAX_DEPTH || regrouped) return [tooDeep(folded.expr)];
  const syntax = syntaxProblems(tree, folded, before);
  // A syntax error in a tree this deep may be lezer's cut of a parse stack of 8400 entries (`Rec.CutDepth`), no fault
  // of the expression: after the cut, 6000 entries (some 2000 levels of nesting, three entries a level at most) leave
  // a tree at least CUT_DEPTH deep; or, after a `^` chain was regrouped, left-associative and cut short in turn (see above).
  if (syntax.length > 0 && (depth >= CUT_DEPTH || pows >= MAX_DEPTH)) return [tooDeep(folded.expr)];
  return syntax;
}

/**
 * The depth of a tree, and whether it has a `^` regrouped by lezer: a chain of about 935 `a ^ b ^ ...`
 * (right-associative, so all on the parse stack) reaches lezer's `Rec.CutDepth` at a depth under MAX_DEPTH, and may
 * come out regrouped as `(a ^ b) ^ ...` without an error node. A `^` whose left operand is a binary operation without
 * parentheses is that, nothing else.
 */
function shape(tree: Tree): { depth: number; regrouped: boolean; pows: number } {
  const cursor = tree.cursor();
  let level = 0;
  let depth = 0;
  let pows = 0;
  for (;;) {
    if (cursor.type.id === Pow) pows++;
    if (cursor.type.id === BinaryExpr) {
      const node = cursor.node;
      if (node.getChild(Pow) && node.firstChild?.type.id === BinaryExpr) return { depth, regrouped: true, pows };
    }
    if (cursor.firstChild()) {
      depth = Math.max(depth, ++level);
      continue;
    }
    while (!cursor.nextSibling()) {
      if (!cursor.parent()) return { depth, regrouped: false, pows };
      level--;
    }
  }
}

function tooDeep(expr: string): PromQLProblem {
  return {
    from: 0,
    message: `the expression nests too deeply to check (${expr.length} characters); split it, e.g. with recording rules`,
  };
}

function analyserOf(tree: Tree, text: string): Parser {
  const state: ParserState = { tree, sliceDoc: (from = 0, to = text.length) => text.slice(from, to) };
  return new Parser(state as never);
}

function errorsOf(analyser: Parser, folded: Folded): PromQLProblem[] {
  return analyser
    .getDiagnostics()
    .filter((d) => d.severity === 'error')
    .map((d) => ({ from: folded.original(d.from), message: d.message }));
}

/**
 * The first error node of the tree starting before `before`, as "unexpected ..." (the analyser ignores one at the
 * very end, we do not).
 */
function syntaxProblems(tree: Tree, folded: Folded, before: number): PromQLProblem[] {
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError && cursor.from < before) {
      const from = folded.original(cursor.from);
      const to = folded.original(cursor.to);
      const text = folded.expr.slice(from, Math.max(to, from + 1)).trim();
      return [
        {
          from,
          message:
            from >= folded.expr.length || text === ''
              ? 'unexpected end of expression'
              : `unexpected ${JSON.stringify(text)}`,
        },
      ];
    }
  } while (cursor.next());
  return [];
}

/**
 * One line describing a problem in a query (PromQL or LogQL): `1:18: unexpected ")"`, line and column from the
 * problem's character offset.
 */
export function describeQueryProblem(expr: string, problem: PromQLProblem): string {
  const before = expr.slice(0, problem.from).split('\n');
  const line = before.length;
  const col = before[before.length - 1].length + 1;
  return `${line}:${col}: ${problem.message}`;
}
