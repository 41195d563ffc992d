/**
 * lib/regexp/re2.ts: a port of Go's regexp/syntax parser. A corpus of patterns with the verdict and message Go gives
 * (written down here), and the proof with the real thing: `promtool check rules` (Debian's prometheus package, Go
 * 1.19) must reject exactly the patterns checkRE2 rejects, with the same error. Without promtool that suite is
 * skipped with a warning on a workstation, and fails in CI.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkRE2, orbitOf, re2ToJs } from '../lib/regexp/re2';
import { describeWithTool } from './support/tools';

const R = String.raw;

// ---------------------------------------------------------------------------------------------------------------
// The corpus

/** Patterns Go accepts. */
const VALID: readonly string[] = [
  // Everyday label matchers.
  R`kafka|web-.*`,
  R`prod-(eu|us)-\d+`,
  R`.+`,
  '',
  // Flag groups.
  R`(?i)abc`,
  R`(?im-s:a.b)`,
  R`(?U)a*b`,
  R`(?i-i)a`,
  R`(?)`,
  R`(?s).`,
  R`(?m)^a$`,
  R`a*(?i)*`, // a flag group is not an operand: the second * repeats a*, which Go allows
  // Named captures, Python's spelling (Go allows duplicate names).
  R`(?P<name>a+)`,
  R`(?P<n>a)(?P<n>b)`,
  // POSIX and Perl classes.
  R`[[:alpha:]]+`,
  R`[[:^alpha:]]`,
  R`[[:word:][:xdigit:]]`,
  R`\d\s\w\D\S\W`,
  R`[\d\S-]`,
  // Unicode classes.
  R`\pL`,
  R`\p{Greek}`,
  R`\PL`,
  R`\p{^Greek}`,
  R`\P{^Lu}`,
  R`\p{Any}`,
  R`\pN+\p{Zs}`,
  R`\p{Old_Italic}`,
  R`[\p{Greek}\d]`,
  R`(?i)\p{Lu}`,
  // Quoting and escapes.
  R`\Qa.b*c\E+`,
  R`\Qno end`, // Go accepts it; Prometheus 2 does not (see the anchored option)
  R`\a\f\t\n\r\v`,
  R`\123`,
  R`\0`,
  R`\08`,
  R`\x7F`,
  R`\x{10FFFF}`,
  R`[\x{41}-\x{5A}]`,
  R`\_\ \-\]`,
  // Assertions.
  R`\A\z\b\B^$`,
  R`^*\b+`,
  // Repetitions; a '{' that does not start one is a literal.
  R`a{2}`,
  R`a{2,}`,
  R`a{2,5}`,
  R`a{1000}`,
  R`a{0,1000}`,
  R`(?:a{10}){100}`,
  R`a{,5}`,
  R`a{01}`,
  R`a{1,2`,
  R`{`,
  R`x]}`,
  R`a*?b+?c??`,
  R`a{2,3}?`,
  // Empty alternatives and groups.
  R`a||b`,
  R`|`,
  R`()`,
  R`(a|)`,
  // Bracket expressions with literal ] and -.
  R`[]a]`,
  R`[^]a]`,
  R`[a-]`,
  R`[-a]`,
  R`(?i)[k-m]`,
  // Beyond ASCII.
  R`é+`,
  '😀{2}',
  R`(?i)ſ`,
];

/** Patterns Go rejects: pattern, offset of the problem, Go's message. */
const INVALID: readonly (readonly [string, number, string])[] = [
  // Perl syntax RE2 does not have.
  [R`(?=x)`, 0, 'invalid or unsupported Perl syntax: `(?=`'],
  [R`(?!x)`, 0, 'invalid or unsupported Perl syntax: `(?!`'],
  [R`(?<=x)`, 0, 'invalid or unsupported Perl syntax: `(?<`'],
  [R`(?<!x)`, 0, 'invalid or unsupported Perl syntax: `(?<`'],
  [R`(?>x)`, 0, 'invalid or unsupported Perl syntax: `(?>`'],
  [R`(?#c)`, 0, 'invalid or unsupported Perl syntax: `(?#`'],
  [R`(?P=name)`, 0, 'invalid or unsupported Perl syntax: `(?P`'],
  [R`a(?<name>x)`, 1, 'invalid or unsupported Perl syntax: `(?<`; (?<name>...) needs Go 1.22+ (Prometheus 3)'],
  [R`(?i`, 0, 'invalid or unsupported Perl syntax: `(?i`'],
  [R`(?-)`, 0, 'invalid or unsupported Perl syntax: `(?-)`'],
  [R`(?i-)`, 0, 'invalid or unsupported Perl syntax: `(?i-)`'],
  [R`(?--i)`, 0, 'invalid or unsupported Perl syntax: `(?--`'],
  [R`(?z)`, 0, 'invalid or unsupported Perl syntax: `(?z`'],
  // Named captures.
  [R`(?P<n`, 0, 'invalid named capture: `(?P<n`'],
  [R`(?P<>a)`, 0, 'invalid named capture: `(?P<>`'],
  [R`x(?P<a-b>y)`, 1, 'invalid named capture: `(?P<a-b>`'],
  // Escapes.
  [R`\1`, 0, 'invalid escape sequence: `\\1`'],
  [R`(a)\1`, 3, 'invalid escape sequence: `\\1`'],
  [R`\k<n>`, 0, 'invalid escape sequence: `\\k`'],
  [R`\8`, 0, 'invalid escape sequence: `\\8`'],
  [R`\C`, 0, 'invalid escape sequence: `\\C`'],
  [R`\Z`, 0, 'invalid escape sequence: `\\Z`'],
  [R`\E`, 0, 'invalid escape sequence: `\\E`'],
  [R`\é`, 0, 'invalid escape sequence: `\\é`'],
  [R`\x`, 0, 'invalid escape sequence: `\\x`'],
  [R`\xZZ`, 0, 'invalid escape sequence: `\\xZZ`'],
  [R`\x{110000}`, 0, 'invalid escape sequence: `\\x{110000`'],
  [R`\x{}`, 0, 'invalid escape sequence: `\\x{}`'],
  [R`\x{41`, 0, 'invalid escape sequence: `\\x{41`'],
  [R`[\b]`, 1, 'invalid escape sequence: `\\b`'],
  [R`[\A]`, 1, 'invalid escape sequence: `\\A`'],
  [R`[\Q]`, 1, 'invalid escape sequence: `\\Q`'],
  [R`[a-\d]`, 3, 'invalid escape sequence: `\\d`'],
  ['\\', 0, 'trailing backslash at end of expression: ``'],
  ['a\\', 1, 'trailing backslash at end of expression: ``'],
  // Parentheses.
  [R`a)`, 1, 'unexpected ): `a)`'],
  [R`)`, 0, 'unexpected ): `)`'],
  [R`a)(b`, 1, 'unexpected ): `a)(b`'],
  [R`(a`, 0, 'missing closing ): `(a`'],
  [R`((a)`, 0, 'missing closing ): `((a)`'],
  [R`a(b(c)`, 1, 'missing closing ): `a(b(c)`'],
  // Repetition operators.
  [R`*`, 0, 'missing argument to repetition operator: `*`'],
  [R`+a`, 0, 'missing argument to repetition operator: `+`'],
  [R`?`, 0, 'missing argument to repetition operator: `?`'],
  [R`{2}`, 0, 'missing argument to repetition operator: `{2}`'],
  [R`(*)`, 1, 'missing argument to repetition operator: `*`'],
  [R`a|*`, 2, 'missing argument to repetition operator: `*`'],
  [R`(?i)*`, 4, 'missing argument to repetition operator: `*`'],
  [R`a**`, 1, 'invalid nested repetition operator: `**`'],
  [R`a*?*`, 1, 'invalid nested repetition operator: `*?*`'],
  [R`a{2}*`, 1, 'invalid nested repetition operator: `{2}*`'],
  [R`a*{2}`, 1, 'invalid nested repetition operator: `*{2}`'],
  [R`a++`, 1, 'invalid nested repetition operator: `++`'],
  [R`a{2}{3}`, 1, 'invalid nested repetition operator: `{2}{3}`'],
  [R`a{1001}`, 1, 'invalid repeat count: `{1001}`'],
  [R`a{2,1}`, 1, 'invalid repeat count: `{2,1}`'],
  [R`a{1000,1001}`, 1, 'invalid repeat count: `{1000,1001}`'],
  [R`a{100000000}`, 1, 'invalid repeat count: `{100000000}`'],
  [R`(?:a{10}){101}`, 9, 'invalid repeat count: `{101}`'],
  [R`((a{2}){2}){251}`, 11, 'invalid repeat count: `{251}`'],
  // Bracket expressions.
  [R`[z-a]`, 1, 'invalid character class range: `z-a`'],
  [R`[a-z`, 0, 'missing closing ]: `[a-z`'],
  [R`[]`, 0, 'missing closing ]: `[]`'],
  [R`[^]`, 0, 'missing closing ]: `[^]`'],
  [R`[[:alpha:]`, 0, 'missing closing ]: `[[:alpha:]`'],
  [R`[[:foo:]]`, 1, 'invalid character class range: `[:foo:]`'],
  // Unicode class names: Go 1.19 knows Unicode 13 scripts and categories, spelt exactly.
  [R`\p{Foo}`, 0, 'invalid character class range: `\\p{Foo}`'],
  [R`\p{Greek`, 0, 'invalid character class range: `\\p{Greek`'],
  [R`\pé`, 0, 'invalid character class range: `\\pé`'],
  [R`\p{Latn}`, 0, 'invalid character class range: `\\p{Latn}`'],
  [R`\p{Letter}`, 0, 'invalid character class range: `\\p{Letter}`'],
  [R`\p{greek}`, 0, 'invalid character class range: `\\p{greek}`'],
  [R`\p{ASCII}`, 0, 'invalid character class range: `\\p{ASCII}`'],
  [R`\p{Kawi}`, 0, 'invalid character class range: `\\p{Kawi}`'],
  [R`a\p`, 1, 'invalid character class range: `\\p`'],
  // Text that has no UTF-8 encoding (a lone surrogate).
  ['\ud800', 0, 'invalid UTF-8: `\\uD800`'],
  ['a\udc00b', 1, 'invalid UTF-8: `\\uDC00b`'],
  ['[\ud800]', 1, 'invalid UTF-8: `\\uD800]`'],
];

/** `depth` nested capture groups around `a`. */
function nested(depth: number): string {
  return `${'('.repeat(depth)}a${')'.repeat(depth)}`;
}

/** Patterns around Go's limits: nesting depth 1000, program size 3 355 443 instructions. */
const LIMITS: readonly (readonly [string, string | undefined])[] = [
  [nested(999), undefined],
  [nested(1000), 'expression nests too deeply'],
  [`(?:${'a'.repeat(3355)}){1000}`, undefined],
  [`(?:${'a'.repeat(3356)}){1000}`, 'expression too large'],
  [R`\pL`.repeat(27_000), 'expression too large'],
];

// ---------------------------------------------------------------------------------------------------------------
// Tests

describe('checkRE2', () => {
  test('the corpus covers the syntax', () => {
    expect(VALID.length + INVALID.length).toBeGreaterThanOrEqual(80);
  });

  test.each(VALID.map((p) => [p]))('accepts %j', (pattern) => {
    expect(checkRE2(pattern)).toBeUndefined();
  });

  test.each(INVALID)('rejects %j at %d: %s', (pattern, from, message) => {
    const problem = checkRE2(pattern);
    expect(problem).toBeDefined();
    expect(problem?.message).toContain(message);
    expect(problem?.from).toBe(from);
  });

  test('(?<name>...) is rejected with a hint to write (?P<name>...)', () => {
    expect(checkRE2(R`(?<job>api)-\d+`)?.message).toBe(
      'invalid or unsupported Perl syntax: `(?<`; (?<name>...) needs Go 1.22+ (Prometheus 3); write (?P<job>...)',
    );
  });

  test('Go and JavaScript disagree both ways', () => {
    const jsAccepts = (p: string): boolean => {
      try {
        new RegExp(p, 'u');
        return true;
      } catch {
        return false;
      }
    };
    for (const p of [R`(?=x)`, R`(a)\1`, R`(?<n>a)`, R`a(?!b)`, R`\k<n>(?<n>a)`]) {
      expect([p, jsAccepts(p), checkRE2(p) === undefined]).toEqual([p, true, false]);
    }
    for (const p of [R`(?i)abc`, R`\Aabc\z`, R`[[:alpha:]]`, R`\Qa.b\E`, R`(?P<n>a)`, R`\x{41}`, R`a{,5}`]) {
      expect([p, jsAccepts(p), checkRE2(p) === undefined]).toEqual([p, false, true]);
    }
  });

  test('anchored: Prometheus 2 compiles ^(?:pattern)$ too, where an unterminated \\Q swallows the )', () => {
    expect(checkRE2(R`\Qa.b`)).toBeUndefined();
    expect(checkRE2(R`\Qa.b`, { anchored: true })).toEqual({
      from: 0,
      message:
        'missing closing ): `^(?:\\Qa.b)$`; Prometheus 2 compiles the pattern as `^(?:...)$`, and a \\Q without \\E ' +
        'swallows its closing )',
    });
    expect(checkRE2(R`\Qa.b\E`, { anchored: true })).toBeUndefined();
    expect(checkRE2(R`a)|(b`, { anchored: true })?.message).toBe('unexpected ): `a)|(b`');
    // The anchoring concatenation adds one level of nesting.
    expect(checkRE2(nested(999), { anchored: true })?.message).toMatch(/^expression nests too deeply: /);
  });

  test.each(LIMITS.map(([p, m]) => [p.length, p.slice(0, 12), m ?? 'accepted', p]))(
    'limits: %d characters %j...: %s',
    (_length, _start, message, pattern) => {
      const problem = checkRE2(pattern);
      if (message === 'accepted') {
        expect(problem).toBeUndefined();
      } else {
        expect(problem?.message).toMatch(new RegExp(`^${message}: \`.{200}…\`$`));
      }
    },
    20_000,
  );
});

describe('re2ToJs', () => {
  /** pattern, strings it matches (unanchored, like Go's MatchString), strings it does not. */
  const CASES: readonly (readonly [string, readonly string[], readonly string[]])[] = [
    [R`^(?:kafka|web-.*)$`, ['kafka', 'web-', 'web-1'], ['kafkas', 'xweb-1', 'web-\n']],
    [R`(?i)^k$`, ['k', 'K', '\u212a'], ['x']],
    [R`^x(?i:ab)y$`, ['xABy', 'xaby'], ['XABy', 'xabY']],
    [R`^\s$`, [' ', '\t'], ['\u00a0', '\u2003', '\v']],
    [R`^\w+$`, ['a_1'], ['é']],
    [R`^a.b$`, ['a\rb', 'a😀b'], ['a\nb']],
    [R`(?s)^a.b$`, ['a\nb'], []],
    [R`^abc$`, ['abc'], ['abc\n']],
    [R`(?m)^b$`, ['a\nb\nc'], ['a\r\nb\r\nc', 'ab']],
    [R`\Aa\z`, ['a'], ['a\n']],
    [R`^\Qa.b\E$`, ['a.b'], ['axb']],
    [R`^[[:alpha:][:digit:]]+$`, ['abc123'], ['a-b']],
    [R`^[^a]$`, ['b', '😀', '\n'], ['a']],
    [R`^\pL+\P{L}$`, ['héllo1'], ['hello']],
    [R`^(?U)a+$`, ['aaa'], ['']],
    [R`^a{2,3}$`, ['aa', 'aaa'], ['a', 'aaaa']],
    [R`\bfoo\b`, ['a foo b', 'éfooé'], ['afoob', '_foo']], // Go's \b is ASCII
    [R`^(?P<n>a)(?P<n>b)$`, ['ab'], ['ba']],
    [R`^\x{1F600}\101\x41$`, ['😀AA'], []],
    [R`^$`, [''], ['a']],
  ];

  test.each(CASES)('%j', (pattern, matches, nonMatches) => {
    const re = re2ToJs(pattern);
    expect(matches.filter((s) => !re.test(s))).toEqual([]);
    expect(nonMatches.filter((s) => re.test(s))).toEqual([]);
  });

  test('keeps capture numbering, and names JavaScript allows', () => {
    expect(
      re2ToJs(R`(?P<x>a)(b)(?P<y>c)`)
        .exec('abc')
        ?.slice(1),
    ).toEqual(['a', 'b', 'c']);
    expect(re2ToJs(R`(?P<x>a)`).exec('a')?.groups).toEqual({ x: 'a' });
    expect(
      re2ToJs(R`(?P<x>a)|(?P<x>b)`)
        .exec('b')
        ?.slice(1),
    ).toEqual([undefined, 'b']);
  });

  test("throws Go's message for an invalid pattern", () => {
    expect(() => re2ToJs(R`(?=x)`)).toThrow('invalid Go regexp "(?=x)": invalid or unsupported Perl syntax: `(?=`');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Agreement with promtool

/** A PromQL double-quoted string whose value is `s`; a lone surrogate becomes bytes that are not UTF-8. */
function promqlString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c < 0xdc00 && next >= 0xdc00 && next <= 0xdfff) {
        out += s.slice(i, i + 2);
        i++;
      } else {
        // The three bytes a UTF-8 encoder would write for the surrogate: invalid UTF-8 for Go.
        out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
          .map((b) => `\\x${b.toString(16)}`)
          .join('');
      }
    } else if (s[i] === '\\' || s[i] === '"') {
      out += `\\${s[i]}`;
    } else if (c < 0x20 || c === 0x7f) {
      out += `\\x${c.toString(16).padStart(2, '0')}`;
    } else {
      out += s[i];
    }
  }
  return `${out}"`;
}

/** A seeded mix of regexp tokens, mostly invalid, for breadth (same patterns on every run). */
function generatedPatterns(count: number): string[] {
  const tokens = [
    'a', 'k', 'K', 's', 'é', 'σ', ',', '0', '1', '<', '>', '=', '!', ':', '#', 'P', 'x', '(', ')', '(', ')', '(?:',
    '(?i)', '(?i:', '(?-i)', '(?U)', '(?s)', '(?m)', '(?P<n>', '(?P<', '(?', '[', '[', ']', ']', '[^', '-', '-',
    '\\', '*', '+', '?', '??', '*?', '{2}', '{1,3}', '{0}', '{2,}', '{', '}', '{1001}', '{,2}', '|', '|', '^', '$',
    '.', '\\d', '\\D', '\\w', '\\s', '\\pL', '\\p{Greek}', '\\PN', '\\p{^Lu}', '\\p', '[:alpha:]', '[:^digit:]',
    '[:foo:]', ':]', '[:', '\\Q', '\\E', '\\x41', '\\x{', '\\x{10FFFF}', '\\x', '\\1', '\\0', '\\12', '\\b', '\\B',
    '\\A', '\\z', '\\Z', '\\C', '\\.', '\\-', '\\]', '\\[', '\\n', '\\a', '\\_', '\\é',
  ]; // prettier-ignore
  let seed = 20_240_601;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) & 0x7fffffff;
    return seed % n;
  };
  const out = new Set<string>();
  while (out.size < count) {
    let p = '';
    for (let i = 1 + next(8); i > 0; i--) {
      p += tokens[next(tokens.length)];
    }
    out.add(p);
  }
  return [...out];
}

/**
 * Seeded patterns nested 350 to 1050 levels deep with groups, alternations Go factors and classes it merges: the
 * shape of Go's parse tree, not the text, decides whether they pass the nesting limit.
 */
function deepPatterns(count: number): string[] {
  const wraps = [
    ['(', ')'], ['(?:', ')'], ['(?:a|', ')'], ['(?:ab|ac|', ')'], ['(?:x', '|xy)'], ['(?:[ab]', '|[ab]c)'],
    ['(?i:', '|k)'], ['(', '|)'], ['(?:a*|', ')'], ['(?:', 'b)*'], ['(?:a|b|', ')'], ['(?:\\d', '|\\dx)'],
    ['(', ')?'], ['(?:k', '|K)'],
  ]; // prettier-ignore
  const cores = ['a', 'b', '\\pL', '[xy]', ''];
  let seed = 7;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) & 0x7fffffff;
    return seed % n;
  };
  return Array.from({ length: count }, () => {
    let open = '';
    let close = '';
    for (let depth = 350 + next(700); depth > 0; depth--) {
      const [before, after] = wraps[next(wraps.length)];
      open += before;
      close = after + close;
    }
    return open + cores[next(cores.length)] + close;
  });
}

/** Every Unicode class name Go 1.19 knows, and some it does not. */
const UNICODE_NAMES = [
  ...'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs Any'.split(
    ' ',
  ),
  ...(
    'Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali Bhaiksuki ' +
    'Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian Chakma Cham Cherokee ' +
    'Chorasmian Common Coptic Cuneiform Cypriot Cyrillic Deseret Devanagari Dives_Akuru Dogra Duployan ' +
    'Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi ' +
    'Gurmukhi Han Hangul Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic Inherited ' +
    'Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kayah_Li Kharoshthi ' +
    'Khitan_Small_Script Khmer Khojki Khudawadi Lao Latin Lepcha Limbu Linear_A Linear_B Lisu Lycian Lydian Mahajani ' +
    'Makasar Malayalam Mandaic Manichaean Marchen Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui ' +
    'Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi Mongolian Mro Multani Myanmar Nabataean Nandinagari New_Tai_Lue ' +
    'Newa Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Old_Hungarian Old_Italic Old_North_Arabian Old_Permic ' +
    'Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Oriya Osage Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau ' +
    'Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic Samaritan Saurashtra Sharada Shavian Siddham SignWriting ' +
    'Sinhala Sogdian Sora_Sompeng Soyombo Sundanese Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet ' +
    'Takri Tamil Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Ugaritic Vai Wancho Warang_Citi Yezidi Yi ' +
    'Zanabazar_Square'
  ).split(' '),
  ...'Vithkuqi Toto Kawi Nag_Mundari Unknown Zyyy Latn latin Cn LC ASCII Assigned Letter L&'.split(' '),
];

/** The error code of a Go message (before the offending text); Go 1.19 has no "expression too large" yet. */
function errorCode(message: string): string {
  const code = message.split(': `')[0];
  return code === 'regexp/syntax: internal error' ? 'expression too large' : code;
}

/** Whether promtool's regexp error is the one checkRE2 gives (for the pattern or its anchored form). */
function sameError(go: string, pattern: string): boolean {
  return [checkRE2(pattern), checkRE2(`^(?:${pattern})$`)].some((ours) => {
    if (ours === undefined || errorCode(ours.message) !== errorCode(go)) return false;
    // Shortened excerpts, lone surrogates spelt out, Go 1.19's internal error: the code is all there is to compare.
    if (ours.message.includes('…') || errorCode(go) !== go.split(': `')[0] || errorCode(go) === 'invalid UTF-8') {
      return true;
    }
    return ours.message === go || ours.message.startsWith(`${go}; `);
  });
}

describeWithTool('promtool', 'prometheus', 'checkRE2 agrees with promtool check rules', (promtool) => {
  let tmp: string | undefined;
  afterAll(() => {
    if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('promtool rejects exactly the patterns checkRE2 rejects, with the same error', () => {
    const deep = deepPatterns(100);
    const patterns = [
      ...new Set([
        ...VALID,
        ...INVALID.map(([p]) => p),
        ...LIMITS.map(([p]) => p),
        R`\pL`.repeat(20_000),
        ...UNICODE_NAMES.map((name) => `\\p{${name}}`),
        ...'LMNPSZCX'.split('').map((letter) => `\\p${letter}`),
        ...generatedPatterns(1500),
        ...deep,
      ]),
    ];
    // One rule per pattern, in a JSON file (YAML reads JSON); promtool reports every broken rule by name.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-re2-'));
    const file = path.join(tmp, 'rules.yml');
    const rules = patterns.map((p, i) => ({ record: `re2_${i}`, expr: `up{job=~${promqlString(p)}}` }));
    fs.writeFileSync(file, JSON.stringify({ groups: [{ name: 're2', rules }] }, null, 1));
    const run = spawnSync(promtool, ['check', 'rules', file], {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      timeout: 60_000,
      env: { ...process.env, LANG: 'C' },
    });
    if (run.error) throw run.error;
    const output = `${run.stdout}${run.stderr}`;

    const errors = new Map<number, string>();
    const parts = output.split(/^.*group "re2", rule \d+, "re2_(\d+)": /m);
    for (let i = 1; i + 1 < parts.length; i += 2) {
      errors.set(Number(parts[i]), parts[i + 1].trimEnd());
    }
    const notRegexp = [...errors.values()].filter((e) => !e.includes('error parsing regexp: '));
    expect(notRegexp).toEqual([]);

    const rejectedByPromtool = patterns.filter((_, i) => errors.has(i));
    const rejectedByUs = patterns.filter((p) => checkRE2(p, { anchored: true }) !== undefined);
    expect(rejectedByPromtool.length).toBeGreaterThan(1000);
    expect(patterns.length - rejectedByPromtool.length).toBeGreaterThan(200);
    expect(rejectedByUs).toEqual(rejectedByPromtool);
    // Both sides of the nesting limit are there.
    const deepRejected = deep.filter((p) => rejectedByPromtool.includes(p)).length;
    expect([deepRejected > 10, deepRejected < 90]).toEqual([true, true]);
    expect(run.status).toBe(1);

    const otherError = patterns.filter((p, i) => {
      const e = errors.get(i);
      return e !== undefined && !sameError(e.slice(e.indexOf('error parsing regexp: ') + 22), p);
    });
    expect(otherError).toEqual([]);

    // Without the anchored check, the only differences are the ones the anchoring makes.
    const anchoredOnly = patterns.filter((p, i) => errors.has(i) && checkRE2(p) === undefined);
    expect(anchoredOnly.map((p) => (p.length > 40 ? `${p.slice(0, 12)}... (${p.length})` : p))).toEqual(
      expect.arrayContaining([R`\Qno end`, `${'('.repeat(12)}... (1999)`]),
    );
    expect(anchoredOnly.every((p) => p.includes('\\Q') || p === nested(999))).toBe(true);
  }, 120_000);
});

test('the case-folding orbits of ASCII letters are what the engine folds with them (the fast path of (?i))', () => {
  // Every code point that folds to an ASCII letter, grouped by that letter.
  const expected = new Map<number, number[]>();
  for (let c = 0; c <= 0x1ffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const ch = String.fromCodePoint(c);
    if (!/^[a-z]$/iu.test(ch)) continue;
    const letter = [...'abcdefghijklmnopqrstuvwxyz'].find((l) => new RegExp(`^${l}$`, 'iu').test(ch))!;
    expected.set(letter.charCodeAt(0), [...(expected.get(letter.charCodeAt(0)) ?? []), c]);
  }
  for (let r = 0; r < 0x80; r++) {
    const lower = r | 0x20;
    const orbit = lower >= 0x61 && lower <= 0x7a ? expected.get(lower) : undefined;
    expect([r, orbitOf(r)]).toEqual([r, orbit]);
  }
  expect(orbitOf(0x6b)).toEqual([0x4b, 0x6b, 0x212a]);
});
