/** The summary of a synth (the terminal table) and the output folder's README.md with its Mermaid diagram. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fleetSummary, outputReadme, renderApp, summaryTable } from '../lib';
import { buildFleet, ROOT } from './support/example';

function summaryOf(file: string) {
  const { app, fleet } = buildFleet(fs.readFileSync(file, 'utf8'), path.dirname(file));
  const files = renderApp(app);
  const rows = fleetSummary(fleet, files);
  return { fleet, rows, readme: outputReadme(rows, fleet) };
}

const example = summaryOf(path.join(ROOT, 'cmm.yaml'));

describe('the summary of the bundled example', () => {
  test('one row per folder: role, platform, charts, how the centre gets its metrics, where alerts go', () => {
    expect(example.rows.map(({ objects: _o, files: _f, ...r }) => r)).toEqual([
      {
        name: 'central',
        role: 'central, monitored',
        platform: 'k3s',
        charts: ['kube-prometheus-stack 88.5.3 ×2', 'alloy 1.11.1', 'loki 18.11.0'],
        alerts: 13,
        metrics: 'Prometheus, in the cluster',
        alerting: 'central Grafana',
        logs: true,
      },
      {
        name: 'edge-1',
        role: 'monitored',
        platform: 'k3s',
        charts: ['kube-prometheus-stack 88.5.3', 'alloy 1.11.1'],
        alerts: 10,
        metrics: 'Prometheus at prometheus.edge-1.example.com',
        alerting: 'central Grafana',
        logs: true,
      },
      {
        name: 'kafka-prod',
        role: 'monitored',
        platform: 'k3s',
        charts: ['kube-prometheus-stack 88.5.3', 'alloy 1.11.1 ×2'],
        alerts: 14,
        metrics: 'Prometheus at prometheus.kafka-prod.example.com',
        alerting: 'its Alertmanager',
        logs: true,
      },
    ]);
    // Files per folder, as written (a Kustomization beside the manifests).
    const files = renderApp(buildFleet().app);
    for (const r of example.rows) {
      expect(r.files).toBe([...files.keys()].filter((f) => f.startsWith(`${r.name}/`)).length);
      expect(r.objects).toBe(r.files - 1);
    }
  });

  test('the terminal table shows the first folders and counts the rest', () => {
    const table = summaryTable(example.rows, 2).split('\n');
    expect(table).toHaveLength(5);
    expect(table[1]).toMatch(/^central {2,}central, monitored/);
    expect(table[3]).toBe('... and 1 more (all in README.md of the output folder)');
  });

  test('README.md: the fleet table and the flows, the same at every synth', () => {
    expect(example.readme).toContain(
      '| kafka-prod | monitored | k3s | 13 | 14 | 14 | Prometheus at prometheus.kafka-prod.example.com | its Alertmanager | yes | kube-prometheus-stack 88.5.3, alloy 1.11.1 ×2 |',
    );
    const mermaid = example.readme.slice(example.readme.indexOf('```mermaid'));
    expect(mermaid).toContain('  grafana -->|"metrics: PromQL"| clusters_1\n');
    expect(mermaid).toContain('  clusters_2 -->|alerts| am_2\n  karma -->|reads, silences| am_2\n');
    expect(mermaid).toContain('  clusters_1 -.->|"alerts, through Grafana"| grafana\n');
    expect(mermaid).toContain('  clusters_0 -->|logs| loki\n');
    expect(summaryOf(path.join(ROOT, 'cmm.yaml')).readme).toBe(example.readme);
  });
});

test('the Thanos example: sidecars, remote write, an agent covered by the fleet rules', () => {
  const { rows, readme } = summaryOf(path.join(ROOT, 'examples', 'thanos.yaml'));
  expect(rows.map((r) => [r.name, r.metrics, r.alerting])).toEqual([
    ['rke2-central', 'Thanos sidecar, in the cluster', 'central Grafana'],
    ['eks-prod', 'Thanos sidecar (gRPC, mTLS)', 'central Grafana'],
    ['gke-data', 'Thanos sidecar (gRPC, mTLS)', 'central Grafana'],
    ['k3s-edge', 'remote write to Thanos Receive (agent)', 'central Grafana (fleet rules)'],
  ]);
  expect(readme).toContain('  grafana -->|PromQL| thanos\n');
  expect(readme).toMatch(/ {2}thanos -->\|"metrics: StoreAPI"\| clusters_1\n/);
  expect(readme).toMatch(/clusters_\d+\["2 clusters: eks-prod, gke-data"\]/);
  expect(readme).toMatch(/ {2}clusters_\d+ -->\|"metrics: remote write"\| receive\n/);
});

test('a large fleet is drawn as a few groups, not a node per cluster', () => {
  const clusters = Array.from(
    { length: 60 },
    (_, i) =>
      `  - name: c${i}\n${i % 2 === 0 ? '    prometheus: { exposure: { type: ingress, host: p.c' + i + '.example.com, tlsSecretName: t, basicAuthSecretName: b } }\n' : '    alertmanager: { enabled: true, slack: { secretName: s } }\n'}`,
  ).join('');
  const { app, fleet } = buildFleet(
    `central: { cluster: c0, alerting: { slack: { secretName: a } } }\nclusters:\n${clusters}`,
  );
  const rows = fleetSummary(fleet, renderApp(app));
  const readme = outputReadme(rows, fleet);
  const nodes = readme.match(/^ {2}clusters_\d+\[/gm) ?? [];
  expect(nodes).toHaveLength(3);
  expect(readme).toContain('["29 clusters: c2, c4, c6, c8 and 25 more"]');
  expect(readme).toContain('["30 clusters: c1, c3, c5, c7 and 26 more"]');
});
