import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadCrdValidators, UnknownKindError, validateMetadata } from '../support/crd-schema';
import { compileGoRegExp } from '../support/go-regexp';

const CRD_DIR = path.join(__dirname, '..', '..', 'upstream', 'crds');
const CRD_FILES = fs.readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml'));

const validators = loadCrdValidators(CRD_DIR);

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

function prometheusRule(rule: Record<string, unknown>, group: Record<string, unknown> = {}) {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'cmm-rules', namespace: 'monitoring' },
    spec: { groups: [{ name: 'cmm', rules: [rule], ...group }] },
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

describe('loadCrdValidators', () => {
  test('finds every kind in the upstream CRD directory', () => {
    expect(validators.kinds.map((k) => `${k.apiVersion}/${k.kind}`)).toEqual([
      'helm.cattle.io/v1/HelmChart',
      'monitoring.coreos.com/v1/PodMonitor',
      'monitoring.coreos.com/v1/Prometheus',
      'monitoring.coreos.com/v1/PrometheusRule',
      'monitoring.coreos.com/v1/ServiceMonitor',
    ]);
  });

  test.each(CRD_FILES)('compiles every schema in %s', (file) => {
    const fileValidators = loadCrdValidators(path.join(CRD_DIR, file));
    expect(fileValidators.kinds.length).toBeGreaterThan(0);
    for (const { apiVersion, kind } of fileValidators.kinds) {
      expect(() => fileValidators.compile(apiVersion, kind)).not.toThrow();
    }
  });

  test('every Go pattern in the CRDs compiles to a JavaScript RegExp', () => {
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
    for (const file of CRD_FILES) {
      parseAllDocuments(fs.readFileSync(path.join(CRD_DIR, file), 'utf8')).forEach((doc) => collect(doc.toJS()));
    }
    expect(patterns.size).toBeGreaterThan(5);
    for (const pattern of patterns) {
      expect(() => compileGoRegExp(pattern)).not.toThrow();
    }
  });

  test('fails if the path holds no CRD', () => {
    expect(() => loadCrdValidators(path.join(__dirname))).toThrow(/no CustomResourceDefinition/);
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

  test('the Go (?i) pattern of partial_response_strategy is case-insensitive', () => {
    const rule = { alert: 'X', expr: 'up == 0' };
    expect(validators.validate(prometheusRule(rule, { partial_response_strategy: 'ABORT' }))).toEqual([]);
    expect(validators.validate(prometheusRule(rule, { partial_response_strategy: 'warn' }))).toEqual([]);
    expect(validators.validate(prometheusRule(rule, { partial_response_strategy: 'bogus' }))).toEqual([
      expect.stringMatching(/^spec\.groups\[0\]\.partial_response_strategy: must match pattern/),
    ]);
  });
});

describe('Prometheus', () => {
  test('a Prometheus with storage and a format-checked int32 field passes', () => {
    const obj = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Prometheus',
      metadata: { name: 'central', namespace: 'monitoring' },
      spec: {
        replicas: 2,
        retention: '15d',
        externalLabels: { cluster: 'central' },
        storage: { volumeClaimTemplate: { spec: { resources: { requests: { storage: '50Gi' } } } } },
      },
    };
    expect(validators.validate(obj)).toEqual([]);
  });

  test('fails if an int32 field overflows', () => {
    const obj = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Prometheus',
      metadata: { name: 'central' },
      spec: { replicas: 2 ** 31 },
    };
    expect(validators.validate(obj)).toEqual(['spec.replicas: must match format "int32" (got 2147483648)']);
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
});

describe('unknown kinds', () => {
  test('fails if no CRD defines the kind', () => {
    const obj = { apiVersion: 'monitoring.coreos.com/v1', kind: 'Alertmanager', metadata: { name: 'a' } };
    expect(() => validators.validate(obj)).toThrow(UnknownKindError);
    expect(() => validators.validate(obj)).toThrow(
      /no CRD schema for apiVersion="monitoring.coreos.com\/v1" kind="Alertmanager"/,
    );
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
