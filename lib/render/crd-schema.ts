/**
 * Validation of custom resources against the `openAPIV3Schema` of their CustomResourceDefinitions, the way the
 * Kubernetes API server checks them, so a rendered object that a cluster would reject (or silently prune) is found
 * before anyone applies it.
 *
 * The schemas are converted from the Kubernetes structural-schema dialect into JSON Schema draft-07 for ajv:
 * `x-kubernetes-int-or-string`, `nullable`, Kubernetes formats and Go (RE2) `pattern`s (matched with Go's semantics,
 * see {@link re2ToJs}) are handled, and objects that the API server would prune (properties not declared and no
 * `x-kubernetes-preserve-unknown-fields`) are closed, so an unknown field is an error here instead of silently
 * disappearing in the cluster. `metadata` is checked separately (DNS-1123 name, label syntax).
 *
 * Not checked: `x-kubernetes-validations` (CEL rules), `x-kubernetes-list-type` uniqueness and defaulting.
 *
 * This module reads no file: callers read and parse the CRDs (YAML or JSON) and pass the objects.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { re2ToJs } from '../regexp/re2';

/** One served version of a kind defined by a CRD. */
export interface CrdKind {
  /** `group/version`, as written in a resource's `apiVersion`. */
  readonly apiVersion: string;
  /** The resource kind, e.g. `ServiceMonitor`. */
  readonly kind: string;
  /**
   * Where the CRD that defines it came from: the matching entry of {@link CrdValidatorsOptions.sources} (e.g. a file
   * path), or `CustomResourceDefinition <metadata.name>` when no sources are given.
   */
  readonly source: string;
}

/** Options of {@link crdValidators}. */
export interface CrdValidatorsOptions {
  /**
   * Where each object of `crds` came from, in the same order (e.g. the file it was read from; several objects may
   * share one source). Used in error messages and in {@link CrdKind.source}.
   */
  readonly sources?: readonly string[];
}

/** Validators for every kind defined in a set of CRDs. */
export interface CrdValidators {
  /** Every served `apiVersion` + `kind` found, in the order of the CRDs and of their versions. */
  readonly kinds: readonly CrdKind[];

  /** Whether a schema is known for this `apiVersion` and `kind`. */
  has(apiVersion: string, kind: string): boolean;

  /**
   * Validates a custom resource (a plain object, as rendered or parsed from YAML).
   *
   * @param obj the object to check.
   * @returns human-readable errors (`path: message`, e.g. `spec.endpoints[0].interval: must match pattern "..."
   *   (got "abc")`), empty when the object is valid.
   * @throws TypeError if `obj` is not an object.
   * @throws UnknownKindError if no CRD defines the object's `apiVersion` and `kind`, so a check cannot pass by
   *   accident.
   * @throws Error naming the CRD's source if the kind's schema cannot be compiled (on first use).
   */
  validate(obj: unknown): string[];

  /**
   * Like {@link CrdValidators.validate}, but throws one error listing every problem.
   *
   * @param obj the object to check.
   * @throws Error if the object is invalid (`<Kind> <namespace>/<name> does not match its CRD schema:` and one line
   *   per problem); UnknownKindError if its kind is unknown.
   */
  assertValid(obj: unknown): void;

  /**
   * Compiles the schema of one kind now (schemas are otherwise compiled on first use).
   *
   * @param apiVersion the kind's `group/version`.
   * @param kind the kind.
   * @throws UnknownKindError if no CRD defines this `apiVersion` and `kind`.
   * @throws Error naming the CRD's source if the schema cannot be compiled (e.g. a `pattern` Go rejects).
   */
  compile(apiVersion: string, kind: string): void;
}

/** Thrown when an object's `apiVersion` and `kind` are not defined by any of the CRDs given. */
export class UnknownKindError extends Error {
  /**
   * @param apiVersion the object's `apiVersion`.
   * @param kind the object's `kind`.
   * @param known the kinds that are defined.
   */
  public constructor(
    public readonly apiVersion: unknown,
    public readonly kind: unknown,
    public readonly known: readonly CrdKind[],
  ) {
    super(
      `no CRD schema for apiVersion=${JSON.stringify(apiVersion)} kind=${JSON.stringify(kind)}; ` +
        `known: ${known.map((k) => `${k.apiVersion}/${k.kind}`).join(', ')}. ` +
        'Add the CustomResourceDefinition of this kind to the CRDs the validators are built from, ' +
        'or do not validate this object.',
    );
    this.name = 'UnknownKindError';
  }
}

type JsonObject = Record<string, unknown>;

interface Entry extends CrdKind {
  readonly schema: JsonObject;
  validator?: ValidateFunction;
}

/** DNS-1123 label: what Kubernetes requires of namespaces and many names. */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain: what Kubernetes requires of most object names. */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The name part of a qualified name (label and annotation keys) and a non-empty label value. */
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** `ObjectMeta` fields that the API server accepts. */
const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

/**
 * Lenient checks for the OpenAPI formats Kubernetes CRDs use; formats not listed here are accepted without checks.
 */
const FORMATS = {
  int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
  float: { type: 'number', validate: () => true },
  double: { type: 'number', validate: () => true },
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
} as const;

const CRD_API_VERSION = 'apiextensions.k8s.io/v1';

/**
 * Builds validators for every served version of every CustomResourceDefinition given.
 *
 * @param crds parsed objects, typically every document of a set of CRD files. Objects that are not a
 *   `CustomResourceDefinition` (and `null`, what an empty YAML document parses to) are skipped; versions that are
 *   not served or have no `schema.openAPIV3Schema` are skipped. The objects must not be modified afterwards: schemas
 *   are read when first compiled.
 * @param options `sources`, to name where each CRD came from in error messages.
 * @returns validators; schemas are compiled lazily, on first use or via {@link CrdValidators.compile}.
 * @throws Error if a CRD is not `apiextensions.k8s.io/v1` with `spec.group`, `spec.names.kind` and `spec.versions`,
 *   if two CRDs define the same `apiVersion` and `kind`, if no served schema is found at all, or if `sources` does
 *   not have one entry per object.
 */
export function crdValidators(crds: readonly unknown[], options: CrdValidatorsOptions = {}): CrdValidators {
  const { sources } = options;
  if (sources !== undefined && sources.length !== crds.length) {
    throw new Error(`crdValidators: ${sources.length} sources for ${crds.length} objects; give one source per object`);
  }

  const entries = new Map<string, Entry>();
  crds.forEach((crd, index) => {
    for (const entry of kindsOfCrd(crd, sources?.[index])) {
      const key = `${entry.apiVersion}/${entry.kind}`;
      const existing = entries.get(key);
      if (existing !== undefined) {
        throw new Error(
          `${key} is defined twice: in ${existing.source} and in ${entry.source}. Keep only one CRD per kind.`,
        );
      }
      entries.set(key, entry);
    }
  });
  if (entries.size === 0) {
    const from = sources !== undefined && sources.length > 0 ? ` (from ${[...new Set(sources)].join(', ')})` : '';
    throw new Error(
      `no CustomResourceDefinition with a served openAPIV3Schema found among ${crds.length} object(s)${from}`,
    );
  }

  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    verbose: true,
    logger: false,
    formats: FORMATS,
    code: { regExp: goRegExpEngine },
  });
  const kinds: CrdKind[] = [...entries.values()].map(({ apiVersion, kind, source }) => ({ apiVersion, kind, source }));

  const compiled = (apiVersion: string, kind: string): ValidateFunction => {
    const entry = entries.get(`${apiVersion}/${kind}`);
    if (entry === undefined) {
      throw new UnknownKindError(apiVersion, kind, kinds);
    }
    if (entry.validator === undefined) {
      try {
        for (const format of collectFormats(entry.schema)) {
          if (!(format in FORMATS) && ajv.formats[format] === undefined) {
            ajv.addFormat(format, true);
          }
        }
        entry.validator = ajv.compile(toJsonSchema(entry.schema));
      } catch (err) {
        throw new Error(`cannot compile the schema of ${apiVersion}/${kind} from ${entry.source}: ${String(err)}`);
      }
    }
    return entry.validator;
  };

  const validate = (obj: unknown): string[] => {
    if (!isPlainObject(obj)) {
      throw new TypeError(`expected a Kubernetes object, got ${describe(obj)}`);
    }
    const { apiVersion, kind } = obj;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !entries.has(`${apiVersion}/${kind}`)) {
      throw new UnknownKindError(apiVersion, kind, kinds);
    }
    const validator = compiled(apiVersion, kind);
    const errors = validator(obj) ? [] : (validator.errors ?? []).map(formatAjvError);
    errors.push(...validateMetadata(obj.metadata));
    return [...new Set(errors)];
  };

  return {
    kinds,
    has: (apiVersion, kind) => entries.has(`${apiVersion}/${kind}`),
    validate,
    assertValid: (obj) => {
      const errors = validate(obj);
      if (errors.length > 0) {
        const o = obj as JsonObject;
        const meta = isPlainObject(o.metadata) ? o.metadata : {};
        const name = [meta.namespace, meta.name].filter((x) => x !== undefined).join('/');
        throw new Error(`${String(o.kind)} ${name} does not match its CRD schema:\n  ${errors.join('\n  ')}`);
      }
    },
    compile: (apiVersion, kind) => {
      compiled(apiVersion, kind);
    },
  };
}

/**
 * Converts a Kubernetes structural `openAPIV3Schema` into a draft-07 JSON Schema for ajv.
 *
 * - `x-kubernetes-int-or-string: true` becomes `type: ['integer', 'string']`;
 * - `nullable: true` adds `'null'` to `type` (and to `enum`);
 * - an object with `properties` or `type: object`, without `additionalProperties` and without
 *   `x-kubernetes-preserve-unknown-fields: true`, gets `additionalProperties: false`, because the API server would
 *   prune unknown fields there (`x-kubernetes-embedded-resource: true` also allows `apiVersion`, `kind` and
 *   `metadata`);
 * - at the root, `metadata` is left open (it is checked by {@link validateMetadata});
 * - descriptions, defaults and examples are dropped; other `x-kubernetes-*` extensions are ignored.
 *
 * `pattern`s are kept as written: they are Go regular expressions, which {@link crdValidators} compiles with Go's
 * semantics.
 *
 * @param schema a CRD version's `schema.openAPIV3Schema`.
 * @returns a new JSON Schema; the input is not modified.
 */
export function toJsonSchema(schema: JsonObject): JsonObject {
  const root = convertNode(schema);
  const properties = root.properties as JsonObject | undefined;
  if (isPlainObject(properties) && properties.metadata !== undefined) {
    properties.metadata = { type: 'object' };
  }
  return root;
}

/** Converts every value of a map of schemas (`properties`, `patternProperties`). */
function convertMap(value: unknown): unknown {
  return isPlainObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convertNode(v)])) : value;
}

function convertNode(node: unknown): JsonObject {
  if (!isPlainObject(node)) {
    // Not a schema: left for ajv to reject when it checks the schema.
    return node as JsonObject;
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description' || key === 'default' || key === 'example' || key === 'nullable' || key.startsWith('x-')) {
      continue;
    }
    switch (key) {
      case 'properties':
      case 'patternProperties':
        out[key] = convertMap(value);
        break;
      case 'items':
        out[key] = Array.isArray(value) ? value.map(convertNode) : convertNode(value);
        break;
      case 'additionalProperties':
      case 'not':
        out[key] = typeof value === 'boolean' ? value : convertNode(value);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[key] = Array.isArray(value) ? value.map(convertNode) : value;
        break;
      default:
        out[key] = value;
    }
  }

  if (node['x-kubernetes-int-or-string'] === true) {
    out.type = ['integer', 'string'];
    // The usual companion `anyOf: [{type: integer}, {type: string}]` is redundant with that type.
    const anyOf = out.anyOf;
    if (
      Array.isArray(anyOf) &&
      anyOf.every(
        (s) => isPlainObject(s) && Object.keys(s).length === 1 && (s.type === 'integer' || s.type === 'string'),
      )
    ) {
      delete out.anyOf;
    }
  }

  if (node.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
    } else if (Array.isArray(out.type)) {
      out.type = [...out.type, 'null'];
    }
    if (Array.isArray(out.enum)) {
      out.enum = [...out.enum, null];
    }
  }

  const preservesUnknown = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (
    !preservesUnknown &&
    out.additionalProperties === undefined &&
    (out.type === 'object' || out.properties !== undefined)
  ) {
    out.additionalProperties = false;
    if (node['x-kubernetes-embedded-resource'] === true) {
      // Embedded resources implicitly allow apiVersion, kind and metadata.
      out.properties = {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        ...(isPlainObject(out.properties) ? out.properties : {}),
      };
    }
  }
  return out;
}

/**
 * Checks the `metadata` of an object the way the API server does (the CRD schema only says `type: object`): known
 * `ObjectMeta` fields, a DNS-1123 subdomain `name`, a DNS-1123 label `namespace`, and valid label and annotation keys
 * and values.
 *
 * @param metadata the object's `metadata`.
 * @returns human-readable errors (`metadata.name: ...`), empty when valid.
 */
export function validateMetadata(metadata: unknown): string[] {
  if (!isPlainObject(metadata)) {
    return [`metadata: must be an object (got ${describe(metadata)})`];
  }
  const errors: string[] = [];
  for (const key of Object.keys(metadata)) {
    if (!OBJECT_META_FIELDS.has(key)) {
      errors.push(`metadata.${key}: unknown field; ObjectMeta has ${[...OBJECT_META_FIELDS].join(', ')}`);
    }
  }

  const { name, generateName, namespace, labels, annotations } = metadata;
  if (name === undefined && generateName === undefined) {
    errors.push('metadata.name: required (or metadata.generateName)');
  } else if (name !== undefined && !isDns1123Subdomain(name)) {
    errors.push(
      `metadata.name: must be a DNS-1123 subdomain (lowercase alphanumerics, '-' and '.', ` +
        `starting and ending alphanumeric, at most 253 characters) (got ${describe(name)})`,
    );
  }
  if (
    namespace !== undefined &&
    !(typeof namespace === 'string' && namespace.length <= 63 && DNS1123_LABEL.test(namespace))
  ) {
    errors.push(
      `metadata.namespace: must be a DNS-1123 label (lowercase alphanumerics and '-', ` +
        `starting and ending alphanumeric, at most 63 characters) (got ${describe(namespace)})`,
    );
  }

  for (const [field, map, checkValue] of [
    ['labels', labels, isLabelValue],
    ['annotations', annotations, (v: unknown) => typeof v === 'string'],
  ] as const) {
    if (map === undefined) {
      continue;
    }
    if (!isPlainObject(map)) {
      errors.push(`metadata.${field}: must be a map of strings (got ${describe(map)})`);
      continue;
    }
    for (const [key, value] of Object.entries(map)) {
      if (!isQualifiedName(key)) {
        errors.push(
          `metadata.${field}[${JSON.stringify(key)}]: invalid key; expected [prefix/]name where prefix is a ` +
            `DNS-1123 subdomain and name is at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`,
        );
      }
      if (!checkValue(value)) {
        errors.push(
          field === 'labels'
            ? `metadata.labels[${JSON.stringify(key)}]: invalid label value; expected at most 63 alphanumerics, ` +
                `'-', '_' or '.', starting and ending alphanumeric, or '' (got ${describe(value)})`
            : `metadata.annotations[${JSON.stringify(key)}]: must be a string (got ${describe(value)})`,
        );
      }
    }
  }
  return errors;
}

function isDns1123Subdomain(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

function isQualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  return (prefix === undefined || isDns1123Subdomain(prefix)) && name.length <= 63 && QUALIFIED_NAME_PART.test(name);
}

function isLabelValue(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 63 && (value === '' || QUALIFIED_NAME_PART.test(value));
}

/**
 * An ajv `code.regExp` engine that reads `pattern`s as Go (RE2) regular expressions, as the API server does; ajv's
 * flags argument (`u`) is ignored, `re2ToJs` always sets it. A pattern Go rejects makes the schema fail to compile.
 */
const goRegExpEngine = Object.assign((pattern: string) => re2ToJs(pattern), { code: 're2ToJs' });

/** The kinds (one per served version with a schema) a CRD defines; nothing for objects that are not CRDs. */
function kindsOfCrd(crd: unknown, source: string | undefined): Entry[] {
  if (!isPlainObject(crd) || crd.kind !== 'CustomResourceDefinition') {
    return [];
  }
  const name = isPlainObject(crd.metadata) ? crd.metadata.name : undefined;
  const from = source ?? `CustomResourceDefinition ${typeof name === 'string' ? name : '(without a name)'}`;
  const spec = isPlainObject(crd.spec) ? crd.spec : {};
  const { group, names, versions } = spec;
  if (
    crd.apiVersion !== CRD_API_VERSION ||
    typeof group !== 'string' ||
    !isPlainObject(names) ||
    typeof names.kind !== 'string' ||
    !Array.isArray(versions)
  ) {
    throw new Error(
      `${from}: unsupported CRD (only ${CRD_API_VERSION} with spec.group, spec.names.kind and spec.versions is ` +
        `supported; got apiVersion ${describe(crd.apiVersion)})`,
    );
  }
  const kind = names.kind;
  return versions.flatMap((version: unknown) => {
    if (!isPlainObject(version) || version.served === false || typeof version.name !== 'string') {
      return [];
    }
    const schema = isPlainObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
    if (!isPlainObject(schema)) {
      return [];
    }
    return [{ apiVersion: `${group}/${version.name}`, kind, source: from, schema }];
  });
}

function collectFormats(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    node.forEach((n) => collectFormats(n, found));
  } else if (isPlainObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'format' && typeof value === 'string') {
        found.add(value);
      } else if (key !== 'enum' && key !== 'default' && key !== 'example') {
        collectFormats(value, found);
      }
    }
  }
  return found;
}

function formatAjvError(error: ErrorObject): string {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const got = ` (got ${describe(error.data)})`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(error.params.additionalProperty);
      return `${formatPath([...segments, field])}: unknown field; the CRD does not declare it, so Kubernetes would prune it`;
    }
    case 'required':
      return `${formatPath([...segments, String(error.params.missingProperty)])}: required field is missing`;
    case 'enum':
      return `${formatPath(segments)}: must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'type':
      return `${formatPath(segments)}: must be ${[error.params.type].flat().join(' or ')}${got}`;
    default:
      return `${formatPath(segments)}: ${error.message ?? error.keyword}${got}`;
  }
}

/** Formats path segments as `spec.endpoints[0].interval` (keys that are not identifiers are quoted). */
function formatPath(segments: readonly string[]): string {
  if (segments.length === 0) {
    return '(root)';
  }
  return segments
    .map((s, i) => {
      if (/^\d+$/.test(s)) {
        return `[${s}]`;
      }
      if (/^[A-Za-z_$][\w$-]*$/.test(s)) {
        return i === 0 ? s : `.${s}`;
      }
      return `[${JSON.stringify(s)}]`;
    })
    .join('');
}

function describe(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // A BigInt or a cycle: not something YAML or JSON parses to.
  }
  if (json === undefined) {
    return String(value);
  }
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
