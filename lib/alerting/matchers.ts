import { checkRE2 } from '../regexp/re2';
import { unquoteGoString } from '../regexp/go-string';

/** An Alertmanager label matcher: `name op value`. */
export interface LabelMatcher {
  readonly name: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^\s"'`,{}=!~]*)\s*$/;

/**
 * Parses one matcher as written in the inventory and as Alertmanager's route, inhibition and silence matchers read
 * it (`severity="critical"`, `team = db`, `namespace=~"kafka|zookeeper"`): a label name, an operator, and a value,
 * double-quoted with Go's escapes or bare. Regular expressions are checked the way Go compiles them.
 */
export function parseMatcher(text: string): { matcher?: LabelMatcher; problem?: string } {
  const m = MATCHER.exec(text);
  if (!m) {
    return {
      problem:
        'a matcher: a label name, one of = != =~ !~, and a value ("double-quoted" when it has spaces or quotes), e.g. severity="critical"',
    };
  }
  const [, name, op, raw] = m;
  const value = raw.startsWith('"') ? unquoteGoString(raw) : raw;
  if (value === undefined) return { problem: `a matcher whose quoted value is a valid string; ${raw} is not` };
  if (op === '=~' || op === '!~') {
    const problem = checkRE2(value);
    if (problem)
      return { problem: `a matcher with a valid regular expression; ${JSON.stringify(value)}: ${problem.message}` };
  }
  return { matcher: { name, op: op as LabelMatcher['op'], value } };
}

/** A matcher as Alertmanager's configuration writes it: the value always double-quoted. */
export function formatMatcher(m: LabelMatcher): string {
  return `${m.name} ${m.op} ${JSON.stringify(m.value)}`;
}

/** Parses and formats a matcher; throws on a bad one (the inventory checks them first). */
export function normalizeMatcher(text: string): string {
  const { matcher, problem } = parseMatcher(text);
  if (!matcher) throw new Error(`matcher ${JSON.stringify(text)} is not valid; expected ${problem}`);
  return formatMatcher(matcher);
}
