import { Construct } from 'constructs';
import type { StorageOptions } from '../agent/props';
import { HelmRelease } from '../helm/helm-release';
import { chartWith, LOKI } from '../versions';

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
export interface CentralLokiOptions {
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
  /** Required with mode `distributed`. */
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
  readonly ingress?: { readonly host: string; readonly ingressClassName?: string; readonly tlsSecretName: string };
  /**
   * Existing Secret in Grafana's namespace with keys `username` and `password`, for the Loki datasource.
   * @default 'loki-grafana-credentials'
   */
  readonly grafanaCredentialsSecret?: string;
}

export const LOKI_RELEASE_NAME = 'cmm-loki';
/** Date of the first (and only) schema period; never change it for a running Loki. */
export const LOKI_SCHEMA_FROM = '2024-04-01';

/** The central Loki's Helm values (grafana-community `loki` chart). */
export function lokiValues(o: CentralLokiOptions): Record<string, unknown> {
  const mode = o.mode ?? 'monolithic';
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
    limits_config: { retention_period: lokiDuration(o.retention ?? '30d') },
    compactor: {
      working_directory: '/var/loki/compactor',
      retention_enabled: true,
      delete_request_store: objectStore,
      compaction_interval: '10m',
      retention_delete_delay: '2h',
    },
  };
  const values: Record<string, unknown> = {
    fullnameOverride: LOKI_RELEASE_NAME,
    loki,
    lokiCanary: { enabled: false },
    test: { enabled: false },
    minio: { enabled: false },
    gateway: gateway(o),
  };
  if (mode === 'monolithic') {
    const storage = o.storage ?? { size: '50Gi' };
    loki.storage = { type: 'filesystem' };
    Object.assign(values, {
      deploymentMode: 'Monolithic',
      singleBinary: {
        replicas: 1,
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
        region: s3.region ?? 'us-east-1',
        // Expanded by Loki (-config.expand-env) from the Secret given to every pod as environment.
        accessKeyId: '${AWS_ACCESS_KEY_ID}',
        secretAccessKey: '${AWS_SECRET_ACCESS_KEY}',
        s3ForcePathStyle: s3.forcePathStyle ?? true,
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
      ingester: { replicas: 3 },
      distributor: { replicas: 3 },
      querier: { replicas: 3 },
      queryFrontend: { replicas: 2 },
      queryScheduler: { replicas: 2 },
      indexGateway: { replicas: 2 },
      compactor: { replicas: 1 },
    });
  }
  return values;
}

function gateway(o: CentralLokiOptions): Record<string, unknown> {
  const g: Record<string, unknown> = {
    enabled: true,
    // Every request but `/` needs a user from the htpasswd Secret: pushes from the clusters and Grafana's queries.
    basicAuth: { enabled: true, existingSecret: o.gatewayAuthSecret ?? 'loki-gateway-htpasswd' },
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

  constructor(scope: Construct, id: string, props: CentralLokiOptions & { readonly namespace: string }) {
    super(scope, id);
    const { namespace, ...options } = props;
    this.namespace = namespace;
    this.options = options;
    if ((options.mode ?? 'monolithic') === 'distributed' && !options.objectStorage) {
      throw new Error(
        'CentralLoki: mode "distributed" needs objectStorage; expected endpoint, buckets and a credentials Secret',
      );
    }
    this.release = new HelmRelease(this, 'Loki', {
      chart: chartWith(LOKI, {}),
      releaseName: LOKI_RELEASE_NAME,
      targetNamespace: namespace,
      values: lokiValues(options),
    });
  }

  /** Where Grafana queries and the central cluster's own Alloy pushes (through the gateway, with basic auth). */
  public get gatewayUrl(): string {
    return lokiGatewayUrl(this.namespace);
  }

  /** The push URL for a remote cluster, if the push endpoint is exposed. */
  public get externalPushUrl(): string | undefined {
    return this.options.ingress ? `https://${this.options.ingress.host}/loki/api/v1/push` : undefined;
  }
}
