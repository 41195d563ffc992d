/**
 * A checker for Go `text/template` text, as Prometheus expands it in alert `annotations` and `labels`.
 *
 * Prometheus parses those templates when it loads a rule file, and `promtool check rules` does the same; a template
 * that does not parse is rejected there (and Prometheus drops the whole rule group). `checkGoTemplate` finds those
 * errors at synth time: it is a port of the *parse* phase of Go's `text/template` (`text/template/parse`: the lexer
 * of lex.go, the parser of parse.go and the literal checks of node.go, with the `strconv` and `fmt` rules they rely
 * on), so it accepts and rejects what Go does, with Go's own error messages. Errors that only show when a template
 * is executed (a wrong argument type, a missing map key, `{{nil}}`, an undefined `{{template}}`) are not parse
 * errors, and promtool does not report them either.
 *
 * The port follows the newest Go (1.26, Prometheus 3.14's); `elseWith: false` gives the grammar of Go before 1.23.
 */

/** A problem in a template, at a character offset. */
export interface GoTemplateProblem {
  /**
   * Offset of the first character concerned (0-based, in UTF-16 code units like any JavaScript string index): the
   * offending token or character; for a structure with no `{{end}}` (`unexpected EOF`) or an action with no `}}`
   * (`unclosed action`), its opening `{{`. Go itself only gives a line number.
   */
  readonly from: number;
  /** Go's error text, without its `template: NAME:LINE:` prefix, e.g. `function "humanise" not defined`. */
  readonly message: string;
}

/** What a template may use, and which Go grammar applies. */
export interface GoTemplateOptions {
  /**
   * Every function the template may call, Go's builtins included (see `GO_TEMPLATE_BUILTINS`).
   * @default PROMETHEUS_TEMPLATE_FUNCS
   */
  readonly funcs?: ReadonlySet<string>;
  /**
   * Variables defined before the template starts (`$` always is).
   * @default PROMETHEUS_TEMPLATE_VARS
   */
  readonly vars?: readonly string[];
  /**
   * Whether `{{with x}}…{{else with y}}…{{end}}` is accepted: it is since Go 1.23, so by Prometheus 2.55 and later.
   * @default true
   */
  readonly elseWith?: boolean;
}

/** The functions Go's `text/template` always defines (`builtins()` in text/template/funcs.go). */
export const GO_TEMPLATE_BUILTINS: ReadonlySet<string> = new Set([
  'and',
  'call',
  'html',
  'index',
  'slice',
  'js',
  'len',
  'not',
  'or',
  'print',
  'printf',
  'println',
  'urlquery',
  'eq',
  'ge',
  'gt',
  'le',
  'lt',
  'ne',
]);

/** The functions of Prometheus 2.0's template package (template/template.go), which every later version keeps. */
const PROMETHEUS_2_0_FUNCS = [
  'query',
  'first',
  'label',
  'value',
  'strvalue',
  'args',
  'reReplaceAll',
  'safeHtml',
  'match',
  'title',
  'toUpper',
  'toLower',
  'graphLink',
  'tableLink',
  'sortByLabel',
  'humanize',
  'humanize1024',
  'humanizeDuration',
  'humanizeTimestamp',
  'pathPrefix',
  'externalURL',
];

/**
 * The Prometheus template functions added after 2.0, with the first release that has each. Debian's promtool
 * (Prometheus 2.42) has none of those from 3.6 on.
 */
export const PROMETHEUS_TEMPLATE_FUNCS_SINCE: ReadonlyMap<string, string> = new Map([
  ['humanizePercentage', '2.11.0'],
  ['parseDuration', '2.32.0'],
  ['stripPort', '2.33.0'],
  ['stripDomain', '2.36.0'],
  ['toTime', '2.38.0'],
  ['now', '3.6.0'],
  ['toDuration', '3.6.0'],
  ['urlQueryEscape', '3.8.0'],
]);

/**
 * Every function an alert template can call in Prometheus `version` (e.g. `'2.42.0'` or `'v3.14.0'`, 2.0 or later):
 * Go's builtins and Prometheus's own.
 */
export function prometheusTemplateFuncs(version: string): ReadonlySet<string> {
  const funcs = new Set([...GO_TEMPLATE_BUILTINS, ...PROMETHEUS_2_0_FUNCS]);
  for (const [name, since] of PROMETHEUS_TEMPLATE_FUNCS_SINCE) {
    if (compareVersions(version, since) >= 0) funcs.add(name);
  }
  return funcs;
}

/** Every function an alert template can call in the Prometheus CMM installs (3.14): Go's builtins and Prometheus's. */
export const PROMETHEUS_TEMPLATE_FUNCS: ReadonlySet<string> = prometheusTemplateFuncs('3.14.0');

/**
 * The variables Prometheus defines for alert templates: it parses
 * `{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}`
 * followed by the template (rules/alerting.go, and model/rulefmt/rulefmt.go for promtool).
 */
export const PROMETHEUS_TEMPLATE_VARS: readonly string[] = ['$labels', '$externalLabels', '$externalURL', '$value'];

/**
 * Parses `text` as Go's `text/template` does and returns its first error (Go stops at the first), or `[]` for a
 * valid template. By default it checks the text as a Prometheus alert annotation or label: Prometheus's functions
 * and variables.
 *
 * Unlike Go's, the parser has JavaScript's stack: structures nested more than about a thousand deep (Go parses
 * 10000 levels of parentheses and any depth of `{{if}}`) are reported as a problem rather than checked.
 */
export function checkGoTemplate(text: string, opts: GoTemplateOptions = {}): GoTemplateProblem[] {
  const funcs = opts.funcs ?? PROMETHEUS_TEMPLATE_FUNCS;
  try {
    const items = new Lexer(text, !funcs.has('break'), !funcs.has('continue')).run();
    new Parser(items, funcs, opts.elseWith ?? true).parse(['$', ...(opts.vars ?? PROMETHEUS_TEMPLATE_VARS)]);
    return [];
  } catch (e) {
    if (e instanceof TemplateError) return [{ from: e.from, message: e.message }];
    if (e instanceof RangeError) return [{ from: 0, message: 'template nested too deeply to check' }];
    throw e;
  }
}

/** Compares two `major.minor.patch` versions (a leading `v` is ignored). */
function compareVersions(a: string, b: string): number {
  const parts = (v: string): number[] => v.replace(/^v/, '').split('.').map(Number);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Lexer (text/template/parse/lex.go)

type ItemType =
  | 'error' // error occurred; the value is the text of the error
  | 'bool' // boolean constant
  | 'char' // printable ASCII character; grab bag for comma etc.
  | 'charConstant' // character constant
  | 'complex' // complex constant (1+2i); imaginary is just a number
  | 'assign' // equals ('=') introducing an assignment
  | 'declare' // colon-equals (':=') introducing a declaration
  | 'eof'
  | 'field' // alphanumeric identifier starting with '.'
  | 'identifier' // alphanumeric identifier not starting with '.'
  | 'leftDelim' // left action delimiter
  | 'leftParen' // '(' inside action
  | 'number' // simple number, including imaginary
  | 'pipe' // pipe symbol
  | 'rawString' // raw quoted string (includes quotes)
  | 'rightDelim' // right action delimiter
  | 'rightParen' // ')' inside action
  | 'space' // run of spaces separating arguments
  | 'string' // quoted string (includes quotes)
  | 'text' // plain text
  | 'variable' // variable starting with '$', such as '$' or '$1' or '$hello'
  | Keyword;

/** Keywords; Go prints these items as `<word>`. */
type Keyword =
  'block' | 'break' | 'continue' | 'dot' | 'define' | 'else' | 'end' | 'if' | 'nil' | 'range' | 'template' | 'with';

const KEYWORDS: ReadonlyMap<string, Keyword> = new Map<string, Keyword>([
  ['block', 'block'],
  ['break', 'break'],
  ['continue', 'continue'],
  ['define', 'define'],
  ['else', 'else'],
  ['end', 'end'],
  ['if', 'if'],
  ['range', 'range'],
  ['nil', 'nil'],
  ['template', 'template'],
  ['with', 'with'],
]);
const KEYWORD_TYPES: ReadonlySet<ItemType> = new Set<ItemType>([...KEYWORDS.values(), 'dot']);

/** A token or text string. */
interface Item {
  readonly typ: ItemType;
  /** Offset of the item; for an error, of what the error is about. */
  readonly pos: number;
  /** The item's text; for an error, the message. */
  readonly val: string;
}

/** What `next()` returns at the end of the input. */
const EOF = '';
const LEFT_DELIM = '{{';
const RIGHT_DELIM = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';
/** The space characters of trim markers: `{{- ` and ` -}}` trim the spaces before and after the action. */
const SPACE_CHARS = ' \t\r\n';
const TRIM_MARKER_LEN = 2; // marker plus space before or after

/** A state of the lexer: it scans, then returns the next state, or null when the input is done (or wrong). */
interface StateFn {
  (l: Lexer): StateFn | null;
}

/**
 * Go's lexer. Go runs it concurrently with the parser, but nothing the parser does changes what it scans, so it
 * scans the whole text here first: every item up to the end of the input or to the first error.
 */
class Lexer {
  readonly items: Item[] = [];
  /** Current position in the input. */
  pos = 0;
  /** Start of the item being scanned. */
  start = 0;
  /** Whether `next()` has hit the end of the input (`backup()` then does nothing, as in Go). */
  atEOF = false;
  /** Nesting depth of ( ) expressions, and where each open one starts. */
  readonly parens: number[] = [];
  /** Where the current action's left delimiter is. */
  actionStart = 0;

  constructor(
    readonly input: string,
    readonly breakOK: boolean,
    readonly continueOK: boolean,
  ) {}

  run(): Item[] {
    for (let state: StateFn | null = lexText; state !== null;) state = state(this);
    return this.items;
  }

  /** The next character (a whole code point), or EOF. */
  next(): string {
    if (this.pos >= this.input.length) {
      this.atEOF = true;
      return EOF;
    }
    const r = String.fromCodePoint(this.input.codePointAt(this.pos) ?? 0);
    this.pos += r.length;
    return r;
  }

  peek(): string {
    const r = this.next();
    this.backup();
    return r;
  }

  /** Steps back one character. */
  backup(): void {
    if (this.atEOF || this.pos === 0) return;
    const low = this.input.charCodeAt(this.pos - 1);
    const high = this.pos >= 2 ? this.input.charCodeAt(this.pos - 2) : 0;
    this.pos -= low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff ? 2 : 1;
  }

  emit(typ: ItemType): void {
    this.items.push({ typ, pos: this.start, val: this.input.slice(this.start, this.pos) });
    this.start = this.pos;
  }

  /** Skips over the pending input before this point. */
  ignore(): void {
    this.start = this.pos;
  }

  /** Consumes the next character if it is in `valid`. */
  accept(valid: string): boolean {
    const r = this.next();
    if (r !== EOF && valid.includes(r)) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    while (this.accept(valid));
  }

  /** Ends the scan with an error item. */
  errorf(message: string, at: number): null {
    this.items.push({ typ: 'error', pos: at, val: message });
    return null;
  }

  /** Whether the input is at a right delimiter, possibly preceded by a trim marker. */
  atRightDelim(): { delim: boolean; trimSpaces: boolean } {
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(RIGHT_DELIM, this.pos + TRIM_MARKER_LEN)) {
      return { delim: true, trimSpaces: true };
    }
    return { delim: this.input.startsWith(RIGHT_DELIM, this.pos), trimSpaces: false };
  }

  /**
   * Whether the input is at a valid character to end an identifier. Breaks .X.Y into two pieces, and rejects
   * `$x+2` (no arithmetic).
   */
  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    switch (r) {
      case EOF:
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
    }
    return this.input.startsWith(RIGHT_DELIM, this.pos);
  }

  /**
   * Scans a number: decimal, octal, hex, float or imaginary. It accepts some invalid ones ("089", "0x0.2"); the
   * parser rejects those.
   */
  scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      // A leading 0 does not mean octal in floats.
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 10 + 1 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 16 + 6 + 1 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i'); // imaginary
    // The next thing mustn't be alphanumeric.
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }
}

/** Scans until an opening action delimiter, "{{". */
function lexText(l: Lexer): StateFn | null {
  const x = l.input.indexOf(LEFT_DELIM, l.pos);
  if (x < 0) {
    l.pos = l.input.length;
    if (l.pos > l.start) l.emit('text');
    l.emit('eof');
    return null;
  }
  l.pos = x;
  // Trim the spaces before a "{{- ".
  const trimLength = hasLeftTrimMarker(l.input, x + LEFT_DELIM.length) ? rightTrimLength(l.input.slice(l.start, x)) : 0;
  l.pos -= trimLength;
  if (l.pos > l.start) l.emit('text');
  l.pos += trimLength;
  l.ignore();
  return lexLeftDelim;
}

/** Scans the left delimiter, possibly with a trim marker. */
function lexLeftDelim(l: Lexer): StateFn | null {
  l.actionStart = l.pos;
  l.pos += LEFT_DELIM.length;
  const afterMarker = hasLeftTrimMarker(l.input, l.pos) ? TRIM_MARKER_LEN : 0;
  if (l.input.startsWith(LEFT_COMMENT, l.pos + afterMarker)) {
    l.pos += afterMarker;
    l.ignore();
    return lexComment;
  }
  l.emit('leftDelim');
  l.pos += afterMarker;
  l.ignore();
  l.parens.length = 0;
  return lexInsideAction;
}

/** Scans a comment; the left comment marker is known to be present. */
function lexComment(l: Lexer): StateFn | null {
  const commentStart = l.pos;
  l.pos += LEFT_COMMENT.length;
  const x = l.input.indexOf(RIGHT_COMMENT, l.pos);
  if (x < 0) return l.errorf('unclosed comment', commentStart);
  l.pos = x + RIGHT_COMMENT.length;
  const { delim, trimSpaces } = l.atRightDelim();
  if (!delim) return l.errorf('comment ends before closing delimiter', l.pos);
  if (trimSpaces) l.pos += TRIM_MARKER_LEN;
  l.pos += RIGHT_DELIM.length;
  if (trimSpaces) l.pos += leftTrimLength(l.input, l.pos);
  l.ignore();
  return lexText;
}

/** Scans the right delimiter, possibly with a trim marker. */
function lexRightDelim(l: Lexer): StateFn | null {
  const { trimSpaces } = l.atRightDelim();
  if (trimSpaces) {
    l.pos += TRIM_MARKER_LEN;
    l.ignore();
  }
  l.pos += RIGHT_DELIM.length;
  l.emit('rightDelim');
  if (trimSpaces) {
    l.pos += leftTrimLength(l.input, l.pos);
    l.ignore();
  }
  return lexText;
}

/** Scans the elements inside action delimiters. */
function lexInsideAction(l: Lexer): StateFn | null {
  if (l.atRightDelim().delim) {
    if (l.parens.length === 0) return lexRightDelim;
    return l.errorf('unclosed left paren', l.parens[l.parens.length - 1]);
  }
  const r = l.next();
  if (r === EOF) return l.errorf('unclosed action', l.actionStart);
  if (isSpace(r)) {
    l.backup(); // Put the space back in case we have " -}}".
    return lexSpace;
  }
  switch (r) {
    case '=':
      l.emit('assign');
      return lexInsideAction;
    case ':':
      if (l.next() !== '=') return l.errorf('expected :=', l.start);
      l.emit('declare');
      return lexInsideAction;
    case '|':
      l.emit('pipe');
      return lexInsideAction;
    case '"':
      return lexQuote;
    case '`':
      return lexRawQuote;
    case '$':
      return lexVariable;
    case "'":
      return lexChar;
    case '(':
      l.parens.push(l.start);
      l.emit('leftParen');
      return lexInsideAction;
    case ')':
      if (l.parens.pop() === undefined) return l.errorf('unexpected right paren', l.start);
      l.emit('rightParen');
      return lexInsideAction;
    case '.':
      // ".field", unless a digit follows: '.' can start a number.
      if (l.pos < l.input.length && !isDigit(l.input[l.pos])) return lexField;
      l.backup();
      return lexNumber;
  }
  if (r === '+' || r === '-' || isDigit(r)) {
    l.backup();
    return lexNumber;
  }
  if (isAlphaNumeric(r)) {
    l.backup();
    return lexIdentifier;
  }
  if (r >= '!' && r <= '~') {
    l.emit('char');
    return lexInsideAction;
  }
  return l.errorf(`unrecognized character in action: ${formatRune(r)}`, l.start);
}

/**
 * Scans a run of space characters; the first one is known to be present. Takes care of a trim-marked right
 * delimiter, which starts with a space.
 */
function lexSpace(l: Lexer): StateFn | null {
  let numSpaces = 0;
  while (isSpace(l.peek())) {
    l.next();
    numSpaces++;
  }
  if (hasRightTrimMarker(l.input, l.pos - 1) && l.input.startsWith(RIGHT_DELIM, l.pos - 1 + TRIM_MARKER_LEN)) {
    l.backup(); // Before the space.
    if (numSpaces === 1) return lexRightDelim; // On the delimiter, so go right to that.
  }
  l.emit('space');
  return lexInsideAction;
}

/** Scans an alphanumeric word: a keyword, a boolean or a function name. */
function lexIdentifier(l: Lexer): StateFn | null {
  let r = l.next();
  while (isAlphaNumeric(r)) r = l.next();
  l.backup();
  if (!l.atTerminator()) return l.errorf(`bad character ${formatRune(r)}`, l.pos);
  const word = l.input.slice(l.start, l.pos);
  const keyword = KEYWORDS.get(word);
  if (keyword !== undefined) {
    // "break" and "continue" are plain names when the function map defines them.
    const allowed = (keyword !== 'break' || l.breakOK) && (keyword !== 'continue' || l.continueOK);
    l.emit(allowed ? keyword : 'identifier');
  } else if (word === 'true' || word === 'false') {
    l.emit('bool');
  } else {
    l.emit('identifier');
  }
  return lexInsideAction;
}

/** Scans a field, `.Alphanumeric`; the `.` has been scanned. */
function lexField(l: Lexer): StateFn | null {
  return lexFieldOrVariable(l, 'field');
}

/** Scans a variable, `$Alphanumeric`; the `$` has been scanned. */
function lexVariable(l: Lexer): StateFn | null {
  return lexFieldOrVariable(l, 'variable');
}

function lexFieldOrVariable(l: Lexer, typ: 'field' | 'variable'): StateFn | null {
  if (l.atTerminator()) {
    // Nothing interesting follows: "." or "$".
    l.emit(typ === 'variable' ? 'variable' : 'dot');
    return lexInsideAction;
  }
  let r = l.next();
  while (isAlphaNumeric(r)) r = l.next();
  l.backup();
  if (!l.atTerminator()) return l.errorf(`bad character ${formatRune(r)}`, l.pos);
  l.emit(typ);
  return lexInsideAction;
}

/** Scans a character constant; the opening quote has been scanned. The parser checks its syntax. */
function lexChar(l: Lexer): StateFn | null {
  for (;;) {
    let r = l.next();
    if (r === '\\') {
      r = l.next();
      if (r !== EOF && r !== '\n') continue;
    }
    if (r === EOF || r === '\n') return l.errorf('unterminated character constant', l.start);
    if (r === "'") break;
  }
  l.emit('charConstant');
  return lexInsideAction;
}

/** Scans a number, or a complex constant like `1+2i` (no spaces, must end in `i`). */
function lexNumber(l: Lexer): StateFn | null {
  if (!l.scanNumber()) return l.errorf(`bad number syntax: ${goQuote(l.input.slice(l.start, l.pos))}`, l.start);
  const sign = l.peek();
  if (sign === '+' || sign === '-') {
    if (!l.scanNumber() || l.input[l.pos - 1] !== 'i') {
      return l.errorf(`bad number syntax: ${goQuote(l.input.slice(l.start, l.pos))}`, l.start);
    }
    l.emit('complex');
  } else {
    l.emit('number');
  }
  return lexInsideAction;
}

/** Scans a quoted string; the opening quote has been scanned. */
function lexQuote(l: Lexer): StateFn | null {
  for (;;) {
    let r = l.next();
    if (r === '\\') {
      r = l.next();
      if (r !== EOF && r !== '\n') continue;
    }
    if (r === EOF || r === '\n') return l.errorf('unterminated quoted string', l.start);
    if (r === '"') break;
  }
  l.emit('string');
  return lexInsideAction;
}

/** Scans a raw quoted string; the opening back quote has been scanned. Raw strings may span lines. */
function lexRawQuote(l: Lexer): StateFn | null {
  for (;;) {
    const r = l.next();
    if (r === EOF) return l.errorf('unterminated raw quoted string', l.start);
    if (r === '`') break;
  }
  l.emit('rawString');
  return lexInsideAction;
}

/** The spaces Go allows between the tokens of an action. */
function isSpace(r: string): boolean {
  return r === ' ' || r === '\t' || r === '\r' || r === '\n';
}

function isDigit(r: string): boolean {
  return r >= '0' && r <= '9' && r.length === 1;
}

/** Go's `unicode.IsLetter || unicode.IsDigit || '_'`. */
function isAlphaNumeric(r: string): boolean {
  if (r.length === 1 && r < '\x80') return /^[A-Za-z0-9_]$/.test(r);
  return r !== EOF && /^[\p{L}\p{Nd}]$/u.test(r);
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s[at] === '-' && isSpace(s[at + 1] ?? EOF);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return isSpace(s[at] ?? EOF) && s[at + 1] === '-';
}

function rightTrimLength(s: string): number {
  let n = 0;
  while (n < s.length && SPACE_CHARS.includes(s[s.length - 1 - n])) n++;
  return n;
}

function leftTrimLength(s: string, from: number): number {
  let n = 0;
  while (from + n < s.length && SPACE_CHARS.includes(s[from + n])) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Parser (text/template/parse/parse.go)

/** Thrown on the first error; Go panics and recovers the same way. */
class TemplateError extends Error {
  constructor(
    message: string,
    readonly from: number,
  ) {
    super(message);
  }
}

/** The parse tree, reduced to what the parser's checks look at. */
type Node =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'action' | 'if' | 'range' | 'with' | 'template' | 'break' | 'continue' }
  | { readonly type: 'end' | 'else'; readonly from: number }
  | PipeNode
  | OperandNode;

interface PipeNode {
  readonly type: 'pipe';
  readonly cmds: CommandNode[];
}

interface CommandNode {
  readonly pos: number;
  readonly args: Node[];
}

type OperandNode =
  | { readonly type: 'bool' | 'number' | 'string'; readonly text: string }
  | { readonly type: 'dot' | 'nil' | 'field' | 'variable' | 'identifier' | 'chain' };

/** The state of one template tree: `{{define}}` and `{{block}}` bodies are trees of their own. */
interface Scope {
  /** Variables defined at the moment. */
  readonly vars: string[];
  rangeDepth: number;
  /** Depth of nested parenthesized expressions. */
  stackDepth: number;
}

/** The most nested parenthesized expressions Go parses (maxStackDepth). */
const MAX_STACK_DEPTH = 10000;
/** The most commands Go allows in one pipeline (maxPipelineCmds). */
const MAX_PIPELINE_CMDS = 100000;

/** Item types that start an operand. */
const OPERAND_STARTS: ReadonlySet<ItemType> = new Set<ItemType>([
  'bool',
  'charConstant',
  'complex',
  'dot',
  'field',
  'identifier',
  'number',
  'nil',
  'rawString',
  'string',
  'variable',
  'leftParen',
]);

/**
 * Go's parser. Its tokens come from an array, so looking ahead and backing up are moves of an index (Go keeps a
 * three-token buffer for the same moves).
 */
class Parser {
  private index = 0;
  private scope: Scope = newScope(['$']);
  /** The templates defined so far (`{{define}}`, `{{block}}`), to find a second definition of a name. */
  private readonly treeSet = new Map<string, Node[]>();

  constructor(
    private readonly items: readonly Item[],
    private readonly funcs: ReadonlySet<string>,
    private readonly elseWith: boolean,
  ) {}

  /** The top-level template: like `itemList`, but also parses `{{define}}`, and runs to EOF. */
  parse(vars: string[]): void {
    this.scope = newScope(vars);
    while (this.peek().typ !== 'eof') {
      if (this.peek().typ === 'leftDelim') {
        const saved = this.index;
        const delim = this.next();
        if (this.nextNonSpace().typ === 'define') {
          this.parseDefinition(delim.pos);
          continue;
        }
        this.index = saved;
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${nodeString(n)}`, n.from);
    }
  }

  // Token stream.

  private next(): Item {
    const item = this.items[Math.min(this.index, this.items.length - 1)];
    this.index++;
    return item;
  }

  private backup(): void {
    this.index--;
  }

  private peek(): Item {
    const item = this.next();
    this.backup();
    return item;
  }

  private nextNonSpace(): Item {
    let item = this.next();
    while (item.typ === 'space') item = this.next();
    return item;
  }

  private peekNonSpace(): Item {
    const item = this.nextNonSpace();
    this.backup();
    return item;
  }

  // Errors.

  private errorf(message: string, at: number): never {
    throw new TemplateError(message, at);
  }

  private unexpected(item: Item, context: string): never {
    if (item.typ === 'error') this.errorf(item.val, item.pos);
    this.errorf(`unexpected ${itemString(item)} in ${context}`, item.pos);
  }

  private expect(expected: ItemType, context: string): Item {
    const item = this.nextNonSpace();
    if (item.typ !== expected) this.unexpected(item, context);
    return item;
  }

  // Grammar.

  /** `{{define "name"}} itemList {{end}}`; the `define` keyword is past. */
  private parseDefinition(open: number): void {
    const context = 'define clause';
    const saved = this.scope;
    this.scope = newScope(['$']);
    const name = this.nextNonSpace();
    if (name.typ !== 'string' && name.typ !== 'rawString') this.unexpected(name, context);
    const unquoted = unquote(name.val);
    if (unquoted === undefined) this.errorf('invalid syntax', name.pos);
    this.expect('rightDelim', context);
    const [list, end] = this.itemList(open);
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`, end.from);
    this.add(unquoted, list, name.pos);
    this.scope = saved;
  }

  /** Records a template definition; a second non-empty one of a name is an error. */
  private add(name: string, list: Node[], at: number): void {
    const defined = this.treeSet.get(name);
    if (defined === undefined || isEmptyTree(defined)) {
      this.treeSet.set(name, list);
    } else if (!isEmptyTree(list)) {
      this.errorf(`template: multiple definition of template ${goQuote(name)}`, at);
    }
  }

  /**
   * `textOrAction*`, up to an `{{end}}` or `{{else}}`, returned separately. `open` is the left delimiter of the
   * structure the list belongs to, where a missing `{{end}}` is reported.
   */
  private itemList(open: number): [Node[], { type: 'end' | 'else'; from: number }] {
    const list: Node[] = [];
    while (this.peekNonSpace().typ !== 'eof') {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.push(n);
    }
    return this.errorf('unexpected EOF', open);
  }

  private textOrAction(): Node {
    const item = this.nextNonSpace();
    switch (item.typ) {
      case 'text':
        return { type: 'text', text: item.val };
      case 'leftDelim':
        return this.action(item.pos);
      default:
        return this.unexpected(item, 'input');
    }
  }

  /** A control structure, or `command ("|" command)*`; the left delimiter (at `open`) is past. */
  private action(open: number): Node {
    const item = this.nextNonSpace();
    switch (item.typ) {
      case 'block':
        return this.blockControl(open);
      case 'break':
      case 'continue':
        return this.breakControl(item);
      case 'else':
        return this.elseControl(open);
      case 'end':
        this.expect('rightDelim', 'end');
        return { type: 'end', from: open };
      case 'if':
      case 'range':
      case 'with':
        this.parseControl(item.typ, open);
        return { type: item.typ };
      case 'template':
        return this.templateControl();
    }
    this.backup();
    // Variables declared here are not popped: they persist until the "end" of the enclosing structure.
    this.pipeline('command', 'rightDelim');
    return { type: 'action' };
  }

  /** `{{break}}` or `{{continue}}`; the keyword is past. */
  private breakControl(keyword: Item): Node {
    const item = this.nextNonSpace();
    if (item.typ !== 'rightDelim') this.unexpected(item, `{{${keyword.val}}}`);
    if (this.scope.rangeDepth === 0) this.errorf(`{{${keyword.val}}} outside {{range}}`, keyword.pos);
    return { type: keyword.typ === 'break' ? 'break' : 'continue' };
  }

  /** `declarations? command ('|' command)*`, up to the `end` item. */
  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const pipe: PipeNode = { type: 'pipe', cmds: [] };
    // Are there declarations or assignments?
    let decls = 0;
    for (let v = this.peekNonSpace(); v.typ === 'variable'; v = this.peekNonSpace()) {
      const atVariable = this.index;
      this.next();
      const after = this.peekNonSpace();
      if (after.typ === 'assign' || after.typ === 'declare') {
        this.nextNonSpace();
        this.scope.vars.push(v.val);
        break;
      }
      if (after.typ === 'char' && after.val === ',') {
        this.nextNonSpace();
        this.scope.vars.push(v.val);
        decls++;
        if (context === 'range' && decls < 2) {
          const second = this.peekNonSpace();
          // The second initialized variable of a range pipeline.
          if (second.typ === 'variable' || second.typ === 'rightDelim' || second.typ === 'rightParen') continue;
          this.errorf('range can only initialize variables', second.pos);
        }
        this.errorf(`too many declarations in ${context}`, after.pos);
      }
      // "$x foo": $x is an argument, not a declaration.
      this.index = atVariable;
      break;
    }
    for (;;) {
      const item = this.nextNonSpace();
      if (item.typ === end) {
        this.checkPipeline(pipe, context, item);
        return pipe;
      }
      if (!OPERAND_STARTS.has(item.typ)) this.unexpected(item, context);
      this.backup();
      pipe.cmds.push(this.command());
      if (pipe.cmds.length > MAX_PIPELINE_CMDS) this.errorf('pipeline too long', item.pos);
    }
  }

  private checkPipeline(pipe: PipeNode, context: string, end: Item): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`, end.pos);
    // Only the first command of a pipeline can start with a non-executable operand.
    pipe.cmds.forEach((cmd, i) => {
      const first = cmd.args[0].type;
      if (i > 0 && ['bool', 'dot', 'nil', 'number', 'string'].includes(first)) {
        this.errorf(`non executable command in pipeline stage ${i + 1}`, cmd.pos);
      }
    });
  }

  /**
   * `{{if|range|with pipeline}} itemList [{{else}} itemList] {{end}}`, and `{{else if …}}` (and `{{else with …}}`)
   * chains; the keyword is past. The variables declared inside go out of scope at the end.
   */
  private parseControl(context: 'if' | 'range' | 'with', open: number): void {
    const varCount = this.scope.vars.length;
    this.pipeline(context, 'rightDelim');
    if (context === 'range') this.scope.rangeDepth++;
    const [, next] = this.itemList(open);
    if (context === 'range') this.scope.rangeDepth--;
    if (next.type === 'else') {
      // "{{else if b}}" reads as "{{else}}{{if b}}…{{end}}{{end}}", with a single {{end}}.
      const chained = this.peek().typ;
      if ((context === 'if' && chained === 'if') || (this.elseWith && context === 'with' && chained === 'with')) {
        this.next();
        this.parseControl(context, next.from);
      } else {
        const [, end] = this.itemList(open);
        if (end.type !== 'end') this.errorf(`expected end; found ${nodeString(end)}`, end.from);
      }
    }
    this.scope.vars.length = varCount;
  }

  /** `{{else}}`, or the `{{else` of `{{else if …}}`, the `if` being left for the caller. */
  private elseControl(open: number): Node {
    const peek = this.peekNonSpace().typ;
    if (peek !== 'if' && !(this.elseWith && peek === 'with')) this.expect('rightDelim', 'else');
    return { type: 'else', from: open };
  }

  /** `{{block "name" pipeline}} itemList {{end}}`: defines a template and runs it. The keyword is past. */
  private blockControl(open: number): Node {
    const context = 'block clause';
    const item = this.nextNonSpace();
    const name = this.parseTemplateName(item, context);
    this.pipeline(context, 'rightDelim');
    const saved = this.scope;
    this.scope = newScope(['$']);
    const [list, end] = this.itemList(open);
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`, end.from);
    this.add(name, list, item.pos);
    this.scope = saved;
    return { type: 'template' };
  }

  /** `{{template "name" [pipeline]}}`; the keyword is past. */
  private templateControl(): Node {
    const context = 'template clause';
    this.parseTemplateName(this.nextNonSpace(), context);
    if (this.nextNonSpace().typ !== 'rightDelim') {
      this.backup();
      this.pipeline(context, 'rightDelim');
    }
    return { type: 'template' };
  }

  private parseTemplateName(item: Item, context: string): string {
    if (item.typ !== 'string' && item.typ !== 'rawString') this.unexpected(item, context);
    const name = unquote(item.val);
    if (name === undefined) this.errorf('invalid syntax', item.pos);
    return name;
  }

  /** `operand (space operand)*`, up to a `|` (consumed) or the end of the pipeline (not consumed). */
  private command(): CommandNode {
    const cmd: CommandNode = { pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace(); // skip leading spaces
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const item = this.next();
      if (item.typ === 'space') continue;
      if (item.typ === 'rightDelim' || item.typ === 'rightParen') this.backup();
      else if (item.typ !== 'pipe') this.unexpected(item, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command', cmd.pos);
    return cmd;
  }

  /** `term .Field*`: a term possibly followed by field accesses; undefined when the next item is no operand. */
  private operand(): Node | undefined {
    const node = this.term();
    if (node === undefined || this.peek().typ !== 'field') return node;
    const chainStart = this.peek().pos;
    while (this.peek().typ === 'field') this.next();
    switch (node.type) {
      case 'field':
      case 'variable':
        return node;
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        return this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`, chainStart);
      default:
        return { type: 'chain' };
    }
  }

  /**
   * A literal (number, string, nil, boolean), a function name, `.`, `.Field`, `$x` or `( pipeline )`; undefined
   * when the next item is none of those.
   */
  private term(): Node | undefined {
    const item = this.nextNonSpace();
    switch (item.typ) {
      case 'identifier':
        if (!this.funcs.has(item.val)) this.errorf(`function ${goQuote(item.val)} not defined`, item.pos);
        return { type: 'identifier' };
      case 'dot':
      case 'nil':
      case 'field':
        return { type: item.typ };
      case 'variable':
        if (!this.scope.vars.includes(item.val)) this.errorf(`undefined variable ${goQuote(item.val)}`, item.pos);
        return { type: 'variable' };
      case 'bool':
        return { type: 'bool', text: item.val };
      case 'charConstant':
      case 'complex':
      case 'number': {
        const problem = numberProblem(item.val, item.typ);
        if (problem !== undefined) this.errorf(problem, item.pos);
        return { type: 'number', text: item.val };
      }
      case 'leftParen': {
        if (this.scope.stackDepth >= MAX_STACK_DEPTH) this.errorf('max expression depth exceeded', item.pos);
        this.scope.stackDepth++;
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
        this.scope.stackDepth--;
        return pipe;
      }
      case 'string':
      case 'rawString':
        if (unquote(item.val) === undefined) this.errorf('invalid syntax', item.pos);
        return { type: 'string', text: item.val };
    }
    this.backup();
    return undefined;
  }
}

function newScope(vars: string[]): Scope {
  return { vars: [...vars], rangeDepth: 0, stackDepth: 0 };
}

/** Whether a template is empty of everything but spaces: it can then be defined again. */
function isEmptyTree(list: readonly Node[]): boolean {
  return list.every((n) => n.type === 'text' && /^\p{White_Space}*$/u.test(n.text));
}

/** A node as Go prints it in error messages. */
function nodeString(node: Node): string {
  switch (node.type) {
    case 'end':
      return '{{end}}';
    case 'else':
      return '{{else}}';
    case 'bool':
    case 'number':
    case 'string':
      return node.text;
    case 'nil':
      return 'nil';
    case 'dot':
      return '.';
    default:
      return node.type;
  }
}

/** An item as Go prints it in "unexpected …" messages. */
function itemString(item: Item): string {
  if (item.typ === 'eof') return 'EOF';
  if (item.typ === 'error') return item.val;
  if (KEYWORD_TYPES.has(item.typ)) return `<${item.val}>`;
  if (Buffer.byteLength(item.val, 'utf8') > 10) return `${goQuote(Array.from(item.val).slice(0, 10).join(''))}...`;
  return goQuote(item.val);
}

// ---------------------------------------------------------------------------------------------------------------
// Literals: the checks of node.go's newNumber and of strconv.Unquote, as Go's strconv and fmt do them.

/** Why Go rejects the number, character or complex constant `text`, or undefined if it accepts it. */
function numberProblem(text: string, typ: ItemType): string | undefined {
  if (typ === 'charConstant') {
    const c = unquoteChar(text.slice(1), "'");
    if (c === undefined) return 'invalid syntax';
    return c.tail === "'" ? undefined : `malformed character constant: ${text}`;
  }
  if (typ === 'complex') return complexProblem(text);
  // Imaginary constants.
  if (text.endsWith('i') && parseFloat64(text.slice(0, -1)) === 'ok') return undefined;
  if (parseUint64(text) !== undefined || parseInt64(text)) return undefined;
  if (parseFloat64(text) === 'ok') {
    // A float that looks like an integer is one too large for an int.
    return /[.eEpP]/.test(text) ? undefined : `integer overflow: ${goQuote(text)}`;
  }
  return `illegal number syntax: ${goQuote(text)}`;
}

const MAX_UINT64 = (1n << 64n) - 1n;

/** `strconv.ParseUint(s, 0, 64)`: the value, or undefined if it fails. */
function parseUint64(s0: string): bigint | undefined {
  if (s0 === '') return undefined;
  let s = s0;
  let base = 10;
  if (s[0] === '0') {
    // A base prefix, or a leading 0 for octal.
    const prefix = s.length >= 3 ? s[1].toLowerCase() : '';
    base = prefix === 'b' ? 2 : prefix === 'o' ? 8 : prefix === 'x' ? 16 : 8;
    s = s.slice(base === 8 && prefix !== 'o' ? 1 : 2);
  }
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    if (c === '_') {
      underscores = true;
      continue;
    }
    const d = /^[0-9a-zA-Z]$/.test(c) ? parseInt(c, 36) : 99;
    if (d >= base) return undefined;
    n = n * BigInt(base) + BigInt(d);
    if (n > MAX_UINT64) return undefined;
  }
  return !underscores || underscoreOK(s0) ? n : undefined;
}

/** Whether `strconv.ParseInt(s, 0, 64)` succeeds. */
function parseInt64(s: string): boolean {
  const neg = s.startsWith('-');
  const n = parseUint64(s.startsWith('+') || neg ? s.slice(1) : s);
  return n !== undefined && n <= (neg ? 1n << 63n : (1n << 63n) - 1n);
}

/**
 * `strconv.ParseFloat(s, 64)`: 'ok', 'range' (a valid number too large for a float64), or 'syntax'. Go's syntax:
 * decimal, or hexadecimal with a mandatory binary exponent; underscores between digits.
 */
function parseFloat64(s: string): 'ok' | 'range' | 'syntax' {
  const hex = /^[+-]?0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?)([0-9][0-9_]*)$/.exec(s);
  const decimal = /^[+-]?([0-9_]*)(?:\.([0-9_]*))?(?:[eE][+-]?[0-9][0-9_]*)?$/.exec(s);
  const mantissaDigits = (hex ?? decimal)?.slice(1, 3).join('') ?? '';
  if (!/[0-9a-fA-F]/.test(mantissaDigits)) return 'syntax';
  if (s.includes('_') && !underscoreOK(s)) return 'syntax';
  if (hex === null) return Number.isFinite(Number(s.replace(/_/g, ''))) ? 'ok' : 'range';
  // A hex float overflows when it rounds to 2^1024 or more: when it is at least 2^1024 - 2^970.
  const [, intPart, fracPart = '', expSign, expDigits] = hex;
  const mantissa = BigInt(`0x0${(intPart + fracPart).replace(/_/g, '')}`);
  if (mantissa === 0n) return 'ok';
  const exp = Math.min(Number(expDigits.replace(/_/g, '')), 1e6) * (expSign === '-' ? -1 : 1);
  const e = exp - 4 * fracPart.replace(/_/g, '').length; // the value is mantissa * 2^e
  const top = mantissa.toString(2).length + e; // and it is in [2^(top-1), 2^top)
  if (top !== 1024) return top > 1024 ? 'range' : 'ok';
  if (e > 970) return 'ok';
  return mantissa >= (1n << BigInt(1024 - e)) - (1n << BigInt(970 - e)) ? 'range' : 'ok';
}

/** Go's rule for underscores in numbers: only between digits, or between a base prefix and a digit. */
function underscoreOK(s0: string): boolean {
  let s = s0;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  // saw: '^' at the beginning, '0' after a digit or base prefix, '_' after an underscore, '!' after anything else.
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(s[1].toLowerCase())) {
    i = 2;
    saw = '0';
    hex = s[1].toLowerCase() === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if (isDigit(c) || (hex && /^[a-fA-F]$/.test(c))) {
      saw = '0';
    } else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

/**
 * Why `fmt.Sscan` fails to read the complex constant `text` (like `1+2i`) into a complex128, or undefined: a real
 * part, a sign, an imaginary part and an `i`, each part read by `floatToken` and converted by `convertFloat`.
 */
function complexProblem(text: string): string | undefined {
  let pos = 0;
  let buf = '';
  const accept = (valid: string): boolean => {
    const c = text[pos];
    if (c === undefined || !valid.includes(c)) return false;
    buf += c;
    pos++;
    return true;
  };
  const floatToken = (): string => {
    buf = '';
    if (accept('nN') && accept('aA') && accept('nN')) return buf;
    accept('+-');
    if (accept('iI') && accept('nN') && accept('fF')) return buf;
    let digits = '0123456789_';
    let exp = 'eEpP';
    if (accept('0') && accept('xX')) {
      digits = '0123456789aAbBcCdDeEfF_';
      exp = 'pP';
    }
    while (accept(digits));
    if (accept('.')) while (accept(digits));
    if (accept(exp)) {
      accept('+-');
      while (accept('0123456789_'));
    }
    return buf;
  };
  const convertFloat = (str: string): string | undefined => {
    const p = str.indexOf('p');
    if (p >= 0 && !/[xX]/.test(str)) {
      // A decimal mantissa with a binary exponent (1.2p4).
      if (parseFloat64(str.slice(0, p)) !== 'ok') return `strconv.ParseFloat: parsing ${goQuote(str)}: invalid syntax`;
      return /^[+-]?[0-9]+$/.test(str.slice(p + 1))
        ? undefined
        : `strconv.Atoi: parsing ${goQuote(str)}: invalid syntax`;
    }
    const f = parseFloat64(str);
    if (f === 'ok') return undefined;
    return `strconv.ParseFloat: parsing ${goQuote(str)}: ${f === 'range' ? 'value out of range' : 'invalid syntax'}`;
  };
  const complexError = 'syntax error scanning complex number';
  const real = floatToken();
  buf = '';
  if (!accept('+-')) return complexError;
  const imagSign = buf;
  const imag = floatToken();
  if (!accept('i')) return complexError;
  return convertFloat(real) ?? convertFloat(imagSign + imag);
}

/** `strconv.Unquote` of a quoted ("…") or raw (`…`) string item: its value, or undefined if it is invalid. */
function unquote(quoted: string): string | undefined {
  if (quoted.startsWith('`')) return quoted.slice(1, -1).replace(/\r/g, '');
  let s = quoted.slice(1);
  let out = '';
  while (s.length > 0 && s[0] !== '"') {
    const c = unquoteChar(s, '"');
    if (c === undefined || s[0] === '\n') return undefined;
    out += c.value;
    s = c.tail;
  }
  return s === '"' ? out : undefined;
}

/**
 * `strconv.UnquoteChar`: the first character of `s`, a string or character literal body quoted with `quote`,
 * decoding an escape sequence; undefined if it is invalid.
 */
function unquoteChar(s: string, quote: '"' | "'"): { value: string; tail: string } | undefined {
  if (s === '' || s[0] === quote) return undefined;
  if (s[0] !== '\\') {
    const c = String.fromCodePoint(s.codePointAt(0) ?? 0);
    return { value: c, tail: s.slice(c.length) };
  }
  const c = s[1];
  const rest = s.slice(2);
  const simple: Record<string, string> = {
    a: '\x07',
    b: '\b',
    f: '\f',
    n: '\n',
    r: '\r',
    t: '\t',
    v: '\v',
    '\\': '\\',
  };
  if (c === undefined) return undefined;
  if (simple[c] !== undefined) return { value: simple[c], tail: rest };
  if (c === quote) return { value: c, tail: rest };
  const hexLength = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
  if (hexLength > 0) {
    const digits = rest.slice(0, hexLength);
    if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(digits)) return undefined;
    const v = parseInt(digits, 16);
    // \x is a byte; \u and \U must be a valid code point (not a surrogate).
    if (c !== 'x' && (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))) return undefined;
    return { value: String.fromCodePoint(v), tail: rest.slice(hexLength) };
  }
  if (c >= '0' && c <= '7') {
    const digits = c + rest.slice(0, 2);
    if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 255) return undefined;
    return { value: String.fromCharCode(parseInt(digits, 8)), tail: rest.slice(2) };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Go's formatting of values in messages

/** Go's `unicode.IsPrint` (and `strconv.IsPrint`): letters, marks, numbers, punctuation, symbols, ASCII space. */
function isPrint(r: string): boolean {
  return r === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(r);
}

/** `%#U`: `U+0078 'x'`, or `U+0001` for an unprintable character. */
function formatRune(r: string): string {
  const code = `U+${(r.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  return isPrint(r) ? `${code} '${r}'` : code;
}

/** `%q` of a string (`strconv.Quote`). */
function goQuote(s: string): string {
  const escapes: Record<string, string> = {
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
    '"': '\\"',
    '\\': '\\\\',
  };
  let out = '"';
  for (const r of s) {
    const code = r.codePointAt(0) ?? 0;
    if (escapes[r] !== undefined) out += escapes[r];
    else if (isPrint(r)) out += r;
    else if (code < 0x80) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}
