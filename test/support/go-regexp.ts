/**
 * Translation of Go (RE2) regular expressions into JavaScript `RegExp`s.
 *
 * Kubernetes evaluates OpenAPI `pattern`s with Go's `regexp` package, whose syntax differs from
 * JavaScript's: inline flag groups (`(?i)`, `(?s)`, `(?m)`, `(?U)`, `(?i:...)`), `\A` / `\z`, POSIX
 * classes (`[[:alpha:]]`), `\Q...\E`, `(?P<name>...)`, `\pL`, `\x{...}`, octal escapes and escaped
 * punctuation that the JS `u` flag rejects. The translation keeps Go semantics where they differ
 * (ASCII-only `\s`, `.` not matching `\n`, `$` meaning end of text).
 */

/** A JavaScript regular expression equivalent to a Go regular expression. */
export interface TranslatedRegExp {
  /** The `RegExp` source. */
  readonly source: string;
  /** The `RegExp` flags; always contains `u`, plus `i` when the whole pattern is case-insensitive. */
  readonly flags: string;
}

/** Thrown when a pattern is not valid RE2 or uses a construct this translator does not support. */
export class GoRegExpError extends Error {
  /**
   * @param pattern the Go pattern that failed.
   * @param reason what is wrong with it.
   */
  public constructor(
    public readonly pattern: string,
    reason: string,
  ) {
    super(`cannot translate Go regexp ${JSON.stringify(pattern)}: ${reason}`);
    this.name = 'GoRegExpError';
  }
}

type Range = readonly [number, number];

interface Flags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
  readonly U: boolean;
}

type Escape =
  | { readonly kind: 'char'; readonly cp: number }
  | { readonly kind: 'set'; readonly ranges?: readonly Range[]; readonly raw?: string }
  | { readonly kind: 'assert'; readonly raw: string };

const MAX_CODE_POINT = 0x10ffff;

/** Go's ASCII-only `\s`: `[\t\n\f\r ]`. */
const GO_SPACE: readonly Range[] = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
];

const POSIX_CLASSES: Readonly<Record<string, readonly Range[]>> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

/** Characters that may (and outside a class must) be escaped with a backslash in a JS `u` RegExp. */
const JS_SYNTAX_CHARS = new Set('^$\\.*+?()[]{}|/');

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07,
  f: 0x0c,
  t: 0x09,
  n: 0x0a,
  r: 0x0d,
  v: 0x0b,
};

/**
 * Translates a Go (RE2) regular expression into an equivalent JavaScript source and flags.
 *
 * A case-insensitive flag that applies to the whole pattern (`(?i)` after nothing but `^`/`\A`)
 * becomes the `i` flag; any other `(?i)` scope is expanded to ASCII case pairs (`[aA]`).
 *
 * @param pattern a Go regular expression, as written in a CRD `pattern`.
 * @returns the JavaScript `RegExp` source and flags.
 * @throws GoRegExpError if the pattern is invalid RE2 or uses an unsupported construct.
 */
export function translateGoRegExp(pattern: string): TranslatedRegExp {
  return new Translator(pattern).translate();
}

/**
 * Compiles a Go (RE2) regular expression into a JavaScript `RegExp`.
 *
 * @param pattern a Go regular expression.
 * @returns a `RegExp` with Go's matching semantics (unanchored search, like Go's `MatchString`).
 * @throws GoRegExpError if the pattern cannot be translated.
 */
export function compileGoRegExp(pattern: string): RegExp {
  const { source, flags } = translateGoRegExp(pattern);
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new GoRegExpError(pattern, `translated to /${source}/${flags}, which JavaScript rejects: ${String(err)}`);
  }
}

class Translator {
  private pos = 0;
  private readonly flagStack: Flags[];
  private readonly globalI: boolean;

  public constructor(private readonly pattern: string) {
    this.globalI = wholePatternIsCaseInsensitive(pattern);
    this.flagStack = [{ i: this.globalI, m: false, s: false, U: false }];
  }

  public translate(): TranslatedRegExp {
    let out = '';
    while (!this.eof()) {
      out += this.translateNext();
    }
    if (this.flagStack.length !== 1) {
      this.fail('missing closing )');
    }
    return { source: out, flags: this.globalI ? 'iu' : 'u' };
  }

  private get flags(): Flags {
    return this.flagStack[this.flagStack.length - 1];
  }

  private set flags(value: Flags) {
    this.flagStack[this.flagStack.length - 1] = value;
  }

  /** Whether letters must be expanded to `[xX]` because `i` is on locally but not globally. */
  private get foldLocally(): boolean {
    return this.flags.i && !this.globalI;
  }

  private translateNext(): string {
    const c = this.pattern[this.pos];
    switch (c) {
      case '\\':
        this.pos++;
        return this.translateEscapeOutsideClass();
      case '[':
        this.pos++;
        return this.translateClass();
      case '(':
        this.pos++;
        return this.translateGroupOpen();
      case ')':
        this.pos++;
        if (this.flagStack.length === 1) {
          this.fail('unexpected )');
        }
        this.flagStack.pop();
        return ')';
      case '*':
      case '+':
      case '?':
        this.pos++;
        return c + this.lazySuffix();
      case '{': {
        const repeat = /^\{\d+(,\d*)?\}/.exec(this.pattern.slice(this.pos));
        if (repeat === null) {
          // Go treats a '{' that does not start a repetition as a literal.
          this.pos++;
          return '\\{';
        }
        this.pos += repeat[0].length;
        return repeat[0] + this.lazySuffix();
      }
      case '}':
      case ']':
        this.pos++;
        return `\\${c}`;
      case '.':
        this.pos++;
        return this.flags.s ? '[^]' : '[^\\n]';
      case '^':
        this.pos++;
        return this.flags.m ? '(?<![^\\n])' : '^';
      case '$':
        this.pos++;
        return this.flags.m ? '(?![^\\n])' : '$';
      case '|':
        this.pos++;
        return '|';
      default: {
        const cp = this.pattern.codePointAt(this.pos) as number;
        this.pos += String.fromCodePoint(cp).length;
        return this.literal(cp);
      }
    }
  }

  /** Reads an optional `?` after a quantifier; under `(?U)` greedy and lazy are swapped. */
  private lazySuffix(): string {
    let lazy = false;
    if (this.pattern[this.pos] === '?') {
      lazy = true;
      this.pos++;
    }
    return lazy !== this.flags.U ? '?' : '';
  }

  private literal(cp: number): string {
    const ch = String.fromCodePoint(cp);
    if (this.foldLocally && /^[A-Za-z]$/.test(ch)) {
      return `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
    }
    return JS_SYNTAX_CHARS.has(ch) ? `\\${ch}` : ch;
  }

  private translateGroupOpen(): string {
    const rest = this.pattern.slice(this.pos);
    if (!rest.startsWith('?')) {
      this.flagStack.push(this.flags);
      return '(';
    }
    const named = /^\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
    if (named !== null) {
      this.pos += named[0].length;
      this.flagStack.push(this.flags);
      return `(?<${named[1]}>`;
    }
    const flagGroup = /^\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
    if (flagGroup === null) {
      // Lookarounds, backreferences, atomic groups etc. do not exist in RE2.
      return this.fail(`unsupported group syntax "(${rest.slice(0, 4)}"`);
    }
    const [whole, on = '', off = '', terminator] = flagGroup;
    this.pos += whole.length;
    const updated = { ...this.flags };
    for (const f of on) {
      updated[f as keyof Flags] = true;
    }
    for (const f of off) {
      updated[f as keyof Flags] = false;
    }
    if (this.globalI && !updated.i) {
      return this.fail('(?-i) after a leading (?i) is not supported');
    }
    if (terminator === ')') {
      this.flags = updated;
      return '';
    }
    this.flagStack.push(updated);
    return '(?:';
  }

  private translateEscapeOutsideClass(): string {
    if (this.pattern[this.pos] === 'Q') {
      this.pos++;
      const end = this.pattern.indexOf('\\E', this.pos);
      const quoted = this.pattern.slice(this.pos, end === -1 ? undefined : end);
      this.pos = end === -1 ? this.pattern.length : end + 2;
      return Array.from(quoted, (ch) => this.literal(ch.codePointAt(0) as number)).join('');
    }
    const escape = this.readEscape(false);
    switch (escape.kind) {
      case 'char':
        return this.literal(escape.cp);
      case 'assert':
        return escape.raw;
      case 'set':
        return escape.raw ?? `[${formatRanges(escape.ranges ?? [])}]`;
    }
  }

  /** Reads the escape after a consumed backslash. */
  private readEscape(inClass: boolean): Escape {
    if (this.eof()) {
      return this.fail('trailing backslash');
    }
    const c = this.pattern[this.pos++];
    if (c in SIMPLE_ESCAPES) {
      return { kind: 'char', cp: SIMPLE_ESCAPES[c] };
    }
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        return { kind: 'set', raw: `\\${c}` };
      case 's':
        return { kind: 'set', ranges: GO_SPACE };
      case 'S':
        return { kind: 'set', ranges: complement(GO_SPACE) };
      case 'p':
      case 'P':
        return { kind: 'set', raw: this.readUnicodeClass(c === 'P') };
      case 'x':
        return { kind: 'char', cp: this.readHexEscape() };
      case 'A':
      case 'z':
      case 'b':
      case 'B':
        if (inClass) {
          return this.fail(`\\${c} is not allowed in a character class`);
        }
        return { kind: 'assert', raw: c === 'A' ? '^' : c === 'z' ? '$' : `\\${c}` };
      default:
        break;
    }
    if (/[0-7]/.test(c)) {
      // Go: \0 plus up to two octal digits, or \1-\7 followed by more octal digits (else a backreference).
      const digits = /^[0-7]{0,2}/.exec(this.pattern.slice(this.pos))?.[0] ?? '';
      if (c !== '0' && digits === '') {
        return this.fail(`backreference \\${c} is not supported by RE2`);
      }
      this.pos += digits.length;
      return { kind: 'char', cp: parseInt(c + digits, 8) };
    }
    if (/[!-\/:-@\[-`{-~]/.test(c)) {
      return { kind: 'char', cp: c.codePointAt(0) as number };
    }
    return this.fail(`unsupported escape \\${c}`);
  }

  private readHexEscape(): number {
    const rest = this.pattern.slice(this.pos);
    const match = /^\{([0-9A-Fa-f]{1,6})\}/.exec(rest) ?? /^([0-9A-Fa-f]{2})/.exec(rest);
    if (match === null) {
      return this.fail('invalid \\x escape');
    }
    this.pos += match[0].length;
    const cp = parseInt(match[1], 16);
    if (cp > MAX_CODE_POINT) {
      return this.fail('\\x escape out of range');
    }
    return cp;
  }

  /** Translates `\pL`, `\p{Greek}`, `\p{^Greek}` (the `\p`/`\P` already consumed). */
  private readUnicodeClass(negated: boolean): string {
    let name: string;
    if (this.pattern[this.pos] === '{') {
      const end = this.pattern.indexOf('}', this.pos);
      if (end === -1) {
        return this.fail('unterminated \\p{');
      }
      name = this.pattern.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else {
      name = this.pattern[this.pos++] ?? '';
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    const p = negated ? 'P' : 'p';
    for (const candidate of [name, `Script=${name}`]) {
      try {
        new RegExp(`\\${p}{${candidate}}`, 'u');
        return `\\${p}{${candidate}}`;
      } catch {
        // try the next spelling
      }
    }
    return this.fail(`unknown Unicode class ${JSON.stringify(name)}`);
  }

  /** Translates a bracket expression (the `[` already consumed). */
  private translateClass(): string {
    const negated = this.pattern[this.pos] === '^';
    if (negated) {
      this.pos++;
    }
    const ranges: Range[] = [];
    const raws: string[] = [];
    let first = true;
    for (;;) {
      if (this.eof()) {
        return this.fail('missing closing ]');
      }
      if (this.pattern[this.pos] === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.pattern.slice(this.pos));
      if (posix !== null) {
        const cls = POSIX_CLASSES[posix[2]];
        if (cls === undefined) {
          return this.fail(`unknown POSIX class [:${posix[2]}:]`);
        }
        this.pos += posix[0].length;
        ranges.push(...(posix[1] === '^' ? complement(cls) : cls));
        continue;
      }
      const lo = this.readClassAtom();
      if (lo.kind === 'set') {
        if (lo.raw !== undefined) {
          raws.push(lo.raw);
        }
        ranges.push(...(lo.ranges ?? []));
        continue;
      }
      if (lo.kind !== 'char') {
        return this.fail('unexpected assertion in a character class');
      }
      if (this.pattern[this.pos] === '-' && this.pos + 1 < this.pattern.length && this.pattern[this.pos + 1] !== ']') {
        this.pos++;
        const hi = this.readClassAtom();
        if (hi.kind !== 'char' || hi.cp < lo.cp) {
          return this.fail('invalid character class range');
        }
        ranges.push([lo.cp, hi.cp]);
      } else {
        ranges.push([lo.cp, lo.cp]);
      }
    }
    const folded = this.flags.i && !this.globalI ? [...ranges, ...asciiCaseSwapped(ranges)] : ranges;
    return `[${negated ? '^' : ''}${formatRanges(folded)}${raws.join('')}]`;
  }

  private readClassAtom(): Escape {
    if (this.pattern[this.pos] === '\\') {
      this.pos++;
      return this.readEscape(true);
    }
    const cp = this.pattern.codePointAt(this.pos) as number;
    this.pos += String.fromCodePoint(cp).length;
    return { kind: 'char', cp };
  }

  private eof(): boolean {
    return this.pos >= this.pattern.length;
  }

  private fail(reason: string): never {
    throw new GoRegExpError(this.pattern, `${reason} (at offset ${this.pos})`);
  }
}

/**
 * Whether the pattern starts with (optional `^`/`\A` anchors and) a flag group turning `i` on, and
 * never turns it off again: then the JS `i` flag is exact, including for non-ASCII letters.
 */
function wholePatternIsCaseInsensitive(pattern: string): boolean {
  const leading = /^(?:\^|\\A)*\(\?([imsU]*)(?:-[imsU]*)?\)/.exec(pattern);
  return leading !== null && leading[1].includes('i') && !/\(\?[imsU]*-[msU]*i/.test(pattern);
}

function complement(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const result: Range[] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) {
      result.push([next, lo - 1]);
    }
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX_CODE_POINT) {
    result.push([next, MAX_CODE_POINT]);
  }
  return result;
}

/** The other-case counterparts of the ASCII letters inside `ranges`. */
function asciiCaseSwapped(ranges: readonly Range[]): Range[] {
  const swapped: Range[] = [];
  for (const [lo, hi] of ranges) {
    for (const [from, to, delta] of [
      [0x41, 0x5a, 0x20],
      [0x61, 0x7a, -0x20],
    ]) {
      const a = Math.max(lo, from);
      const b = Math.min(hi, to);
      if (a <= b) {
        swapped.push([a + delta, b + delta]);
      }
    }
  }
  return swapped;
}

function formatRanges(ranges: readonly Range[]): string {
  return ranges
    .map(([lo, hi]) => (lo === hi ? formatClassChar(lo) : `${formatClassChar(lo)}-${formatClassChar(hi)}`))
    .join('');
}

function formatClassChar(cp: number): string {
  return /^[A-Za-z0-9_]$/.test(String.fromCodePoint(cp)) ? String.fromCodePoint(cp) : `\\u{${cp.toString(16)}}`;
}
