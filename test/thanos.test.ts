/**
 * The thanos mode (`central.metrics: thanos`): what each cluster's kube-prometheus-stack gets per mode (sidecar
 * behind a LoadBalancer or an Ingress, remote write, agent mode), the central Thanos components, the central
 * Grafana's one datasource, dashboard and fleet-wide rules, and the errors for a mode with a missing setting. The
 * fleet-wide rules' PromQL runs in promtool on series of three clusters.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ClusterAgent, Fleet, parseInventory } from '../lib';
import { checkPromQL } from '../lib/promql/check';
import { toYaml } from '../lib/output/yaml';
import { loadCrdValidators } from './support/crd-schema';
import { byKindName, helmValues, inventoryProblems, ROOT, type Manifest } from './support/example';
import { describeWithTool } from './support/tools';

const crds = loadCrdValidators(path.join(ROOT, 'upstream', 'crds'));

/** A Thanos fleet: hub (central, own sidecar), lb (LoadBalancer), ing (ingress-nginx), edge (remote write, agent). */
const FLEET = `
central:
  cluster: hub
  metrics: thanos
  alerting: { slack: { secretName: grafana-alerting } }
  thanos:
    objectStorageSecret: { name: bucket }
    compactor: { retention: { raw: 15d, fiveMinutes: 60d, oneHour: 1y } }
    receive:
      replicas: 3
      replicationFactor: 3
      ingress: { host: receive.example.com, tlsSecretName: receive-tls, basicAuthSecretName: receive-auth }
clusters:
  - name: hub
  - name: lb
    thanos:
      exposure: { type: loadBalancer, address: sidecar.lb.example.com, loadBalancerSourceRanges: [203.0.113.0/24] }
  - name: ing
    thanos:
      exposure: { type: ingress, controller: nginx, host: sidecar.ing.example.com, tlsSecretName: ing-tls }
  - name: edge
    thanos: { mode: remote-write, agent: true, credentialsSecret: push-creds }
`;

interface Built {
  fleet: Fleet;
  /** A cluster folder's manifests by `<kind>/<name>`. */
  folder(cluster: string): Map<string, Manifest>;
  /** The kube-prometheus-stack values of a cluster's agent. */
  agent(cluster: string): Record<string, any>;
  /** The central Grafana's values. */
  grafana(): Record<string, any>;
}

function build(yaml: string): Built {
  const app = Testing.app();
  const fleet = new Fleet(app, 'Fleet', { inventory: parseInventory(yaml) });
  const chart = (cluster: string) => fleet.clusterCharts.find((c) => c.node.id === cluster)!;
  const folder = (cluster: string) => byKindName(chart(cluster));
  return {
    fleet,
    folder,
    agent: (cluster) => helmValues(folder(cluster).get('HelmChart/cmm-agent')!),
    grafana: () => helmValues(folder('hub').get('HelmChart/cmm-central')!).grafana,
  };
}

const fleet = build(FLEET);

/** The container args of a central Thanos workload. */
function args(kind: 'Deployment' | 'StatefulSet', name: string, b: Built = fleet): string[] {
  const m = b.folder('hub').get(`${kind}/${name}`);
  if (!m) throw new Error(`no ${kind}/${name}`);
  return (m.spec as any).template.spec.containers[0].args;
}

describe('a sidecar cluster', () => {
  test('gets the Thanos sidecar of the pinned version, uploading to the bucket of the existing Secret', () => {
    for (const cluster of ['hub', 'lb', 'ing']) {
      const spec = fleet.agent(cluster).prometheus.prometheusSpec;
      expect(spec.thanos.version).toBe('v0.42.4');
      expect(spec.thanos.objectStorageConfig).toEqual({ existingSecret: { name: 'bucket', key: 'objstore.yml' } });
      // The compactor and Query tell the clusters apart by this external label.
      expect(spec.externalLabels.cluster).toBe(cluster);
      expect(spec.remoteWrite).toBeUndefined();
      expect(fleet.agent(cluster).prometheus.thanosService).toMatchObject({ enabled: true });
    }
  });

  test('behind a LoadBalancer, the sidecar serves TLS itself and requires a client certificate', () => {
    const prom = fleet.agent('lb').prometheus;
    expect(prom.prometheusSpec.thanos.grpcServerTlsConfig).toEqual({
      certFile: '/etc/thanos/grpc-tls/tls.crt',
      keyFile: '/etc/thanos/grpc-tls/tls.key',
      caFile: '/etc/thanos/grpc-tls/ca.crt',
      minVersion: 'TLS12',
    });
    expect(prom.prometheusSpec.thanos.volumeMounts).toEqual([
      { name: 'thanos-grpc-tls', mountPath: '/etc/thanos/grpc-tls', readOnly: true },
    ]);
    expect(prom.prometheusSpec.volumes).toEqual([
      { name: 'thanos-grpc-tls', secret: { secretName: 'thanos-sidecar-tls' } },
    ]);
    // CMM's own LoadBalancer Service: gRPC only (the chart's would publish the sidecar's HTTP port too).
    expect(prom.thanosServiceExternal).toBeUndefined();
    const lb = fleet.folder('lb').get('Service/cmm-thanos-sidecar')!;
    expect(lb.metadata.namespace).toBe('monitoring');
    expect(lb.spec).toEqual({
      type: 'LoadBalancer',
      loadBalancerSourceRanges: ['203.0.113.0/24'],
      ports: [{ name: 'grpc', port: 10901, targetPort: 'grpc', protocol: 'TCP' }],
      selector: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'cmm-agent-prometheus' },
    });
    expect(lb.metadata.annotations!['argocd.argoproj.io/sync-wave']).toBe('-1');
    expect(prom.thanosIngress).toBeUndefined();
    expect(fleet.folder('ing').has('Service/cmm-thanos-sidecar')).toBe(false);
  });

  test('behind ingress-nginx, the Ingress checks the client certificate and speaks gRPC to the sidecar', () => {
    const prom = fleet.agent('ing').prometheus;
    expect(prom.thanosIngress).toEqual({
      enabled: true,
      ingressClassName: undefined,
      annotations: {
        'nginx.ingress.kubernetes.io/backend-protocol': 'GRPC',
        'nginx.ingress.kubernetes.io/auth-tls-secret': 'monitoring/thanos-client-ca',
        'nginx.ingress.kubernetes.io/auth-tls-verify-client': 'on',
        'nginx.ingress.kubernetes.io/auth-tls-verify-depth': '1',
      },
      hosts: ['sidecar.ing.example.com'],
      paths: ['/'],
      pathType: 'Prefix',
      servicePort: 10901,
      tls: [{ secretName: 'ing-tls', hosts: ['sidecar.ing.example.com'] }],
    });
    expect(prom.prometheusSpec.thanos.grpcServerTlsConfig).toBeUndefined();
    expect(prom.thanosServiceExternal).toBeUndefined();
  });

  test("without a type, the sidecar is exposed by an Ingress of the platform's controller (Traefik on k3s)", () => {
    const b = build(
      FLEET.replace(
        '{ type: ingress, controller: nginx, host: sidecar.ing.example.com, tlsSecretName: ing-tls }',
        '{ host: sidecar.ing.example.com, tlsSecretName: ing-tls }',
      ),
    );
    expect(b.agent('ing').prometheus.thanosIngress.hosts).toEqual(['sidecar.ing.example.com']);
    expect(
      b.agent('ing').prometheus.thanosIngress.annotations['traefik.ingress.kubernetes.io/router.tls.options'],
    ).toBe('monitoring-cmm-thanos-client-auth@kubernetescrd');
    expect(b.folder('ing').has('TLSOption/cmm-thanos-client-auth')).toBe(true);
    expect(inventoryProblems(FLEET.replace('type: ingress, controller: nginx', 'type: ingres'))).toEqual([
      expect.stringMatching(
        /clusters\[2\]\.thanos\.exposure\.type: "ingres" is not allowed; expected one of "loadBalancer", "ingress", nothing$/,
      ),
    ]);
  });

  test("behind Traefik, a TLSOption requires the client certificate and the sidecar's Service says h2c", () => {
    const b = build(
      FLEET.replace(
        '{ type: ingress, controller: nginx, host: sidecar.ing.example.com, tlsSecretName: ing-tls }',
        '{ type: ingress, host: sidecar.ing.example.com, tlsSecretName: ing-tls, clientCaSecret: centre-ca }',
      ),
    );
    const prom = b.agent('ing').prometheus;
    expect(prom.thanosIngress.annotations).toEqual({
      'traefik.ingress.kubernetes.io/router.tls': 'true',
      'traefik.ingress.kubernetes.io/router.tls.options': 'monitoring-cmm-thanos-client-auth@kubernetescrd',
    });
    expect(prom.thanosService.annotations).toEqual({ 'traefik.ingress.kubernetes.io/service.serversscheme': 'h2c' });
    const option = b.folder('ing').get('TLSOption/cmm-thanos-client-auth')!;
    expect(option.metadata.namespace).toBe('monitoring');
    expect(option.spec).toEqual({
      minVersion: 'VersionTLS12',
      clientAuth: { secretNames: ['centre-ca'], clientAuthType: 'RequireAndVerifyClientCert' },
    });
    expect(crds.validate(option)).toEqual([]);
    // No TLSOption where nginx checks the certificate.
    expect(fleet.folder('ing').has('TLSOption/cmm-thanos-client-auth')).toBe(false);
  });
});

describe('a remote-write cluster', () => {
  test('pushes to the Receive endpoint with basic auth from its Secret', () => {
    const b = build(FLEET.replace('agent: true, ', ''));
    const spec = b.agent('edge').prometheus.prometheusSpec;
    expect(spec.remoteWrite).toEqual([
      {
        url: 'https://receive.example.com/api/v1/receive',
        name: 'cmm-thanos-receive',
        basicAuth: {
          username: { name: 'push-creds', key: 'username' },
          password: { name: 'push-creds', key: 'password' },
        },
        queueConfig: { maxSamplesPerSend: 2000, maxShards: 50, retryOnRateLimit: true },
      },
    ]);
    expect(spec.thanos).toBeUndefined();
    expect(spec.externalLabels.cluster).toBe('edge');
    // A Receive certificate from a private CA: its CA from a Secret.
    const ca = build(
      FLEET.replace('credentialsSecret: push-creds }', 'credentialsSecret: push-creds, receiveCaSecret: receive-ca }'),
    );
    expect(ca.agent('edge').prometheus.prometheusSpec.remoteWrite[0].tlsConfig).toEqual({
      ca: { secret: { name: 'receive-ca', key: 'ca.crt' } },
    });
    // Not an agent: it keeps its rules.
    expect(b.agent('edge').prometheus.agentMode).toBeUndefined();
    expect(b.folder('edge').has('PrometheusRule/cmm-builtin-rules')).toBe(true);
  });

  test('in agent mode, Prometheus evaluates no rules and runs no Alertmanager', () => {
    const values = fleet.agent('edge');
    expect(values.prometheus.agentMode).toBe(true);
    expect(values.defaultRules.create).toBe(false);
    expect(values.alertmanager).toEqual({ enabled: false });
    expect(fleet.folder('edge').has('PrometheusRule/cmm-builtin-rules')).toBe(false);
    const agent = fleet.fleet.agents.find((a) => a.clusterName === 'edge')!;
    expect(agent.agentMode).toBe(true);
    expect(agent.rules).toBeUndefined();
  });
});

describe('the central Thanos', () => {
  const hub = fleet.folder('hub');

  test('runs Query, Query Frontend, Store Gateway, Compactor and Receive on the pinned official image', () => {
    const workloads = [...hub.values()].filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet');
    expect(workloads.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'Deployment/thanos-query',
      'Deployment/thanos-query-frontend',
      'StatefulSet/thanos-compact',
      'StatefulSet/thanos-receive',
      'StatefulSet/thanos-store',
    ]);
    for (const w of workloads) {
      expect((w.spec as any).template.spec.containers[0].image).toBe('quay.io/thanos/thanos:v0.42.4');
    }
    expect((hub.get('StatefulSet/thanos-compact')!.spec as any).replicas).toBe(1);
  });

  test('no Receive when no cluster pushes', () => {
    const b = build(
      FLEET.replace(/ {2}- name: edge\n.*\n/, '').replace(/receive:\n(.*\n){3}/, 'store: { replicas: 2 }\n'),
    );
    const kinds = [...b.folder('hub').keys()].filter((k) => k.includes('thanos-receive'));
    expect(kinds).toEqual([]);
    expect(
      parse(b.folder('hub').get('ConfigMap/thanos-query-endpoints')!.data!['endpoints.yaml']).endpoints,
    ).not.toContainEqual({
      address: 'dnssrv+_grpc._tcp.thanos-receive.monitoring.svc',
    });
  });

  test('Query deduplicates replicas and reads its endpoints from a file: in-cluster by DNS SRV, remote sidecars with TLS', () => {
    expect(args('Deployment', 'thanos-query')).toEqual(
      expect.arrayContaining([
        '--query.replica-label=prometheus_replica',
        '--query.replica-label=receive_replica',
        '--endpoint.sd-config-file=/etc/thanos/endpoints/endpoints.yaml',
        '--query.partial-response',
      ]),
    );
    const file = parse(hub.get('ConfigMap/thanos-query-endpoints')!.data!['endpoints.yaml']);
    const tls = {
      cert_file: '/etc/thanos/grpc-client/tls.crt',
      key_file: '/etc/thanos/grpc-client/tls.key',
      ca_file: '/etc/thanos/grpc-client/ca.crt',
    };
    expect(file).toEqual({
      endpoints: [
        { address: 'dnssrv+_grpc._tcp.thanos-store.monitoring.svc' },
        { address: 'dnssrv+_grpc._tcp.thanos-receive.monitoring.svc' },
        { address: 'dnssrv+_grpc._tcp.cmm-agent-thanos-discovery.monitoring.svc' },
        {
          address: 'sidecar.ing.example.com:443',
          client_config: { tls_config: tls, server_name: 'sidecar.ing.example.com' },
        },
        {
          address: 'sidecar.lb.example.com:10901',
          client_config: { tls_config: tls, server_name: 'sidecar.lb.example.com' },
        },
      ],
    });
    const pod = (hub.get('Deployment/thanos-query')!.spec as any).template.spec;
    expect(pod.volumes).toEqual(
      expect.arrayContaining([expect.objectContaining({ secret: { secretName: 'thanos-grpc-client' } })]),
    );
  });

  test('Query Frontend caches results in front of Query; Grafana reads it', () => {
    expect(args('Deployment', 'thanos-query-frontend')).toEqual(
      expect.arrayContaining([
        '--query-frontend.downstream-url=http://thanos-query.monitoring.svc:9090',
        '--query-range.response-cache-config={type: IN-MEMORY, config: {max_size: 512MB}}',
      ]),
    );
    expect((hub.get('Service/thanos-query-frontend')!.spec as any).ports).toEqual([
      { name: 'http', port: 9090, targetPort: 9090 },
    ]);
  });

  test('the bucket comes only from the existing Secret', () => {
    for (const name of ['thanos-store', 'thanos-compact', 'thanos-receive']) {
      const container = (hub.get(`StatefulSet/${name}`)!.spec as any).template.spec.containers[0];
      expect(container.args).toContain('--objstore.config=$(OBJSTORE_CONFIG)');
      expect(container.env).toContainEqual({
        name: 'OBJSTORE_CONFIG',
        valueFrom: { secretKeyRef: { name: 'bucket', key: 'objstore.yml', optional: false } },
      });
    }
  });

  test('the Compactor keeps each resolution as long as the inventory says, and downsamples unless told not to', () => {
    const compact = args('StatefulSet', 'thanos-compact');
    expect(compact).toEqual(
      expect.arrayContaining([
        '--retention.resolution-raw=15d',
        '--retention.resolution-5m=60d',
        '--retention.resolution-1h=1y',
      ]),
    );
    expect(compact).not.toContain('--downsampling.disable');
    const b = build(FLEET.replace('compactor: {', 'compactor: { downsampling: false,'));
    expect(args('StatefulSet', 'thanos-compact', b)).toContain('--downsampling.disable');
    // Its block repair writes under /tmp, beside a read-only root file system.
    const pod = (hub.get('StatefulSet/thanos-compact')!.spec as any).template.spec;
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.containers[0].volumeMounts).toContainEqual({ mountPath: '/tmp', name: 'tmp', readOnly: false });
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: {} });
  });

  test('Receive: a hashring of every replica, the replication factor, a replica label, and the push path behind basic auth', () => {
    expect(JSON.parse(hub.get('ConfigMap/thanos-receive-hashrings')!.data!['hashrings.json'])).toEqual([
      {
        hashring: 'default',
        endpoints: [
          'thanos-receive-0.thanos-receive.monitoring.svc:10901',
          'thanos-receive-1.thanos-receive.monitoring.svc:10901',
          'thanos-receive-2.thanos-receive.monitoring.svc:10901',
        ],
      },
    ]);
    expect(args('StatefulSet', 'thanos-receive')).toEqual(
      expect.arrayContaining([
        '--receive.replication-factor=3',
        '--label=receive_replica="$(NAME)"',
        '--receive.local-endpoint=$(NAME).thanos-receive.$(NAMESPACE).svc:10901',
      ]),
    );
    const ingress = hub.get('Ingress/thanos-receive')!;
    expect((ingress.spec as any).rules[0]).toEqual({
      host: 'receive.example.com',
      http: {
        paths: [
          {
            path: '/api/v1/receive',
            pathType: 'Exact',
            backend: { service: { name: 'thanos-receive-ingest', port: { number: 19291 } } },
          },
        ],
      },
    });
    // hub is k3s: Traefik, with a basic-auth Middleware reading the htpasswd Secret.
    expect(ingress.metadata.annotations!['traefik.ingress.kubernetes.io/router.middlewares']).toBe(
      'monitoring-cmm-thanos-receive-basic-auth@kubernetescrd',
    );
    const mw = hub.get('Middleware/cmm-thanos-receive-basic-auth')!;
    expect(mw.spec).toEqual({ basicAuth: { secret: 'receive-auth', removeHeader: true } });
    expect(crds.validate(mw)).toEqual([]);
  });

  test('behind ingress-nginx, Receive gets basic auth by annotations', () => {
    const b = build(FLEET.replace('ingress: { host: receive', 'ingress: { controller: nginx, host: receive'));
    expect(b.folder('hub').get('Ingress/thanos-receive')!.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/auth-type': 'basic',
      'nginx.ingress.kubernetes.io/auth-secret': 'receive-auth',
    });
    expect(b.folder('hub').has('Middleware/cmm-thanos-receive-basic-auth')).toBe(false);
  });

  test('the StatefulSets claim their storage, with the class the inventory names', () => {
    const b = build(
      FLEET.replace(
        'objectStorageSecret: { name: bucket }',
        'objectStorageSecret: { name: bucket }\n    store: { storage: { size: 7Gi, storageClass: fast } }',
      ),
    );
    const claims = (b.folder('hub').get('StatefulSet/thanos-store')!.spec as any).volumeClaimTemplates;
    expect(claims).toEqual([
      {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '7Gi' } }, storageClassName: 'fast' },
      },
    ]);
    expect(
      (hub.get('StatefulSet/thanos-compact')!.spec as any).volumeClaimTemplates[0].spec.resources.requests.storage,
    ).toBe('100Gi');
  });

  test('are applied in the setup stage and scraped by the central Prometheus', () => {
    for (const [key, m] of hub) {
      if (/^(Deployment|StatefulSet|Service|ConfigMap|Ingress)\/thanos-/.test(key)) {
        expect([key, m.metadata.annotations!['argocd.argoproj.io/sync-wave']]).toEqual([key, '-1']);
      }
    }
    const monitors = [...hub.keys()].filter((k) => k.startsWith('ServiceMonitor/thanos-')).sort();
    expect(monitors).toEqual([
      'ServiceMonitor/thanos-compact',
      'ServiceMonitor/thanos-query',
      'ServiceMonitor/thanos-query-frontend',
      'ServiceMonitor/thanos-receive',
      'ServiceMonitor/thanos-store',
    ]);
    for (const k of monitors) expect(crds.validate(hub.get(k)!)).toEqual([]);
  });
});

describe('the central Grafana on the global view', () => {
  test('has one Prometheus-type datasource, the Query Frontend, with a stable uid', () => {
    const ds = fleet.grafana().additionalDataSources;
    expect(ds).toEqual([
      {
        name: 'Thanos',
        uid: 'cmm-thanos',
        type: 'prometheus',
        access: 'proxy',
        url: 'http://thanos-query-frontend.monitoring.svc:9090',
        isDefault: true,
        editable: false,
        jsonData: { timeInterval: '30s', httpMethod: 'POST', prometheusType: 'Thanos', prometheusVersion: '0.42.4' },
      },
    ]);
  });

  test("the datasource's minimum step is the fleet's shortest scrape interval", () => {
    const b = build(
      FLEET.replace('  - name: hub\n', '  - name: hub\n    prometheus: { scrapeInterval: 1m30s }\n').replace(
        '  - name: ing\n',
        '  - name: ing\n    prometheus: { scrapeInterval: 2m }\n',
      ),
    );
    // hub 1m30s, ing 2m, the others the default 30s.
    expect(b.grafana().additionalDataSources[0].jsonData.timeInterval).toBe('30s');
    const slow = build(
      FLEET.replace('clusters:\n', 'defaults: { prometheus: { scrapeInterval: 2m } }\nclusters:\n').replace(
        '  - name: hub\n',
        '  - name: hub\n    prometheus: { scrapeInterval: 1m30s }\n',
      ),
    );
    expect(slow.grafana().additionalDataSources[0].jsonData.timeInterval).toBe('1m30s');
  });

  test('per-cluster datasources only when asked for, and never the default', () => {
    const b = build(
      FLEET.replace(
        'objectStorageSecret: { name: bucket }',
        'objectStorageSecret: { name: bucket }\n    clusterDatasources: true',
      ),
    );
    const ds = b.grafana().additionalDataSources;
    expect(ds.map((d: any) => [d.uid, d.isDefault])).toEqual([
      ['cmm-thanos', true],
      ['cmm-prom-hub', false],
    ]);
  });

  test('the fleet overview is one query per panel, whatever the fleet size', () => {
    const many = Array.from(
      { length: 40 },
      (_, i) => `  - name: c${i}\n    thanos: { mode: remote-write, credentialsSecret: p }`,
    ).join('\n');
    for (const b of [fleet, build(`${FLEET}${many}\n`)]) {
      const json = JSON.parse(
        b.folder('hub').get('ConfigMap/cmm-dashboard-fleet-overview')!.data!['fleet-overview.json'],
      );
      expect(json.panels.length).toBe(6);
      for (const p of json.panels) {
        expect([p.title, p.targets.length, p.repeat]).toEqual([p.title, 1, undefined]);
        expect(p.datasource).toEqual({ type: 'prometheus', uid: 'cmm-thanos' });
      }
      const cluster = json.templating.list.find((v: any) => v.name === 'cluster');
      expect(cluster.query.query).toBe('label_values(prometheus_build_info, cluster)');
      expect(json.templating.list.map((v: any) => v.type)).toEqual(['query']);
    }
  });

  test("the fleet overview's fullest filesystem uses each cluster's filesystem selector, as the fleet-wide rules do", () => {
    const b = build(
      FLEET.replace(
        '  - name: lb\n',
        '  - name: lb\n    rules: { packs: { filesystem: { selector: \'fstype="xfs"\' } } }\n',
      ),
    );
    const json = JSON.parse(
      b.folder('hub').get('ConfigMap/cmm-dashboard-fleet-overview')!.data!['fleet-overview.json'],
    );
    const panel = json.panels.find((p: any) => p.title === 'Fullest filesystem (20 highest clusters)');
    const dflt = 'job="node-exporter", fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs|fuse.lxcfs", mountpoint!=""';
    const share = (selector: string) =>
      `((1 - node_filesystem_avail_bytes{${selector}} / node_filesystem_size_bytes{${selector}}) and node_filesystem_readonly{${selector}} == 0)`;
    expect(panel.targets[0].expr).toBe(
      `topk(20, max by (cluster) (${share(`${dflt}, cluster!~"lb", cluster=~"$cluster"`)} or ${share('job="node-exporter", fstype="xfs", cluster=~"lb", cluster=~"$cluster"')}))`,
    );
    expect(checkPromQL(panel.targets[0].expr.replaceAll('$cluster', '.*'))).toEqual([]);
  });

  test('grafana.com dashboards take the Thanos datasource', () => {
    const b = build(
      FLEET.replace(
        '  metrics: thanos',
        '  metrics: thanos\n  dashboards: { grafanaCom: [{ name: node, id: 1860, revision: 37 }] }',
      ),
    );
    expect(b.grafana().dashboards['grafana-com'].node.datasource).toEqual([
      { name: 'DS_PROMETHEUS', value: 'cmm-thanos' },
    ]);
  });
});

/** The fleet-wide rules of a built fleet, from the central alerting ConfigMap. */
function fleetRules(b: Built, central = 'hub'): any[] {
  const file = parse(b.folder(central).get('ConfigMap/cmm-alerting')!.data!['cmm-rules.yaml']);
  expect(file.groups.map((g: any) => g.name)).toEqual(['cmm-fleet']);
  return file.groups[0].rules;
}

describe('central alerting on the global view', () => {
  test('one rule per alert over every cluster, on the Thanos datasource', () => {
    const rules = fleetRules(fleet);
    expect(rules.map((r) => r.title)).toEqual([
      'ClusterUnreachable',
      'NodeFilesystemUsageHigh',
      'KubePodCrashLooping',
      'ThanosCompactHalted',
      'ThanosBucketOperationsFailing',
      // The fleet has an agent (test/cardinality.test.ts).
      'PrometheusScrapeSampleLimitHit',
      'ForwardedAlert',
    ]);
    for (const r of rules) expect(r.data[0].datasourceUid).toBe('cmm-thanos');
    for (const r of rules) expect(checkPromQL(r.data[0].model.expr)).toEqual([]);
    const many = Array.from(
      { length: 40 },
      (_, i) => `  - name: c${i}\n    thanos: { mode: remote-write, credentialsSecret: p }`,
    ).join('\n');
    expect(fleetRules(build(`${FLEET}${many}\n`)).length).toBe(rules.length);
  });

  test("one filesystem rule per distinct setting, each with its clusters' selector, warning threshold and `for`", () => {
    const rules = fleetRules(
      build(
        FLEET.replace(
          '  - name: lb\n',
          '  - name: lb\n    rules: { packs: { filesystem: { warningPercent: 70, for: 30m, selector: \'fstype="xfs"\' } } }\n',
        ).replace('  - name: ing\n', '  - name: ing\n    rules: { packs: { filesystem: { warningPercent: 85 } } }\n') +
          // The default threshold and `for`, another selector: a rule of its own.
          '  - name: x\n    thanos: { mode: remote-write, credentialsSecret: p }\n    rules: { packs: { filesystem: { selector: \'fstype="ext4"\' } } }\n',
      ),
    ).filter((r) => r.title === 'NodeFilesystemUsageHigh');
    const dflt = 'job="node-exporter", fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs|fuse.lxcfs", mountpoint!=""';
    const expr = (selector: string) =>
      `max by (cluster, instance, mountpoint) ((100 * (1 - node_filesystem_avail_bytes{${selector}} / node_filesystem_size_bytes{${selector}})) and node_filesystem_readonly{${selector}} == 0)`;
    expect(
      rules.map((r) => [r.uid, r.data[0].model.expr, r.data[1].model.conditions[0].evaluator.params[0], r.for]),
    ).toEqual([
      // The largest group (hub, edge: nothing set) takes every cluster not named elsewhere.
      ['cmm-fleet-filesystem', expr(`${dflt}, cluster!~"ing|lb|x"`), 80, '10m'],
      // Then by threshold, lowest first.
      [
        // The first 8 hex digits of the sha256 of the selector: deterministic, and unique per selector.
        'cmm-fleet-filesystem-70-30m-580e14cd',
        expr('job="node-exporter", fstype="xfs", cluster=~"lb"'),
        70,
        '30m',
      ],
      ['cmm-fleet-filesystem-80-487acefd', expr('job="node-exporter", fstype="ext4", cluster=~"x"'), 80, '10m'],
      ['cmm-fleet-filesystem-85', expr(`${dflt}, cluster=~"ing"`), 85, '10m'],
    ]);
    for (const r of rules) expect(r.labels).toEqual({ severity: 'warning' });
  });

  test('ClusterUnreachable expects samples from every cluster of the inventory', () => {
    const unreachable = fleetRules(fleet)[0];
    expect(unreachable.data[0].model.expr).toBe(
      'group by (cluster) (label_replace(vector(1), "cluster", "edge", "", "") or label_replace(vector(1), "cluster", "hub", "", "") or label_replace(vector(1), "cluster", "ing", "", "") or label_replace(vector(1), "cluster", "lb", "", "")) unless on (cluster) group by (cluster) (prometheus_build_info)',
    );
    expect([unreachable.noDataState, unreachable.execErrState, unreachable.labels]).toEqual([
      'OK',
      'Alerting',
      { severity: 'critical' },
    ]);
  });

  test("forwards the alerts of the clusters without an Alertmanager that evaluate rules (not an agent's)", () => {
    const forwarded = fleetRules(fleet).find((r) => r.title === 'ForwardedAlert');
    expect(forwarded.data[0].model.expr).toContain('cluster=~"hub|ing|lb"');
    expect([...fleet.fleet.forwardedClusters()].sort()).toEqual(['hub', 'ing', 'lb']);
    // The agent's alerts are the fleet-wide rules: it is covered.
    expect(fleet.fleet.unroutedClusters).toEqual([]);
  });

  test('without central alerting, every cluster without an Alertmanager is reported unrouted', () => {
    const b = build(FLEET.replace('  alerting: { slack: { secretName: grafana-alerting } }\n', ''));
    expect(b.fleet.unroutedClusters).toEqual(['hub', 'lb', 'ing', 'edge']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The fleet-wide rules' PromQL, run by promtool: Grafana's condition (A > threshold) as a Prometheus alert.

describeWithTool('promtool', 'prometheus', 'the fleet-wide rules in promtool', (promtool) => {
  const THRESHOLDS = `
central:
  cluster: a
  metrics: thanos
  alerting: { slack: { secretName: s } }
  thanos: { objectStorageSecret: { name: bucket } }
clusters:
  - name: a
  - name: b
    thanos: { exposure: { type: loadBalancer, address: b.example.com } }
  - name: c
    thanos: { exposure: { type: loadBalancer, address: c.example.com } }
    rules: { packs: { filesystem: { warningPercent: 90, selector: 'fstype="xfs"' } } }
    alertmanager: { enabled: true, slack: { secretName: am } }
`;

  function promtoolTest(b: Built, tests: Record<string, unknown>[]): { status: number | null; output: string } {
    // Grafana writes no ALERTS series; promtool does, so the emulated rules' own ALERTS are kept out of their input.
    const rules = fleetRules(b, 'a').map((r) => ({
      alert: r.title,
      expr: `(${r.data[0].model.expr.replace('ALERTS{', 'ALERTS{cmm_emulated!="1", ')}) > ${r.data[1].model.conditions[0].evaluator.params[0]}`,
      labels: { cmm_emulated: '1' },
    }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-thanos-rules-'));
    try {
      fs.writeFileSync(path.join(dir, 'rules.yaml'), toYaml({ groups: [{ name: 'fleet', rules }] }));
      fs.writeFileSync(
        path.join(dir, 'test.yaml'),
        toYaml({
          rule_files: ['rules.yaml'],
          evaluation_interval: '1m',
          tests: tests.map((t: any) => ({
            ...t,
            alert_rule_test: t.alert_rule_test.map((a: any) => ({
              ...a,
              exp_alerts: a.exp_alerts.map((e: any) => ({ exp_labels: { ...e.exp_labels, cmm_emulated: '1' } })),
            })),
          })),
        }),
      );
      const r = spawnSync(promtool, ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
      return { status: r.status, output: `${r.stdout}${r.stderr}` };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test('a cluster of the inventory without samples is unreachable; the others are not', () => {
    const b = build(THRESHOLDS);
    const r = promtoolTest(b, [
      {
        interval: '1m',
        input_series: [
          { series: 'prometheus_build_info{cluster="a", version="3.14.0"}', values: '1x10' },
          { series: 'prometheus_build_info{cluster="c", version="3.14.0"}', values: '1x10' },
          // A cluster the inventory does not name is not expected.
          { series: 'prometheus_build_info{cluster="old", version="3.14.0"}', values: '1x10' },
        ],
        alert_rule_test: [
          { eval_time: '5m', alertname: 'ClusterUnreachable', exp_alerts: [{ exp_labels: { cluster: 'b' } }] },
        ],
      },
    ]);
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  test("each cluster's filesystem threshold and selector apply to that cluster only", () => {
    const b = build(THRESHOLDS);
    const filesystem = (cluster: string, mountpoint: string, fstype: string, availPercent: number, readonly = 0) =>
      (
        [
          ['avail_bytes', String(availPercent)],
          ['size_bytes', '100'],
          ['readonly', String(readonly)],
        ] as const
      ).map(([metric, value]) => ({
        series: `node_filesystem_${metric}{cluster="${cluster}", job="node-exporter", instance="n", mountpoint="${mountpoint}", fstype="${fstype}"}`,
        values: `${value}x10`,
      }));
    const r = promtoolTest(b, [
      {
        interval: '1m',
        input_series: [
          // 85% full: above a's and b's default 80, below c's 90.
          ...filesystem('a', '/', 'ext4', 15),
          ...filesystem('b', '/', 'ext4', 15),
          ...filesystem('c', '/', 'xfs', 15),
          // 95% full, but outside c's selector (fstype="xfs"); a tmpfs outside the default one.
          ...filesystem('c', '/boot', 'ext4', 5),
          ...filesystem('a', '/run', 'tmpfs', 5),
          // 92% full xfs: above c's 90.
          ...filesystem('c', '/data', 'xfs', 8),
          // Read-only (a mounted image) is always full: no alert.
          ...filesystem('b', '/iso', 'ext4', 0, 1),
          // No job="node-exporter": not node-exporter's series.
          {
            series:
              'node_filesystem_avail_bytes{cluster="a", job="other", instance="n", mountpoint="/x", fstype="ext4"}',
            values: '1x10',
          },
          {
            series:
              'node_filesystem_size_bytes{cluster="a", job="other", instance="n", mountpoint="/x", fstype="ext4"}',
            values: '100x10',
          },
          {
            series: 'node_filesystem_readonly{cluster="a", job="other", instance="n", mountpoint="/x", fstype="ext4"}',
            values: '0x10',
          },
        ],
        alert_rule_test: [
          {
            eval_time: '5m',
            alertname: 'NodeFilesystemUsageHigh',
            exp_alerts: [
              { exp_labels: { cluster: 'a', instance: 'n', mountpoint: '/' } },
              { exp_labels: { cluster: 'b', instance: 'n', mountpoint: '/' } },
              { exp_labels: { cluster: 'c', instance: 'n', mountpoint: '/data' } },
            ],
          },
        ],
      },
    ]);
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  test('firing alerts of the clusters without an Alertmanager are forwarded, the others not', () => {
    const b = build(THRESHOLDS);
    const r = promtoolTest(b, [
      {
        interval: '1m',
        input_series: [
          {
            series: 'ALERTS{cluster="b", alertname="KubeJobFailed", alertstate="firing", severity="warning"}',
            values: '1x10',
          },
          { series: 'ALERTS{cluster="b", alertname="Watchdog", alertstate="firing", severity="none"}', values: '1x10' },
          {
            series: 'ALERTS{cluster="a", alertname="KubeJobFailed", alertstate="pending", severity="warning"}',
            values: '1x10',
          },
          // c has its own Alertmanager.
          {
            series: 'ALERTS{cluster="c", alertname="KubeJobFailed", alertstate="firing", severity="warning"}',
            values: '1x10',
          },
          // The fleet-wide rules raise these warnings for every cluster themselves; the critical one is forwarded.
          {
            series:
              'ALERTS{cluster="b", alertname="KubePodCrashLooping", alertstate="firing", severity="warning", pod="p"}',
            values: '1x10',
          },
          {
            series:
              'ALERTS{cluster="b", alertname="NodeFilesystemUsageHigh", alertstate="firing", severity="warning", instance="n"}',
            values: '1x10',
          },
          {
            series:
              'ALERTS{cluster="b", alertname="NodeFilesystemUsageHigh", alertstate="firing", severity="critical", instance="n"}',
            values: '1x10',
          },
        ],
        alert_rule_test: [
          {
            eval_time: '5m',
            alertname: 'ForwardedAlert',
            exp_alerts: [
              {
                exp_labels: {
                  cluster: 'b',
                  alertname: 'ForwardedAlert',
                  source_alertname: 'KubeJobFailed',
                  alertstate: 'firing',
                  severity: 'warning',
                },
              },
              {
                exp_labels: {
                  cluster: 'b',
                  alertname: 'ForwardedAlert',
                  source_alertname: 'NodeFilesystemUsageHigh',
                  alertstate: 'firing',
                  severity: 'critical',
                  instance: 'n',
                },
              },
            ],
          },
        ],
      },
    ]);
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  test("the global view's own pipeline: a halted Compactor, failing bucket operations", () => {
    const b = build(THRESHOLDS);
    const r = promtoolTest(b, [
      {
        interval: '1m',
        input_series: [
          {
            series: 'thanos_compact_halted{cluster="a", job="thanos-compact", pod="thanos-compact-0"}',
            values: '0 0 1x20',
          },
          // The series of the pod before a restart, still in the lookback window.
          {
            series: 'thanos_compact_halted{cluster="a", job="thanos-compact", pod="thanos-compact-0", instance="old"}',
            values: '0x20',
          },
          {
            series:
              'thanos_objstore_bucket_operation_failures_total{cluster="b", job="cmm-agent-thanos-discovery", operation="upload", bucket="b"}',
            values: '0+1x30',
          },
          {
            series:
              'thanos_objstore_bucket_operation_failures_total{cluster="c", job="cmm-agent-thanos-discovery", operation="upload", bucket="b"}',
            values: '5x30',
          },
        ],
        alert_rule_test: [
          { eval_time: '10m', alertname: 'ThanosCompactHalted', exp_alerts: [{ exp_labels: { cluster: 'a' } }] },
          {
            eval_time: '20m',
            alertname: 'ThanosBucketOperationsFailing',
            exp_alerts: [{ exp_labels: { cluster: 'b', job: 'cmm-agent-thanos-discovery', operation: 'upload' } }],
          },
        ],
      },
    ]);
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Errors

describe('a thanos fleet with a missing setting', () => {
  const problems = (yaml: string) => inventoryProblems(yaml).join('\n');

  test('metrics: thanos without central.thanos', () => {
    expect(problems('central: { cluster: hub, metrics: thanos }\nclusters: [{ name: hub }]\n')).toMatch(
      /central\.thanos: is required with central\.metrics: thanos; expected the central Thanos settings, at least objectStorageSecret/,
    );
  });

  test('no object storage Secret', () => {
    expect(problems(FLEET.replace('    objectStorageSecret: { name: bucket }\n', ''))).toMatch(
      /central\.thanos\.objectStorageSecret: is required/,
    );
  });

  test('a sidecar the centre cannot reach', () => {
    expect(problems(FLEET.replace(/ {4}thanos:\n {6}exposure: \{ type: loadBalancer.*\n/, ''))).toMatch(
      /clusters\[1\]\.thanos\.exposure: is required for lb; expected how the central Thanos Query reaches its sidecar/,
    );
  });

  test('remote write without credentials', () => {
    expect(problems(FLEET.replace(', credentialsSecret: push-creds', ''))).toMatch(
      /clusters\[3\]\.thanos\.credentialsSecret: is required with mode: remote-write; expected an existing Secret with username and password/,
    );
  });

  test('a pushing cluster and no Receive endpoint', () => {
    expect(
      problems(
        FLEET.replace(
          '      ingress: { host: receive.example.com, tlsSecretName: receive-tls, basicAuthSecretName: receive-auth }\n',
          '',
        ),
      ),
    ).toMatch(
      /central\.thanos\.receive\.ingress: is required; expected the endpoint the remote-write clusters \(edge\) push to/,
    );
  });

  test('thanos settings in the direct mode', () => {
    const p = problems(FLEET.replace('  metrics: thanos\n', ''));
    expect(p).toMatch(/central\.thanos: is set but central\.metrics is "direct"; expected central\.metrics: thanos/);
    expect(p).toMatch(/clusters\[1\]\.thanos: is set but central\.metrics is not thanos/);
  });

  test('settings the fleet cannot use or a component refuses at start', () => {
    expect(
      problems(
        FLEET.replace(
          'credentialsSecret: push-creds }',
          'credentialsSecret: push-creds }\n    alertmanager: { enabled: true, slack: { secretName: am } }',
        ),
      ),
    ).toMatch(/clusters\[3\]\.thanos\.agent: true is not valid with alertmanager\.enabled: true/);
    expect(
      problems(
        FLEET.replace(
          'credentialsSecret: push-creds }',
          'credentialsSecret: push-creds }\n    rules: { groups: { mine: { rules: [{ alert: A, expr: up == 0 }] } } }',
        ),
      ),
    ).toMatch(/clusters\[3\]\.rules\.groups: is set but the cluster's Prometheus runs in agent mode/);
    expect(
      problems(
        FLEET.replace('  - name: hub\n', '  - name: hub\n    thanos: { mode: remote-write, credentialsSecret: c }\n'),
      ),
    ).toMatch(/clusters\[0\]\.thanos\.mode: "remote-write" is not valid for the central cluster hub; expected sidecar/);
    expect(
      problems(
        FLEET.replace(
          '  - name: hub\n',
          '  - name: hub\n    thanos: { exposure: { type: loadBalancer, address: sidecar.hub.example.com } }\n',
        ),
      ),
    ).toMatch(/clusters\[0\]\.thanos\.exposure: is set for the central cluster hub; expected no exposure/);
    expect(problems(FLEET.replace('    compactor:', '    store: { indexCacheSize: 100MB }\n    compactor:'))).toMatch(
      /central\.thanos\.store\.indexCacheSize: "100MB" is not valid; expected at least 128MB/,
    );
    const short = problems(FLEET.replace('raw: 15d, fiveMinutes: 60d', 'raw: 1d, fiveMinutes: 7d'));
    expect(short).toMatch(
      /central\.thanos\.compactor\.retention\.raw: "1d" is not valid; expected at least 40h with downsampling/,
    );
    expect(short).toMatch(
      /central\.thanos\.compactor\.retention\.fiveMinutes: "7d" is not valid; expected at least 10d with downsampling/,
    );
    expect(
      problems(
        FLEET.replace('raw: 15d, fiveMinutes: 60d', 'raw: 1d, fiveMinutes: 7d').replace(
          'compactor: {',
          'compactor: { downsampling: false,',
        ),
      ),
    ).toBe('');
    expect(problems(FLEET.replace('raw: 15d, fiveMinutes: 60d', 'raw: 0d, fiveMinutes: 0d'))).toBe('');
    expect(
      problems(
        FLEET.replace(
          '      exposure: { type: loadBalancer',
          '      receiveCaSecret: ca\n      exposure: { type: loadBalancer',
        ),
      ),
    ).toMatch(/clusters\[1\]\.thanos\.receiveCaSecret: is set but the cluster's mode is sidecar/);
    expect(problems(FLEET.replace('replicationFactor: 3', 'replicationFactor: 2'))).toMatch(
      /central\.thanos\.receive\.replicationFactor: 2 is not valid; expected an odd number of at most receive\.replicas \(3\)/,
    );
  });

  test('a ClusterAgent in a Thanos fleet needs the bucket for its sidecar, and the Receive URL to push', () => {
    const agent = (thanos: Record<string, unknown>) => () =>
      new ClusterAgent(new Chart(Testing.app(), 'c'), 'A', { clusterName: 'x', thanos } as never);
    expect(agent({ mode: 'sidecar' })).toThrow(
      /thanos\.objectStorageSecret: is required; expected the existing Secret/,
    );
    expect(agent({ mode: 'remote-write', credentialsSecret: 'c' })).toThrow(/thanos\.receiveUrl: is required/);
  });
});
