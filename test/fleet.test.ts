import { Testing } from 'cdk8s';
import { Fleet, parseInventory } from '../lib';
import { helmValues, manifestsOf } from './support/example';

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
});
