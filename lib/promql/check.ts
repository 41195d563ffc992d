import type { Tree } from '@lezer/common';
import { Parser } from '@prometheus-io/codemirror-promql/dist/cjs/parser/parser';
import { parser } from '@prometheus-io/lezer-promql';
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

function analyse(expr: string): PromQLProblem[] {
  if (expr.trim() === '') return [{ from: 0, message: 'the expression is empty' }];
  let tree: Tree;
  let analyser: Parser;
  try {
    tree = parseWithoutDepthKludge(expr);
    const problems = syntaxProblems(tree, expr);
    if (problems.length > 0) return problems;
    if (treeDepth(tree) > MAX_TREE_DEPTH) return [tooDeep(expr)];
    const state: ParserState = { tree, sliceDoc: (from = 0, to = expr.length) => expr.slice(from, to) };
    analyser = new Parser(state as never);
    analyser.analyze();
  } catch (e) {
    // The tree is walked recursively; only an expression of thousands of nested terms gets here.
    if (!(e instanceof RangeError)) throw e;
    return [tooDeep(expr)];
  }
  const diagnostics = analyser
    .getDiagnostics()
    .filter((d) => d.severity === 'error')
    .map((d) => ({ from: d.from, message: d.message }));
  return diagnostics.length > 0 ? diagnostics : regexProblems(tree, expr);
}

/**
 * Every regular expression of a label matcher (`=~`, `!~`) is checked as Prometheus compiles it: Go's RE2 syntax,
 * anchored. JavaScript's RegExp would accept a lookahead or a back-reference that Prometheus refuses, dropping the
 * whole rule group.
 */
function regexProblems(tree: Tree, expr: string): PromQLProblem[] {
  const cursor = tree.cursor();
  do {
    if (cursor.name !== 'MatchOp') continue;
    const op = cursor.node.firstChild?.name;
    const literal = cursor.node.nextSibling;
    if ((op !== 'EqlRegex' && op !== 'NeqRegex') || literal?.name !== 'StringLiteral') continue;
    const text = expr.slice(literal.from, literal.to);
    const pattern = unquoteGoString(text);
    const problem = pattern === undefined ? undefined : checkRE2(pattern, { anchored: true });
    if (problem) return [{ from: literal.from, message: `invalid regular expression ${text}: ${problem.message}` }];
  } while (cursor.next());
  return [];
}

/**
 * The analyser walks the tree recursively: past this depth (some 1500 chained binary operations, nearly three times
 * what a person writes in a rule) it would overflow the stack, or worse, report types wrongly.
 */
const MAX_TREE_DEPTH = 2000;

function tooDeep(expr: string): PromQLProblem {
  return {
    from: 0,
    message: `the expression nests too deeply to check (${expr.length} characters); split it, e.g. with recording rules`,
  };
}

/** The depth of a tree, walked without recursion. */
function treeDepth(tree: Tree): number {
  let depth = 0;
  let max = 0;
  tree.iterate({
    enter: () => {
      depth++;
      if (depth > max) max = depth;
    },
    leave: () => {
      depth--;
    },
  });
  return max;
}

/**
 * The syntax tree of an expression. Lezer gives up on a long left-associative chain (`a + b + c ...`: after 300
 * reductions of more than 2000 characters from one start it forces the stack out, leaving error nodes, to keep its
 * trees shallow), so PromQL that Prometheus accepts, with some 550 binary operators, would be refused. The counter
 * behind that is reset at every parse step; the deep tree that results is handled up to the stack's limit.
 */
function parseWithoutDepthKludge(expr: string): Tree {
  const parse = parser.startParse(expr) as ReturnType<typeof parser.startParse> & { bigReductionCount: number };
  for (;;) {
    parse.bigReductionCount = 0;
    const tree = parse.advance();
    if (tree) return tree;
  }
}

/** Every error node of the tree, as "unexpected ..." (the analyser ignores one at the very end, we do not). */
function syntaxProblems(tree: Tree, expr: string): PromQLProblem[] {
  const problems: PromQLProblem[] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) {
      const text = expr.slice(cursor.from, Math.max(cursor.to, cursor.from + 1)).trim();
      problems.push({
        from: cursor.from,
        message:
          cursor.from >= expr.length || text === ''
            ? 'unexpected end of expression'
            : `unexpected ${JSON.stringify(text)}`,
      });
    }
  } while (cursor.next());
  return problems.slice(0, 1);
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
