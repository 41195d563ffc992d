import { Pair, Scalar, stringify, YAMLMap } from 'yaml';
import { compareStrings } from '../compare';

/**
 * YAML as CMM writes it everywhere: long lines kept whole (no folding that would make diffs noisy), repeated
 * objects written out in full (no `&anchor`/`*alias`, which Helm values and Kubernetes reviewers read badly), and
 * optionally keys sorted.
 *
 * Strings are quoted whenever a YAML reader could take them for another type. The readers that matter are Go's:
 * kubectl, Helm and the helm-controller read YAML with go-yaml, which turns `0o17`, `0X1f`, `1_000` and `1e3` into
 * numbers, `2024-04-01` into a timestamp and `on`, `y` or `No` into booleans ({@link mayReadAsNonString}, which
 * follows go-yaml's `resolve`); the corpus in test/escaping.test.ts goes through the real Helm.
 */
export function toYaml(value: unknown, opts: { sortKeys?: boolean } = {}): string {
  const sortKeys = opts.sortKeys ?? false;
  if (value === null || typeof value !== 'object') return toYamlReference(value, opts);
  const out: string[] = [];
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]\n';
    emitSeq(value, 0, sortKeys, out);
  } else {
    const entries = entriesOf(value, sortKeys);
    if (entries.length === 0) return '{}\n';
    emitMap(entries, 0, sortKeys, out, false);
  }
  return out.join('');
}

/**
 * What {@link toYaml} writes, by the `yaml` package's own stringifier: the reference the fast writer below is tested
 * against byte for byte (test/yaml.test.ts), and what it asks for every scalar it does not write itself.
 */
export function toYamlReference(value: unknown, opts: { sortKeys?: boolean } = {}): string {
  const sortKeys = opts.sortKeys ?? false;
  return stringify(quoteAmbiguous(value, sortKeys), {
    version: '1.1',
    lineWidth: 0,
    aliasDuplicateObjects: false,
    sortMapEntries: sortKeys,
  });
}

// The fast writer. Every manifest and values file goes through toYaml, and the `yaml` package's document model was
// half of a large fleet's synth time. It writes the block structure itself (the package's layout: two spaces,
// sequences indented under their key, `{}` and `[]` for empty collections) and the scalars that are plain without a
// doubt; any other scalar (quoted, multi-line, a number it does not know how the package formats) comes from the
// package, written alone and re-indented, and is remembered.

const PAD: string[] = [];
function pad(n: number): string {
  return (PAD[n] ??= ' '.repeat(n));
}

function entriesOf(value: object, sortKeys: boolean): [string, unknown][] {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (sortKeys) entries.sort(([a], [b]) => compareStrings(a, b));
  return entries;
}

/** A string the package writes plain in block context, as it is: no indicator, quote, flow, comment or type risk. */
const SAFE_PLAIN = /^[A-Za-z_/$(<=~^][A-Za-z0-9_ ./$()<>=~^*+@%;-]*$/;

function isSafePlain(text: string): boolean {
  return (
    SAFE_PLAIN.test(text) &&
    !text.endsWith(' ') &&
    !text.includes('  ') &&
    !/^(?:~|=|<<)/.test(text) &&
    !mayReadAsNonString(text)
  );
}

/** Scalars written by the package: `key: <scalar>` as it writes it, split after `key: `, keyed by the value. */
const scalarCache = new Map<unknown, string>();
const keyCache = new Map<string, string>();

/** A scalar value as the package writes it after `key: ` or `- ` at `column`, with its line end. */
function scalar(value: unknown, column: number): string {
  if (typeof value === 'string') {
    if (isSafePlain(value)) return `${value}\n`;
  } else if (typeof value === 'boolean') {
    return value ? 'true\n' : 'false\n';
  } else if (value === null) {
    return 'null\n';
  } else if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) {
    return `${value}\n`;
  }
  let text = scalarCache.get(value);
  if (text === undefined) {
    text = toYamlReference({ k: value }).slice(3);
    scalarCache.set(value, text);
  }
  // A block scalar's lines are indented two spaces past its key; the package wrote them for a key at column 0.
  if (column === 0 || !text.includes('\n', text.indexOf('\n') + 1)) return text;
  const lines = text.split('\n');
  return [lines[0], ...lines.slice(1, -1).map((l) => (l === '' ? l : pad(column) + l)), ''].join('\n');
}

/**
 * A mapping key as the package writes it before `: `. A key at the start of the document is written apart: there the
 * package quotes what could read as a document marker (`---`).
 */
function key(text: string, column: number): string {
  if (isSafePlain(text)) return text;
  const cacheKey = column === 0 ? `0${text}` : `1${text}`;
  let written = keyCache.get(cacheKey);
  if (written === undefined) {
    if (column === 0) {
      const doc = toYamlReference({ [text]: 0 });
      written = doc.slice(0, doc.length - ': 0\n'.length);
    } else {
      const doc = toYamlReference({ x: { [text]: 0 } });
      written = doc.slice('x:\n  '.length, doc.length - ': 0\n'.length);
    }
    keyCache.set(cacheKey, written);
  }
  return written;
}

function isCollection(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

/** A non-empty mapping at `indent`; with `inline`, its first line follows a `- ` already written. */
function emitMap(entries: [string, unknown][], indent: number, sortKeys: boolean, out: string[], inline: boolean) {
  let first = inline;
  for (const [k, v] of entries) {
    out.push(first ? '' : pad(indent), key(k, indent), ':');
    first = false;
    if (isCollection(v)) {
      if (Array.isArray(v)) {
        if (v.length === 0) out.push(' []\n');
        else {
          out.push('\n');
          emitSeq(v, indent + 2, sortKeys, out);
        }
      } else {
        const inner = entriesOf(v, sortKeys);
        if (inner.length === 0) out.push(' {}\n');
        else {
          out.push('\n');
          emitMap(inner, indent + 2, sortKeys, out, false);
        }
      }
    } else {
      out.push(' ', scalar(v, indent));
    }
  }
}

/** A non-empty sequence at `indent` (its `- ` at that column). */
function emitSeq(items: unknown[], indent: number, sortKeys: boolean, out: string[]) {
  for (const item of items) {
    out.push(pad(indent), '- ');
    const v = item === undefined ? null : item;
    if (isCollection(v)) {
      if (Array.isArray(v)) {
        if (v.length === 0) out.push('[]\n');
        else {
          // The first item follows this `- `; the rest line up under it.
          const inner: string[] = [];
          emitSeq(v, indent + 2, sortKeys, inner);
          out.push(inner.join('').slice(indent + 2));
        }
      } else {
        const inner = entriesOf(v, sortKeys);
        if (inner.length === 0) out.push('{}\n');
        else emitMap(inner, indent + 2, sortKeys, out, true);
      }
    } else {
      out.push(scalar(v, indent));
    }
  }
}

/** A double-quoted scalar. */
function quoted(text: string): Scalar {
  const s = new Scalar(text);
  s.type = 'QUOTE_DOUBLE';
  return s;
}

/**
 * `value` with every string (value or key) that {@link mayReadAsNonString} flags turned into a double-quoted
 * scalar. A mapping is rebuilt as a YAML map only when one of its keys needs it (then sorted here when asked).
 */
function quoteAmbiguous(value: unknown, sortKeys: boolean): unknown {
  if (typeof value === 'string') return mayReadAsNonString(value) ? quoted(value) : value;
  if (Array.isArray(value)) return value.map((v) => quoteAmbiguous(v, sortKeys));
  if (value === null || typeof value !== 'object' || value instanceof Scalar) return value;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (!entries.some(([k]) => mayReadAsNonString(k))) {
    return Object.fromEntries(entries.map(([k, v]) => [k, quoteAmbiguous(v, sortKeys)]));
  }
  if (sortKeys) entries.sort(([a], [b]) => compareStrings(a, b));
  const map = new YAMLMap();
  for (const [k, v] of entries) {
    map.items.push(new Pair(mayReadAsNonString(k) ? quoted(k) : k, quoteAmbiguous(v, sortKeys)));
  }
  return map;
}

/** Plain scalars go-yaml reads as booleans, null, infinities or NaN, or a merge key (and YAML 1.1's `=`). */
const OTHER_TYPE_WORDS = /^(?:y|n|yes|no|true|false|on|off|null|~|<<|=|[-+]?\.(?:inf|nan))$/i;
/** What Go's `strconv.ParseInt(s, 0, 64)` accepts (go-yaml removes `_` first). */
const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
/** go-yaml's `yamlStyleFloat`, and floats starting with a dot. */
const YAML_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/**
 * Whether a YAML reader could read this string, written plain, as something else than a string: go-yaml's
 * `resolve` (booleans, null, ints in every base Go parses, floats, timestamps, which all start with a digit, a sign
 * or a dot) plus what the YAML 1.1 schema of the `yaml` package already quotes.
 */
export function mayReadAsNonString(text: string): boolean {
  if (OTHER_TYPE_WORDS.test(text)) return true;
  if (!/^[-+.0-9]/.test(text)) return false;
  if (/^[0-9]{4}-/.test(text)) return true; // a date or timestamp, as go-yaml tries them
  const plain = text.replace(/_/g, '');
  return GO_INT.test(plain) || YAML_FLOAT.test(plain);
}
