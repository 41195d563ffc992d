import { parser } from '@grafana/lezer-logql';
import { unquoteGoString } from '../regexp/go-string';
import { checkRE2 } from '../regexp/re2';

/** A problem found in a LogQL query, at a character offset. */
export interface LogQLProblem {
  readonly from: number;
  readonly message: string;
}

/**
 * Parses a LogQL query with Grafana's LogQL grammar (`@grafana/lezer-logql`, the one Grafana's query editor uses)
 * and returns its syntax errors; none for a valid query. Grafana template variables such as `$cluster` or
 * `$__auto` are allowed where Grafana substitutes them.
 */
export function checkLogQL(query: string, opts: { metric?: boolean } = {}): LogQLProblem[] {
  if (query.trim() === '') return [{ from: 0, message: 'the query is empty' }];
  // Grafana's interval variables stand where a duration goes; a duration of the same length keeps the offsets.
  const text = query.replace(/\$__[A-Za-z_]+/g, (v) => `${'9'.repeat(v.length - 1)}s`);
  const tree = parser.parse(text);
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) {
      const text = query.slice(cursor.from, Math.max(cursor.to, cursor.from + 1)).trim();
      return [
        {
          from: cursor.from,
          message:
            cursor.from >= query.length || text === ''
              ? 'unexpected end of query'
              : `unexpected ${JSON.stringify(text)}`,
        },
      ];
    }
  } while (cursor.next());
  const regex = regexProblem(tree, query);
  if (regex) return [regex];
  if (opts.metric) {
    const expr = tree.topNode.firstChild?.firstChild;
    if (expr?.name !== 'MetricExpr') {
      return [
        {
          from: 0,
          message:
            'a log query where a metric query is needed, e.g. sum by (namespace) (count_over_time({...} |= "error" [1m]))',
        },
      ];
    }
  }
  return [];
}

/**
 * The regular expressions of a query, checked as Loki compiles them (Go's RE2): label matchers (`=~`, `!~`, anchored
 * like Prometheus's), line filters (`|~`, `!~`) and the `regexp` parser.
 */
function regexProblem(tree: ReturnType<typeof parser.parse>, query: string): LogQLProblem | undefined {
  const cursor = tree.cursor();
  do {
    let literal: { from: number; to: number } | null = null;
    let anchored = false;
    const name = cursor.name;
    if (name === 'Matcher') {
      const op = cursor.node.getChild('Re') ?? cursor.node.getChild('Nre');
      literal = op ? cursor.node.getChild('String') : null;
      anchored = true;
    } else if (name === 'LineFilter') {
      const filter = cursor.node.getChild('Filter');
      literal =
        filter && /^(\|~|!~)$/.test(query.slice(filter.from, filter.to)) ? cursor.node.getChild('String') : null;
    } else if (name === 'LabelParser' && cursor.node.getChild('Regexp')) {
      literal = cursor.node.getChild('String');
    }
    if (!literal) continue;
    const text = query.slice(literal.from, literal.to);
    const pattern = unquoteGoString(text);
    const problem = pattern === undefined ? undefined : checkRE2(pattern, { anchored });
    if (problem) return { from: literal.from, message: `invalid regular expression ${text}: ${problem.message}` };
  } while (cursor.next());
  return undefined;
}
