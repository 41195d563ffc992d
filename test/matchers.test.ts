/** Alertmanager label matchers: parsed as the inventory writes them, written back as Alertmanager's configuration. */
import { normalizeMatcher, parseMatcher } from '../lib/alerting/matchers';

test('a regular expression is checked for both regex operators, and only for them', () => {
  expect(parseMatcher('namespace=~"("').problem).toMatch(/^a matcher with a valid regular expression; "\(": /);
  expect(parseMatcher('namespace!~"("').problem).toMatch(/^a matcher with a valid regular expression; "\(": /);
  expect(parseMatcher('namespace="("')).toEqual({ matcher: { name: 'namespace', op: '=', value: '(' } });
  expect(parseMatcher('namespace!="("')).toEqual({ matcher: { name: 'namespace', op: '!=', value: '(' } });
});

test('a quoted value with an escape Go does not know is refused, naming it', () => {
  expect(parseMatcher('team="a\\qb"')).toEqual({
    problem: 'a matcher whose quoted value is a valid string; "a\\qb" is not',
  });
});

test('normalizeMatcher writes the value double-quoted, with the operator between spaces', () => {
  expect(normalizeMatcher('team=db')).toBe('team = "db"');
  expect(normalizeMatcher(' severity =~ "critical|warning" ')).toBe('severity =~ "critical|warning"');
  expect(normalizeMatcher('summary!="a \\"quoted\\" word"')).toBe('summary != "a \\"quoted\\" word"');
});

test('normalizeMatcher throws on a bad matcher, naming it and what was expected', () => {
  expect(() => normalizeMatcher('1team="x"')).toThrow(
    'matcher "1team=\\"x\\"" is not valid; expected a matcher: a label name, one of = != =~ !~, and a value ("double-quoted" when it has spaces or quotes), e.g. severity="critical"',
  );
});
