import { compileGoRegExp, GoRegExpError, translateGoRegExp } from '../support/go-regexp';

describe('translateGoRegExp', () => {
  test('leaves plain patterns alone apart from the u flag', () => {
    expect(translateGoRegExp('^(http|https)://.+$')).toEqual({ source: '^(http|https):\\/\\/[^\\n]+$', flags: 'u' });
  });

  test('a leading (?i), even after ^, becomes the i flag', () => {
    expect(translateGoRegExp('^(?i)(abort|warn)?$')).toEqual({ source: '^(abort|warn)?$', flags: 'iu' });
    const re = compileGoRegExp('(?i)^abc$');
    expect(['abc', 'ABC', 'aBc'].map((s) => re.test(s))).toEqual([true, true, true]);
  });

  test('a scoped (?i:...) expands ASCII letters to both cases', () => {
    const re = compileGoRegExp('^x(?i:ab[c-d])y$');
    expect(['xabcy', 'xABDy', 'XABcy', 'xabcY'].map((s) => re.test(s))).toEqual([true, true, false, false]);
  });

  test('\\A and \\z become ^ and $', () => {
    expect(translateGoRegExp('\\Aabc\\z').source).toBe('^abc$');
    expect(compileGoRegExp('\\Aabc\\z').test('abc\n')).toBe(false);
  });

  test('. does not match a newline unless (?s)', () => {
    expect(compileGoRegExp('^a.b$').test('a\nb')).toBe(false);
    expect(compileGoRegExp('(?s)^a.b$').test('a\nb')).toBe(true);
    expect(compileGoRegExp('^a.b$').test('a\rb')).toBe(true);
  });

  test('(?m) makes ^ and $ match at newlines', () => {
    expect(compileGoRegExp('(?m)^b$').test('a\nb\nc')).toBe(true);
    expect(compileGoRegExp('^b$').test('a\nb\nc')).toBe(false);
  });

  test('(?U) swaps greedy and lazy quantifiers', () => {
    expect(translateGoRegExp('(?U)a+b*?').source).toBe('a+?b*');
  });

  test('POSIX classes, negated ones included', () => {
    const re = compileGoRegExp('^[[:alpha:][:digit:]_]+$');
    expect(['ab_12', 'a-b'].map((s) => re.test(s))).toEqual([true, false]);
    const notDigit = compileGoRegExp('^[[:^digit:]]+$');
    expect(['abc', 'a1'].map((s) => notDigit.test(s))).toEqual([true, false]);
  });

  test('\\s is ASCII-only as in Go', () => {
    expect(compileGoRegExp('^\\s$').test('\u00a0')).toBe(false);
    expect(compileGoRegExp('^[\\w\\s:/.\\\\-]+$').test('https://a b\\c-d')).toBe(true);
  });

  test('\\Q...\\E, named groups, \\x{...}, octal, \\pL and escaped punctuation', () => {
    expect(compileGoRegExp('^\\Qa.b*\\E$').test('a.b*')).toBe(true);
    expect(compileGoRegExp('^(?P<word>\\pL+)$').exec('héllo')?.groups?.word).toBe('héllo');
    expect(compileGoRegExp('^\\x{263a}\\x41\\101$').test('\u263aAA')).toBe(true);
    expect(compileGoRegExp('^\\p{Greek}+$').test('αβγ')).toBe(true);
    expect(compileGoRegExp('^\\#\\:\\-\\@$').test('#:-@')).toBe(true);
  });

  test('literal braces and brackets that Go allows outside classes', () => {
    expect(compileGoRegExp('^a{,2}]$').test('a{,2}]')).toBe(true);
    expect(compileGoRegExp('^[]a]+$').test(']a]')).toBe(true);
    expect(compileGoRegExp('^a{2,3}$').test('aaa')).toBe(true);
  });

  test('fails on constructs RE2 does not have', () => {
    expect(() => translateGoRegExp('(?=a)')).toThrow(GoRegExpError);
    expect(() => translateGoRegExp('(a)\\1')).toThrow(/backreference/);
    expect(() => translateGoRegExp('[[:bogus:]]')).toThrow(/unknown POSIX class/);
    expect(() => translateGoRegExp('(a')).toThrow(/missing closing \)/);
  });
});
