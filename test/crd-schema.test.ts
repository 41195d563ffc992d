/**
 * lib/render/crd-schema.ts: validation of custom resources against CRD schemas, built from parsed CRD objects. The
 * upstream CRDs (upstream/crds) are read here, as a caller of the library does; Go `pattern`s are matched with Go's
 * semantics (lib/regexp/re2.ts), checked both on the real CRDs and on a made-up CRD with one field per pattern.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { re2ToJs } from '../lib/regexp/re2';
import { crdValidators, toJsonSchema, UnknownKindError, validateMetadata } from '../lib/render/crd-schema';

const R = String.raw;

const CRD_DIR = path.join(__dirname, '..', 'upstream', 'crds');
const CRD_FILES = fs
  .readdirSync(CRD_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

/** Every document of a CRD file, parsed. */
function readDocs(file: string): unknown[] {
  return parseAllDocuments(fs.readFileSync(path.join(CRD_DIR, file), 'utf8')).map((doc) =>
    doc.toJS({ maxAliasCount: -1 }),
  );
}

const DOCS = CRD_FILES.flatMap((file) => readDocs(file).map((doc) => ({ file, doc })));
const validators = crdValidators(DOCS.map((d) => d.doc));

function serviceMonitor(endpoint: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: {
      name: 'node-exporter',
      namespace: 'monitoring',
      labels: { 'app.kubernetes.io/name': 'node-exporter', release: 'kps' },
    },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'node-exporter' } },
      namespaceSelector: { matchNames: ['monitoring'] },
      endpoints: [{ port: 'metrics', interval: '30s', scrapeTimeout: '10s', ...endpoint }],
      ...spec,
    },
  };
}

function podMonitor(endpoint: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { name: 'loki', namespace: 'logging' },
    spec: {
      selector: { matchLabels: { app: 'loki' } },
      podMetricsEndpoints: [{ port: 'http-metrics', ...endpoint }],
      ...spec,
    },
  };
}

function prometheusRule(rule: Record<string, unknown>, group: Record<string, unknown> = {}) {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'cmm-rules', namespace: 'monitoring' },
    spec: { groups: [{ name: 'cmm', rules: [rule], ...group }] },
  };
}

function prometheus(spec: Record<string, unknown>) {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'Prometheus',
    metadata: { name: 'central', namespace: 'monitoring' },
    spec,
  };
}

function helmChart(spec: Record<string, unknown>) {
  return {
    apiVersion: 'helm.cattle.io/v1',
    kind: 'HelmChart',
    metadata: { name: 'kube-prometheus-stack', namespace: 'kube-system' },
    spec: { chart: 'kube-prometheus-stack', repo: 'https://prometheus-community.github.io/helm-charts', ...spec },
  };
}

/** A made-up CRD `example.com` `Widget` with the given `spec` schema (and any other top-level fields). */
function widgetCrd(spec: Record<string, unknown>, versionExtra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      names: { kind: 'Widget', plural: 'widgets' },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: { type: 'object', ...spec },
              },
            },
          },
          ...versionExtra,
        },
      ],
    },
  };
}

function widget(spec: unknown) {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec };
}

describe('crdValidators', () => {
  test('finds every served kind of the upstream CRDs, in order', () => {
    expect(validators.kinds.map((k) => `${k.apiVersion}/${k.kind}`)).toEqual([
      'argoproj.io/v1alpha1/Application',
      'helm.cattle.io/v1/HelmChartConfig',
      'helm.cattle.io/v1/HelmChart',
      'monitoring.coreos.com/v1/PodMonitor',
      'monitoring.coreos.com/v1/Prometheus',
      'monitoring.coreos.com/v1/PrometheusRule',
      'monitoring.coreos.com/v1/ServiceMonitor',
      'traefik.io/v1alpha1/Middleware',
      'traefik.io/v1alpha1/TLSOption',
    ]);
  });

  test('a kind is named after its CRD, or after the source given for it', () => {
    expect(validators.kinds.find((k) => k.kind === 'ServiceMonitor')?.source).toBe(
      'CustomResourceDefinition servicemonitors.monitoring.coreos.com',
    );
    const withSources = crdValidators(
      DOCS.map((d) => d.doc),
      { sources: DOCS.map((d) => d.file) },
    );
    expect(withSources.kinds.find((k) => k.kind === 'ServiceMonitor')?.source).toBe(
      'monitoring.coreos.com_servicemonitors.yaml',
    );
    expect(() => crdValidators([widgetCrd({})], { sources: [] })).toThrow('0 sources for 1 objects');
  });

  test.each(CRD_FILES)('compiles every schema in %s', (file) => {
    const fileValidators = crdValidators(readDocs(file));
    expect(fileValidators.kinds.length).toBeGreaterThan(0);
    for (const { apiVersion, kind } of fileValidators.kinds) {
      expect(() => fileValidators.compile(apiVersion, kind)).not.toThrow();
    }
  });

  test('every Go pattern in the upstream CRDs compiles to a JavaScript RegExp', () => {
    const patterns = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach(collect);
      } else if (typeof node === 'object' && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'pattern' && typeof value === 'string') {
            patterns.add(value);
          } else {
            collect(value);
          }
        }
      }
    };
    DOCS.forEach((d) => collect(d.doc));
    expect(patterns.size).toBeGreaterThan(5);
    for (const pattern of patterns) {
      expect(() => re2ToJs(pattern)).not.toThrow();
    }
  });

  test('skips objects that are not CRDs, empty documents and versions that are not served', () => {
    const crd = widgetCrd({});
    const unserved = { ...crd.spec.versions[0], name: 'v2', served: false };
    const noSchema = { name: 'v3', served: true };
    const v = crdValidators([
      null,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
      { ...crd, spec: { ...crd.spec, versions: [...crd.spec.versions, unserved, noSchema] } },
    ]);
    expect(v.kinds).toEqual([
      { apiVersion: 'example.com/v1', kind: 'Widget', source: 'CustomResourceDefinition widgets.example.com' },
    ]);
    expect(v.has('example.com/v2', 'Widget')).toBe(false);
  });

  test('fails if no CRD is given', () => {
    expect(() => crdValidators([])).toThrow(/^no CustomResourceDefinition with a served openAPIV3Schema found/);
    expect(() => crdValidators([{ kind: 'ConfigMap' }], { sources: ['cm.yaml'] })).toThrow(
      'no CustomResourceDefinition with a served openAPIV3Schema found among 1 object(s) (from cm.yaml)',
    );
  });

  test('fails if two CRDs define the same kind, naming both', () => {
    expect(() => crdValidators([widgetCrd({}), widgetCrd({})], { sources: ['a.yaml', 'b.yaml'] })).toThrow(
      'example.com/v1/Widget is defined twice: in a.yaml and in b.yaml. Keep only one CRD per kind.',
    );
  });

  test('fails on a CRD that is not apiextensions.k8s.io/v1 with spec.versions', () => {
    expect(() => crdValidators([{ ...widgetCrd({}), apiVersion: 'apiextensions.k8s.io/v1beta1' }])).toThrow(
      /^CustomResourceDefinition widgets\.example\.com: unsupported CRD \(only apiextensions\.k8s\.io\/v1 .*"apiextensions\.k8s\.io\/v1beta1"/,
    );
    const crd = widgetCrd({});
    expect(() =>
      crdValidators([{ ...crd, spec: { ...crd.spec, versions: undefined } }], { sources: ['w.yaml'] }),
    ).toThrow(/^w\.yaml: unsupported CRD/);
  });

  test('compiles a schema on first use only, and names the CRD if it cannot', () => {
    const v = crdValidators(
      [widgetCrd({ properties: { id: { type: 'string', pattern: R`(a)\1` } } }), ...DOCS.map((d) => d.doc)],
      {
        sources: ['widget.yaml', ...DOCS.map((d) => d.file)],
      },
    );
    expect(v.has('example.com/v1', 'Widget')).toBe(true);
    expect(v.validate(serviceMonitor())).toEqual([]);
    expect(() => v.validate(widget({ id: 'aa' }))).toThrow(
      /^cannot compile the schema of example\.com\/v1\/Widget from widget\.yaml: SyntaxError: invalid Go regexp "\(a\)\\\\1": invalid escape sequence/,
    );
    expect(() => v.compile('example.com/v1', 'Widget')).toThrow(/cannot compile the schema/);
    expect(() => v.compile('example.com/v1', 'Gadget')).toThrow(UnknownKindError);
  });

  test('does not modify the CRD objects', () => {
    const crd = widgetCrd({
      properties: { port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } },
    });
    const before = JSON.stringify(crd);
    const v = crdValidators([crd]);
    v.compile('example.com/v1', 'Widget');
    expect(v.validate(widget({ port: 'http' }))).toEqual([]);
    expect(JSON.stringify(crd)).toBe(before);
  });
});

describe('ServiceMonitor', () => {
  test('a valid ServiceMonitor passes', () => {
    expect(validators.validate(serviceMonitor())).toEqual([]);
    expect(() => validators.assertValid(serviceMonitor())).not.toThrow();
  });

  test('fails if interval does not match the duration pattern', () => {
    expect(validators.validate(serviceMonitor({ interval: 'abc' }))).toEqual([
      expect.stringMatching(/^spec\.endpoints\[0\]\.interval: must match pattern .*\(got "abc"\)$/),
    ]);
  });

  test('fails on an unknown spec field', () => {
    expect(validators.validate(serviceMonitor({}, { foo: 'bar' }))).toEqual([
      'spec.foo: unknown field; the CRD does not declare it, so Kubernetes would prune it',
    ]);
  });

  test('fails on an unknown top-level field', () => {
    expect(validators.validate({ ...serviceMonitor(), extra: true })).toEqual([
      'extra: unknown field; the CRD does not declare it, so Kubernetes would prune it',
    ]);
  });

  test('fails on an unknown field deep inside an endpoint', () => {
    expect(validators.validate(serviceMonitor({ tlsConfig: { insecureSkipVerify: true, bogus: 1 } }))).toEqual([
      'spec.endpoints[0].tlsConfig.bogus: unknown field; the CRD does not declare it, so Kubernetes would prune it',
    ]);
  });

  test('accepts an int-or-string targetPort as integer or string, but not as boolean', () => {
    expect(validators.validate(serviceMonitor({ port: undefined, targetPort: 9100 }))).toEqual([]);
    expect(validators.validate(serviceMonitor({ port: undefined, targetPort: 'metrics' }))).toEqual([]);
    expect(validators.validate(serviceMonitor({ targetPort: true }))).toEqual([
      'spec.endpoints[0].targetPort: must be integer or string (got true)',
    ]);
  });

  test('fails if a required field is missing', () => {
    const { selector: _selector, ...spec } = serviceMonitor().spec;
    expect(validators.validate({ ...serviceMonitor(), spec })).toEqual(['spec.selector: required field is missing']);
  });

  test('assertValid lists every problem with the object name', () => {
    expect(() => validators.assertValid(serviceMonitor({ interval: 'abc' }, { foo: 1 }))).toThrow(
      /ServiceMonitor monitoring\/node-exporter does not match its CRD schema:\n {2}spec\.foo: unknown field.*\n {2}spec\.endpoints\[0\]\.interval: must match pattern/,
    );
  });
});

describe('HelmChart', () => {
  test('a valid HelmChart passes, including free-form values', () => {
    const obj = helmChart({
      version: '88.5.3',
      targetNamespace: 'monitoring',
      failurePolicy: 'abort',
      values: { prometheus: { prometheusSpec: { externalLabels: { cluster: 'a' } } } },
      set: { 'grafana.enabled': 'false', replicas: 2 },
    });
    expect(validators.validate(obj)).toEqual([]);
  });

  test('fails if failurePolicy is not in the enum', () => {
    expect(validators.validate(helmChart({ failurePolicy: 'bogus' }))).toEqual([
      'spec.failurePolicy: must be one of "abort", "reinstall", "retry" (got "bogus")',
    ]);
  });
});

describe('PrometheusRule', () => {
  test('an int-or-string expr passes as a string or an integer', () => {
    expect(validators.validate(prometheusRule({ alert: 'TargetDown', expr: 'up == 0', for: '5m' }))).toEqual([]);
    expect(validators.validate(prometheusRule({ record: 'cmm:one', expr: 1 }))).toEqual([]);
  });

  test('fails if expr is neither an integer nor a string', () => {
    expect(validators.validate(prometheusRule({ alert: 'X', expr: { query: 'up' } }))).toEqual([
      'spec.groups[0].rules[0].expr: must be integer or string (got {"query":"up"})',
    ]);
  });

  test('the Go ^(?i) pattern of partial_response_strategy is case-insensitive', () => {
    const rule = { alert: 'X', expr: 'up == 0' };
    for (const ok of ['ABORT', 'warn', 'Warn', '']) {
      expect(validators.validate(prometheusRule(rule, { partial_response_strategy: ok }))).toEqual([]);
    }
    for (const bad of ['bogus', 'abortx', 'abort\n']) {
      expect(validators.validate(prometheusRule(rule, { partial_response_strategy: bad }))).toEqual([
        `spec.groups[0].partial_response_strategy: must match pattern "^(?i)(abort|warn)?$" (got ${JSON.stringify(bad)})`,
      ]);
    }
  });

  test('durations of groups and rules follow the Prometheus duration pattern', () => {
    const obj = prometheusRule({ alert: 'X', expr: 'up == 0', for: '1h30m' }, { interval: '1m', query_offset: '0' });
    expect(validators.validate(obj)).toEqual([]);
    expect(validators.validate(prometheusRule({ alert: 'X', expr: 'up == 0', for: '5 m' }))).toEqual([
      expect.stringMatching(/^spec\.groups\[0\]\.rules\[0\]\.for: must match pattern/),
    ]);
  });
});

describe('Prometheus', () => {
  test('a Prometheus with storage and a format-checked int32 field passes', () => {
    const obj = prometheus({
      replicas: 2,
      retention: '15d',
      externalLabels: { cluster: 'central' },
      storage: { volumeClaimTemplate: { spec: { resources: { requests: { storage: '50Gi' } } } } },
    });
    expect(validators.validate(obj)).toEqual([]);
  });

  test('fails if an int32 field overflows', () => {
    const obj = { ...prometheus({ replicas: 2 ** 31 }), metadata: { name: 'central' } };
    expect(validators.validate(obj)).toEqual(['spec.replicas: must match format "int32" (got 2147483648)']);
  });

  test('resource quantities follow the Kubernetes quantity pattern, as strings or integers', () => {
    const resources = (requests: Record<string, unknown>) =>
      prometheus({ storage: { volumeClaimTemplate: { spec: { resources: { requests } } } } });
    expect(validators.validate(resources({ storage: '1.5Ti', cpu: '500m' }))).toEqual([]);
    expect(validators.validate(resources({ storage: 1e9, cpu: '+1e3' }))).toEqual([]);
    expect(validators.validate(resources({ storage: '50 GiB' }))).toEqual([
      expect.stringMatching(
        /^spec\.storage\.volumeClaimTemplate\.spec\.resources\.requests\.storage: must match pattern .*\(got "50 GiB"\)$/,
      ),
    ]);
  });

  test('retentionSize follows its byte-size pattern, which (as in Go) is anchored only at the end', () => {
    for (const ok of ['0', '512MB', '1.5GiB', '10B', 'junk 10GB']) {
      expect(validators.validate(prometheus({ retentionSize: ok }))).toEqual([]);
    }
    for (const bad of ['10', '1GB ', 'x0', '10GB\n']) {
      expect(validators.validate(prometheus({ retentionSize: bad }))).toEqual([
        expect.stringMatching(/^spec\.retentionSize: must match pattern/),
      ]);
    }
  });

  test('the Go patterns of a remote write: url, Azure scope and tenant IDs', () => {
    const remoteWrite = (rw: Record<string, unknown>) =>
      prometheus({ remoteWrite: [{ url: 'https://mimir.example.com/api/v1/push', ...rw }] });
    const azureAd = (scope: string, tenantId: string) =>
      remoteWrite({ azureAd: { cloud: 'AzurePublic', scope, sdk: { tenantId } } });

    expect(validators.validate(remoteWrite({}))).toEqual([]);
    // Go's '.' matches '\r' (only '\n' is excluded), JavaScript's '.' does not.
    expect(validators.validate(remoteWrite({ url: 'https://a\rb' }))).toEqual([]);
    expect(validators.validate(remoteWrite({ url: 'https://a\nb' }))).toEqual([
      expect.stringMatching(/^spec\.remoteWrite\[0\]\.url: must match pattern "\^\(http\|https\):\/\/\.\+\$"/),
    ]);
    expect(validators.validate(remoteWrite({ url: 'ftp://a' }))).toEqual([
      expect.stringMatching(/^spec\.remoteWrite\[0\]\.url: must match pattern/),
    ]);

    expect(validators.validate(azureAd('https://monitor.azure.com/.default', 'my-tenant.1'))).toEqual([]);
    expect(validators.validate(azureAd(R`api://x y\z-1`, 'ABC-123'))).toEqual([]);
    // Go's \s is ASCII-only, and \w is [0-9A-Za-z_].
    expect(validators.validate(azureAd('a\u00a0b', 'tenant_1'))).toEqual([
      `spec.remoteWrite[0].azureAd.scope: must match pattern "^[\\w\\s:/.\\\\-]+$" (got "a\u00a0b")`,
      `spec.remoteWrite[0].azureAd.sdk.tenantId: must match pattern "^[0-9a-zA-Z-.]+$" (got "tenant_1")`,
    ]);
    expect(validators.validate(azureAd('é', 'ok'))).toEqual([
      expect.stringMatching(/^spec\.remoteWrite\[0\]\.azureAd\.scope: must match pattern/),
    ]);
  });
});

describe('PodMonitor', () => {
  test('proxyUrl allows http, https and socks5; bodySizeLimit is a byte size', () => {
    expect(validators.validate(podMonitor({ proxyUrl: 'socks5://proxy:1080' }, { bodySizeLimit: '64MiB' }))).toEqual(
      [],
    );
    expect(validators.validate(podMonitor({ proxyUrl: 'SOCKS5://proxy:1080' }, { bodySizeLimit: '64' }))).toEqual([
      'spec.bodySizeLimit: must match pattern "(^0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$" (got "64")',
      'spec.podMetricsEndpoints[0].proxyUrl: must match pattern "^(http|https|socks5)://.+$" (got "SOCKS5://proxy:1080")',
    ]);
  });
});

describe('metadata', () => {
  test('fails if the name is not a DNS-1123 subdomain', () => {
    const obj = serviceMonitor();
    expect(validators.validate({ ...obj, metadata: { ...obj.metadata, name: 'Node_Exporter' } })).toEqual([
      expect.stringMatching(/^metadata\.name: must be a DNS-1123 subdomain .*\(got "Node_Exporter"\)$/),
    ]);
  });

  test('fails on invalid label values and keys', () => {
    expect(validateMetadata({ name: 'a', labels: { ok: 'fine', bad: 'has space', 'a/b/c': 'x', num: 1 } })).toEqual([
      expect.stringMatching(/^metadata\.labels\["bad"\]: invalid label value/),
      expect.stringMatching(/^metadata\.labels\["a\/b\/c"\]: invalid key/),
      expect.stringMatching(/^metadata\.labels\["num"\]: invalid label value.*\(got 1\)$/),
    ]);
  });

  test('accepts an empty label value and prefixed keys', () => {
    expect(validateMetadata({ name: 'a.b-c', labels: { 'app.kubernetes.io/part-of': '', x: 'v1.2_3' } })).toEqual([]);
  });

  test('fails on a missing name, a bad namespace and an unknown ObjectMeta field', () => {
    expect(validateMetadata({ namespace: 'Monitoring', label: {} })).toEqual([
      expect.stringMatching(/^metadata\.label: unknown field/),
      'metadata.name: required (or metadata.generateName)',
      expect.stringMatching(/^metadata\.namespace: must be a DNS-1123 label/),
    ]);
  });

  test('fails on annotations that are not strings, and on metadata that is not an object', () => {
    expect(validateMetadata({ generateName: 'x-', annotations: { a: 1 } })).toEqual([
      'metadata.annotations["a"]: must be a string (got 1)',
    ]);
    expect(validators.validate({ ...serviceMonitor(), metadata: undefined })).toEqual([
      'metadata: must be an object (got undefined)',
    ]);
  });
});

describe('unknown kinds', () => {
  test('fails if no CRD defines the kind', () => {
    const obj = { apiVersion: 'monitoring.coreos.com/v1', kind: 'Alertmanager', metadata: { name: 'a' } };
    expect(() => validators.validate(obj)).toThrow(UnknownKindError);
    expect(() => validators.validate(obj)).toThrow(
      /no CRD schema for apiVersion="monitoring.coreos.com\/v1" kind="Alertmanager"/,
    );
    try {
      validators.validate(obj);
    } catch (err) {
      expect(err).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Alertmanager' });
      expect((err as UnknownKindError).known).toBe(validators.kinds);
    }
  });

  test('fails if the version is not served by the CRD', () => {
    expect(() => validators.validate({ ...serviceMonitor(), apiVersion: 'monitoring.coreos.com/v1beta1' })).toThrow(
      UnknownKindError,
    );
  });

  test('fails if the object has no apiVersion or kind', () => {
    expect(() => validators.validate({ metadata: { name: 'x' } })).toThrow(UnknownKindError);
    expect(() => validators.validate('not an object')).toThrow(TypeError);
  });

  test('has() reports known kinds', () => {
    expect(validators.has('helm.cattle.io/v1', 'HelmChart')).toBe(true);
    expect(validators.has('v1', 'ConfigMap')).toBe(false);
  });
});

describe('schema conversion', () => {
  const v = crdValidators([
    widgetCrd({
      required: ['size'],
      properties: {
        size: { 'x-kubernetes-int-or-string': true },
        mode: { type: 'string', enum: ['a', 'b'], nullable: true },
        note: { type: 'string', nullable: true },
        count: { type: 'integer', format: 'int32' },
        total: { type: 'integer', format: 'int64' },
        data: { type: 'string', format: 'byte' },
        at: { type: 'string', format: 'date-time' },
        id: { type: 'string', format: 'uuid' },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        map: { type: 'object', additionalProperties: { type: 'string' } },
        closed: { type: 'object', properties: { a: { type: 'string' } } },
        inner: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
      },
    }),
  ]);

  test('a Widget using every feature passes', () => {
    expect(
      v.validate(
        widget({
          size: '10%',
          mode: null,
          note: null,
          count: 3,
          total: 2 ** 40,
          data: 'aGVsbG8=',
          at: '2024-01-02T03:04:05Z',
          id: 'anything goes for an unknown format',
          free: { anything: { goes: [1] } },
          map: { a: 'b' },
          closed: { a: 'x' },
          inner: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} },
        }),
      ),
    ).toEqual([]);
    expect(v.validate(widget({ size: 3 }))).toEqual([]);
  });

  test('reports each kind of problem with its path', () => {
    expect(
      v.validate(
        widget({
          size: 1.5,
          mode: 'c',
          count: 2 ** 31,
          total: 0.5,
          data: 'not base64!',
          at: 'yesterday',
          map: { a: 1 },
          closed: { b: 'x' },
          inner: { kind: 'Pod', status: {} },
        }),
      ),
    ).toEqual([
      'spec.size: must be integer or string (got 1.5)',
      'spec.mode: must be one of "a", "b", null (got "c")',
      'spec.count: must match format "int32" (got 2147483648)',
      'spec.total: must be integer (got 0.5)',
      'spec.total: must match format "int64" (got 0.5)',
      'spec.data: must match format "byte" (got "not base64!")',
      'spec.at: must match format "date-time" (got "yesterday")',
      'spec.map.a: must be string (got 1)',
      'spec.closed.b: unknown field; the CRD does not declare it, so Kubernetes would prune it',
      'spec.inner.status: unknown field; the CRD does not declare it, so Kubernetes would prune it',
    ]);
    expect(v.validate(widget({ note: 1 }))).toEqual([
      'spec.size: required field is missing',
      'spec.note: must be string or null (got 1)',
    ]);
  });

  test('toJsonSchema closes objects, leaves metadata open and drops Kubernetes extensions', () => {
    expect(
      toJsonSchema({
        type: 'object',
        description: 'root',
        properties: {
          metadata: { type: 'object', properties: { name: { type: 'string' } } },
          spec: {
            type: 'object',
            default: {},
            properties: {
              port: {
                'x-kubernetes-int-or-string': true,
                anyOf: [{ type: 'integer' }, { type: 'string' }],
                pattern: '^(?i)[a-z]+$',
              },
              list: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string', nullable: true } },
            },
          },
        },
      }),
    ).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        metadata: { type: 'object' },
        spec: {
          type: 'object',
          additionalProperties: false,
          properties: {
            port: { type: ['integer', 'string'], pattern: '^(?i)[a-z]+$' },
            list: { type: 'array', items: { type: ['string', 'null'] } },
          },
        },
      },
    });
  });
});

describe('Go patterns (matched as the API server matches them, with Go regexp semantics)', () => {
  /**
   * Pattern, values it matches, values it does not: the Go-specific constructs a CRD pattern may use beyond those the
   * upstream CRDs use (tested above); test/re2.test.ts covers the rest of re2ToJs.
   */
  const CASES: readonly (readonly [string, readonly string[], readonly string[]])[] = [
    [R`^(?i)(abort|warn)?$`, ['abort', 'ABORT', 'wArN', ''], ['bogus', 'abort\n']],
    [R`(?i)^abc$`, ['abc', 'ABC', 'aBc'], ['abd']],
    [R`^x(?i:ab[c-d])y$`, ['xabcy', 'xABDy'], ['XABcy', 'xabcY']],
    [R`\Aabc\z`, ['abc'], ['abc\n', 'xabc']],
    [R`^a.b$`, ['a\rb', 'a\u2028b'], ['a\nb']],
    [R`(?s)^a.b$`, ['a\nb'], []],
    [R`(?m)^b$`, ['a\nb\nc'], ['abc']],
    [R`^b$`, ['b'], ['a\nb\nc', 'b\n']],
    [R`^[[:alpha:][:digit:]_]+$`, ['ab_12'], ['a-b']],
    [R`^[[:^digit:]]+$`, ['abc', '-'], ['a1']],
    [R`^\s$`, [' ', '\t'], ['\u00a0', '\v']],
    [R`^[\w\s:/.\\-]+$`, ['https://a b\\c-d'], ['é', 'a\u00a0b']],
    [R`^\Qa.b*\E$`, ['a.b*'], ['axb*', 'a.bbb']],
    [R`^(?P<word>\pL+)$`, ['héllo'], ['h3llo']],
    [R`^\x{263a}\x41\101$`, ['\u263aAA'], ['AAA']],
    [R`^\p{Greek}+$`, ['αβγ'], ['abc']],
    [R`^\#\:\-\@$`, ['#:-@'], ['#:@']],
    [R`^a{,2}]$`, ['a{,2}]'], ['aa]', 'a]']],
    [R`^[]a]+$`, [']a]'], ['b']],
    [R`^a{2,3}$`, ['aa', 'aaa'], ['a', 'aaaa']],
    [R`(?U)^a+b*?$`, ['ab', 'aabb'], ['b']],
    [R`^[0-9a-zA-Z-.]+$`, ['my-tenant.1'], ['tenant_1', 'a b']],
  ];
  const fields = CASES.map((_, i) => `p${i}`);
  const v = crdValidators([
    widgetCrd({
      properties: Object.fromEntries(CASES.map(([pattern], i) => [fields[i], { type: 'string', pattern }])),
    }),
  ]);

  test.each(CASES.map((c, i) => [c[0], i] as const))('%s', (pattern, i) => {
    const [, matches, nonMatches] = CASES[i];
    for (const value of matches) {
      expect({ value, errors: v.validate(widget({ [fields[i]]: value })) }).toEqual({ value, errors: [] });
    }
    for (const value of nonMatches) {
      expect(v.validate(widget({ [fields[i]]: value }))).toEqual([
        `spec.${fields[i]}: must match pattern "${pattern}" (got ${JSON.stringify(value)})`,
      ]);
    }
  });

  test.each([
    [R`(?=a)`, 'invalid or unsupported Perl syntax: `(?=`'],
    [R`(a)\1`, 'invalid escape sequence: `\\1`'],
    [R`[[:bogus:]]`, 'invalid character class range: `[:bogus:]`'],
    [R`(a`, 'missing closing ): `(a`'],
  ])('a pattern Go rejects, %s, makes the schema fail to compile with Go’s message', (pattern, message) => {
    const bad = crdValidators([widgetCrd({ properties: { x: { type: 'string', pattern } } })], {
      sources: ['widget.yaml'],
    });
    expect(() => bad.compile('example.com/v1', 'Widget')).toThrow(
      `cannot compile the schema of example.com/v1/Widget from widget.yaml: SyntaxError: invalid Go regexp ${JSON.stringify(pattern)}: ${message}`,
    );
  });
});
