import { Pair, Scalar, stringify, YAMLMap } from 'yaml';

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
  return stringify(quoteAmbiguous(value, sortKeys), {
    version: '1.1',
    lineWidth: 0,
    aliasDuplicateObjects: false,
    sortMapEntries: sortKeys,
  });
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
  if (sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
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
