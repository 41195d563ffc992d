/**
 * Checks that every key written into a Helm chart's values exists in the chart's default
 * `values.yaml`: Helm ignores unknown keys silently, so a typo or a key renamed upstream would
 * otherwise go unnoticed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/** Options for `unknownValueKeys`. */
export interface UnknownValueKeysOptions {
  /**
   * Paths below which anything is accepted, in addition to the free-form slots found in the defaults.
   *
   * Dotted keys; `*` matches any one key, `**` any number (zero included) of keys and indexes, `[*]`
   * any array index and `[0]` one index; keys containing dots are quoted. Examples:
   * `grafana."grafana.ini"`, `alertmanager.config`, `*.podAnnotations`, `**.nodeSelector`,
   * `prometheus.prometheusSpec.additionalScrapeConfigs[*]`.
   *
   * @default - only the free-form slots of the defaults
   */
  readonly freeForm?: readonly string[];
}

/**
 * Non-empty defaults of kube-prometheus-stack 88.5.3 whose contents are nonetheless free-form
 * (config blobs, env maps, label selectors). Pass as `freeForm` when checking kps values.
 */
export const KUBE_PROMETHEUS_STACK_FREE_FORM: readonly string[] = [
  'alertmanager.config',
  'grafana."grafana.ini"',
  'prometheusOperator.env',
  'kubeApiServer.serviceMonitor.selector',
  // Pod tolerations: a list of Kubernetes objects, whatever the chart's default entries hold.
  'prometheus-node-exporter.tolerations',
  // Kubernetes PodSecurityContext and SecurityContext objects, whatever fields the chart's defaults set.
  'prometheus-node-exporter.securityContext',
  'prometheus-node-exporter.containerSecurityContext',
];

type Segment = string | number;
type JsonObject = Record<string, unknown>;

/**
 * Returns the paths of keys present in `written` but absent from `defaults`.
 *
 * The two trees are walked together while both are plain objects. Nothing below a path is checked
 * where the default is a free-form slot (`{}`, `[]`, `null` or `""`) or the path matches
 * `opts.freeForm`. For a written array, each object element is checked against the union of the keys
 * of the default's object elements when the default is a non-empty array of objects; otherwise the
 * array is accepted. A written object where the default is a non-empty scalar reports its keys.
 * Keys whose written value is `undefined` are ignored (they do not survive serialization).
 *
 * @param written the values written by the project (e.g. a HelmChart's `spec.values`).
 * @param defaults the chart's default values (see `loadChartDefaults` and `mergeSubchartDefaults`).
 * @param opts extra free-form paths.
 * @returns dotted paths such as `prometheus.prometheusSpec.fooBar` or `a.list[1].bad`, in the order
 *   of `written`; only the topmost unknown key of a subtree is reported.
 */
export function unknownValueKeys(written: unknown, defaults: unknown, opts: UnknownValueKeysOptions = {}): string[] {
  const freeForm = (opts.freeForm ?? []).map(parsePath);
  const unknown: string[] = [];

  const walk = (value: unknown, defaultValue: unknown, at: readonly Segment[]): void => {
    if (isFreeFormSlot(defaultValue) || freeForm.some((pattern) => matches(pattern, at))) {
      return;
    }
    if (Array.isArray(value)) {
      const elementDefaults = Array.isArray(defaultValue) ? defaultValue.filter(isPlainObject) : [];
      if (elementDefaults.length > 0) {
        const union = mergeDefaults(...elementDefaults);
        value.forEach((element, index) => {
          if (isPlainObject(element)) {
            walk(element, union, [...at, index]);
          }
        });
      }
      return;
    }
    if (!isPlainObject(value)) {
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined) {
        continue;
      }
      if (isPlainObject(defaultValue) && Object.prototype.hasOwnProperty.call(defaultValue, key)) {
        walk(child, defaultValue[key], [...at, key]);
      } else if (!freeForm.some((pattern) => matches(pattern, [...at, key]))) {
        unknown.push(formatPath([...at, key]));
      }
    }
  };

  walk(written, defaults, []);
  return unknown;
}

/**
 * Reads a chart's default values.
 *
 * @param dir the chart directory (containing `values.yaml`), or the path of a values file.
 * @returns the parsed values; `{}` for an empty file.
 * @throws Error if the file cannot be read or parsed.
 */
export function loadChartDefaults(dir: string): JsonObject {
  const file = fs.statSync(dir).isDirectory() ? path.join(dir, 'values.yaml') : dir;
  const values: unknown = parse(fs.readFileSync(file, 'utf8'), { merge: true, maxAliasCount: -1 });
  if (values === null || values === undefined) {
    return {};
  }
  if (!isPlainObject(values)) {
    throw new Error(
      `${file}: expected a map of values at the top level, got ${Array.isArray(values) ? 'a list' : typeof values}`,
    );
  }
  return values;
}

/**
 * Deep union of several default-value trees, for checking keys against more than one source.
 *
 * Plain objects are merged key by key, arrays are concatenated (so their object elements' keys are
 * united), and a free-form slot (`{}`, `[]`, `null`, `""`) in any tree wins over structure in another,
 * since it accepts every key. Otherwise, the later tree's value wins. Inputs are not modified.
 *
 * @param trees default-value trees.
 * @returns the union; `undefined` when called with no trees.
 */
export function mergeDefaults(...trees: unknown[]): unknown {
  return trees.reduce((merged, tree) => mergeTwo(merged, tree), undefined);
}

/**
 * Adds subcharts' defaults under their aliases in a parent chart's defaults, the way Helm passes them
 * on: the parent's `alias:` block is united with the subchart's own `values.yaml`, and the
 * subchart's `global:` block with the parent's.
 *
 * For kube-prometheus-stack this makes `grafana.persistence.enabled` (grafana chart) and
 * `grafana.defaultDashboardsEnabled` (read only by kps templates) both known.
 *
 * @param parent the parent chart's defaults.
 * @param subcharts each subchart's defaults, keyed by the name or alias the parent uses
 *   (e.g. `grafana`, `kube-state-metrics`, `prometheus-node-exporter`).
 * @returns a new defaults tree.
 */
export function mergeSubchartDefaults(parent: JsonObject, subcharts: Readonly<Record<string, unknown>>): JsonObject {
  const result: JsonObject = { ...parent };
  for (const [alias, sub] of Object.entries(subcharts)) {
    const { global, ...own } = isPlainObject(sub) ? sub : {};
    result[alias] = mergeDefaults(own, parent[alias]);
    if (global !== undefined) {
      result.global = mergeDefaults(result.global, global);
    }
  }
  return result;
}

function mergeTwo(a: unknown, b: unknown): unknown {
  if (a === undefined) {
    return b;
  }
  if (b === undefined) {
    return a;
  }
  if (isFreeFormSlot(a)) {
    return a;
  }
  if (isFreeFormSlot(b)) {
    return b;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const result: JsonObject = { ...a };
    for (const [key, value] of Object.entries(b)) {
      result[key] = mergeTwo(result[key], value);
    }
    return result;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return [...a, ...b];
  }
  // Structure accepts more keys than a scalar does.
  if (isPlainObject(a) && !isPlainObject(b)) {
    return a;
  }
  return b;
}

/** Whether a default value marks a slot whose contents are up to the user. */
function isFreeFormSlot(value: unknown): boolean {
  return (
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (isPlainObject(value) && Object.keys(value).length === 0)
  );
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `pattern` matches all of `at` (`*` = any key, `[*]` = any index, `**` = any segments). */
function matches(pattern: readonly Segment[], at: readonly Segment[], pi = 0, ai = 0): boolean {
  if (pi === pattern.length) {
    return ai === at.length;
  }
  const p = pattern[pi];
  if (p === '**') {
    for (let next = ai; next <= at.length; next++) {
      if (matches(pattern, at, pi + 1, next)) {
        return true;
      }
    }
    return false;
  }
  if (ai === at.length) {
    return false;
  }
  const s = at[ai];
  const segmentMatches = p === '*' ? typeof s === 'string' : p === '[*]' ? typeof s === 'number' : p === s;
  return segmentMatches && matches(pattern, at, pi + 1, ai + 1);
}

/** Parses `a."b.c"[0].*[*]` into `['a', 'b.c', 0, '*', '[*]']`. */
function parsePath(text: string): Segment[] {
  const segments: Segment[] = [];
  const token = /\s*(?:"((?:[^"\\]|\\.)*)"|([^.[\]"]+)|\[(\d+|\*)\])\s*(\.?)/y;
  let pos = 0;
  while (pos < text.length) {
    token.lastIndex = pos;
    const match = token.exec(text);
    if (match === null) {
      throw new Error(`invalid freeForm path ${JSON.stringify(text)} at offset ${pos}; expected e.g. a.b[*]."c.d".*`);
    }
    const [whole, quoted, bare, index] = match;
    if (quoted !== undefined) {
      segments.push(JSON.parse(`"${quoted}"`) as string);
    } else if (bare !== undefined) {
      segments.push(bare);
    } else {
      segments.push(index === '*' ? '[*]' : Number(index));
    }
    pos += whole.length;
  }
  return segments;
}

/** Formats `['a', 'b.c', 0, 'd']` as `a."b.c"[0].d`. */
function formatPath(segments: readonly Segment[]): string {
  return segments
    .map((s, i) => {
      if (typeof s === 'number') {
        return `[${s}]`;
      }
      const key = /^[\w-]+$/.test(s) ? s : JSON.stringify(s);
      return i === 0 ? key : `.${key}`;
    })
    .join('');
}
