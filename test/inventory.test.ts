import * as fs from 'node:fs';
import * as path from 'node:path';
import { closest, ValidationError } from '../lib/inventory/errors';
import { parseInventory, resolveClusters } from '../lib/inventory/load';

/** An inventory text, one argument per line (so the line numbers in the expected messages are easy to count). */
function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** The problems `parseInventory` reports for `text`; fails the test if it accepts the text. */
function problemsOf(text: string, fileName = 'inv.yaml'): readonly string[] {
  try {
    parseInventory(text, fileName);
  } catch (e) {
    if (e instanceof ValidationError) return e.problems;
    throw e;
  }
  throw new Error('expected the inventory to be rejected, but it was accepted');
}

const CENTRAL = ['central:', '  cluster: a'];

const CLUSTER_KEYS =
  'name, namespace, kubePrometheusStackVersion, kubePrometheusStackRepo, airgap, platform, kubernetesVersion, nodePools, kubeStateMetrics, cardinality, kubernetesComponents, ' +
  'prometheus, thanos, namespaceOwners, operator, nodeExporter, rules, alertmanager, logs, podSecurity, serviceMonitors, podMonitors, networkPolicies';
const EXPECT_LABEL =
  'a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters';
const EXPECT_SUBDOMAIN = 'a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", at most 253 characters';
const EXPECT_DURATION = 'a Prometheus duration such as "30s", "5m", "1h30m" or "15d"';
const EXPECT_URL = 'an absolute http:// or https:// URL';

describe('parseInventory', () => {
  test('defaults', () => {
    const inv = parseInventory(yaml(...CENTRAL, 'clusters:', '  - name: a'), 'inv.yaml');
    expect(inv).toEqual({ central: { cluster: 'a' }, clusters: [{ name: 'a' }] });
    expect(resolveClusters(inv)).toEqual([{ name: 'a' }]);
  });

  test('parses the bundled cmm.yaml', () => {
    const file = path.join(__dirname, '..', 'cmm.yaml');
    const inv = parseInventory(fs.readFileSync(file, 'utf8'), 'cmm.yaml');
    expect(inv.central.cluster).toBe('central');
    const clusters = resolveClusters(inv);
    expect(clusters.map((c) => c.name)).toEqual(['central', 'edge-1', 'kafka-prod']);
    // edge-1 sets the nginx monitor from defaults `enabled: false`; the others inherit it.
    expect(Object.keys(clusters[0].serviceMonitors ?? {})).toEqual(['nginx']);
    expect(clusters[1].serviceMonitors).toEqual({});
    expect(Object.keys(clusters[2].serviceMonitors ?? {})).toEqual(['nginx']);
    expect(clusters[1].prometheus?.retention).toBe('3d');
    expect(clusters[1].prometheus?.scrapeInterval).toBe('30s');
  });

  describe('validation', () => {
    test('fails on an unknown key', () => {
      const problems = problemsOf(yaml(...CENTRAL, 'clusters:', '  - name: a', '    colour: blue'));
      expect(problems).toEqual([`inv.yaml:5:5: clusters[0].colour: unknown key; expected one of: ${CLUSTER_KEYS}`]);
    });

    test('suggests the nearest key for a misspelt one', () => {
      const problems = problemsOf(yaml(...CENTRAL, 'clusters:', '  - name: a', '    kubeStateMetric: true'));
      expect(problems).toEqual([
        `inv.yaml:5:5: clusters[0].kubeStateMetric: unknown key (did you mean "kubeStateMetrics"?); expected one of: ${CLUSTER_KEYS}`,
      ]);
    });

    test('fails on a key of another union variant, listing the keys of the variant given (no suggestion of the key itself)', () => {
      // The sidecar exposure without `type` is the ingress variant; loadBalancerSourceRanges is the loadBalancer's.
      const exposure = ['    thanos:', '      exposure:', '        host: b.example.com', '        tlsSecretName: t'];
      const problems = problemsOf(
        yaml(
          ...CENTRAL,
          'clusters:',
          '  - name: a',
          '  - name: b',
          ...exposure,
          '        loadBalancerSourceRanges: [10.0.0.0/8]',
        ),
      );
      expect(problems).toEqual([
        'inv.yaml:10:9: clusters[1].thanos.exposure.loadBalancerSourceRanges: unknown key; expected one of: type, host, controller, ingressClassName, tlsSecretName, clientCaSecret',
      ]);
      // A misspelt key of that variant is still suggested.
      expect(
        problemsOf(
          yaml(...CENTRAL, 'clusters:', '  - name: a', '  - name: b', ...exposure, '        clientCASecret: c'),
        ),
      ).toEqual([
        'inv.yaml:10:9: clusters[1].thanos.exposure.clientCASecret: unknown key (did you mean "clientCaSecret"?); expected one of: type, host, controller, ingressClassName, tlsSecretName, clientCaSecret',
      ]);
    });

    test('the suggestion is the nearest allowed key, never the key itself', () => {
      expect(closest('retenton', ['retention', 'storage'])).toBe('retention');
      expect(closest('loadBalancerSourceRanges', ['type', 'loadBalancerSourceRanges', 'loadBalancerSourceRange'])).toBe(
        'loadBalancerSourceRange',
      );
      expect(closest('host', ['host', 'colour'])).toBeUndefined();
    });

    test('fails on a misspelt top-level key, and names the required key it leaves missing', () => {
      const problems = problemsOf(yaml(...CENTRAL, 'cluster:', '  - name: a'));
      expect(problems).toEqual([
        'inv.yaml:1:1: clusters: is required; expected a list',
        'inv.yaml:3:1: cluster: unknown key (did you mean "clusters"?); expected one of: $schema, central, defaults, clusters, argocd',
      ]);
    });

    test('fails on wrong types', () => {
      const problems = problemsOf(
        yaml(
          ...CENTRAL,
          'clusters:',
          '  - name: a',
          '    kubeStateMetrics: "yes"',
          '    prometheus:',
          '      storage:',
          '        size: 20',
          '  - name: 123',
        ),
      );
      expect(problems).toEqual([
        'inv.yaml:5:23: clusters[0].kubeStateMetrics: "yes" is not allowed; expected true or false, or a mapping (key: value)',
        'inv.yaml:8:15: clusters[0].prometheus.storage.size: 20 is a number; expected a string',
        'inv.yaml:9:11: clusters[1].name: 123 is a number; expected a string',
      ]);
    });

    test('fails on a number that is not whole where a whole number is expected', () => {
      const problems = problemsOf(
        yaml(
          'central:',
          '  cluster: central',
          '  dashboards:',
          '    grafanaCom:',
          '      - name: node-exporter-full',
          '        id: 1860',
          '        revision: 1.5',
          'clusters:',
          '  - name: a',
        ),
      );
      // Not "1.5 is a number; expected a number", which contradicts itself.
      expect(problems).toEqual([
        'inv.yaml:7:19: central.dashboards.grafanaCom[0].revision: 1.5 is a number; expected a whole number',
      ]);
    });

    test('fails on a number below an exclusive minimum', () => {
      const problems = problemsOf(
        yaml(
          'central:',
          '  cluster: central',
          '  dashboards:',
          '    grafanaCom:',
          '      - name: node-exporter-full',
          '        id: 0',
          '        revision: 37',
          'clusters:',
          '  - name: a',
        ),
      );
      // `id` must be positive: 0 itself is not allowed, so "at least 0" would be wrong.
      expect(problems).toEqual([
        'inv.yaml:6:13: central.dashboards.grafanaCom[0].id: 0 is not valid; expected more than 0',
      ]);
    });

    test('fails on an invalid DNS-1123 cluster name', () => {
      const problems = problemsOf(yaml(...CENTRAL, 'clusters:', '  - name: edge-0', '  - name: Edge_1'));
      expect(problems).toEqual([`inv.yaml:5:11: clusters[1].name: "Edge_1" is not valid; expected ${EXPECT_LABEL}`]);
    });

    test('fails on a cluster name longer than 63 characters', () => {
      const name = 'a'.repeat(64);
      const problems = problemsOf(yaml(...CENTRAL, 'clusters:', `  - name: ${name}`));
      expect(problems).toEqual([
        `inv.yaml:4:11: clusters[0].name: "${'a'.repeat(56)}... is not valid; expected ${EXPECT_LABEL}`,
      ]);
    });

    test('fails on an invalid DNS-1123 monitor name', () => {
      const problems = problemsOf(
        yaml(
          ...CENTRAL,
          'clusters:',
          '  - name: a',
          '    serviceMonitors:',
          '      Bad_Name:',
          '        selector: { app: x }',
          '        port: 80',
        ),
      );
      // The monitor name is a map key: the problem points at the key and says what a name must look like.
      expect(problems).toEqual([
        `inv.yaml:6:7: clusters[0].serviceMonitors.Bad_Name: "Bad_Name" is not valid; expected ${EXPECT_SUBDOMAIN}`,
      ]);
    });

    test('fails on duplicate cluster names', () => {
      const problems = problemsOf(yaml(...CENTRAL, 'clusters:', '  - name: a', '  - name: b', '  - name: a'));
      expect(problems).toEqual([
        'inv.yaml:6:11: clusters[2].name: "a" is not valid; expected a name not used before (clusters[0] is already named "a")',
      ]);
    });

    test('fails on bad durations', () => {
      const problems = problemsOf(
        yaml(
          ...CENTRAL,
          'defaults:',
          '  prometheus:',
          '    scrapeInterval: 0',
          'clusters:',
          '  - name: a',
          '    prometheus:',
          '      retention: 15 days',
          '      evaluationInterval: s',
        ),
      );
      expect(problems).toEqual([
        'inv.yaml:5:21: defaults.prometheus.scrapeInterval: 0 is a number; expected a string',
        `inv.yaml:9:18: clusters[0].prometheus.retention: "15 days" is not valid; expected ${EXPECT_DURATION}`,
        `inv.yaml:10:27: clusters[0].prometheus.evaluationInterval: "s" is not valid; expected ${EXPECT_DURATION}`,
      ]);
    });

    test('fails on bad sizes', () => {
      const problems = problemsOf(
        yaml(
          ...CENTRAL,
          'clusters:',
          '  - name: a',
          '    prometheus:',
          '      retentionSize: 4G',
          '      storage:',
          '        size: 20GB',
        ),
      );
      expect(problems).toEqual([
        'inv.yaml:6:22: clusters[0].prometheus.retentionSize: "4G" is not valid; expected a byte size such as "50GB" or "512MiB"',
        'inv.yaml:8:15: clusters[0].prometheus.storage.size: "20GB" is not valid; expected a Kubernetes quantity such as "20Gi", "512Mi" or "1G"',
      ]);
    });

    test('fails on bad URLs', () => {
      const problems = problemsOf(
        yaml(
          ...CENTRAL,
          'clusters:',
          '  - name: a',
          '    kubePrometheusStackRepo: ftp://charts.example.com',
          '  - name: b',
          '    kubePrometheusStackRepo: not a url',
        ),
      );
      expect(problems).toEqual([
        `inv.yaml:5:30: clusters[0].kubePrometheusStackRepo: "ftp://charts.example.com" is not valid; expected ${EXPECT_URL}`,
        `inv.yaml:7:30: clusters[1].kubePrometheusStackRepo: "not a url" is not valid; expected ${EXPECT_URL}`,
      ]);
    });

    test('fails on an unknown exposure type', () => {
      const problems = problemsOf(
        yaml(...CENTRAL, 'clusters:', '  - name: a', '    prometheus:', '      exposure:', '        type: lb'),
      );
      expect(problems).toEqual([
        'inv.yaml:7:15: clusters[0].prometheus.exposure.type: "lb" is not allowed; expected one of "none", "ingress"',
      ]);
    });

    test('fails if central is missing', () => {
      const problems = problemsOf(yaml('clusters:', '  - name: a'));
      expect(problems).toEqual(['inv.yaml:1:1: central: is required; expected a mapping (key: value)']);
    });

    test('fails if there is no cluster', () => {
      const problems = problemsOf(yaml(...CENTRAL, 'clusters: []'));
      expect(problems).toEqual(['inv.yaml:3:11: clusters: [] is not valid; expected at least one cluster']);
    });

    test('fails if the file is empty', () => {
      const expected = ['inv.yaml: the file is empty; expected a mapping with central: and clusters:'];
      expect(problemsOf('')).toEqual(expected);
      expect(problemsOf(yaml('# only a comment'))).toEqual(expected);
    });

    test('fails if the top level is not a mapping', () => {
      expect(problemsOf(yaml('- a', '- b'))).toEqual([
        'inv.yaml:1:1: (top level): ["a","b"] is a list; expected a mapping (key: value)',
      ]);
    });

    test('reports a YAML syntax error with its line and column', () => {
      const problems = problemsOf(yaml(...CENTRAL, ' clusters:', '  - name: a'), 'fleet/inv.yaml');
      expect(problems).toEqual(['fleet/inv.yaml:3:1: All mapping items must start at the same column']);
    });

    test('reports a duplicate YAML key with its line and column', () => {
      const problems = problemsOf(yaml(...CENTRAL, 'clusters:', '  - name: a', '    name: b'));
      expect(problems).toEqual(['inv.yaml:5:5: Map keys must be unique']);
    });

    test('reports every repeated key, in flow mappings and nested mappings too', () => {
      const problems = problemsOf(
        yaml(
          ...CENTRAL,
          'clusters:',
          '  - {name: a, name: b}',
          '  - name: c',
          '    prometheus:',
          '      retention: 1d',
          '      "retention": 2d',
          '      externalLabels: {"1": x, 1: y}',
        ),
      );
      // "1" and 1 are different keys (a string and a number), as in yaml's own check.
      expect(problems).toEqual(['inv.yaml:4:15: Map keys must be unique', 'inv.yaml:8:7: Map keys must be unique']);
    });

    test('lists the first 100 problems and counts the rest', () => {
      const names = Array.from({ length: 250 }, (_, i) => `  - name: C${i}`);
      let error: ValidationError | undefined;
      try {
        parseInventory(yaml(...CENTRAL, 'clusters:', ...names), 'x.yaml');
      } catch (e) {
        error = e as ValidationError;
      }
      expect(error?.problems).toHaveLength(100);
      expect(error?.problems[99]).toBe(
        `x.yaml:103:11: clusters[99].name: "C99" is not valid; expected ${EXPECT_LABEL}`,
      );
      expect(error?.total).toBe(250);
      expect(error?.message.split('\n').at(-1)).toBe('  ... and 150 more problems');
    });

    test('reports a large mapping with every key invalid (its speed is in npm run bench)', () => {
      const monitors = Array.from({ length: 20000 }, (_, i) => `    M_${i}: {port: metrics, selector: {a: b}}`);
      const problems = problemsOf(
        yaml(...CENTRAL, 'defaults:', '  serviceMonitors:', ...monitors, 'clusters:', '  - name: a'),
      );
      expect(problems).toHaveLength(100);
      expect(problems[0]).toBe(
        `inv.yaml:5:5: defaults.serviceMonitors.M_0: "M_0" is not valid; expected ${EXPECT_SUBDOMAIN}`,
      );
    });

    test('resolves aliases and merge keys, and reports an alias without anchor where it is', () => {
      const inv = parseInventory(
        yaml(
          ...CENTRAL,
          'defaults:',
          '  serviceMonitors:',
          '    web: &web {selector: {app: web}, port: metrics}',
          '    web2: {<<: *web, port: http}',
          'clusters:',
          '  - name: &a a',
          '    namespace: *a',
          ...Array.from({ length: 1500 }, (_, i) => `  - {name: c${i}, namespace: *a}`),
        ),
        'inv.yaml',
      );
      expect(inv.defaults?.serviceMonitors?.web2).toEqual({ selector: { app: 'web' }, port: 'http' });
      expect(inv.clusters[1500]).toEqual({ name: 'c1499', namespace: 'a' });
      expect(problemsOf(yaml(...CENTRAL, 'clusters:', '  - name: *b'))).toEqual([
        'inv.yaml:4:11: *b refers to no anchor; expected &b before it',
      ]);
    });

    test('refuses aliases that nest the file too deep', () => {
      const levels = Array.from({ length: 60 }, (_, i) => `  l${i + 1}: &l${i + 1} [*l${i}]`);
      const deep = `${'['.repeat(50)}*l60${']'.repeat(50)}`;
      const problems = problemsOf(yaml(...CENTRAL, 'x:', '  l0: &l0 [a]', ...levels, `  y: ${deep}`));
      expect(problems).toEqual([
        'inv.yaml:65:56: *l60 nests the file more than 100 levels deep; expected at most 100 (an inventory needs about 10)',
      ]);
    });

    test('refuses aliases that expand the file enormously', () => {
      const levels = Array.from(
        { length: 9 },
        (_, i) => `  l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(', ')}]`,
      );
      const problems = problemsOf(yaml(...CENTRAL, 'x:', '  l0: &l0 [a, a, a, a, a, a, a, a, a, a]', ...levels));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^inv\.yaml:\d+:\d+: aliases expand the file by more than 1000000 values here;/);
    });

    test('puts one problem per line in the message', () => {
      expect(() => parseInventory(yaml(...CENTRAL, 'clusters:', '  - name: A', '  - name: B'), 'x.yaml')).toThrow(
        new ValidationError('x.yaml', [
          `x.yaml:4:11: clusters[0].name: "A" is not valid; expected ${EXPECT_LABEL}`,
          `x.yaml:5:11: clusters[1].name: "B" is not valid; expected ${EXPECT_LABEL}`,
        ]),
      );
      try {
        parseInventory(yaml(...CENTRAL, 'clusters:', '  - name: A'), 'x.yaml');
      } catch (e) {
        expect((e as Error).message).toBe(
          `x.yaml is invalid:\n  x.yaml:4:11: clusters[0].name: "A" is not valid; expected ${EXPECT_LABEL}`,
        );
      }
      expect.assertions(2);
    });
  });

  describe('defaults', () => {
    const NGINX_DEFAULTS = [
      'defaults:',
      '  serviceMonitors:',
      '    nginx:',
      '      selector: { app: nginx }',
      '      port: metrics',
      '      interval: 10s',
    ];

    test('can override one field of a monitor from defaults', () => {
      const inv = parseInventory(
        yaml(
          ...CENTRAL,
          ...NGINX_DEFAULTS,
          'clusters:',
          '  - name: a',
          '  - name: b',
          '    serviceMonitors:',
          '      nginx:',
          '        interval: 30s',
        ),
        'inv.yaml',
      );
      expect(resolveClusters(inv)).toEqual([
        { name: 'a', serviceMonitors: { nginx: { selector: { app: 'nginx' }, port: 'metrics', interval: '10s' } } },
        { name: 'b', serviceMonitors: { nginx: { selector: { app: 'nginx' }, port: 'metrics', interval: '30s' } } },
      ]);
    });

    test('fails if a monitor is incomplete after merging defaults', () => {
      const problems = problemsOf(
        yaml(
          ...CENTRAL,
          'defaults:',
          '  serviceMonitors:',
          '    nginx:',
          '      port: metrics',
          'clusters:',
          '  - name: a',
          '    serviceMonitors:',
          '      nginx:',
          '        selector: { app: nginx }',
          '  - name: b',
          '    serviceMonitors:',
          '      nginx:',
          '        interval: 30s',
        ),
      );
      expect(problems).toEqual([
        'inv.yaml:15:9: clusters[1].serviceMonitors.nginx.selector: is required; expected a mapping (key: value) (after merging defaults)',
      ]);
    });

    test('can drop an inherited monitor with enabled: false', () => {
      const inv = parseInventory(
        yaml(
          ...CENTRAL,
          ...NGINX_DEFAULTS,
          'clusters:',
          '  - name: a',
          '  - name: b',
          '    serviceMonitors:',
          '      nginx:',
          '        enabled: false',
          '      other:',
          '        enabled: false',
        ),
        'inv.yaml',
      );
      const [a, b] = resolveClusters(inv);
      expect(Object.keys(a.serviceMonitors ?? {})).toEqual(['nginx']);
      expect(b).toEqual({ name: 'b', serviceMonitors: {} });
    });

    test('merges mappings key by key and replaces lists', () => {
      const inv = parseInventory(
        yaml(
          ...CENTRAL,
          'defaults:',
          '  namespace: monitoring',
          '  prometheus:',
          '    retention: 15d',
          '    scrapeInterval: 30s',
          '    resources:',
          '      requests: { cpu: 100m, memory: 256Mi }',
          '  serviceMonitors:',
          '    nginx:',
          '      selector: { app: nginx }',
          '      port: metrics',
          '      namespaces: [web, api]',
          'clusters:',
          '  - name: a',
          '    prometheus:',
          '      retention: 3d',
          '      resources:',
          '        requests: { memory: 1Gi }',
          '    serviceMonitors:',
          '      nginx:',
          '        namespaces: [shop]',
        ),
        'inv.yaml',
      );
      const defaultsBefore = structuredClone(inv.defaults);
      expect(resolveClusters(inv)).toEqual([
        {
          name: 'a',
          namespace: 'monitoring',
          prometheus: {
            retention: '3d',
            scrapeInterval: '30s',
            resources: { requests: { cpu: '100m', memory: '1Gi' } },
          },
          serviceMonitors: { nginx: { selector: { app: 'nginx' }, port: 'metrics', namespaces: ['shop'] } },
        },
      ]);
      expect(inv.defaults).toEqual(defaultsBefore);
    });
  });
});

describe('reachability', () => {
  test('fails if Grafana would have no datasource', () => {
    let problems: readonly string[] = [];
    try {
      parseInventory('central:\n  cluster: hub\nclusters:\n  - name: a\n', 'inv.yaml');
    } catch (e) {
      problems = (e as ValidationError).problems;
    }
    expect(problems).toEqual([
      'inv.yaml:2:12: central.cluster: "hub" is not in clusters[] and no cluster sets prometheus.exposure; expected the central cluster to be monitored too, or a cluster exposed with prometheus.exposure.type: ingress, so Grafana has a datasource',
    ]);
  });

  test('an exposure from defaults makes clusters reachable', () => {
    expect(() =>
      parseInventory(
        'central: { cluster: hub }\ndefaults:\n  prometheus:\n    exposure: { type: ingress, host: p.example.com, tlsSecretName: t, basicAuthSecretName: b }\nclusters: [{ name: a }]\n',
      ),
    ).not.toThrow();
  });
});

test('fails on a value that fits no alternative, naming each', () => {
  let problems: readonly string[] = [];
  try {
    parseInventory('central:\n  cluster: a\n  persistence: true\nclusters: [{ name: a }]\n', 'inv.yaml');
  } catch (e) {
    problems = (e as ValidationError).problems;
  }
  expect(problems).toEqual([
    'inv.yaml:3:16: central.persistence: true is not allowed; expected false, or a mapping (key: value)',
  ]);
});
