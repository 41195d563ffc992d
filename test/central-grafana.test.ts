import { Testing } from 'cdk8s';
import { CENTRAL_RELEASE_NAME, CentralGrafana, Dashboard, ValidationError } from '../lib';
import { byKindName, helmValues } from './support/example';

function central(
  props: Partial<ConstructorParameters<typeof CentralGrafana>[2]> = {},
  setup?: (g: CentralGrafana) => void,
) {
  const chart = Testing.chart();
  const grafana = new CentralGrafana(chart, 'Central', {
    clusterName: 'central',
    datasources: [{ clusterName: 'central', url: 'http://cmm-agent-prometheus.monitoring.svc:9090' }],
    ...props,
  });
  setup?.(grafana);
  const objects = byKindName(chart);
  const values = helmValues(objects.get(`HelmChart/${CENTRAL_RELEASE_NAME}`)!);
  return { grafana, objects, values, g: values.grafana };
}

describe('CentralGrafana', () => {
  test('defaults', () => {
    const { objects, values, g } = central();
    expect([...objects.keys()]).toEqual(['Namespace/monitoring', 'HelmChart/cmm-central']);
    // Grafana only, through kube-prometheus-stack; nothing that needs the operator's CRDs.
    expect(values).toMatchObject({
      crds: { enabled: false },
      defaultRules: { create: false },
      alertmanager: { enabled: false },
      prometheus: { enabled: false },
      prometheusOperator: { enabled: false },
      kubeStateMetrics: { enabled: false },
      nodeExporter: { enabled: false, forceDeployDashboards: true },
      kubernetesServiceMonitors: { enabled: false },
    });
    expect(g.enabled).toBe(true);
    expect(g.serviceMonitor).toEqual({ enabled: false });
    expect(g.admin).toEqual({ existingSecret: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' });
    expect(g.persistence).toEqual({ enabled: true, type: 'pvc', size: '10Gi' });
    expect(g.ingress).toBeUndefined();
    expect(g.dashboards).toBeUndefined();
    // The standard Kubernetes dashboards with their cluster selector shown.
    expect(g.defaultDashboardsEnabled).toBe(true);
    expect(g.sidecar.dashboards.multicluster).toEqual({ global: { enabled: true }, etcd: { enabled: true } });
    expect(g.sidecar.datasources).toEqual({
      enabled: true,
      defaultDatasourceEnabled: false,
      alertmanager: { enabled: false },
    });
  });

  test('runs as Pod Security restricted, with requests and memory limits', () => {
    const { g } = central();
    // The chart's init container chowns the volume as root with CHOWN; its test Pod runs as root: both off.
    expect(g.initChownData).toEqual({ enabled: false });
    expect(g.testFramework).toEqual({ enabled: false });
    expect(g.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    expect(g.sidecar.resources).toEqual({ requests: { cpu: '50m', memory: '50Mi' }, limits: { memory: '100Mi' } });
    expect(g.downloadDashboards).toEqual({
      resources: { requests: { cpu: '50m', memory: '50Mi' }, limits: { memory: '100Mi' } },
    });
  });

  test("with selfMonitoring, the central cluster's Prometheus scrapes Grafana (a ServiceMonitor of its own)", () => {
    expect(central().objects.has('ServiceMonitor/cmm-central-grafana')).toBe(false);
    const monitor = central({ selfMonitoring: true }).objects.get('ServiceMonitor/cmm-central-grafana')!;
    expect(monitor.metadata.namespace).toBe('monitoring');
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'cmm-central' } },
      namespaceSelector: { matchNames: ['monitoring'] },
      endpoints: [{ port: 'http-web', path: '/metrics', scheme: 'http' }],
    });
    // Applied with the custom resources, once the operator's CRDs exist.
    expect(monitor.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('1');
  });

  test('can place the Grafana pod on a node pool', () => {
    const { g } = central({
      scheduling: { nodePool: 'infra', affinity: { nodeAffinity: {} } },
      nodePools: { infra: { labels: { role: 'infra' }, taints: [{ key: 'role', effect: 'NoSchedule' }] } },
    });
    expect(g.nodeSelector).toEqual({ role: 'infra' });
    expect(g.tolerations).toEqual([{ key: 'role', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(g.affinity).toEqual({ nodeAffinity: {} });
  });

  test('never writes a password', () => {
    const { g } = central({
      datasources: [{ clusterName: 'edge-1', url: 'https://p.example.com', basicAuth: { secretName: 's' } }],
    });
    expect(JSON.stringify(g)).not.toMatch(/adminPassword|"password":/i);
    expect(g.adminPassword).toBeUndefined();
  });

  test('one datasource per cluster, stable uid and name, credentials from a Secret', () => {
    const { g } = central({
      datasources: [
        {
          clusterName: 'kafka-prod',
          url: 'https://prometheus.kafka-prod.example.com',
          basicAuth: { secretName: 'kp', usernameKey: 'u', passwordKey: 'p' },
          scrapeInterval: '15s',
        },
        { clusterName: 'central', url: 'http://cmm-agent-prometheus.monitoring.svc:9090' },
      ],
    });
    expect(g.additionalDataSources).toEqual([
      {
        name: 'Prometheus central',
        uid: 'cmm-prom-central',
        type: 'prometheus',
        access: 'proxy',
        url: 'http://cmm-agent-prometheus.monitoring.svc:9090',
        isDefault: true,
        editable: false,
        jsonData: { timeInterval: '30s', httpMethod: 'POST', prometheusType: 'Prometheus' },
      },
      {
        name: 'Prometheus kafka-prod',
        uid: 'cmm-prom-kafka-prod',
        type: 'prometheus',
        access: 'proxy',
        url: 'https://prometheus.kafka-prod.example.com',
        isDefault: false,
        editable: false,
        jsonData: { timeInterval: '15s', httpMethod: 'POST', prometheusType: 'Prometheus' },
        basicAuth: true,
        basicAuthUser: '$CMM_DS_KAFKA_PROD_USERNAME',
        secureJsonData: { basicAuthPassword: '$CMM_DS_KAFKA_PROD_PASSWORD' },
      },
    ]);
    expect(g.envValueFrom).toEqual({
      CMM_DS_KAFKA_PROD_USERNAME: { secretKeyRef: { name: 'kp', key: 'u' } },
      CMM_DS_KAFKA_PROD_PASSWORD: { secretKeyRef: { name: 'kp', key: 'p' } },
    });
  });

  test("datasource uids fit Grafana's 40 characters", () => {
    expect(CentralGrafana.datasourceUid('edge-1')).toBe('cmm-prom-edge-1');
    const long = 'a'.repeat(63);
    const uid = CentralGrafana.datasourceUid(long);
    expect(uid).toHaveLength(40);
    expect(uid).not.toBe(CentralGrafana.datasourceUid(`${'a'.repeat(62)}b`));
    expect(CentralGrafana.datasourceUid(long)).toBe(uid);
  });

  test('can configure admin Secret, persistence and ingress', () => {
    const { g } = central({
      adminSecret: { name: 'admins' },
      persistence: { size: '20Gi', storageClass: 'local-path' },
      ingress: { host: 'grafana.example.com', ingressClassName: 'traefik', tlsSecretName: 'grafana-tls' },
    });
    expect(g.admin.existingSecret).toBe('admins');
    expect(g.persistence).toEqual({ enabled: true, type: 'pvc', size: '20Gi', storageClassName: 'local-path' });
    expect(g.ingress).toEqual({
      enabled: true,
      ingressClassName: 'traefik',
      hosts: ['grafana.example.com'],
      tls: [{ secretName: 'grafana-tls', hosts: ['grafana.example.com'] }],
    });
    expect(g['grafana.ini']).toEqual({ server: { root_url: 'https://grafana.example.com/' } });
  });

  test('can switch persistence off', () => {
    expect(central({ persistence: false }).g.persistence).toEqual({ enabled: false });
  });

  test('does not create the namespace when told another construct does', () => {
    expect(central({ createNamespace: false }).objects.has('Namespace/monitoring')).toBe(false);
  });

  test('provisions grafana.com dashboards by id and revision', () => {
    const { g } = central({ grafanaComDashboards: [{ name: 'node-exporter-full', id: 1860, revision: 37 }] });
    expect(g.dashboards).toEqual({
      'grafana-com': {
        'node-exporter-full': {
          gnetId: 1860,
          revision: 37,
          datasource: [{ name: 'DS_PROMETHEUS', value: 'cmm-prom-central' }],
        },
      },
    });
    expect(g.dashboardProviders['dashboardproviders.yaml'].providers).toEqual([
      {
        name: 'grafana-com',
        orgId: 1,
        folder: 'grafana.com',
        type: 'file',
        disableDeletion: true,
        editable: false,
        options: { path: '/var/lib/grafana/dashboards/grafana-com' },
      },
    ]);
  });

  test('provisions JSON and TypeScript dashboards as sidecar ConfigMaps in the CMM folder', () => {
    const { objects } = central({}, (grafana) => {
      grafana.addDashboard('from-file', { uid: 'f', title: 'From a file', panels: [] });
      grafana.addDashboard(
        'typed',
        new Dashboard({ uid: 'typed', title: 'Typed' }).addPanel({ title: 'Up', queries: [{ expr: 'up' }] }),
      );
    });
    const file = objects.get('ConfigMap/cmm-dashboard-from-file')!;
    expect(file.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(file.metadata.annotations).toMatchObject({ grafana_folder: 'CMM' });
    expect(JSON.parse(file.data!['from-file.json'])).toEqual({ uid: 'f', title: 'From a file', panels: [] });
    const typed = JSON.parse(objects.get('ConfigMap/cmm-dashboard-typed')!.data!['typed.json']);
    expect(typed.uid).toBe('typed');
    expect(typed.panels[0].targets[0].expr).toBe('up');
  });

  test('the fleet overview is provisioned as a dashboard ConfigMap', () => {
    const { objects } = central({}, (grafana) => grafana.addFleetOverview());
    const json = JSON.parse(objects.get('ConfigMap/cmm-dashboard-fleet-overview')!.data!['fleet-overview.json']);
    expect(json.uid).toBe('cmm-fleet-overview');
  });

  test('fails on duplicates', () => {
    expect(() => central({}, (g) => g.addClusterDatasource({ clusterName: 'central', url: 'http://x' }))).toThrow(
      'CentralGrafana "central" is invalid:\n  addClusterDatasource(options).clusterName: "central" is not valid; expected a cluster without a datasource already',
    );
    expect(() => central({}, (g) => (g.addDashboard('d', {}), g.addDashboard('d', {})))).toThrow(
      'CentralGrafana "central" is invalid:\n  addDashboard(name): "d" is not valid; expected a name no other dashboard has',
    );
    expect(() =>
      central({ grafanaComDashboards: [{ name: 'n', id: 1, revision: 1 }] }, (g) =>
        g.addGrafanaComDashboard({ name: 'n', id: 2, revision: 1 }),
      ),
    ).toThrow(
      'CentralGrafana "central" is invalid:\n  addGrafanaComDashboard(options).name: "n" is not valid; expected a name no other grafana.com dashboard has',
    );
  });

  test('fails on a bad datasource URL', () => {
    expect(() => central({}, (g) => g.addClusterDatasource({ clusterName: 'x', url: 'prometheus:9090' }))).toThrow(
      'CentralGrafana "central" is invalid:\n  addClusterDatasource(options).url: "prometheus:9090" is not valid; expected an absolute http:// or https:// URL',
    );
    // The props' datasource checks, every field at once: a space in the URL, a Secret key, the scrape interval.
    expect(() =>
      central({}, (g) =>
        g.addClusterDatasource({
          clusterName: 'x',
          url: 'https://prom.example.com/{x}',
          basicAuth: { secretName: 's', usernameKey: 'user name' },
          scrapeInterval: '30 s',
        }),
      ),
    ).toThrow(
      'CentralGrafana "central" is invalid:\n' +
        '  addClusterDatasource(options).url: "https://prom.example.com/{x}" is not valid; expected a URL of letters, digits and -._~:/?#[]@!&()*+,;=% only (no spaces, quotes, $, { or }; percent-encode them)\n' +
        '  addClusterDatasource(options).basicAuth.usernameKey: "user name" is not valid; expected a Secret key\n' +
        '  addClusterDatasource(options).scrapeInterval: "30 s" is not valid; expected a Prometheus duration such as "30s", "5m", "1h30m" or "15d"',
    );
  });

  test('fails on invalid props', () => {
    expect(() => central({ persistence: { size: 'lots' } })).toThrow(ValidationError);
    expect(() => central({ persistence: { size: 'lots' } })).toThrow(
      'props.persistence.size: "lots" is not valid; expected a Kubernetes quantity',
    );
    expect(() => central({ ingress: { host: 'Grafana!', tlsSecretName: 't' } })).toThrow(
      'props.ingress.host: "Grafana!" is not valid',
    );
  });

  test('fails at synth without any datasource', () => {
    expect(() => central({ datasources: [] })).toThrow(
      'CentralGrafana "central" is invalid: props.datasources: has no cluster datasource; expected at least one (in props.datasources or added with addClusterDatasource()), or props.globalView',
    );
  });
});
