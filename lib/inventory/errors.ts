import * as z from 'zod';

/** Where a problem sits in the source text, when the input came from a file. */
export type Locate = (path: readonly PropertyKey[], keyOnly: boolean) => string | undefined;

/** At most this many problems are listed; the rest are only counted (`... and N more problems`). */
export const MAX_PROBLEMS = 100;

/**
 * Invalid inventory or props. `problems` has one line per problem (the first {@link MAX_PROBLEMS}), each naming
 * the field path, the value received and what was expected; `message` joins them. `total` counts every problem
 * found, listed or not.
 */
export class ValidationError extends Error {
  public readonly problems: readonly string[];
  public readonly total: number;

  constructor(subject: string, problems: readonly string[], total = problems.length) {
    const listed = problems.length > MAX_PROBLEMS ? problems.slice(0, MAX_PROBLEMS) : problems;
    const more = Math.max(total, problems.length) - listed.length;
    super(
      `${subject} is invalid:\n${listed.map((p) => `  ${p}`).join('\n')}` +
        (more > 0 ? `\n  ... and ${more} more problem${more === 1 ? '' : 's'}` : ''),
    );
    this.name = 'ValidationError';
    this.problems = listed;
    this.total = listed.length + more;
  }
}

/**
 * `clusters[1].prometheus.nodeSelector["kr-mum/noderole"]`; after `root` if given (`addPodMonitor("web", options)`
 * + `.port`).
 */
export function formatPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out === '' ? '(top level)' : out;
}

/**
 * The error a construct throws about one of its props or of its methods' arguments, in the inventory's form:
 * `CentralGrafana "central" is invalid:\n  addClusterDatasource(options).url: "x" is not valid; expected ...`.
 * `subject` is the construct and its cluster (`CentralGrafana "central"`), `path` where the value was given
 * (`props.globalView.url`, `addDashboard(name)`).
 */
export function invalid(subject: string, path: string, value: unknown, expected: string): ValidationError {
  return new ValidationError(subject, [`${path}: ${showValue(value)} is not valid; expected ${expected}`]);
}

/** A short, single-line rendering of a received value. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Validates `input` against `schema` and returns the parsed value, or throws a {@link ValidationError} with one
 * line per problem. `prefix` is put before every field path (e.g. `props.`); `name`, if given, names the value
 * itself (e.g. `addServiceMonitor(name)`), its fields following it (`addServiceMonitor("web", options).port`).
 */
export function validate<T extends z.ZodType>(
  schema: T,
  input: unknown,
  subject: string,
  opts: { prefix?: string; name?: string; locate?: Locate; basePath?: readonly PropertyKey[] } = {},
): z.output<T> {
  let result: z.ZodSafeParseResult<z.output<T>>;
  try {
    result = schema.safeParse(input, { reportInput: true });
  } catch (e) {
    // zod collects a list's or mapping's issues with push(...issues), which overflows the stack beyond about
    // 120 000 issues in one collection.
    if (!(e instanceof RangeError)) throw e;
    throw new ValidationError(subject, [
      `${opts.prefix ?? ''}${formatPath(opts.basePath ?? [], opts.name)}: has too many problems to list (the validator ran out of stack); expected fewer invalid entries in one list or mapping`,
    ]);
  }
  if (result.success) return result.data;
  const base = opts.basePath ?? [];
  const locate = opts.locate;
  // Describe (and locate) only the problems that are listed; count the rest.
  const { issues } = result.error;
  const problems = new Set<string>();
  let i = 0;
  for (; i < issues.length && problems.size < MAX_PROBLEMS; i++) {
    for (const p of describeIssue(schema, input, issues[i], opts.prefix ?? '', locate, base, opts.name))
      problems.add(p);
  }
  let more = 0;
  for (; i < issues.length; i++) {
    const issue = issues[i];
    more += issue.code === 'unrecognized_keys' ? issue.keys.length : 1;
  }
  throw new ValidationError(subject, [...problems], problems.size + more);
}

type Issue = z.core.$ZodIssue;

function describeIssue(
  root: z.ZodType,
  input: unknown,
  issue: Issue,
  prefix: string,
  locate: Locate | undefined,
  base: readonly PropertyKey[] = [],
  name = '',
): string[] {
  const at = (path: readonly PropertyKey[], keyOnly = false) => {
    const where = locate?.([...base, ...path], keyOnly);
    return `${where ? `${where}: ` : ''}${prefix}${formatPath([...base, ...path], name)}`;
  };
  const received = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = objectKeysAt(root, input, issue.path);
      return issue.keys.map((key) => {
        const path = [...issue.path, key];
        const hint = closest(key, allowed);
        return `${at(path, true)}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of: ${allowed.join(', ')}`;
      });
    }
    case 'invalid_type':
      if (received === undefined)
        return [`${at(issue.path)}: is required; expected ${describeExpected(issue.expected)}`];
      return [
        `${at(issue.path)}: ${showValue(received)} is ${typeName(received)}; expected ${describeExpected(issue.expected)}`,
      ];
    case 'invalid_value': {
      const expected = `${issue.values.length > 1 ? 'one of ' : ''}${issue.values.map((v) => showValue(v)).join(', ')}`;
      if (received === undefined) return [`${at(issue.path)}: is required; expected ${expected}`];
      return [`${at(issue.path)}: ${showValue(received)} is not allowed; expected ${expected}`];
    }
    case 'invalid_union': {
      const disc = (issue as { discriminator?: string }).discriminator;
      if (disc !== undefined) {
        // zod puts the discriminator key at the end of the path already.
        const discPath = issue.path.at(-1) === disc ? issue.path : [...issue.path, disc];
        const value = getIn(input, discPath);
        const options =
          (issue as { options?: unknown[] }).options ??
          discriminatorValues(schemaAt(root, input, discPath.slice(0, -1)), disc);
        const shown = options.map((o) => showValue(o)).join(', ');
        return [
          value === undefined
            ? `${at(discPath)}: is required; expected one of ${shown}`
            : `${at(discPath)}: ${showValue(value)} is not allowed; expected one of ${shown}`,
        ];
      }
      // Report the branch whose type matches the value, if exactly one does; otherwise list what each accepts.
      const rootMismatch = (e: Issue) =>
        (e.code === 'invalid_type' || e.code === 'invalid_value') && e.path.length === 0;
      const branches = issue.errors.filter((errs) => !errs.some(rootMismatch));
      if (branches.length === 1)
        return branches[0].flatMap((e) =>
          describeIssue(root, input, { ...e, path: [...issue.path, ...e.path] } as Issue, prefix, locate, base, name),
        );
      const expected = issue.errors.map((errs) =>
        errs
          .map((e) =>
            e.code === 'invalid_type'
              ? describeExpected(e.expected)
              : e.code === 'invalid_value'
                ? e.values.map((v) => showValue(v)).join(' or ')
                : e.message,
          )
          .join(' and '),
      );
      return [
        `${at(issue.path)}: ${showValue(received)} is not allowed; expected ${[...new Set(expected)].join(', or ')}`,
      ];
    }
    case 'too_big':
    case 'too_small': {
      const value = showValue(received ?? getIn(input, issue.path));
      if (!/^Too (big|small)/.test(issue.message))
        return [`${at(issue.path)}: ${value} is not valid; expected ${issue.message}`];
      const inclusive = (issue as { inclusive?: boolean }).inclusive !== false;
      const bound =
        issue.code === 'too_big'
          ? `${inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}`
          : `${inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}`;
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
      return [`${at(issue.path)}: ${value} is not valid; expected ${bound}${unit}`];
    }
    case 'invalid_key': {
      // A map key (a monitor name, a label key): point at the key itself.
      const expected = [...new Set(issue.issues.map((i) => i.message))].join(' and ');
      return [
        `${at(issue.path, true)}: ${showValue(received ?? issue.path.at(-1))} is not valid; expected ${expected}`,
      ];
    }
    default: {
      const value = received ?? getIn(input, issue.path);
      if (value === undefined) return [`${at(issue.path)}: is required; expected ${issue.message}`];
      return [`${at(issue.path)}: ${showValue(value)} is not valid; expected ${issue.message}`];
    }
  }
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'a mapping (key: value)';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    default:
      return expected;
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

function getIn(value: unknown, path: readonly PropertyKey[]): unknown {
  let cur = value;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** Unwraps optional/default/nullable/pipe/describe wrappers. */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  for (let i = 0; s && i < 20; i++) {
    const def = (s as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (
      def.type === 'optional' ||
      def.type === 'nullable' ||
      def.type === 'default' ||
      def.type === 'prefault' ||
      def.type === 'readonly'
    ) {
      s = def.innerType as z.ZodType;
    } else if (def.type === 'pipe') {
      s = def.in as z.ZodType;
    } else {
      return s;
    }
  }
  return s;
}

/** The schema that applies at `path`, following the data through unions. */
function schemaAt(root: z.ZodType, input: unknown, path: readonly PropertyKey[]): z.ZodType | undefined {
  let schema = unwrap(root);
  let data = input;
  for (const seg of path) {
    schema = pickUnionBranch(schema, data);
    if (!schema) return undefined;
    const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (def.type === 'object') schema = unwrap((def.shape as Record<string, z.ZodType>)[String(seg)]);
    else if (def.type === 'array') schema = unwrap(def.element as z.ZodType);
    else if (def.type === 'record') schema = unwrap(def.valueType as z.ZodType);
    else return undefined;
    data = getIn(data, [seg]);
  }
  return pickUnionBranch(schema, data);
}

function pickUnionBranch(schema: z.ZodType | undefined, data: unknown): z.ZodType | undefined {
  const def = schema && (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  if (!def || def.type !== 'union') return schema;
  const options = (def.options as z.ZodType[]).map(unwrap);
  const disc = def.discriminator as string | undefined;
  if (disc !== undefined) {
    const value = getIn(data, [disc]);
    // A variant whose discriminator is optional (the sidecar exposure's `type: ingress`) is the one without it.
    const matches = (o: z.ZodType | undefined) =>
      value === undefined ? discriminatorOptional(o, disc) : discriminatorValues(o, disc).includes(value);
    return options.find(matches) ?? options[0];
  }
  return (
    options.find((o) => o && (o as unknown as { _zod: { def: { type: string } } })._zod.def.type === 'object') ??
    options[0]
  );
}

function discriminatorValues(schema: z.ZodType | undefined, disc: string): unknown[] {
  const def = schema && (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  if (!def) return [];
  if (def.type === 'union') return (def.options as z.ZodType[]).flatMap((o) => discriminatorValues(unwrap(o), disc));
  if (def.type !== 'object') return [];
  const field = unwrap((def.shape as Record<string, z.ZodType>)[disc]);
  const fdef = field && (field as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  return fdef && fdef.type === 'literal' ? (fdef.values as unknown[]) : [];
}

/** Whether the object variant `schema` may leave its discriminator `disc` out. */
function discriminatorOptional(schema: z.ZodType | undefined, disc: string): boolean {
  const def = schema && (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  if (!def) return false;
  if (def.type === 'union') return (def.options as z.ZodType[]).some((o) => discriminatorOptional(unwrap(o), disc));
  if (def.type !== 'object') return false;
  const field = (def.shape as Record<string, z.ZodType | undefined>)[disc];
  return field !== undefined && (field as unknown as { _zod: { optin?: string } })._zod.optin === 'optional';
}

function objectKeysAt(root: z.ZodType, input: unknown, path: readonly PropertyKey[]): string[] {
  const schema = schemaAt(root, input, path);
  const def = schema && (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  return def && def.type === 'object' ? Object.keys(def.shape as object) : [];
}

/**
 * The allowed key nearest to a misspelt one (edit distance at most 2), for "did you mean"; never the key itself (if
 * it is allowed, the keys are another union variant's than the one the value was checked against).
 */
export function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = 3;
  for (const candidate of allowed) {
    if (candidate === key) continue; // never the very key refused (it belongs to another variant of a union)
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDist) {
      best = candidate;
      bestDist = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
