/**
 * Checking of Go (RE2) regular expressions, the dialect Prometheus evaluates label-matcher regexps (`=~`, `!~`),
 * relabelling regexps and the like with.
 *
 * JavaScript's `RegExp` accepts things Go rejects (lookarounds, back-references, `\k<name>`, possessive
 * quantifiers...) and rejects things Go accepts (`(?i)`, `\z`, `[[:alpha:]]`, `\Q...\E`), so it cannot tell whether
 * Prometheus will load a rule. {@link checkRE2} is a port of the parse phase of Go's `regexp/syntax` (`parse.go`),
 * with the flags `regexp.Compile` uses (`syntax.Perl`), as it stands in Go 1.19 (the Go that builds Debian's
 * Prometheus 2.42): the same grammar, the same parse stack (literal merging, alternation factoring), hence the same
 * nesting-depth (1000) and size limits, and the same error codes and offending-text excerpts.
 *
 * Where Go versions differ, the checker takes the conservative side, which is also Go 1.19's: `(?<name>...)`
 * (accepted from Go 1.22) is rejected, and only the Unicode 13 script and category names Go 1.19 knows are accepted
 * in `\p{...}` (exact spelling, no aliases such as `\p{Letter}` or `\p{Latn}`, no `\p{ASCII}`). Two deliberate
 * differences: the size error is worded like Go 1.20+ (`expression too large`; Go 1.19 says `regexp/syntax:
 * internal error`), and the code points of Unicode classes come from this JavaScript engine's (newer) Unicode
 * tables, which only moves the size limit of patterns with some 25 000 Unicode classes. The first use of a Unicode
 * class name costs some 30 ms (its code points are gathered from the engine), the first `(?i)` some 100 ms.
 *
 * Ported from Go's src/regexp/syntax/parse.go, Copyright 2011 The Go Authors, BSD-style licence
 * (https://go.dev/LICENSE).
 */

/** A problem in a Go regular expression: where it starts and what it is. */
export interface RE2Problem {
  /** Offset (0-based, in UTF-16 code units like any JavaScript string index) where the problem starts. */
  readonly from: number;
  /**
   * Go's error, without its `error parsing regexp: ` prefix: the error code and the offending text, like
   * ``invalid escape sequence: `\1` ``. Offending text longer than 200 characters is shortened with `…`.
   */
  readonly message: string;
}

/** Options of {@link checkRE2}. */
export interface CheckRE2Options {
  /**
   * Also require that `^(?:pattern)$` compiles, as Prometheus 2.x does for label matchers (`=~`, `!~`): it compiles
   * the anchored form first, then parses the pattern alone, and rejects the matcher if either fails. The only
   * practical difference is an unterminated `\Q...`, which swallows the closing `)` of the anchored form: Go and
   * Prometheus 3 accept `\Qa.b`, Prometheus 2 does not.
   */
  readonly anchored?: boolean;
}

/**
 * Checks a regular expression the way Go's `regexp.Compile` (which Prometheus uses) parses it.
 *
 * @param pattern the regular expression, as Go receives it (after PromQL or YAML string unescaping).
 * @param options `anchored: true` for the extra check Prometheus 2.x label matchers make.
 * @returns `undefined` when Go accepts the pattern, otherwise the first problem Go reports.
 */
export function checkRE2(pattern: string, options: CheckRE2Options = {}): RE2Problem | undefined {
  const problem = parseProblem(pattern);
  if (problem !== undefined || options.anchored !== true) {
    return problem;
  }
  const anchored = parseProblem(`^(?:${pattern})$`);
  if (anchored === undefined) {
    return undefined;
  }
  return {
    from: Math.min(Math.max(anchored.from - 4, 0), pattern.length),
    message: `${anchored.message}; Prometheus 2 compiles the pattern as \`^(?:...)$\`${
      /\\Q/.test(pattern) ? ', and a \\Q without \\E swallows its closing )' : ''
    }`,
  };
}

/**
 * Compiles a Go (RE2) regular expression into a JavaScript `RegExp` (flag `u`) that matches the same strings, built
 * from the parse tree {@link checkRE2} checks: Go's ASCII `\s`, `\w`, `\b`; `.` not matching `\n` unless `(?s)`;
 * `$` as end of text unless `(?m)`; case folding scoped like `(?i:...)`; `(?U)`; `\Q...\E`; POSIX classes. Like
 * Go's `MatchString`, it is not anchored (Prometheus label matchers are: use `re2ToJs(\`^(?:${p})$\`)` for those).
 * Capture groups keep Go's numbering; names are kept when JavaScript allows them (unique, not starting with a digit).
 * Unicode classes and case folding use this JavaScript engine's Unicode tables, which may be newer than Go's.
 *
 * @param pattern a Go regular expression.
 * @returns the equivalent JavaScript regular expression.
 * @throws SyntaxError with Go's message if Go rejects the pattern.
 */
export function re2ToJs(pattern: string): RegExp {
  let tree: Node;
  try {
    tree = new Parser(pattern).parse();
  } catch (err) {
    if (err instanceof RE2SyntaxError) {
      throw new SyntaxError(`invalid Go regexp ${JSON.stringify(pattern)}: ${err.message}`);
    }
    throw err;
  }
  const names = new Map<string, number>();
  countNames(tree, names);
  return new RegExp(toJs(tree, names), 'u');
}

function countNames(re: Node, names: Map<string, number>): void {
  if (re.op === Op.Capture && re.name !== '') {
    names.set(re.name, (names.get(re.name) ?? 0) + 1);
  }
  for (const sub of re.sub) {
    countNames(sub, names);
  }
}

/** JavaScript source for a Go parse tree node. */
function toJs(re: Node, names: ReadonlyMap<string, number>): string {
  const operand = (): string => `(?:${toJs(re.sub[0], names)})`;
  const lazy = re.flags & NON_GREEDY ? '?' : '';
  switch (re.op) {
    case Op.NoMatch:
      return '[]';
    case Op.EmptyMatch:
      return '(?:)';
    case Op.Literal:
      return re.rune.map((r) => (re.flags & FOLD_CASE ? jsClass(foldOrbit(r)) : jsChar(r))).join('');
    case Op.CharClass:
      return jsClass(re.rune);
    case Op.AnyCharNotNL:
      return '[^\\n]';
    case Op.AnyChar:
      return '[^]';
    case Op.BeginLine:
      return '(?<![^\\n])';
    case Op.EndLine:
      return '(?![^\\n])';
    case Op.BeginText:
      return '^';
    case Op.EndText:
      return '$';
    case Op.WordBoundary:
      return '\\b';
    case Op.NoWordBoundary:
      return '\\B';
    case Op.Capture: {
      const named = /^[A-Za-z_$][\w$]*$/.test(re.name) && names.get(re.name) === 1;
      return `(${named ? `?<${re.name}>` : ''}${toJs(re.sub[0], names)})`;
    }
    case Op.Star:
      return `${operand()}*${lazy}`;
    case Op.Plus:
      return `${operand()}+${lazy}`;
    case Op.Quest:
      return `${operand()}?${lazy}`;
    case Op.Repeat:
      return `${operand()}{${re.min}${re.max === -1 ? ',' : re.max === re.min ? '' : `,${re.max}`}}${lazy}`;
    case Op.Concat:
      // An alternation is always emitted as a group, so no precedence problem arises.
      return re.sub.map((sub) => toJs(sub, names)).join('');
    case Op.Alternate:
      return `(?:${re.sub.map((sub) => toJs(sub, names)).join('|')})`;
    default:
      throw new Error(`re2ToJs: unexpected node ${Op[re.op]}`);
  }
}

function jsChar(r: number): string {
  return isAlnum(r) ? String.fromCharCode(r) : `\\u{${r.toString(16)}}`;
}

function jsClass(ranges: readonly number[]): string {
  let out = '';
  for (let i = 0; i < ranges.length; i += 2) {
    out += ranges[i] === ranges[i + 1] ? jsChar(ranges[i]) : `${jsChar(ranges[i])}-${jsChar(ranges[i + 1])}`;
  }
  return `[${out}]`;
}

/** The runes fold-equivalent to `r`, as single-rune ranges. */
function foldOrbit(r: number): number[] {
  const orbit = r < MIN_FOLD || r > MAX_FOLD ? undefined : orbitOf(r);
  return (orbit ?? [r]).flatMap((c) => [c, c]);
}

function parseProblem(pattern: string): RE2Problem | undefined {
  try {
    new Parser(pattern).parse();
    return undefined;
  } catch (err) {
    if (err instanceof RE2SyntaxError) {
      return { from: err.from, message: err.message };
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** Go's `regexp/syntax` error codes. */
const ERR = {
  invalidCharRange: 'invalid character class range',
  invalidEscape: 'invalid escape sequence',
  invalidNamedCapture: 'invalid named capture',
  invalidPerlOp: 'invalid or unsupported Perl syntax',
  invalidRepeatOp: 'invalid nested repetition operator',
  invalidRepeatSize: 'invalid repeat count',
  invalidUTF8: 'invalid UTF-8',
  missingBracket: 'missing closing ]',
  missingParen: 'missing closing )',
  missingRepeatArgument: 'missing argument to repetition operator',
  trailingBackslash: 'trailing backslash at end of expression',
  unexpectedParen: 'unexpected )',
  nestingDepth: 'expression nests too deeply',
  large: 'expression too large',
} as const;

type ErrorCode = (typeof ERR)[keyof typeof ERR];

const MAX_EXCERPT = 200;

class RE2SyntaxError extends Error {
  public constructor(
    public readonly code: ErrorCode,
    expr: string,
    public readonly from: number,
    hint?: string,
  ) {
    super(`${code}: \`${excerpt(expr)}\`${hint === undefined ? '' : `; ${hint}`}`);
    this.name = 'RE2SyntaxError';
  }
}

/** The offending text as shown in a message: lone surrogates spelled out, long texts shortened. */
function excerpt(expr: string): string {
  const shown = expr.length > MAX_EXCERPT ? `${expr.slice(0, MAX_EXCERPT)}…` : expr;
  return shown.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Parse tree (Go's syntax.Regexp) and parser flags

enum Op {
  NoMatch = 1,
  EmptyMatch,
  Literal,
  CharClass,
  AnyCharNotNL,
  AnyChar,
  BeginLine,
  EndLine,
  BeginText,
  EndText,
  WordBoundary,
  NoWordBoundary,
  Capture,
  Star,
  Plus,
  Quest,
  Repeat,
  Concat,
  Alternate,
  /** Pseudo-ops, only ever on the parse stack. */
  LeftParen = 128,
  VerticalBar,
}

const OP_PSEUDO = Op.LeftParen;

/** Go's syntax.Flags; the parser always runs with `syntax.Perl` (PerlX, UnicodeGroups, ClassNL, OneLine). */
const FOLD_CASE = 1;
const CLASS_NL = 4;
const DOT_NL = 8;
const ONE_LINE = 16;
const NON_GREEDY = 32;
const PERL_X = 64;
const UNICODE_GROUPS = 128;
const WAS_DOLLAR = 256;
const PERL = CLASS_NL | ONE_LINE | PERL_X | UNICODE_GROUPS;

interface Node {
  op: Op;
  flags: number;
  sub: Node[];
  /** Literal runes, or character class ranges as `[lo0, hi0, lo1, hi1, ...]`. */
  rune: number[];
  min: number;
  max: number;
  cap: number;
  name: string;
  /** Offset of the `(` of a `LeftParen` pseudo-op, for the position of a "missing closing )". */
  at: number;
}

function blankNode(): Node {
  return { op: Op.NoMatch, flags: 0, sub: [], rune: [], min: 0, max: 0, cap: 0, name: '', at: 0 };
}

// ---------------------------------------------------------------------------------------------------------------
// Limits (Go 1.19: maxHeight, maxSize, maxRunes, maxRepeat)

const MAX_HEIGHT = 1000;
const MAX_SIZE = Math.floor((128 << 20) / (5 * 8));
const MAX_RUNES = (128 << 20) / 4;
const MAX_REPEAT = 1000;
const MAX_RUNE = 0x10ffff;

// ---------------------------------------------------------------------------------------------------------------
// The parser

class Parser {
  private flags = PERL;
  private stack: Node[] = [];
  /** Go's free list: discarded nodes are reused, which is what Go's node count (and thus its limits) sees. */
  private readonly free: Node[] = [];
  private numCap = 0;
  private numRegexp = 0;
  private numRunes = 0;
  private repeats = 0;
  private height: Map<Node, number> | undefined;
  private size: Map<Node, number> | undefined;
  /** Start of the token being parsed: where a limit error is reported. */
  private at = 0;

  public constructor(private readonly s: string) {}

  /** Parses the whole pattern; returns Go's parse tree. */
  public parse(): Node {
    const s = this.s;
    let t = 0;
    let lastRepeat = -1;
    while (t < s.length) {
      let repeat = -1;
      this.at = t;
      switch (s[t]) {
        case '(':
          if (s[t + 1] === '?') {
            t = this.parsePerlFlags(t);
            break;
          }
          this.numCap++;
          this.openParen(t).cap = this.numCap;
          t++;
          break;
        case '|':
          this.parseVerticalBar();
          t++;
          break;
        case ')':
          this.parseRightParen(t);
          t++;
          break;
        case '^':
          this.op(this.flags & ONE_LINE ? Op.BeginText : Op.BeginLine);
          t++;
          break;
        case '$':
          if (this.flags & ONE_LINE) {
            this.op(Op.EndText).flags |= WAS_DOLLAR;
          } else {
            this.op(Op.EndLine);
          }
          t++;
          break;
        case '.':
          this.op(this.flags & DOT_NL ? Op.AnyChar : Op.AnyCharNotNL);
          t++;
          break;
        case '[':
          t = this.parseClass(t);
          break;
        case '*':
        case '+':
        case '?': {
          const op = s[t] === '*' ? Op.Star : s[t] === '+' ? Op.Plus : Op.Quest;
          repeat = t;
          t = this.repeat(op, 0, 0, t, t + 1, lastRepeat);
          break;
        }
        case '{': {
          const parsed = this.parseRepeat(t);
          if (parsed === undefined) {
            // A '{' that does not start a valid repetition is a literal.
            this.literal(0x7b);
            t++;
            break;
          }
          const { min, max, after } = parsed;
          if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
            throw new RE2SyntaxError(ERR.invalidRepeatSize, s.slice(t, after), t);
          }
          repeat = t;
          t = this.repeat(Op.Repeat, min, max, t, after, lastRepeat);
          break;
        }
        case '\\':
          t = this.parseBackslash(t);
          break;
        default: {
          const [c, next] = this.nextRune(t);
          this.literal(c);
          t = next;
        }
      }
      lastRepeat = repeat;
    }
    this.at = s.length;
    this.concat();
    if (this.swapVerticalBar()) {
      this.stack.pop();
    }
    this.alternate();
    if (this.stack.length !== 1) {
      const open = [...this.stack].reverse().find((re) => re.op === Op.LeftParen);
      throw new RE2SyntaxError(ERR.missingParen, s, open?.at ?? 0);
    }
    return this.stack[0];
  }

  /** A backslash outside a class: assertions, `\Q...\E`, Unicode and Perl classes, escaped characters. */
  private parseBackslash(t: number): number {
    const s = this.s;
    switch (s[t + 1]) {
      case 'A':
        this.op(Op.BeginText);
        return t + 2;
      case 'b':
        this.op(Op.WordBoundary);
        return t + 2;
      case 'B':
        this.op(Op.NoWordBoundary);
        return t + 2;
      case 'C':
        // Any byte: not supported.
        throw new RE2SyntaxError(ERR.invalidEscape, s.slice(t, t + 2), t);
      case 'Q': {
        // \Q ... \E: everything in between is literal (up to the end if there is no \E).
        const end = s.indexOf('\\E', t + 2);
        const litEnd = end < 0 ? s.length : end;
        for (let i = t + 2; i < litEnd;) {
          const [c, next] = this.nextRune(i, litEnd);
          this.literal(c);
          i = next;
        }
        return end < 0 ? s.length : end + 2;
      }
      case 'z':
        this.op(Op.EndText);
        return t + 2;
      default:
        break;
    }
    const re = this.newRegexp(Op.CharClass);
    re.flags = this.flags;
    if (s[t + 1] === 'p' || s[t + 1] === 'P') {
      const unicode = this.parseUnicodeClass(t, []);
      if (unicode !== undefined) {
        re.rune = unicode.rune;
        this.push(re);
        return unicode.rest;
      }
    }
    const perl = this.parsePerlClassEscape(t, []);
    if (perl !== undefined) {
      re.rune = perl.rune;
      this.push(re);
      return perl.rest;
    }
    this.reuse(re);
    const [c, next] = this.parseEscape(t);
    this.literal(c);
    return next;
  }

  // --- node allocation and limits ------------------------------------------------------------------------------

  private newRegexp(op: Op): Node {
    let re = this.free.pop();
    if (re === undefined) {
      re = blankNode();
      this.numRegexp++;
    } else {
      Object.assign(re, blankNode());
    }
    re.op = op;
    return re;
  }

  private reuse(re: Node): void {
    this.height?.delete(re);
    this.free.push(re);
  }

  private checkLimits(re: Node): void {
    if (this.numRunes > MAX_RUNES) {
      throw new RE2SyntaxError(ERR.large, this.s, this.at);
    }
    this.checkSize(re);
    this.checkHeight(re);
  }

  private checkSize(re: Node): void {
    if (this.size === undefined) {
      // Cheap test first: the node count times the product of all repeat counts seen is within budget.
      if (this.repeats === 0) {
        this.repeats = 1;
      }
      if (re.op === Op.Repeat) {
        let n = re.max;
        if (n === -1) {
          n = re.min;
        }
        if (n <= 0) {
          n = 1;
        }
        if (n > Math.floor(MAX_SIZE / this.repeats)) {
          this.repeats = MAX_SIZE;
        } else {
          this.repeats *= n;
        }
      }
      if (this.numRegexp < Math.floor(MAX_SIZE / this.repeats)) {
        return;
      }
      this.size = new Map();
      for (const node of this.stack) {
        this.checkSize(node);
      }
    }
    if (this.calcSize(re, true) > MAX_SIZE) {
      throw new RE2SyntaxError(ERR.large, this.s, this.at);
    }
  }

  /** Go's estimate of the compiled program size (in instructions) of `re`. */
  private calcSize(re: Node, force: boolean): number {
    const sizes = this.size as Map<Node, number>;
    if (!force) {
      const known = sizes.get(re);
      if (known !== undefined) {
        return known;
      }
    }
    let size = 0;
    switch (re.op) {
      case Op.Literal:
        size = re.rune.length;
        break;
      case Op.Capture:
      case Op.Star:
        size = 2 + this.calcSize(re.sub[0], false);
        break;
      case Op.Plus:
      case Op.Quest:
        size = 1 + this.calcSize(re.sub[0], false);
        break;
      case Op.Concat:
        for (const sub of re.sub) {
          size += this.calcSize(sub, false);
        }
        break;
      case Op.Alternate:
        for (const sub of re.sub) {
          size += this.calcSize(sub, false);
        }
        if (re.sub.length > 1) {
          size += re.sub.length - 1;
        }
        break;
      case Op.Repeat: {
        const sub = this.calcSize(re.sub[0], false);
        if (re.max === -1) {
          size = re.min === 0 ? 2 + sub : 1 + re.min * sub;
        } else {
          size = re.max * sub + (re.max - re.min);
        }
        break;
      }
      default:
        break;
    }
    size = Math.max(1, size);
    sizes.set(re, size);
    return size;
  }

  private checkHeight(re: Node): void {
    if (this.numRegexp < MAX_HEIGHT) {
      return;
    }
    if (this.height === undefined) {
      this.height = new Map();
      for (const node of this.stack) {
        this.checkHeight(node);
      }
    }
    if (this.calcHeight(re, true) > MAX_HEIGHT) {
      throw new RE2SyntaxError(ERR.nestingDepth, this.s, this.at);
    }
  }

  private calcHeight(re: Node, force: boolean): number {
    const heights = this.height as Map<Node, number>;
    if (!force) {
      const known = heights.get(re);
      if (known !== undefined) {
        return known;
      }
    }
    let h = 1;
    for (const sub of re.sub) {
      h = Math.max(h, 1 + this.calcHeight(sub, false));
    }
    heights.set(re, h);
    return h;
  }

  // --- parse stack ---------------------------------------------------------------------------------------------

  /** Pushes `re`; returns undefined when a single rune was merged into the literal below instead. */
  private push(re: Node): Node | undefined {
    this.numRunes += re.rune.length;
    const r = re.rune;
    if (re.op === Op.CharClass && r.length === 2 && r[0] === r[1]) {
      // Single rune.
      if (this.maybeConcat(r[0], this.flags & ~FOLD_CASE)) {
        return undefined;
      }
      re.op = Op.Literal;
      re.rune = [r[0]];
      re.flags = this.flags & ~FOLD_CASE;
    } else if (
      (re.op === Op.CharClass &&
        r.length === 4 &&
        r[0] === r[1] &&
        r[2] === r[3] &&
        simpleFold(r[0]) === r[2] &&
        simpleFold(r[2]) === r[0]) ||
      (re.op === Op.CharClass &&
        r.length === 2 &&
        r[0] + 1 === r[1] &&
        simpleFold(r[0]) === r[1] &&
        simpleFold(r[1]) === r[0])
    ) {
      // Case-insensitive rune like [Aa] or [Δδ].
      if (this.maybeConcat(r[0], this.flags | FOLD_CASE)) {
        return undefined;
      }
      re.op = Op.Literal;
      re.rune = [r[0]];
      re.flags = this.flags | FOLD_CASE;
    } else {
      // Incremental concatenation.
      this.maybeConcat(-1, 0);
    }
    this.stack.push(re);
    this.checkLimits(re);
    return re;
  }

  /**
   * Merges the top two literals of the stack if they have the same case folding; if `r >= 0`, reuses the freed
   * top node for the rune `r` (and reports it was pushed).
   */
  private maybeConcat(r: number, flags: number): boolean {
    const n = this.stack.length;
    if (n < 2) {
      return false;
    }
    const re1 = this.stack[n - 1];
    const re2 = this.stack[n - 2];
    if (re1.op !== Op.Literal || re2.op !== Op.Literal || (re1.flags & FOLD_CASE) !== (re2.flags & FOLD_CASE)) {
      return false;
    }
    for (const c of re1.rune) {
      re2.rune.push(c);
    }
    if (r >= 0) {
      re1.rune = [r];
      re1.flags = flags;
      return true;
    }
    this.stack.pop();
    this.reuse(re1);
    return false;
  }

  private literal(r: number): void {
    const re = this.newRegexp(Op.Literal);
    re.flags = this.flags;
    re.rune = [this.flags & FOLD_CASE ? minFoldRune(r) : r];
    this.push(re);
  }

  /** Pushes a node with no operands (never a character class, so it is always pushed). */
  private op(op: Op): Node {
    const re = this.newRegexp(op);
    re.flags = this.flags;
    return this.push(re) as Node;
  }

  private openParen(at: number): Node {
    const re = this.op(Op.LeftParen);
    re.at = at;
    return re;
  }

  /**
   * Replaces the top of the stack with its repetition. `before` is the offset of the operator, `after` the offset
   * just after it; returns the offset after an optional non-greedy `?`.
   */
  private repeat(op: Op, min: number, max: number, before: number, after: number, lastRepeat: number): number {
    const s = this.s;
    let flags = this.flags;
    if (s[after] === '?') {
      after++;
      flags ^= NON_GREEDY;
    }
    if (lastRepeat >= 0) {
      // Perl does not allow stacked repetition operators: a** is a syntax error, and a++ means something else.
      throw new RE2SyntaxError(ERR.invalidRepeatOp, s.slice(lastRepeat, after), lastRepeat);
    }
    const n = this.stack.length;
    if (n === 0 || this.stack[n - 1].op >= OP_PSEUDO) {
      throw new RE2SyntaxError(ERR.missingRepeatArgument, s.slice(before, after), before);
    }
    const re = this.newRegexp(op);
    re.min = min;
    re.max = max;
    re.flags = flags;
    re.sub = [this.stack[n - 1]];
    this.stack[n - 1] = re;
    this.checkLimits(re);
    if (op === Op.Repeat && (min >= 2 || max >= 2) && !repeatIsValid(re, MAX_REPEAT)) {
      throw new RE2SyntaxError(ERR.invalidRepeatSize, s.slice(before, after), before);
    }
    return after;
  }

  /** Index of the lowest stack entry above the topmost pseudo-op. */
  private operandsStart(): number {
    let i = this.stack.length;
    while (i > 0 && this.stack[i - 1].op < OP_PSEUDO) {
      i--;
    }
    return i;
  }

  /** Replaces the top of the stack (above the topmost `|` or `(`) with its concatenation. */
  private concat(): void {
    this.maybeConcat(-1, 0);
    const subs = this.stack.splice(this.operandsStart());
    this.push(subs.length === 0 ? this.newRegexp(Op.EmptyMatch) : this.collapse(subs, Op.Concat));
  }

  /** Replaces the top of the stack (above the topmost `(`) with its alternation. */
  private alternate(): void {
    const subs = this.stack.splice(this.operandsStart());
    if (subs.length > 0) {
      cleanAlt(subs[subs.length - 1]);
    }
    this.push(subs.length === 0 ? this.newRegexp(Op.NoMatch) : this.collapse(subs, Op.Alternate));
  }

  /** Applies `op` to `subs`, hoisting nested nodes of the same op; factors alternations. */
  private collapse(subs: Node[], op: Op.Concat | Op.Alternate): Node {
    if (subs.length === 1) {
      return subs[0];
    }
    let re = this.newRegexp(op);
    for (const sub of subs) {
      if (sub.op === op) {
        for (const x of sub.sub) {
          re.sub.push(x);
        }
        this.reuse(sub);
      } else {
        re.sub.push(sub);
      }
    }
    if (op === Op.Alternate) {
      re.sub = this.factor(re.sub);
      if (re.sub.length === 1) {
        const old = re;
        re = re.sub[0];
        this.reuse(old);
      }
    }
    return re;
  }

  /** Factors common prefixes out of an alternation (Go's four rounds), which shapes the tree the limits see. */
  private factor(sub: Node[]): Node[] {
    if (sub.length < 2) {
      return sub;
    }

    // Round 1: factor out common literal prefixes.
    let str: number[] = [];
    let strflags = 0;
    let start = 0;
    let out: Node[] = [];
    for (let i = 0; i <= sub.length; i++) {
      let istr: number[] = [];
      let iflags = 0;
      if (i < sub.length) {
        [istr, iflags] = leadingString(sub[i]);
        if (iflags === strflags) {
          let same = 0;
          while (same < str.length && same < istr.length && str[same] === istr[same]) {
            same++;
          }
          if (same > 0) {
            str = str.slice(0, same);
            continue;
          }
        }
      }
      if (i === start + 1) {
        out.push(sub[start]);
      } else if (i > start + 1) {
        const prefix = this.newRegexp(Op.Literal);
        prefix.flags = strflags;
        prefix.rune = str.slice();
        for (let j = start; j < i; j++) {
          sub[j] = this.removeLeadingString(sub[j], str.length);
          this.checkLimits(sub[j]);
        }
        const suffix = this.collapse(sub.slice(start, i), Op.Alternate);
        const re = this.newRegexp(Op.Concat);
        re.sub = [prefix, suffix];
        out.push(re);
      }
      start = i;
      str = istr;
      strflags = iflags;
    }
    sub = out;

    // Round 2: factor out common simple prefixes (a character class, or a fixed repeat of one).
    start = 0;
    out = [];
    let first: Node | undefined;
    for (let i = 0; i <= sub.length; i++) {
      let ifirst: Node | undefined;
      if (i < sub.length) {
        ifirst = leadingRegexp(sub[i]);
        if (
          first !== undefined &&
          equal(first, ifirst) &&
          (isCharClass(first) || (first.op === Op.Repeat && first.min === first.max && isCharClass(first.sub[0])))
        ) {
          continue;
        }
      }
      if (i === start + 1) {
        out.push(sub[start]);
      } else if (i > start + 1) {
        const prefix = first as Node;
        for (let j = start; j < i; j++) {
          sub[j] = this.removeLeadingRegexp(sub[j], j !== start);
          this.checkLimits(sub[j]);
        }
        const suffix = this.collapse(sub.slice(start, i), Op.Alternate);
        const re = this.newRegexp(Op.Concat);
        re.sub = [prefix, suffix];
        out.push(re);
      }
      start = i;
      first = ifirst;
    }
    sub = out;

    // Round 3: collapse runs of single literals and classes into one character class.
    start = 0;
    out = [];
    for (let i = 0; i <= sub.length; i++) {
      if (i < sub.length && isCharClass(sub[i])) {
        continue;
      }
      if (i === start + 1) {
        out.push(sub[start]);
      } else if (i > start + 1) {
        let max = start;
        for (let j = start + 1; j < i; j++) {
          if (sub[max].op < sub[j].op || (sub[max].op === sub[j].op && sub[max].rune.length < sub[j].rune.length)) {
            max = j;
          }
        }
        [sub[start], sub[max]] = [sub[max], sub[start]];
        for (let j = start + 1; j < i; j++) {
          mergeCharClass(sub[start], sub[j]);
          this.reuse(sub[j]);
        }
        cleanAlt(sub[start]);
        out.push(sub[start]);
      }
      if (i < sub.length) {
        out.push(sub[i]);
      }
      start = i + 1;
    }
    sub = out;

    // Round 4: collapse runs of empty matches into a single empty match.
    out = [];
    for (let i = 0; i < sub.length; i++) {
      if (i + 1 < sub.length && sub[i].op === Op.EmptyMatch && sub[i + 1].op === Op.EmptyMatch) {
        continue;
      }
      out.push(sub[i]);
    }
    return out;
  }

  private removeLeadingString(re: Node, n: number): Node {
    if (re.op === Op.Concat && re.sub.length > 0) {
      const sub = this.removeLeadingString(re.sub[0], n);
      re.sub[0] = sub;
      if (sub.op === Op.EmptyMatch) {
        this.reuse(sub);
        switch (re.sub.length) {
          case 0:
          case 1:
            re.op = Op.EmptyMatch;
            re.sub = [];
            break;
          case 2: {
            const old = re;
            re = re.sub[1];
            this.reuse(old);
            break;
          }
          default:
            re.sub.shift();
        }
      }
      return re;
    }
    if (re.op === Op.Literal) {
      re.rune.splice(0, n);
      if (re.rune.length === 0) {
        re.op = Op.EmptyMatch;
      }
    }
    return re;
  }

  private removeLeadingRegexp(re: Node, reuse: boolean): Node {
    if (re.op === Op.Concat && re.sub.length > 0) {
      if (reuse) {
        this.reuse(re.sub[0]);
      }
      re.sub.shift();
      switch (re.sub.length) {
        case 0:
          re.op = Op.EmptyMatch;
          re.sub = [];
          break;
        case 1: {
          const old = re;
          re = re.sub[0];
          this.reuse(old);
          break;
        }
        default:
          break;
      }
      return re;
    }
    if (reuse) {
      this.reuse(re);
    }
    return this.newRegexp(Op.EmptyMatch);
  }

  private parseVerticalBar(): void {
    this.concat();
    if (!this.swapVerticalBar()) {
      this.op(Op.VerticalBar);
    }
  }

  /**
   * If the top of the stack is an element above a `|`, swaps the two (merging the element into the alternative
   * below when both are characters or classes) and returns true.
   */
  private swapVerticalBar(): boolean {
    const st = this.stack;
    const n = st.length;
    if (n >= 3 && st[n - 2].op === Op.VerticalBar && isCharClass(st[n - 1]) && isCharClass(st[n - 3])) {
      let re1 = st[n - 1];
      let re3 = st[n - 3];
      if (re1.op > re3.op) {
        [re1, re3] = [re3, re1];
        st[n - 3] = re3;
      }
      mergeCharClass(re3, re1);
      this.reuse(re1);
      st.pop();
      return true;
    }
    if (n >= 2) {
      const re1 = st[n - 1];
      const re2 = st[n - 2];
      if (re2.op === Op.VerticalBar) {
        if (n >= 3) {
          cleanAlt(st[n - 3]);
        }
        st[n - 2] = re1;
        st[n - 1] = re2;
        return true;
      }
    }
    return false;
  }

  private parseRightParen(at: number): void {
    this.concat();
    if (this.swapVerticalBar()) {
      this.stack.pop();
    }
    this.alternate();
    const n = this.stack.length;
    if (n < 2) {
      throw new RE2SyntaxError(ERR.unexpectedParen, this.s, at);
    }
    const re1 = this.stack[n - 1];
    const re2 = this.stack[n - 2];
    this.stack.length = n - 2;
    if (re2.op !== Op.LeftParen) {
      throw new RE2SyntaxError(ERR.unexpectedParen, this.s, at);
    }
    // Restore the flags in force at the '('.
    this.flags = re2.flags;
    if (re2.cap === 0) {
      this.push(re1);
    } else {
      re2.op = Op.Capture;
      re2.sub = [re1];
      this.push(re2);
    }
  }

  // --- lexical pieces ------------------------------------------------------------------------------------------

  /** Decodes the code point at `i`; at `end` yields U+FFFD without advancing (Go's `nextRune("")`). */
  private nextRune(i: number, end = this.s.length): [number, number] {
    if (i >= end) {
      return [0xfffd, i];
    }
    const c = this.s.codePointAt(i) as number;
    if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate: it has no UTF-8 encoding.
      throw new RE2SyntaxError(ERR.invalidUTF8, this.s.slice(i, end), i);
    }
    return [c, i + (c > 0xffff ? 2 : 1)];
  }

  private checkUTF8(from: number, to: number): void {
    for (let i = from; i < to;) {
      i = this.nextRune(i, to)[1];
    }
  }

  /** `{n}`, `{n,}` or `{n,m}` at `i`; min is -1 when a number is too big; undefined if not a repetition. */
  private parseRepeat(i: number): { min: number; max: number; after: number } | undefined {
    const s = this.s;
    if (s[i] !== '{') {
      return undefined;
    }
    i++;
    const lo = this.parseInt(i);
    if (lo === undefined) {
      return undefined;
    }
    let min = lo.n;
    i = lo.rest;
    if (i >= s.length) {
      return undefined;
    }
    let max: number;
    if (s[i] !== ',') {
      max = min;
    } else {
      i++;
      if (i >= s.length) {
        return undefined;
      }
      if (s[i] === '}') {
        max = -1;
      } else {
        const hi = this.parseInt(i);
        if (hi === undefined) {
          return undefined;
        }
        max = hi.n;
        i = hi.rest;
        if (max < 0) {
          min = -1;
        }
      }
    }
    if (s[i] !== '}') {
      return undefined;
    }
    return { min, max, after: i + 1 };
  }

  /** A decimal number without leading zeros; `n` is -1 when it is 1e8 or more. */
  private parseInt(i: number): { n: number; rest: number } | undefined {
    const s = this.s;
    if (!isDigit(s[i])) {
      return undefined;
    }
    if (s[i] === '0' && isDigit(s[i + 1])) {
      return undefined;
    }
    let n = 0;
    let j = i;
    for (; isDigit(s[j]); j++) {
      if (n >= 0) {
        n = n >= 1e8 ? -1 : n * 10 + (s.charCodeAt(j) - 0x30);
      }
    }
    return { n, rest: j };
  }

  /** `(?flags)`, `(?flags:`, `(?P<name>` at `start` (which is `(?`); returns the offset after it. */
  private parsePerlFlags(start: number): number {
    const s = this.s;
    // Named captures. Go 1.19 knows only Python's (?P<name>expr); (?<name>expr) came with Go 1.22.
    if (s.length - start > 4 && s[start + 2] === 'P' && s[start + 3] === '<') {
      const end = s.indexOf('>', start);
      if (end < 0) {
        this.checkUTF8(start, s.length);
        throw new RE2SyntaxError(ERR.invalidNamedCapture, s.slice(start), start);
      }
      this.checkUTF8(start + 4, end);
      const name = s.slice(start + 4, end);
      if (!/^[A-Za-z0-9_]+$/.test(name)) {
        throw new RE2SyntaxError(ERR.invalidNamedCapture, s.slice(start, end + 1), start);
      }
      this.numCap++;
      const re = this.openParen(start);
      re.cap = this.numCap;
      re.name = name;
      return end + 1;
    }

    // Non-capturing group, possibly changing flags.
    let t = start + 2;
    let flags = this.flags;
    let sign = 1;
    let sawFlag = false;
    loop: while (t < s.length) {
      const [c, next] = this.nextRune(t);
      t = next;
      switch (String.fromCodePoint(c)) {
        case 'i':
          flags |= FOLD_CASE;
          sawFlag = true;
          break;
        case 'm':
          flags &= ~ONE_LINE;
          sawFlag = true;
          break;
        case 's':
          flags |= DOT_NL;
          sawFlag = true;
          break;
        case 'U':
          flags |= NON_GREEDY;
          sawFlag = true;
          break;
        case '-':
          if (sign < 0) {
            break loop;
          }
          sign = -1;
          // Invert, so that setting bits above clears them; inverted back at the end.
          flags = ~flags;
          sawFlag = false;
          break;
        case ':':
        case ')':
          if (sign < 0) {
            if (!sawFlag) {
              break loop;
            }
            flags = ~flags;
          }
          if (c === 0x3a) {
            this.openParen(start);
          }
          this.flags = flags;
          return t;
        default:
          break loop;
      }
    }
    const expr = s.slice(start, t);
    const named = /^\(\?<([^>=!]*)>/.exec(s.slice(start));
    throw new RE2SyntaxError(
      ERR.invalidPerlOp,
      expr,
      start,
      expr === '(?<' && named !== null
        ? `(?<name>...) needs Go 1.22+ (Prometheus 3); write (?P<${named[1] || 'name'}>...)`
        : undefined,
    );
  }

  /** The escape sequence at `i` (a backslash) as a single rune. */
  private parseEscape(i: number): [number, number] {
    const s = this.s;
    let t = i + 1;
    if (t >= s.length) {
      throw new RE2SyntaxError(ERR.trailingBackslash, '', i);
    }
    let c: number;
    [c, t] = this.nextRune(t);
    sw: switch (c) {
      // Octal escapes: \0 plus up to two digits, or \1-\7 followed by an octal digit (alone it is a back-reference).
      case 0x30:
      case 0x31:
      case 0x32:
      case 0x33:
      case 0x34:
      case 0x35:
      case 0x36:
      case 0x37: {
        if (c !== 0x30 && !isOctal(s[t])) {
          break;
        }
        let r = c - 0x30;
        for (let k = 1; k < 3 && isOctal(s[t]); k++) {
          r = r * 8 + (s.charCodeAt(t) - 0x30);
          t++;
        }
        return [r, t];
      }
      // Hexadecimal escapes: \x7F or \x{10FFFF}.
      case 0x78: {
        if (t >= s.length) {
          break;
        }
        [c, t] = this.nextRune(t);
        if (c === 0x7b) {
          let nhex = 0;
          let r = 0;
          for (;;) {
            if (t >= s.length) {
              break sw;
            }
            [c, t] = this.nextRune(t);
            if (c === 0x7d) {
              break;
            }
            const v = unhex(c);
            if (v < 0) {
              break sw;
            }
            r = r * 16 + v;
            if (r > MAX_RUNE) {
              break sw;
            }
            nhex++;
          }
          if (nhex === 0) {
            break;
          }
          return [r, t];
        }
        const x = unhex(c);
        [c, t] = this.nextRune(t);
        const y = unhex(c);
        if (x < 0 || y < 0) {
          break;
        }
        return [x * 16 + y, t];
      }
      // C escapes (no \b: that is a word boundary, and a backspace in a class is not supported).
      case 0x61:
        return [0x07, t];
      case 0x66:
        return [0x0c, t];
      case 0x6e:
        return [0x0a, t];
      case 0x72:
        return [0x0d, t];
      case 0x74:
        return [0x09, t];
      case 0x76:
        return [0x0b, t];
      default:
        // Escaped punctuation (any ASCII non-word character, and '_') stands for itself.
        if (c < 0x80 && !isAlnum(c)) {
          return [c, t];
        }
    }
    throw new RE2SyntaxError(ERR.invalidEscape, s.slice(i, t), i);
  }

  /** One character of a class at `i`; `wholeClass` is the offset of the class's `[`. */
  private parseClassChar(i: number, wholeClass: number): [number, number] {
    if (i >= this.s.length) {
      throw new RE2SyntaxError(ERR.missingBracket, this.s.slice(wholeClass), wholeClass);
    }
    return this.s[i] === '\\' ? this.parseEscape(i) : this.nextRune(i);
  }

  /** `\d \s \w \D \S \W` at `i`, appended to `r`. */
  private parsePerlClassEscape(i: number, r: number[]): { rune: number[]; rest: number } | undefined {
    const group = PERL_GROUPS[this.s.slice(i, i + 2)];
    if (group === undefined) {
      return undefined;
    }
    return { rune: this.appendGroup(r, group), rest: i + 2 };
  }

  /** `[:alpha:]`, `[:^alpha:]` at `i`, appended to `r`. */
  private parseNamedClass(i: number, r: number[]): { rune: number[]; rest: number } | undefined {
    const s = this.s;
    if (s[i] !== '[' || s[i + 1] !== ':') {
      return undefined;
    }
    const end = s.indexOf(':]', i + 2);
    if (end < 0) {
      return undefined;
    }
    const name = s.slice(i, end + 2);
    const group = POSIX_GROUPS[name];
    if (group === undefined) {
      throw new RE2SyntaxError(ERR.invalidCharRange, name, i);
    }
    return { rune: this.appendGroup(r, group), rest: end + 2 };
  }

  private appendGroup(r: number[], g: CharGroup): number[] {
    let cls = g.class;
    if (this.flags & FOLD_CASE) {
      cls = cleanClass(appendFoldedClass([], cls));
    }
    return g.sign < 0 ? appendNegatedClass(r, cls) : appendClass(r, cls);
  }

  /** `\pL`, `\p{Greek}`, `\PL`, `\p{^Greek}` at `i`, appended to `r`; undefined if not `\p` or `\P`. */
  private parseUnicodeClass(i: number, r: number[]): { rune: number[]; rest: number } | undefined {
    const s = this.s;
    if (s[i] !== '\\' || (s[i + 1] !== 'p' && s[i + 1] !== 'P')) {
      return undefined;
    }
    let sign = s[i + 1] === 'P' ? -1 : 1;
    const [c, afterFirst] = this.nextRune(i + 2);
    let seq: string;
    let name: string;
    let rest: number;
    if (c !== 0x7b) {
      // Single-letter name.
      seq = s.slice(i, afterFirst);
      name = seq.slice(2);
      rest = afterFirst;
    } else {
      const end = s.indexOf('}', i);
      if (end < 0) {
        this.checkUTF8(i, s.length);
        throw new RE2SyntaxError(ERR.invalidCharRange, s.slice(i), i);
      }
      seq = s.slice(i, end + 1);
      this.checkUTF8(i + 3, end);
      name = s.slice(i + 3, end);
      rest = end + 1;
    }
    // \p{^Greek} is \P{Greek}, \P{^Greek} is \p{Greek}.
    if (name.startsWith('^')) {
      sign = -sign;
      name = name.slice(1);
    }
    const table = unicodeTable(name);
    if (table === undefined) {
      throw new RE2SyntaxError(ERR.invalidCharRange, seq, i);
    }
    const ranges = this.flags & FOLD_CASE && table.folds ? table.folded() : table.ranges();
    if (sign > 0 && r.length === 0) {
      // What appending the (clean) table to an empty class gives, without the per-range work.
      return { rune: ranges.slice(), rest };
    }
    return { rune: sign > 0 ? appendClass(r, ranges) : appendNegatedClass(r, ranges), rest };
  }

  /** The bracket expression at `i` (a `[`), pushed onto the stack; returns the offset after its `]`. */
  private parseClass(start: number): number {
    const s = this.s;
    let t = start + 1;
    const re = this.newRegexp(Op.CharClass);
    re.flags = this.flags;
    let sign = 1;
    if (s[t] === '^') {
      sign = -1;
      t++;
    }
    let cls: number[] = [];
    let first = true; // ']' (and '-') are literal as the first character of a class
    while (t >= s.length || s[t] !== ']' || first) {
      first = false;
      if (s.length - t > 2 && s[t] === '[' && s[t + 1] === ':') {
        const named = this.parseNamedClass(t, cls);
        if (named !== undefined) {
          cls = named.rune;
          t = named.rest;
          continue;
        }
      }
      const unicode = this.parseUnicodeClass(t, cls);
      if (unicode !== undefined) {
        cls = unicode.rune;
        t = unicode.rest;
        continue;
      }
      const perl = this.parsePerlClassEscape(t, cls);
      if (perl !== undefined) {
        cls = perl.rune;
        t = perl.rest;
        continue;
      }
      // A single character or a range; [a-] is 'a' or '-'.
      const rangeStart = t;
      let lo: number;
      [lo, t] = this.parseClassChar(t, start);
      let hi = lo;
      if (s.length - t >= 2 && s[t] === '-' && s[t + 1] !== ']') {
        [hi, t] = this.parseClassChar(t + 1, start);
        if (hi < lo) {
          throw new RE2SyntaxError(ERR.invalidCharRange, s.slice(rangeStart, t), rangeStart);
        }
      }
      cls = this.flags & FOLD_CASE ? appendFoldedRange(cls, lo, hi) : appendRange(cls, lo, hi);
    }
    cls = cleanClass(cls);
    re.rune = sign < 0 ? negateClass(cls) : cls;
    this.push(re);
    return t + 1;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tree helpers

function repeatIsValid(re: Node, n: number): boolean {
  if (re.op === Op.Repeat) {
    let m = re.max;
    if (m === 0) {
      return true;
    }
    if (m < 0) {
      m = re.min;
    }
    if (m > n) {
      return false;
    }
    if (m > 0) {
      n = Math.trunc(n / m);
    }
  }
  return re.sub.every((sub) => repeatIsValid(sub, n));
}

function cleanAlt(re: Node): void {
  if (re.op !== Op.CharClass) {
    return;
  }
  re.rune = cleanClass(re.rune);
  const r = re.rune;
  if (r.length === 2 && r[0] === 0 && r[1] === MAX_RUNE) {
    re.rune = [];
    re.op = Op.AnyChar;
  } else if (r.length === 4 && r[0] === 0 && r[1] === 0x09 && r[2] === 0x0b && r[3] === MAX_RUNE) {
    re.rune = [];
    re.op = Op.AnyCharNotNL;
  }
}

function leadingString(re: Node): [number[], number] {
  if (re.op === Op.Concat && re.sub.length > 0) {
    re = re.sub[0];
  }
  return re.op === Op.Literal ? [re.rune, re.flags & FOLD_CASE] : [[], 0];
}

function leadingRegexp(re: Node): Node | undefined {
  if (re.op === Op.EmptyMatch) {
    return undefined;
  }
  if (re.op === Op.Concat && re.sub.length > 0) {
    return re.sub[0].op === Op.EmptyMatch ? undefined : re.sub[0];
  }
  return re;
}

/** Can this be represented as a character class? (A single-rune literal, a class, `.`.) */
function isCharClass(re: Node): boolean {
  return (
    (re.op === Op.Literal && re.rune.length === 1) ||
    re.op === Op.CharClass ||
    re.op === Op.AnyCharNotNL ||
    re.op === Op.AnyChar
  );
}

function matchRune(re: Node, r: number): boolean {
  switch (re.op) {
    case Op.Literal:
      return re.rune.length === 1 && re.rune[0] === r;
    case Op.CharClass:
      for (let i = 0; i < re.rune.length; i += 2) {
        if (re.rune[i] <= r && r <= re.rune[i + 1]) {
          return true;
        }
      }
      return false;
    case Op.AnyCharNotNL:
      return r !== 0x0a;
    case Op.AnyChar:
      return true;
    default:
      return false;
  }
}

/** dst = dst|src, where dst.op >= src.op. */
function mergeCharClass(dst: Node, src: Node): void {
  switch (dst.op) {
    case Op.AnyChar:
      break;
    case Op.AnyCharNotNL:
      if (matchRune(src, 0x0a)) {
        dst.op = Op.AnyChar;
      }
      break;
    case Op.CharClass:
      dst.rune =
        src.op === Op.Literal ? appendLiteral(dst.rune, src.rune[0], src.flags) : appendClass(dst.rune, src.rune);
      break;
    case Op.Literal:
      if (src.rune[0] === dst.rune[0] && src.flags === dst.flags) {
        break;
      }
      dst.op = Op.CharClass;
      dst.rune = appendLiteral(appendLiteral([], dst.rune[0], dst.flags), src.rune[0], src.flags);
      break;
    default:
      break;
  }
}

/** Go's Regexp.Equal. */
function equal(x: Node | undefined, y: Node | undefined): boolean {
  if (x === undefined || y === undefined) {
    return x === y;
  }
  if (x.op !== y.op) {
    return false;
  }
  switch (x.op) {
    case Op.EndText:
      return (x.flags & WAS_DOLLAR) === (y.flags & WAS_DOLLAR);
    case Op.Literal:
    case Op.CharClass:
      return x.rune.length === y.rune.length && x.rune.every((r, i) => r === y.rune[i]);
    case Op.Alternate:
    case Op.Concat:
      return x.sub.length === y.sub.length && x.sub.every((sub, i) => equal(sub, y.sub[i]));
    case Op.Star:
    case Op.Plus:
    case Op.Quest:
      return (x.flags & NON_GREEDY) === (y.flags & NON_GREEDY) && equal(x.sub[0], y.sub[0]);
    case Op.Repeat:
      return (
        (x.flags & NON_GREEDY) === (y.flags & NON_GREEDY) &&
        x.min === y.min &&
        x.max === y.max &&
        equal(x.sub[0], y.sub[0])
      );
    case Op.Capture:
      return x.cap === y.cap && x.name === y.name && equal(x.sub[0], y.sub[0]);
    default:
      return true;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Character classes as range lists [lo0, hi0, lo1, hi1, ...]

/** Sorts and merges the ranges. */
function cleanClass(r: readonly number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < r.length; i += 2) {
    pairs.push([r[i], r[i + 1]]);
  }
  pairs.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1] + 1) {
      out[n - 1] = Math.max(out[n - 1], hi);
    } else {
      out.push(lo, hi);
    }
  }
  return out;
}

function appendLiteral(r: number[], x: number, flags: number): number[] {
  return flags & FOLD_CASE ? appendFoldedRange(r, x, x) : appendRange(r, x, x);
}

/** Appends lo-hi, merging with the last or next-to-last range when they overlap or abut (Go's exact behaviour). */
function appendRange(r: number[], lo: number, hi: number): number[] {
  const n = r.length;
  for (let i = 2; i <= 4; i += 2) {
    if (n >= i) {
      const rlo = r[n - i];
      const rhi = r[n - i + 1];
      if (lo <= rhi + 1 && rlo <= hi + 1) {
        if (lo < rlo) {
          r[n - i] = lo;
        }
        if (hi > rhi) {
          r[n - i + 1] = hi;
        }
        return r;
      }
    }
  }
  r.push(lo, hi);
  return r;
}

const MIN_FOLD = 0x41;
const MAX_FOLD = 0x1e943;

function appendFoldedRange(r: number[], lo: number, hi: number): number[] {
  if ((lo <= MIN_FOLD && hi >= MAX_FOLD) || hi < MIN_FOLD || lo > MAX_FOLD) {
    return appendRange(r, lo, hi);
  }
  if (lo < MIN_FOLD) {
    r = appendRange(r, lo, MIN_FOLD - 1);
    lo = MIN_FOLD;
  }
  if (hi > MAX_FOLD) {
    r = appendRange(r, MAX_FOLD + 1, hi);
    hi = MAX_FOLD;
  }
  for (let c = lo; c <= hi; c++) {
    r = appendRange(r, c, c);
    for (let f = simpleFold(c); f !== c; f = simpleFold(f)) {
      r = appendRange(r, f, f);
    }
  }
  return r;
}

function appendClass(r: number[], x: readonly number[]): number[] {
  for (let i = 0; i < x.length; i += 2) {
    r = appendRange(r, x[i], x[i + 1]);
  }
  return r;
}

function appendFoldedClass(r: number[], x: readonly number[]): number[] {
  for (let i = 0; i < x.length; i += 2) {
    r = appendFoldedRange(r, x[i], x[i + 1]);
  }
  return r;
}

/** Appends the complement of the clean class `x`. */
function appendNegatedClass(r: number[], x: readonly number[]): number[] {
  let nextLo = 0;
  for (let i = 0; i < x.length; i += 2) {
    if (nextLo <= x[i] - 1) {
      r = appendRange(r, nextLo, x[i] - 1);
    }
    nextLo = x[i + 1] + 1;
  }
  if (nextLo <= MAX_RUNE) {
    r = appendRange(r, nextLo, MAX_RUNE);
  }
  return r;
}

/** The complement of the clean class `r`. */
function negateClass(r: readonly number[]): number[] {
  const out: number[] = [];
  let nextLo = 0;
  for (let i = 0; i < r.length; i += 2) {
    if (nextLo <= r[i] - 1) {
      out.push(nextLo, r[i] - 1);
    }
    nextLo = r[i + 1] + 1;
  }
  if (nextLo <= MAX_RUNE) {
    out.push(nextLo, MAX_RUNE);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Perl and POSIX groups

interface CharGroup {
  readonly sign: 1 | -1;
  readonly class: readonly number[];
}

const DIGIT = [0x30, 0x39];
const SPACE_PERL = [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20];
const WORD = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];

const PERL_GROUPS: Readonly<Record<string, CharGroup>> = {
  '\\d': { sign: 1, class: DIGIT },
  '\\D': { sign: -1, class: DIGIT },
  '\\s': { sign: 1, class: SPACE_PERL },
  '\\S': { sign: -1, class: SPACE_PERL },
  '\\w': { sign: 1, class: WORD },
  '\\W': { sign: -1, class: WORD },
};

const POSIX_CLASSES: Readonly<Record<string, readonly number[]>> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x00, 0x7f],
  blank: [0x09, 0x09, 0x20, 0x20],
  cntrl: [0x00, 0x1f, 0x7f, 0x7f],
  digit: DIGIT,
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x09, 0x0d, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: WORD,
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
};

const POSIX_GROUPS: Readonly<Record<string, CharGroup>> = Object.fromEntries(
  Object.entries(POSIX_CLASSES).flatMap(([name, cls]): [string, CharGroup][] => [
    [`[:${name}:]`, { sign: 1, class: cls }],
    [`[:^${name}:]`, { sign: -1, class: cls }],
  ]),
);

// ---------------------------------------------------------------------------------------------------------------
// Unicode: the names Go 1.19 (Unicode 13.0.0) knows; the code points come from this JavaScript engine's Unicode
// tables (a newer Unicode version), which only matters for the size limits of huge patterns.

/** Go 1.19's unicode.Categories (C is Cc|Cf|Co|Cs: Go has no Cn, LC or long aliases). */
const CATEGORIES: readonly string[] = [
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
]; // prettier-ignore

/** Go 1.19's unicode.Scripts (Unicode 13.0.0; Unicode 14+ scripts such as Vithkuqi or Kawi are not in it). */
const SCRIPTS: readonly string[] = [
  'Adlam', 'Ahom', 'Anatolian_Hieroglyphs', 'Arabic', 'Armenian', 'Avestan', 'Balinese', 'Bamum', 'Bassa_Vah',
  'Batak', 'Bengali', 'Bhaiksuki', 'Bopomofo', 'Brahmi', 'Braille', 'Buginese', 'Buhid', 'Canadian_Aboriginal',
  'Carian', 'Caucasian_Albanian', 'Chakma', 'Cham', 'Cherokee', 'Chorasmian', 'Common', 'Coptic', 'Cuneiform',
  'Cypriot', 'Cyrillic', 'Deseret', 'Devanagari', 'Dives_Akuru', 'Dogra', 'Duployan', 'Egyptian_Hieroglyphs',
  'Elbasan', 'Elymaic', 'Ethiopic', 'Georgian', 'Glagolitic', 'Gothic', 'Grantha', 'Greek', 'Gujarati',
  'Gunjala_Gondi', 'Gurmukhi', 'Han', 'Hangul', 'Hanifi_Rohingya', 'Hanunoo', 'Hatran', 'Hebrew', 'Hiragana',
  'Imperial_Aramaic', 'Inherited', 'Inscriptional_Pahlavi', 'Inscriptional_Parthian', 'Javanese', 'Kaithi',
  'Kannada', 'Katakana', 'Kayah_Li', 'Kharoshthi', 'Khitan_Small_Script', 'Khmer', 'Khojki', 'Khudawadi', 'Lao',
  'Latin', 'Lepcha', 'Limbu', 'Linear_A', 'Linear_B', 'Lisu', 'Lycian', 'Lydian', 'Mahajani', 'Makasar',
  'Malayalam', 'Mandaic', 'Manichaean', 'Marchen', 'Masaram_Gondi', 'Medefaidrin', 'Meetei_Mayek', 'Mende_Kikakui',
  'Meroitic_Cursive', 'Meroitic_Hieroglyphs', 'Miao', 'Modi', 'Mongolian', 'Mro', 'Multani', 'Myanmar', 'Nabataean',
  'Nandinagari', 'New_Tai_Lue', 'Newa', 'Nko', 'Nushu', 'Nyiakeng_Puachue_Hmong', 'Ogham', 'Ol_Chiki',
  'Old_Hungarian', 'Old_Italic', 'Old_North_Arabian', 'Old_Permic', 'Old_Persian', 'Old_Sogdian',
  'Old_South_Arabian', 'Old_Turkic', 'Oriya', 'Osage', 'Osmanya', 'Pahawh_Hmong', 'Palmyrene', 'Pau_Cin_Hau',
  'Phags_Pa', 'Phoenician', 'Psalter_Pahlavi', 'Rejang', 'Runic', 'Samaritan', 'Saurashtra', 'Sharada', 'Shavian',
  'Siddham', 'SignWriting', 'Sinhala', 'Sogdian', 'Sora_Sompeng', 'Soyombo', 'Sundanese', 'Syloti_Nagri', 'Syriac',
  'Tagalog', 'Tagbanwa', 'Tai_Le', 'Tai_Tham', 'Tai_Viet', 'Takri', 'Tamil', 'Tangut', 'Telugu', 'Thaana', 'Thai',
  'Tibetan', 'Tifinagh', 'Tirhuta', 'Ugaritic', 'Vai', 'Wancho', 'Warang_Citi', 'Yezidi', 'Yi', 'Zanabazar_Square',
]; // prettier-ignore

/** Names with a Go FoldCategory / FoldScript table: under `(?i)` they take in their case-folding closure. */
const HAS_FOLD_TABLE = new Set(['L', 'Ll', 'Lt', 'Lu', 'M', 'Mn', 'Common', 'Greek', 'Inherited', 'Any']);

interface UnicodeTable {
  readonly ranges: () => readonly number[];
  readonly folds: boolean;
  readonly folded: () => readonly number[];
}

const CATEGORY_SET = new Set(CATEGORIES);
const SCRIPT_SET = new Set(SCRIPTS);
const rangeCache = new Map<string, readonly number[]>();

function unicodeTable(name: string): UnicodeTable | undefined {
  let source: string;
  if (name === 'Any') {
    source = '[^]';
  } else if (CATEGORY_SET.has(name)) {
    source = name === 'C' ? '[\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}]' : `\\p{${name}}`;
  } else if (SCRIPT_SET.has(name)) {
    source = `\\p{Script=${name}}`;
  } else {
    return undefined;
  }
  const ranges = (): readonly number[] => cached(name, () => propertyRanges(source));
  return {
    ranges,
    folds: HAS_FOLD_TABLE.has(name),
    folded: () => cached(`fold:${name}`, () => cleanClass(appendFoldedClass([], ranges()))),
  };
}

function cached(key: string, compute: () => readonly number[]): readonly number[] {
  let value = rangeCache.get(key);
  if (value === undefined) {
    value = compute();
    rangeCache.set(key, value);
  }
  return value;
}

/** All code points but the surrogates, in three strings of consecutive code points (built once, on demand). */
let codePointRuns: readonly string[] | undefined;

function allCodePoints(): readonly string[] {
  codePointRuns ??= [
    [0, 0xd7ff],
    [0xe000, 0xffff],
    [0x10000, MAX_RUNE],
  ].map(([lo, hi]) => {
    const chunks: string[] = [];
    for (let c = lo; c <= hi; c += 4096) {
      const cps: number[] = [];
      for (let d = c; d <= Math.min(hi, c + 4095); d++) {
        cps.push(d);
      }
      chunks.push(String.fromCodePoint(...cps));
    }
    return chunks.join('');
  });
  return codePointRuns;
}

/** The code point ranges a `u`-mode JavaScript class (`\p{...}`) matches. */
function propertyRanges(source: string): number[] {
  let runs: RegExp;
  let one: RegExp;
  try {
    runs = new RegExp(`(?:${source})+`, 'gu');
    one = new RegExp(`^(?:${source})$`, 'u');
  } catch {
    // An engine without this Unicode property: the name is still valid for Go; the size is an estimate anyway.
    return [];
  }
  const out: number[] = [];
  for (const text of allCodePoints()) {
    for (const m of text.matchAll(runs)) {
      const start = m.index;
      const end = start + m[0].length;
      const last = text.codePointAt(end - 1) as number;
      out.push(
        text.codePointAt(start) as number,
        last >= 0xdc00 && last <= 0xdfff ? (text.codePointAt(end - 2) as number) : last,
      );
    }
  }
  // Lone surrogates (Cs, and the negated or Any classes) are tested one by one.
  for (let c = 0xd800; c <= 0xdfff; c++) {
    if (one.test(String.fromCharCode(c))) {
      out.push(c, c);
    }
  }
  return cleanClass(out);
}

// ---------------------------------------------------------------------------------------------------------------
// Simple case folding (Go's unicode.SimpleFold), from this engine's case mappings checked with `iu` RegExps.

let foldOrbits: Map<number, readonly number[]> | undefined;

/** The next rune after `r` in its case-folding orbit (the smallest one after the largest), or `r` itself. */
function simpleFold(r: number): number {
  const orbit = orbitOf(r);
  if (orbit === undefined) {
    return r;
  }
  return orbit.find((f) => f > r) ?? orbit[0];
}

/** The smallest rune fold-equivalent to `r`. */
function minFoldRune(r: number): number {
  return r < MIN_FOLD || r > MAX_FOLD ? r : (orbitOf(r)?.[0] ?? r);
}

/**
 * The case-folding orbit of `r`. ASCII runes, nearly all a `(?i)` pattern holds, are answered without building the
 * table of every rune (some 50 ms): a letter folds with its other case, and `k` and `s` also with the Kelvin sign
 * (U+212A) and the long s (U+017F); no other rune folds with ASCII.
 */
export function orbitOf(r: number): readonly number[] | undefined {
  if (r >= 0x80) return orbits().get(r);
  const lower = r | 0x20;
  if (lower < 0x61 || lower > 0x7a) return undefined;
  return ASCII_ORBITS[lower - 0x61];
}

const ASCII_ORBITS: readonly (readonly number[])[] = Array.from({ length: 26 }, (_, i) => {
  const lower = 0x61 + i;
  const extra = lower === 0x6b ? [0x212a] : lower === 0x73 ? [0x17f] : [];
  return [lower - 0x20, lower, ...extra].sort((a, b) => a - b);
});

function orbits(): Map<number, readonly number[]> {
  if (foldOrbits !== undefined) {
    return foldOrbits;
  }
  const single = (s: string): number | undefined => {
    const cp = s.codePointAt(0) as number;
    return s.length === String.fromCodePoint(cp).length ? cp : undefined;
  };
  const groups = new Map<number, number[]>();
  for (let c = MIN_FOLD; c <= MAX_FOLD; c++) {
    if (c >= 0xd800 && c <= 0xdfff) {
      continue;
    }
    const ch = String.fromCodePoint(c);
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    if (lower === ch && upper === ch) {
      continue;
    }
    const up = single(upper);
    const key = (up === undefined ? undefined : single(String.fromCodePoint(up).toLowerCase())) ?? single(lower) ?? c;
    const group = groups.get(key) ?? [];
    group.push(c);
    groups.set(key, group);
  }
  foldOrbits = new Map();
  for (const [key, members] of groups) {
    // Keep the members that simple case folding (what a `iu` RegExp uses) really equates with the key.
    const same = new RegExp(`^\\u{${key.toString(16)}}$`, 'iu');
    const orbit = [...new Set([key, ...members])].filter((c) => same.test(String.fromCodePoint(c)));
    if (orbit.length < 2) {
      continue;
    }
    orbit.sort((a, b) => a - b);
    for (const c of orbit) {
      foldOrbits.set(c, orbit);
    }
  }
  return foldOrbits;
}

// ---------------------------------------------------------------------------------------------------------------
// Character predicates

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) {
    return c - 0x30;
  }
  if (c >= 0x61 && c <= 0x66) {
    return c - 0x61 + 10;
  }
  if (c >= 0x41 && c <= 0x46) {
    return c - 0x41 + 10;
  }
  return -1;
}
