import { Construct } from 'constructs';
import type { StorageOptions } from '../agent/props';
import { HelmRelease } from '../helm/helm-release';
import { chartWith, LOKI } from '../versions';
import { defaultResources, lokiReplayMemoryCeiling } from '../resource-defaults';
import type { Resources } from '../agent/props';
import { podScheduling, type NodePoolOptions, type PodScheduling, type SchedulingOptions } from '../scheduling';
import { helmChartPlacement } from '../platforms/helm-controller';
import { profileOf, type Platform } from '../platforms/profiles';
import { lokiImageValues, mergeValues, type AirgapOptions, type ChartArchiveReader } from '../airgap/airgap';
import { validate } from '../inventory/errors';
import { chartArchiveProp, isPrevalidated, markPrevalidated, namespaceProp } from '../inventory/props';
import { airgapSettings, centralLokiShape, checkLokiObjectStorage, clusterConfigShape } from '../inventory/schema';
import { LOKI_DEFAULTS } from './loki-defaults';

/** S3-compatible object storage for the scalable mode; credentials come from an existing Secret. */
export interface LokiObjectStorage {
  /** e.g. `'s3.eu-west-1.amazonaws.com'` or a MinIO/Ceph endpoint `'minio.storage.svc:9000'`. */
  readonly endpoint: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Bucket of the log chunks. */
  readonly chunksBucket: string;
  /** Bucket of the ruler's state. */
  readonly rulerBucket: string;
  /** Existing Secret with keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, given to every Loki pod as environment. */
  readonly credentialsSecret: string;
  /** Path-style URLs (MinIO, Ceph). @default true */
  readonly forcePathStyle?: boolean;
}

/** The central Loki. */
export interface CentralLokiOptions extends SchedulingOptions {
  /**
   * The cluster's DNS Service, which the gateway's nginx resolves names with.
   * @default - the platform's: kube-dns in kube-system, or rke2-coredns-rke2-coredns on RKE2
   */
  readonly clusterDns?: {
    /** @default - the platform's: kube-dns, or rke2-coredns-rke2-coredns on RKE2 */
    readonly service?: string;
    /** @default - the platform's: kube-system */
    readonly namespace?: string;
  };
  /** Memory of the distributed mode's caches. @default - see chunksMB and resultsMB */
  readonly caches?: {
    /** Memory of the chunks cache, in MB. @default 512 */
    readonly chunksMB?: number;
    /** Memory of the results cache, in MB. @default 128 */
    readonly resultsMB?: number;
  };
  /** The central cluster's node pools (for `nodePool`). @default - none */
  readonly nodePools?: Readonly<Record<string, NodePoolOptions>>;
  /** The central cluster's platform: its DNS Service, where the HelmChart goes. @default 'k3s' */
  readonly platform?: Platform;
  /**
   * `monolithic`: one process, filesystem storage on a PVC (up to a few tens of GB a day). `distributed`: Loki's
   * microservices on object storage, for large fleets.
   * @default 'monolithic'
   */
  readonly mode?: 'monolithic' | 'distributed';
  /** How long logs are kept (Loki's compactor deletes older ones). @default '30d' */
  readonly retention?: string;
  /** The monolithic mode's PVC. @default { size: '50Gi' } on the default StorageClass */
  readonly storage?: StorageOptions;
  /** S3-compatible storage. @default - none (required with mode `distributed`) */
  readonly objectStorage?: LokiObjectStorage;
  /**
   * Existing Secret with a key `.htpasswd`: the users allowed to push and query through the gateway (one per cluster
   * and one for Grafana, e.g. `htpasswd -nbB edge-1 <password>`).
   * @default 'loki-gateway-htpasswd'
   */
  readonly gatewayAuthSecret?: string;
  /**
   * Where the clusters push: an Ingress with TLS in front of the gateway (push paths only). Without it only the
   * central cluster itself can push.
   * @default - not exposed
   */
  readonly ingress?: {
    readonly host: string;
    /** @default - none: the cluster's default IngressClass */
    readonly ingressClassName?: string;
    readonly tlsSecretName: string;
  };
  /**
   * Existing Secret in Grafana's namespace with keys `username` and `password`, for the Loki datasource.
   * @default 'loki-grafana-credentials'
   */
  readonly grafanaCredentialsSecret?: string;
  /**
   * Requests and limits of the Loki process that holds the unflushed logs: the one process (monolithic), or each
   * ingester (distributed). With a memory limit, the WAL replay after a restart is capped at 75% of it
   * (`ingester.wal.replay_memory_ceiling`). Replaces the default as a whole.
   * @default { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '2Gi' } }
   */
  readonly resources?: Resources;
  /**
   * distributed: requests and limits of every other component (distributor, querier, query frontend, query scheduler,
   * index gateway, compactor, ruler).
   * @default { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } }
   */
  readonly componentResources?: Resources;
  /** The gateway's nginx. @default { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } } */
  readonly gatewayResources?: Resources;
  /**
   * The small helpers: the rules sidecar, the gateway's metrics exporter, the memcached exporters.
   * @default { requests: { cpu: '50m', memory: '50Mi' }, limits: { memory: '100Mi' } }
   */
  readonly sidecarResources?: Resources;
  /** Where the loki chart and images come from (the central cluster's `airgap`). @default - upstream */
  readonly airgap?: AirgapOptions;
  /** The archives of `--charts DIR`, for `airgap.charts.source.loki: embedded`. @default - none */
  readonly chartArchive?: ChartArchiveReader;
}

/** The props of {@link CentralLoki}. */
export type CentralLokiProps = CentralLokiOptions & {
  /** The namespace of the Helm release (Grafana's). */
  readonly namespace: string;
  /** The central cluster's name (in messages about its chart sources). @default 'central' */
  readonly cluster?: string;
};

/** The props' schema: the inventory's `central.loki` (less Grafana's part), and what the fleet hands on. */
export const CENTRAL_LOKI_PROPS = centralLokiShape
  .omit({ savedQueries: true, alerts: true })
  .extend({
    namespace: namespaceProp,
    cluster: clusterConfigShape.shape.name.optional(),
    nodePools: clusterConfigShape.shape.nodePools,
    platform: clusterConfigShape.shape.platform,
    airgap: airgapSettings.optional(),
    chartArchive: chartArchiveProp,
  })
  .superRefine(checkLokiObjectStorage);

export const LOKI_RELEASE_NAME = 'cmm-loki';
/** Date of the first (and only) schema period; never change it for a running Loki. */
export const LOKI_SCHEMA_FROM = '2024-04-01';

/** The central Loki's Helm values (grafana-community `loki` chart). */
export function lokiValues(o: CentralLokiOptions): Record<string, unknown> {
  const mode = o.mode ?? LOKI_DEFAULTS.mode;
  const objectStore = mode === 'monolithic' ? 'filesystem' : 's3';
  const loki: Record<string, unknown> = {
    // One tenant; every stream carries the `cluster` label its Alloy sets.
    auth_enabled: false,
    commonConfig: { replication_factor: mode === 'monolithic' ? 1 : 3 },
    schemaConfig: {
      configs: [
        {
          from: LOKI_SCHEMA_FROM,
          store: 'tsdb',
          object_store: objectStore,
          schema: 'v13',
          index: { prefix: 'loki_index_', period: '24h' },
        },
      ],
    },
    limits_config: { retention_period: lokiDuration(o.retention ?? LOKI_DEFAULTS.retention) },
    compactor: {
      working_directory: '/var/loki/compactor',
      retention_enabled: true,
      delete_request_store: objectStore,
      compaction_interval: '10m',
      retention_delete_delay: '2h',
    },
  };
  // The process that holds the unflushed logs (the one process, or each ingester) and the rest.
  const dataResources = o.resources ?? defaultResources('loki');
  const componentResources = () => structuredClone(o.componentResources) ?? defaultResources('lokiComponent');
  const sidecarResources = () => structuredClone(o.sidecarResources) ?? defaultResources('sidecar');
  // A restarted ingester replays its WAL; past the ceiling it flushes instead of reading on, so the replay stays
  // under the memory limit (Loki's default ceiling, 4GB, is above it: an OOM kill would repeat at every replay).
  const replayCeiling = lokiReplayMemoryCeiling(dataResources);
  if (replayCeiling) loki.ingester = { wal: { replay_memory_ceiling: replayCeiling } };
  const scheduling = podScheduling(o, o.nodePools);
  const values: Record<string, unknown> = {
    fullnameOverride: LOKI_RELEASE_NAME,
    // The gateway's nginx resolves the Loki Services through the cluster's DNS Service, by name.
    global: {
      dnsService: o.clusterDns?.service ?? profileOf(o.platform).clusterDns.service,
      dnsNamespace: o.clusterDns?.namespace ?? profileOf(o.platform).clusterDns.namespace,
    },
    loki,
    lokiCanary: { enabled: false },
    // The rules sidecar (k8s-sidecar).
    sidecar: { resources: sidecarResources() },
    test: { enabled: false },
    minio: { enabled: false },
    gateway: gateway(o, sidecarResources()),
  };
  if (mode === 'monolithic') {
    const storage = o.storage ?? { size: LOKI_DEFAULTS.storageSize };
    loki.storage = { type: 'filesystem' };
    Object.assign(values, {
      deploymentMode: 'Monolithic',
      singleBinary: {
        replicas: 1,
        resources: structuredClone(dataResources),
        persistence: {
          enabled: true,
          size: storage.size,
          ...(storage.storageClass ? { storageClass: storage.storageClass } : {}),
        },
      },
      read: { replicas: 0 },
      write: { replicas: 0 },
      backend: { replicas: 0 },
      chunksCache: { enabled: false },
      resultsCache: { enabled: false },
    });
  } else {
    const s3 = o.objectStorage!;
    loki.storage = {
      type: 's3',
      bucketNames: { chunks: s3.chunksBucket, ruler: s3.rulerBucket },
      s3: {
        endpoint: s3.endpoint,
        region: s3.region ?? LOKI_DEFAULTS.objectStorage.region,
        // Expanded by Loki (-config.expand-env) from the Secret given to every pod as environment.
        accessKeyId: '${AWS_ACCESS_KEY_ID}',
        secretAccessKey: '${AWS_SECRET_ACCESS_KEY}',
        s3ForcePathStyle: s3.forcePathStyle ?? LOKI_DEFAULTS.objectStorage.forcePathStyle,
        insecure: false,
      },
    };
    Object.assign(values, {
      deploymentMode: 'Distributed',
      defaults: {
        extraArgs: ['-config.expand-env=true'],
        extraEnvFrom: [{ secretRef: { name: s3.credentialsSecret } }],
      },
      singleBinary: { replicas: 0 },
      read: { replicas: 0 },
      write: { replicas: 0 },
      backend: { replicas: 0 },
      ingester: {
        replicas: 3,
        ...component(structuredClone(dataResources)),
        // The zone-aware ingesters take their nodeSelector only from their zones.
        ...(scheduling.nodeSelector
          ? {
              zoneAwareReplication: Object.fromEntries(
                ['zoneA', 'zoneB', 'zoneC'].map((z) => [z, { nodeSelector: { ...scheduling.nodeSelector } }]),
              ),
            }
          : {}),
      },
      distributor: { replicas: 3, ...component(componentResources()) },
      querier: { replicas: 3, ...component(componentResources()) },
      queryFrontend: { replicas: 2, ...component(componentResources()) },
      queryScheduler: { replicas: 2, ...component(componentResources()) },
      indexGateway: { replicas: 2, ...component(componentResources()) },
      compactor: { replicas: 1, resources: componentResources() },
      ruler: { resources: componentResources() },
      memcachedExporter: { resources: sidecarResources() },
      // memcached: the chart's default chunks cache asks for some 10 GiB; sized for a small cluster instead.
      chunksCache: {
        allocatedMemory: o.caches?.chunksMB ?? LOKI_DEFAULTS.caches.chunksMB,
        allocatedCPU: '100m',
        connectionLimit: 1024,
        ...schedulingOf(scheduling),
      },
      resultsCache: {
        allocatedMemory: o.caches?.resultsMB ?? LOKI_DEFAULTS.caches.resultsMB,
        allocatedCPU: '50m',
        ...schedulingOf(scheduling),
      },
    });
  }
  // Every Loki component and the gateway take `defaults`; the caches (above) take their own; affinity is per
  // component (the Monolithic mode's one is singleBinary).
  if (scheduling.nodeSelector || scheduling.tolerations) {
    const defaults = (values.defaults as Record<string, unknown> | undefined) ?? {};
    values.defaults = {
      ...defaults,
      ...(scheduling.nodeSelector ? { nodeSelector: scheduling.nodeSelector } : {}),
      ...(scheduling.tolerations ? { tolerations: scheduling.tolerations } : {}),
    };
  }
  if (scheduling.affinity) {
    for (const c of mode === 'monolithic' ? ['singleBinary', 'gateway'] : DISTRIBUTED_COMPONENTS) {
      values[c] = { ...((values[c] as Record<string, unknown> | undefined) ?? {}), affinity: scheduling.affinity };
    }
  }
  return values;
}

/**
 * A distributed component's resources, and its PodDisruptionBudget: the chart renders one only with
 * `maxUnavailable` set (its `podDisruptionBudget.enabled` is true, every bound null), and only above one replica.
 */
function component(resources: Resources): Record<string, unknown> {
  return { resources, podDisruptionBudget: { maxUnavailable: 1 } };
}

const DISTRIBUTED_COMPONENTS = [
  'gateway',
  'ingester',
  'distributor',
  'querier',
  'queryFrontend',
  'queryScheduler',
  'indexGateway',
  'compactor',
];

/** The nodeSelector and tolerations of a scheduling (affinity is set per component). */
function schedulingOf(s: PodScheduling): PodScheduling {
  return {
    ...(s.nodeSelector ? { nodeSelector: s.nodeSelector } : {}),
    ...(s.tolerations ? { tolerations: s.tolerations } : {}),
  };
}

function gateway(o: CentralLokiOptions, exporterResources: Resources): Record<string, unknown> {
  const g: Record<string, unknown> = {
    enabled: true,
    resources: structuredClone(o.gatewayResources) ?? defaultResources('lokiGateway'),
    metrics: { resources: exporterResources },
    // Every request but `/` needs a user from the htpasswd Secret: pushes from the clusters and Grafana's queries.
    basicAuth: { enabled: true, existingSecret: o.gatewayAuthSecret ?? LOKI_DEFAULTS.gatewayAuthSecret },
  };
  if (o.ingress) {
    g.ingress = {
      enabled: true,
      ...(o.ingress.ingressClassName ? { ingressClassName: o.ingress.ingressClassName } : {}),
      // Only the push endpoints leave the cluster; queries stay inside.
      hosts: [
        {
          host: o.ingress.host,
          paths: [
            { path: '/loki/api/v1/push', pathType: 'Exact' },
            { path: '/otlp/v1/logs', pathType: 'Exact' },
          ],
        },
      ],
      tls: [{ secretName: o.ingress.tlsSecretName, hosts: [o.ingress.host] }],
    };
  }
  return g;
}

/** Loki durations have no `d`: `30d` → `720h`. */
export function lokiDuration(d: string): string {
  const m = /^(\d+)d$/.exec(d);
  return m ? `${Number(m[1]) * 24}h` : d;
}

/** In-cluster URL of the gateway (Service `cmm-loki-gateway`, port 80). */
export function lokiGatewayUrl(namespace: string): string {
  return `http://${LOKI_RELEASE_NAME}-gateway.${namespace}.svc.cluster.local`;
}

/** The central Loki, installed by a HelmChart in the central cluster. */
export class CentralLoki extends Construct {
  public readonly release: HelmRelease;
  public readonly namespace: string;
  public readonly options: CentralLokiOptions;

  constructor(scope: Construct, id: string, props: CentralLokiProps) {
    super(scope, id);
    // Props built from a validated inventory (Fleet) were checked against the same schema already.
    if (!isPrevalidated(props)) {
      // No cluster given: the errors name the construct alone, as CentralThanos' and Karma's do.
      const subject = props.cluster === undefined ? 'CentralLoki' : `CentralLoki ${JSON.stringify(props.cluster)}`;
      validate(CENTRAL_LOKI_PROPS, props, subject, { prefix: 'props.' });
    }
    const { namespace, cluster, airgap, chartArchive, ...options } = props;
    this.namespace = namespace;
    this.options = options;
    this.release = new HelmRelease(
      this,
      'Loki',
      markPrevalidated({
        chart: chartWith(LOKI, {}),
        releaseName: LOKI_RELEASE_NAME,
        targetNamespace: namespace,
        ...helmChartPlacement(this, profileOf(options.platform), airgap?.images),
        airgap: {
          charts: airgap?.charts,
          archive: chartArchive,
          cluster: cluster ?? 'central',
          platform: profileOf(options.platform),
        },
        values: mergeValues(lokiValues(options), lokiImageValues(airgap?.images)),
      }),
    );
  }
}
