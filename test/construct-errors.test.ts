import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import {
  CentralGrafana,
  CentralLoki,
  CentralThanos,
  ClusterAgent,
  Dashboard,
  Karma,
  LogAgent,
  ValidationError,
} from '../lib';
import { ClusterRules } from '../lib/rules/cluster-rules';
import { NetworkPolicies } from '../lib/security/network-policies';
import { ROOT } from './support/example';

/**
 * Every construct reports bad props and bad arguments of its addXxx() methods one way, the inventory's:
 * `<Construct> "<cluster>" is invalid:` (the construct alone when it has no cluster), then one line per problem:
 * where the value was given (`props.<path>`, `addXxx(...)<path>`), the value, and what was expected.
 */
const FORM =
  /^(?<construct>[A-Z][A-Za-z]+)(?: "(?<cluster>[^"]+)")? is invalid:\n {2}(?<at>(?:props\.|options\.|[a-z][A-Za-z]*\()[^:\n]*): (?:.+ is not valid|is required); expected .+$/;

const grafana = () =>
  new CentralGrafana(Testing.chart(), 'G', {
    clusterName: 'hub',
    datasources: [{ clusterName: 'hub', url: 'http://p:9090' }],
  });
const agent = () => new ClusterAgent(Testing.chart(), 'A', { clusterName: 'edge-1' });
const rules = () =>
  new ClusterRules(Testing.chart(), 'R', {
    clusterName: 'edge-1',
    namespace: 'monitoring',
    kubeStateMetrics: true,
    nodeExporter: true,
  });

/** [construct, what fails, the whole message expected] */
const CASES: [string, () => unknown, string][] = [
  [
    'ClusterAgent',
    () => new ClusterAgent(Testing.chart(), 'A', { clusterName: 'edge-1', prometheus: { retention: '10 days' } }),
    'ClusterAgent "edge-1" is invalid:\n  props.prometheus.retention: "10 days" is not valid; expected a Prometheus duration such as "30s", "5m", "1h30m" or "15d"',
  ],
  [
    'ClusterAgent',
    () => agent().addServiceMonitor('Bad_Name', { selector: { app: 'x' }, port: 'metrics' }),
    'ClusterAgent "edge-1" is invalid:\n  addServiceMonitor(name): "Bad_Name" is not valid; expected a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", at most 253 characters',
  ],
  [
    'ClusterAgent',
    () => agent().addPodMonitor('web', { selector: { app: 'x' }, port: 0 }),
    'ClusterAgent "edge-1" is invalid:\n  addPodMonitor("web", options).port: 0 is not valid; expected a port number from 1 to 65535',
  ],
  [
    'LogAgent',
    () =>
      new LogAgent(Testing.chart(), 'L', {
        clusterName: 'edge-1',
        namespace: 'monitoring',
        endpoint: { pushUrl: 'ftp://loki.example.com/push' },
      }),
    'LogAgent "edge-1" is invalid:\n  props.endpoint.pushUrl: "ftp://loki.example.com/push" is not valid; expected an absolute http:// or https:// URL',
  ],
  [
    'CentralLoki',
    () => new CentralLoki(Testing.chart(), 'L', { namespace: 'monitoring', cluster: 'hub', retention: 'forever' }),
    'CentralLoki "hub" is invalid:\n  props.retention: "forever" is not valid; expected a Prometheus duration such as "30s", "5m", "1h30m" or "15d"',
  ],
  [
    'CentralGrafana',
    () => new CentralGrafana(Testing.chart(), 'G', { clusterName: 'hub', persistence: { size: 'lots' } }),
    'CentralGrafana "hub" is invalid:\n  props.persistence.size: "lots" is not valid; expected a Kubernetes quantity such as "20Gi", "512Mi" or "1G"',
  ],
  [
    'CentralGrafana',
    () =>
      new CentralGrafana(Testing.chart(), 'G', {
        clusterName: 'hub',
        globalView: { url: 'http://q:9090', clusters: [{ clusterName: 'Edge 1', forwardAlerts: false }] },
      }),
    'CentralGrafana "hub" is invalid:\n  props.globalView.clusters[0].clusterName: "Edge 1" is not valid; expected a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", at most 253 characters',
  ],
  [
    'CentralGrafana',
    () => grafana().addClusterDatasource({ clusterName: 'edge-1', url: 'prometheus:9090' }),
    'CentralGrafana "hub" is invalid:\n  addClusterDatasource(options).url: "prometheus:9090" is not valid; expected an absolute http:// or https:// URL',
  ],
  [
    'CentralGrafana',
    () => grafana().addDashboard('Not A Name', {}),
    'CentralGrafana "hub" is invalid:\n  addDashboard(name): "Not A Name" is not valid; expected a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", at most 253 characters',
  ],
  [
    'CentralGrafana',
    () => grafana().addLogsDashboard('edge-1'),
    'CentralGrafana "hub" is invalid:\n  props.loki: is required; expected the Loki settings to add the logs dashboard of "edge-1" (addLogsDashboard)',
  ],
  [
    'CentralGrafana',
    () =>
      new CentralGrafana(Testing.chart(), 'G', {
        clusterName: 'hub',
        datasources: [{ clusterName: 'hub', url: 'http://p:9090' }],
        scheduling: { nodePool: 'infar' },
        nodePools: { infra: { labels: { role: 'infra' } } },
      }),
    'CentralGrafana "hub" is invalid:\n  props.scheduling.nodePool: "infar" is not valid; expected a node pool of the cluster (infra)',
  ],
  [
    'ClusterRules',
    () => rules().addGroup('app', { rules: [{ alert: 'A', expr: 'up', labels: { severity: '{{ .Labels' } }] }),
    'ClusterRules "edge-1" is invalid:\n  addGroup("app", options).rules[0].labels.severity: "{{ .Labels" is not valid; expected a Go template Prometheus can expand; the parser says 1:1: unclosed action',
  ],
  [
    'Karma',
    () =>
      new Karma(Testing.chart(), 'K', {
        namespace: 'm',
        alertmanagers: [{ name: 'a', uri: 'http://a' }],
        ingress: { host: 'k.example.com', controller: 'nginx', tlsSecretName: 't', basicAuthSecretName: 'b' },
        nodePool: 'infra',
      }),
    'Karma is invalid:\n  props.nodePool: "infra" is not valid; expected a node pool of the cluster (nodePools is empty)',
  ],
  [
    'CentralThanos',
    () =>
      new CentralThanos(Testing.chart(), 'T', {
        namespace: 'monitoring',
        objectStorageSecret: { name: 'thanos-objstore' },
        sidecars: [],
        withReceive: false,
        ingressController: 'traefik',
        selfMonitoring: false,
        nodePool: 'infra',
      }),
    'CentralThanos is invalid:\n  props.nodePool: "infra" is not valid; expected a node pool of the cluster (nodePools is empty)',
  ],
  [
    'NetworkPolicies',
    () => new NetworkPolicies(Testing.chart(), 'N').allow('cmm-x', 'monitoring', { from: 'anywhere', ports: [] }),
    'NetworkPolicies is invalid:\n  allow(name, namespace): "monitoring/cmm-x" is not valid; expected a policy added with addPolicy()',
  ],
  [
    'Dashboard',
    () => new Dashboard({ uid: 'a uid', title: 't' } as never),
    'Dashboard is invalid:\n  options.uid: "a uid" is not valid; expected 1 to 40 letters, digits, "-" or "_"',
  ],
];

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

describe('every construct reports bad props and arguments in one form', () => {
  test.each(CASES)('%s (case %#)', (construct, f, expected) => {
    const error = thrown(f);
    expect(error.message).toBe(expected);
    expect(error).toBeInstanceOf(ValidationError);
    const m = FORM.exec(error.message);
    expect(m?.groups?.construct).toBe(construct);
  });

  test('each construct that has a cluster names it', () => {
    const withCluster = CASES.filter(([c]) => !['Karma', 'CentralThanos', 'NetworkPolicies', 'Dashboard'].includes(c));
    for (const [, f] of withCluster) expect(FORM.exec(thrown(f).message)?.groups?.cluster).toMatch(/^(hub|edge-1)$/);
  });
});

test("the README's examples of construct errors are what the constructs throw", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const edge = new ClusterAgent(Testing.chart(), 'A', { clusterName: 'edge-1' });
  const central = new CentralGrafana(Testing.chart(), 'G', { clusterName: 'central' });
  const shown = [
    thrown(() => edge.addServiceMonitor('Bad_Name', { selector: { app: 'nginx' }, port: 9113 })).message,
    thrown(() => central.addClusterDatasource({ clusterName: 'edge-1', url: 'prometheus:9090' })).message,
  ].join('\n');
  expect(readme).toContain(`\n\`\`\`\n${shown}\n\`\`\`\n`);
});
