import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { Fleet, parseInventory, renderApp } from '../lib';
import { exampleInventories, helmValues, manifestsOf, readDashboardFiles } from './support/example';

function fleet(yaml: string) {
  const app = Testing.app();
  const f = new Fleet(app, 'Fleet', { inventory: parseInventory(yaml) });
  const manifests = manifestsOf(app);
  const central = manifests.find((m) => m.kind === 'HelmChart' && m.metadata.name === 'cmm-central')!;
  return { app, fleet: f, manifests, grafana: helmValues(central).grafana };
}

const EXPOSED = `
    prometheus:
      exposure: { type: ingress, host: p.a.example.com, tlsSecretName: t, basicAuthSecretName: b }`;

describe('Fleet', () => {
  test('a central that is not monitored gets its own folder and namespace', () => {
    const {
      fleet: f,
      manifests,
      grafana,
    } = fleet(`
central: { cluster: hub }
clusters:
  - name: a${EXPOSED}
`);
    expect(f.clusterCharts.map((c) => c.node.id)).toEqual(['a', 'hub']);
    const hub = manifests.filter((m) => m.metadata.name === 'cmm-central' || m.kind === 'Namespace');
    // a's monitoring namespace and its namespace for host access, then the hub's (restricted, the defaults').
    expect(hub.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'Namespace/monitoring',
      'Namespace/monitoring-host',
      'Namespace/monitoring',
      'HelmChart/cmm-central',
    ]);
    expect(hub[2].metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expect(grafana.additionalDataSources.map((d: { uid: string }) => d.uid)).toEqual(['cmm-prom-a']);
  });

  test("the central's own Prometheus is reached in-cluster, others through their Ingress with their Secret", () => {
    const { grafana } = fleet(`
central: { cluster: hub }
clusters:
  - name: hub
  - name: a
    prometheus:
      exposure: { type: ingress, host: p.a.example.com, tlsSecretName: t, basicAuthSecretName: b, grafanaCredentialsSecret: creds-a }
  - name: b${EXPOSED.replace('p.a', 'p.b')}
`);
    expect(grafana.additionalDataSources.map((d: { url: string }) => d.url)).toEqual([
      'https://p.a.example.com',
      'https://p.b.example.com',
      'http://cmm-agent-prometheus.monitoring.svc:9090',
    ]);
    expect(grafana.envValueFrom.CMM_DS_A_PASSWORD).toEqual({ secretKeyRef: { name: 'creds-a', key: 'password' } });
    expect(grafana.envValueFrom.CMM_DS_B_PASSWORD).toEqual({
      secretKeyRef: { name: 'prometheus-b-basic-auth', key: 'password' },
    });
  });

  test('a cluster that is not exposed gets no datasource', () => {
    const { grafana } = fleet(`
central: { cluster: hub }
clusters:
  - name: hub
  - name: private
`);
    expect(grafana.additionalDataSources.map((d: { uid: string }) => d.uid)).toEqual(['cmm-prom-hub']);
  });

  test('the central and its agent share one namespace object', () => {
    const { manifests } = fleet(`
central: { cluster: hub }
clusters: [{ name: hub }]
`);
    expect(manifests.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name)).toEqual([
      'monitoring',
      'monitoring-host',
    ]);
  });

  test('fails when a listed dashboard file was not loaded', () => {
    expect(
      () =>
        new Fleet(Testing.app(), 'Fleet', {
          inventory: parseInventory(`
central: { cluster: hub, dashboards: { files: [x.json] } }
clusters: [{ name: hub }]
`),
        }),
    ).toThrow('central.dashboards.files: "x.json" was not loaded as a JSON object');
  });

  test('owns its cluster charts: its children are one chart per cluster, the id its name', () => {
    const app = Testing.app();
    const f = new Fleet(app, 'Fleet', {
      inventory: parseInventory(`
central: { cluster: hub }
clusters:
  - name: a${EXPOSED}
  - name: b
argocd: { repoURL: 'https://git.example.com/cmm.git' }
`),
    });
    expect(f.node.children.map((c) => [c.node.id, c instanceof Chart])).toEqual([
      ['a', true],
      ['b', true],
      ['hub', true],
      ['argocd', true],
    ]);
    // The App holds the Fleet alone; every object is inside a cluster chart of the Fleet.
    expect(app.node.children).toEqual([f]);
    expect(f.clusterCharts.map((c) => c.node.id)).toEqual(['a', 'b', 'hub']);
    const objects = app.node.findAll().filter((c) => c instanceof ApiObject);
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.filter((o) => Chart.of(o).node.scope !== f)).toEqual([]);
  });

  test.each(exampleInventories().map((file) => path.relative(path.join(__dirname, '..'), file)))(
    '%s: the same files from a Fleet under any construct as from one under the App',
    (file) => {
      const full = path.join(__dirname, '..', file);
      const inventory = parseInventory(fs.readFileSync(full, 'utf8'), path.basename(full));
      const dashboardFiles = readDashboardFiles(inventory, path.dirname(full));
      const direct = Testing.app();
      const fleet = new Fleet(direct, 'Fleet', { inventory, dashboardFiles });
      const nested = Testing.app();
      new Fleet(new Construct(new Construct(nested, 'Platform'), 'Monitoring'), 'Cmm', { inventory, dashboardFiles });
      const expected = renderApp(direct);
      const got = renderApp(nested);
      // A folder per chart of the Fleet (its clusters, and argocd when the inventory has it).
      expect(new Set([...got.keys()].map((f) => f.split('/')[0]))).toEqual(
        new Set(fleet.node.children.map((c) => c.node.id)),
      );
      expect([...got.keys()]).toEqual([...expected.keys()]);
      for (const [name, content] of expected) expect({ name, content: got.get(name) }).toEqual({ name, content });
    },
  );

  test('fails if two charts would share a folder', () => {
    const app = Testing.app();
    new Fleet(app, 'Fleet', { inventory: parseInventory('central: { cluster: hub }\nclusters: [{ name: hub }]\n') });
    new Chart(new Construct(app, 'Other'), 'hub');
    expect(() => renderApp(app)).toThrow(
      'two charts would be written to the folder hub/ (Fleet/hub and Other/hub); expected one chart per folder name',
    );
  });
});
