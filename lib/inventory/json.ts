/**
 * JSON files from the repository (dashboards): parsed with a depth limit, and errors that say where without
 * quoting the file's content (a file may hold anything; an error message is printed and logged).
 */

/** Deeper nesting is refused: far beyond any real dashboard or inventory, well within the synth's stack. */
export const MAX_NESTING_DEPTH = 100;

/** What is wrong with a text, and where: 1-based line and column when known (never the text itself). */
export interface TextProblem {
  readonly line?: number;
  readonly col?: number;
  readonly message: string;
}

/** Parses JSON text; returns the value, or the first problem with its line and column. */
export function parseJson(text: string): { value: unknown } | { problem: TextProblem } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const { offset, message } = jsonSyntaxError(text);
    return { problem: { ...lineCol(text, offset), message } };
  }
  const tooDeep = depthProblem(value, MAX_NESTING_DEPTH);
  if (tooDeep !== undefined) {
    return {
      problem: {
        message: `nested more than ${MAX_NESTING_DEPTH} levels deep, at ${tooDeep}`,
      },
    };
  }
  return { value };
}

/** The path of the first value nested deeper than `limit` (e.g. `panels[0].targets[1]...`), or undefined. */
export function depthProblem(value: unknown, limit: number): string | undefined {
  const stack: [unknown, number, string][] = [[value, 0, '']];
  while (stack.length > 0) {
    const [v, depth, at] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) return at === '' ? '(top level)' : at;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, depth + 1, `${at}[${i}]`]));
    else for (const [k, x] of Object.entries(v)) stack.push([x, depth + 1, at === '' ? k : `${at}.${k}`]);
  }
  return undefined;
}

/** Line and column (1-based) of a character offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

/**
 * Where the first syntax error of a JSON text is, and a description that names no content: a small scanner of
 * the JSON grammar (RFC 8259), run only when `JSON.parse` has refused the text. Iterative, so nesting cannot
 * overflow the stack.
 */
function jsonSyntaxError(text: string): { offset: number; message: string } {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (message: string) => ({ offset: i, message });
  const end = () => (i >= text.length ? 'unexpected end of file' : undefined);
  /** What the parser expects next, and in which container (the stack). */
  const stack: ('array' | 'object')[] = [];
  let expect: 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'after' = 'value';
  if (text.charCodeAt(0) === 0xfeff) return fail('a byte order mark (BOM) at the start; save the file without it');
  for (;;) {
    ws();
    if (expect === 'after') {
      const top = stack.at(-1);
      if (top === undefined) {
        return i < text.length ? fail('unexpected content after the JSON value') : fail('invalid JSON');
      }
      if (end()) return fail(end()!);
      const c = text[i];
      if (c === ',') {
        i++;
        expect = top === 'array' ? 'value' : 'key';
      } else if ((c === ']' && top === 'array') || (c === '}' && top === 'object')) {
        i++;
        stack.pop();
      } else {
        return fail(`expected "," or "${top === 'array' ? ']' : '}'}"`);
      }
      continue;
    }
    if (end()) return fail(end()!);
    const c = text[i];
    if (expect === 'key' || expect === 'key-or-close') {
      if (c === '}' && expect === 'key-or-close') {
        i++;
        stack.pop();
        expect = 'after';
        continue;
      }
      if (c !== '"') return fail('expected a property name in double quotes');
      const s = scanString();
      if (s) return s;
      ws();
      if (text[i] !== ':') return fail(end() ?? 'expected ":" after a property name');
      i++;
      expect = 'value';
      continue;
    }
    if (c === ']' && expect === 'value-or-close') {
      i++;
      stack.pop();
      expect = 'after';
      continue;
    }
    if (c === '{') {
      i++;
      stack.push('object');
      expect = 'key-or-close';
    } else if (c === '[') {
      i++;
      stack.push('array');
      expect = 'value-or-close';
    } else if (c === '"') {
      const s = scanString();
      if (s) return s;
      expect = 'after';
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(i, i + 400));
      if (!m) return fail('invalid number');
      i += m[0].length;
      expect = 'after';
    } else {
      const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
      if (!word) return fail('expected a value (an object, array, string, number, true, false or null)');
      i += word.length;
      expect = 'after';
    }
  }

  function scanString(): { offset: number; message: string } | undefined {
    const start = i;
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return fail('a control character (such as a line break) inside a string');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail('invalid \\u escape in a string');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          return fail('invalid escape in a string');
        }
        continue;
      }
      i++;
    }
    i = start;
    return fail('a string that is not closed');
  }
}
