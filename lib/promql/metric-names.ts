import { parser } from '@prometheus-io/lezer-promql';
import { unquoteGoString } from '../regexp/go-string';

/** The metric names a PromQL expression selects. */
export interface MetricNames {
  /** Names selected exactly: `up`, `rate(x_bucket[5m])`, `{__name__="x"}`, `{"x"}`. */
  readonly names: readonly string[];
  /** Regular expressions selecting names (`{__name__=~"x_.*"}`), as written (Prometheus anchors them). */
  readonly patterns: readonly string[];
}

/**
 * The metric names an expression selects, read from its syntax tree (the Prometheus grammar,
 * `@prometheus-io/lezer-promql`): the name of each vector selector, and `__name__` matchers. Strings, label names and
 * function names are not metric names. Throws on an expression that does not parse, so no name goes unseen.
 */
export function metricNamesOf(expr: string): MetricNames {
  const tree = parser.parse(expr);
  const names = new Set<string>();
  const patterns = new Set<string>();
  const text = (n: { from: number; to: number }) => expr.slice(n.from, n.to);
  // A malformed literal is a syntax error, reported above; the text as written is what is left.
  const unquote = (literal: string) => unquoteGoString(literal) ?? literal;
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) {
      throw new Error(`not valid PromQL at offset ${cursor.from}: ${JSON.stringify(expr)}`);
    }
    const node = cursor.node;
    if (node.name === 'VectorSelector') {
      const id = node.getChild('Identifier');
      if (id) names.add(text(id));
    } else if (node.name === 'LabelMatchers') {
      // `{"name"}`: a quoted metric name alone (Prometheus 3).
      for (const q of node.getChildren('QuotedLabelName')) names.add(unquote(text(q)));
    } else if (node.name === 'UnquotedLabelMatcher' || node.name === 'QuotedLabelMatcher') {
      const label = node.getChild('LabelName') ?? node.getChild('QuotedLabelName');
      const op = node.getChild('MatchOp');
      const value = node.getChild('StringLiteral');
      if (!label || !op || !value) continue;
      const labelName = label.name === 'QuotedLabelName' ? unquote(text(label)) : text(label);
      if (labelName !== '__name__') continue;
      const v = unquote(text(value));
      if (text(op) === '=') names.add(v);
      else if (text(op) === '=~') patterns.add(v);
    }
  } while (cursor.next());
  return { names: [...names].sort(), patterns: [...patterns].sort() };
}
