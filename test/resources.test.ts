/**
 * The resources CMM sets where the charts set none, and the settings that change each memory limit: Grafana and its
 * sidecars, the central Loki (the process holding the unflushed logs, the other components, the gateway, the helpers)
 * with its WAL replay capped below the limit, the Thanos sidecar, kube-state-metrics.
 */
import { lokiReplayMemoryCeiling, quantityBytes } from '../lib/resource-defaults';
import { LOKI_RELEASE_NAME } from '../lib';
import { buildFleet, helmValues, inventoryProblems, manifestsOf, type Manifest } from './support/example';

const valuesOf = (text: string, release: string): Record<string, any> => {
  const ms: Manifest[] = manifestsOf(buildFleet(text).app);
  const hc = ms.find((m) => m.kind === 'HelmChart' && m.metadata.name === release);
  if (!hc) throw new Error(`no HelmChart ${release}`);
  return helmValues(hc);
};

const GRAFANA = 'cmm-central';
const S3 = '{ endpoint: s3.example.com, chunksBucket: chunks, rulerBucket: ruler, credentialsSecret: s3 }';

describe('quantities and the Loki replay ceiling', () => {
  test('a memory quantity in bytes, binary and decimal suffixes', () => {
    expect(quantityBytes('2Gi')).toBe(2147483648);
    expect(quantityBytes('512Mi')).toBe(536870912);
    expect(quantityBytes('1.5Gi')).toBe(1610612736);
    expect(quantityBytes('1G')).toBe(1000000000);
    expect(quantityBytes('64Ki')).toBe(65536);
    expect(quantityBytes('1048576')).toBe(1048576);
    expect(() => quantityBytes('2GB')).toThrow('a memory quantity such as "2Gi" or "512Mi", got "2GB"');
  });

  test("75% of the limit, in Loki's binary MB; none without a limit", () => {
    expect(lokiReplayMemoryCeiling({ limits: { memory: '2Gi' } })).toBe('1536MB');
    expect(lokiReplayMemoryCeiling({ limits: { memory: '8Gi' } })).toBe('6144MB');
    expect(lokiReplayMemoryCeiling({ limits: { memory: '1G' } })).toBe('715MB');
    expect(lokiReplayMemoryCeiling({ requests: { memory: '1Gi' } })).toBeUndefined();
    expect(lokiReplayMemoryCeiling(undefined)).toBeUndefined();
  });
});

describe('the central Loki', () => {
  const inv = (loki: string) => `central:\n  cluster: c\n  loki: ${loki}\nclusters:\n  - name: c\n`;

  test('defaults: one process, 2Gi, its WAL replay capped at 1536MB (75%)', () => {
    const v = valuesOf(inv('{}'), LOKI_RELEASE_NAME);
    expect(v.singleBinary.resources).toEqual({ requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '2Gi' } });
    expect(v.loki.ingester).toEqual({ wal: { replay_memory_ceiling: '1536MB' } });
    expect(v.sidecar.resources).toEqual({ requests: { cpu: '50m', memory: '50Mi' }, limits: { memory: '100Mi' } });
    expect(v.gateway.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } });
  });

  test('can configure the one process: the ceiling follows its limit; no limit, no ceiling', () => {
    const v = valuesOf(
      inv('{ resources: { requests: { cpu: 500m, memory: 2Gi }, limits: { memory: 8Gi } } }'),
      LOKI_RELEASE_NAME,
    );
    expect(v.singleBinary.resources).toEqual({ requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '8Gi' } });
    expect(v.loki.ingester).toEqual({ wal: { replay_memory_ceiling: '6144MB' } });
    const unlimited = valuesOf(inv('{ resources: { requests: { memory: 2Gi } } }'), LOKI_RELEASE_NAME);
    expect(unlimited.singleBinary.resources).toEqual({ requests: { memory: '2Gi' } });
    expect(unlimited.loki.ingester).toBeUndefined();
  });

  test('distributed: resources for the ingesters (and their ceiling), componentResources for the rest', () => {
    const v = valuesOf(
      inv(
        `{ mode: distributed, objectStorage: ${S3}, resources: { limits: { memory: 4Gi } }, componentResources: { limits: { memory: 3Gi } }, gatewayResources: { limits: { memory: 256Mi } }, sidecarResources: { limits: { memory: 200Mi } } }`,
      ),
      LOKI_RELEASE_NAME,
    );
    expect(v.ingester.resources).toEqual({ limits: { memory: '4Gi' } });
    expect(v.loki.ingester).toEqual({ wal: { replay_memory_ceiling: '3072MB' } });
    for (const c of [
      'distributor',
      'querier',
      'queryFrontend',
      'queryScheduler',
      'indexGateway',
      'compactor',
      'ruler',
    ]) {
      expect([c, v[c].resources]).toEqual([c, { limits: { memory: '3Gi' } }]);
    }
    expect(v.gateway.resources).toEqual({ limits: { memory: '256Mi' } });
    for (const helper of [v.sidecar, v.gateway.metrics, v.memcachedExporter]) {
      expect(helper.resources).toEqual({ limits: { memory: '200Mi' } });
    }
  });

  test('distributed defaults: the ingesters 2Gi with a 1536MB ceiling, the rest 1Gi', () => {
    const v = valuesOf(inv(`{ mode: distributed, objectStorage: ${S3} }`), LOKI_RELEASE_NAME);
    expect(v.ingester.resources.limits).toEqual({ memory: '2Gi' });
    expect(v.loki.ingester).toEqual({ wal: { replay_memory_ceiling: '1536MB' } });
    expect(v.querier.resources.limits).toEqual({ memory: '1Gi' });
  });

  test('fails if a resources quantity is not one', () => {
    expect(inventoryProblems(inv('{ resources: { limits: { memory: 2GB } } }')).join('\n')).toMatch(
      /central\.loki\.resources\.limits\.memory/,
    );
  });
});

describe('the central Grafana', () => {
  const inv = (extra: string) => `central:\n  cluster: c\n${extra}clusters:\n  - name: c\n`;

  test('defaults: Grafana 512Mi, its sidecars and the dashboard download 100Mi', () => {
    const g = valuesOf(inv(''), GRAFANA).grafana;
    expect(g.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    const helper = { requests: { cpu: '50m', memory: '50Mi' }, limits: { memory: '100Mi' } };
    expect(g.sidecar.resources).toEqual(helper);
    expect(g.downloadDashboards.resources).toEqual(helper);
  });

  test('can configure Grafana and its sidecars', () => {
    const g = valuesOf(
      inv(
        '  resources: { requests: { cpu: 200m, memory: 512Mi }, limits: { memory: 2Gi } }\n  sidecarResources: { limits: { memory: 300Mi } }\n',
      ),
      GRAFANA,
    ).grafana;
    expect(g.resources).toEqual({ requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2Gi' } });
    expect(g.sidecar.resources).toEqual({ limits: { memory: '300Mi' } });
    expect(g.downloadDashboards.resources).toEqual({ limits: { memory: '300Mi' } });
  });
});

describe('the agents', () => {
  test('kube-state-metrics: a 512Mi limit, room above its 250MiB rule of thumb', () => {
    const v = valuesOf('central: { cluster: c }\nclusters:\n  - name: c\n', 'cmm-agent');
    expect(v['kube-state-metrics'].resources).toEqual({
      requests: { cpu: '10m', memory: '190Mi' },
      limits: { memory: '512Mi' },
    });
  });

  test('the config-reloaders keep the prometheus-operator defaults: 10m and 50Mi requested, 50Mi limit', () => {
    const v = valuesOf('central: { cluster: c }\nclusters:\n  - name: c\n', 'cmm-agent');
    expect(v.prometheusOperator.prometheusConfigReloader.resources).toEqual({
      requests: { cpu: '10m', memory: '50Mi' },
      limits: { memory: '50Mi' },
    });
  });

  test('can configure the Thanos sidecar (thanos.sidecarResources); the default otherwise', () => {
    const text = (thanos: string) =>
      [
        'central:',
        '  cluster: c',
        '  metrics: thanos',
        '  thanos: { objectStorageSecret: { name: objstore } }',
        'clusters:',
        '  - name: c',
        `    thanos: ${thanos}`,
        '',
      ].join('\n');
    const sidecar = (t: string) => valuesOf(text(t), 'cmm-agent').prometheus.prometheusSpec.thanos.resources;
    expect(sidecar('{ sidecarResources: { requests: { memory: 256Mi }, limits: { memory: 2Gi } } }')).toEqual({
      requests: { memory: '256Mi' },
      limits: { memory: '2Gi' },
    });
    expect(sidecar('{}')).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } });
  });
});
