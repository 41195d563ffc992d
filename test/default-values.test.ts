import { Testing } from 'cdk8s';
import {
  builtInRuleGroups,
  CentralThanos,
  ClusterAgent,
  isAlertRule,
  lokiValues,
  type AlertRule,
  type RulePackContext,
} from '../lib';
import { helmValues, type Manifest } from './support/example';

/**
 * The literal defaults no other test pinned: a construct or values function with the field unset, and the value in
 * its output, written here (not read from the constants under test).
 */

describe('defaults of the built-in packs', () => {
  const ctx: RulePackContext = { clusterName: 'c', kubeStateMetrics: true, nodeExporter: true };
  const rules = builtInRuleGroups({}, ctx).flatMap((g) => g.rules.filter(isAlertRule));
  const alert = (name: string, severity?: string): AlertRule =>
    rules.find((r) => r.alert === name && (severity === undefined || r.labels?.severity === severity))!;

  test('targets: 10% of a job down for 10m', () => {
    expect(alert('TargetDown').expr).toMatch(/ \(up\)\) > 10$/);
    expect(alert('TargetDown').for).toBe('10m');
  });

  test('nodes: down for 5m, memory and CPU above 90% and not ready for 15m', () => {
    expect(alert('NodeDown').for).toBe('5m');
    expect(alert('NodeMemoryHighUtilization').expr).toMatch(/\) > 90$/);
    expect(alert('NodeMemoryHighUtilization').for).toBe('15m');
    expect(alert('NodeCPUHighUsage').expr).toMatch(/\) > 90$/);
    expect(alert('NodeCPUHighUsage').for).toBe('15m');
    expect(alert('KubeNodeNotReady').for).toBe('15m');
  });

  test('filesystem: filling up once 60% used, on the real filesystems', () => {
    const filling = alert('NodeFilesystemFillingUp').expr;
    expect(filling).toContain(') > 60) and predict_linear(');
    expect(filling).toContain('fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs|fuse.lxcfs", mountpoint!=""');
  });

  test('pods and workloads: every namespace, for 15m', () => {
    expect(alert('KubePodCrashLooping').expr).toContain('namespace=~".*"');
    expect(alert('KubePodCrashLooping').for).toBe('15m');
    expect(alert('KubeDeploymentReplicasMismatch').expr).toContain('namespace=~".*"');
    expect(alert('KubeDeploymentReplicasMismatch').for).toBe('15m');
  });

  test('volumes: warning at 90%, critical at 97%, for 5m', () => {
    expect(alert('KubePersistentVolumeFillingUp', 'warning').expr).toMatch(/> 90$/);
    expect(alert('KubePersistentVolumeFillingUp', 'critical').expr).toMatch(/> 97$/);
    expect(alert('KubePersistentVolumeFillingUp', 'warning').for).toBe('5m');
  });
});

describe("defaults of a cluster's Prometheus", () => {
  test('retention 10d, scrape and evaluation every 30s', () => {
    const chart = Testing.chart();
    new ClusterAgent(chart, 'Agent', { clusterName: 'c' });
    const helm = (Testing.synth(chart) as Manifest[]).find(
      (m) => m.kind === 'HelmChart' && m.metadata.name === 'cmm-agent',
    )!;
    const spec = helmValues(helm).prometheus.prometheusSpec;
    expect([spec.retention, spec.scrapeInterval, spec.evaluationInterval]).toEqual(['10d', '30s', '30s']);
  });
});

describe('defaults of the central Loki', () => {
  test('monolithic, 30 days, the gateway htpasswd Secret', () => {
    const v = lokiValues({}) as any;
    expect(v.deploymentMode).toBe('Monolithic');
    expect(v.loki.limits_config.retention_period).toBe('720h');
    expect(v.gateway.basicAuth.existingSecret).toBe('loki-gateway-htpasswd');
  });

  test('distributed: S3 in us-east-1 with path-style URLs, caches of 512 and 128 MB', () => {
    const v = lokiValues({
      mode: 'distributed',
      objectStorage: { endpoint: 'minio:9000', chunksBucket: 'chunks', rulerBucket: 'ruler', credentialsSecret: 's3' },
    }) as any;
    expect(v.loki.storage.s3.region).toBe('us-east-1');
    expect(v.loki.storage.s3.s3ForcePathStyle).toBe(true);
    expect(v.chunksCache.allocatedMemory).toBe(512);
    expect(v.resultsCache.allocatedMemory).toBe(128);
  });
});

describe('defaults of the central Thanos', () => {
  const chart = Testing.chart();
  new CentralThanos(chart, 'Thanos', {
    namespace: 'monitoring',
    objectStorageSecret: { name: 'objstore' },
    sidecars: [],
    withReceive: true,
    ingressController: 'traefik',
    selfMonitoring: false,
  });
  const objects = Testing.synth(chart) as Manifest[];
  const spec = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name)!.spec as any;
  const args = (kind: string, name: string): string[] => spec(kind, name).template.spec.containers[0].args;
  const claim = (name: string) => spec('StatefulSet', name).volumeClaimTemplates[0].spec.resources.requests.storage;

  test('replicas: Query 2, Query Frontend 2, Store Gateway 1, Receive 1', () => {
    expect(spec('Deployment', 'thanos-query').replicas).toBe(2);
    expect(spec('Deployment', 'thanos-query-frontend').replicas).toBe(2);
    expect(spec('StatefulSet', 'thanos-store').replicas).toBe(1);
    expect(spec('StatefulSet', 'thanos-receive').replicas).toBe(1);
  });

  test('caches: 512MB of results, 1GB of index', () => {
    expect(args('Deployment', 'thanos-query-frontend')).toContain(
      '--query-range.response-cache-config={type: IN-MEMORY, config: {max_size: 512MB}}',
    );
    expect(args('StatefulSet', 'thanos-store')).toContain(
      '--index-cache.config={type: IN-MEMORY, config: {max_size: 1GB}}',
    );
  });

  test('retention: raw 30d, 5m 90d, 1h 1y, downsampled; Receive keeps 1d, one copy', () => {
    const compact = args('StatefulSet', 'thanos-compact');
    expect(compact).toEqual(
      expect.arrayContaining([
        '--retention.resolution-raw=30d',
        '--retention.resolution-5m=90d',
        '--retention.resolution-1h=1y',
      ]),
    );
    expect(compact).not.toContain('--downsampling.disable');
    expect(args('StatefulSet', 'thanos-receive')).toEqual(
      expect.arrayContaining(['--tsdb.retention=1d', '--receive.replication-factor=1']),
    );
  });

  test('storage: 20Gi Store Gateway, 100Gi Compactor, 50Gi Receive', () => {
    expect([claim('thanos-store'), claim('thanos-compact'), claim('thanos-receive')]).toEqual([
      '20Gi',
      '100Gi',
      '50Gi',
    ]);
  });

  test('resources: requests and a memory limit per component, no CPU limit', () => {
    const resources = (kind: string, name: string) => spec(kind, name).template.spec.containers[0].resources;
    expect({
      query: resources('Deployment', 'thanos-query'),
      queryFrontend: resources('Deployment', 'thanos-query-frontend'),
      store: resources('StatefulSet', 'thanos-store'),
      compactor: resources('StatefulSet', 'thanos-compact'),
      receive: resources('StatefulSet', 'thanos-receive'),
    }).toEqual({
      // cdk8s-plus writes memory in Mi: 2048Mi is 2Gi.
      query: { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2048Mi' } },
      queryFrontend: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1024Mi' } },
      store: { requests: { cpu: '200m', memory: '1024Mi' }, limits: { memory: '4096Mi' } },
      compactor: { requests: { cpu: '500m', memory: '2048Mi' }, limits: { memory: '8192Mi' } },
      receive: { requests: { cpu: '500m', memory: '2048Mi' }, limits: { memory: '8192Mi' } },
    });
  });

  test("Secrets: the bucket Secret's key objstore.yml", () => {
    expect(JSON.stringify(spec('StatefulSet', 'thanos-store').template.spec)).toContain('"key":"objstore.yml"');
  });
});

describe("defaults of a cluster's Alertmanager", () => {
  test('the heartbeat: every 1m, its URL under the key url', () => {
    const chart = Testing.chart();
    new ClusterAgent(chart, 'Agent', {
      clusterName: 'c',
      alertmanager: { enabled: true, slack: { secretName: 'am-slack' }, heartbeat: { secretName: 'am-heartbeat' } },
    });
    const helm = (Testing.synth(chart) as Manifest[]).find(
      (m) => m.kind === 'HelmChart' && m.metadata.name === 'cmm-agent',
    )!;
    const config = helmValues(helm).alertmanager.config;
    expect(config.route.routes[0]).toMatchObject({
      receiver: 'heartbeat',
      group_interval: '1m',
      repeat_interval: '1m',
    });
    expect(config.receivers.find((r: { name: string }) => r.name === 'heartbeat').webhook_configs[0].url_file).toBe(
      '/etc/alertmanager/secrets/am-heartbeat/url',
    );
  });
});
