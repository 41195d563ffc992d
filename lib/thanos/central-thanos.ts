import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import * as z from 'zod';
import type { Resources, StorageOptions } from '../agent/props';
import { buildMonitor } from '../agent/monitors';
import { applyStage, Stage } from '../output/stages';
import { basicAuthAnnotations, basicAuthMiddleware, type BasicAuthIngress } from '../ingress-auth';
import { toYaml } from '../output/yaml';
import { podScheduling, type NodePoolOptions, type PodScheduling, type SchedulingOptions } from '../scheduling';
import { THANOS_IMAGE } from '../versions';
import { imagePullSecrets, mirroredImage, type AirgapImageOptions } from '../airgap/airgap';
import { disruptionBudget } from '../k8s';
import { containerResources, finishService, finishWorkload } from '../workload';
import { compareStrings } from '../compare';
import { THANOS_DEFAULTS } from './thanos-defaults';
import { defaultResources } from '../resource-defaults';
import { formatPath, validate, ValidationError } from '../inventory/errors';
import { isPrevalidated, namespaceProp } from '../inventory/props';
import { airgapSettings, central, centralThanos, clusterConfigShape, sidecarExposure } from '../inventory/schema';
import { thanosComponentProblems } from './thanos-checks';

/** The central Thanos's settings (the inventory's `central.thanos`). */
export interface CentralThanosOptions extends SchedulingOptions {
  /** Existing Secret with the objstore YAML (S3, GCS, AZURE, FILESYSTEM), in the Thanos namespace. */
  readonly objectStorageSecret: {
    readonly name: string;
    /** Key holding the objstore YAML. @default 'objstore.yml' */
    readonly key?: string;
  };
  /**
   * Existing Secret with Query's client certificate (tls.crt, tls.key) and the sidecars' CA (ca.crt).
   * @default 'thanos-grpc-client'
   */
  readonly grpcClientTlsSecret?: string;
  /** Query. @default - see its fields */
  readonly query?: {
    /** @default 2 */
    readonly replicas?: number;
    /** Requests and limits of each pod; they replace the default as a whole. @default { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2Gi' } } */
    readonly resources?: Resources;
  };
  /** Query Frontend. @default - see its fields */
  readonly queryFrontend?: {
    /** @default 2 */
    readonly replicas?: number;
    /** In-memory results cache of each replica. @default '512MB' */
    readonly cacheSize?: string;
    /** Requests and limits of each pod; they replace the default as a whole. @default { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } } */
    readonly resources?: Resources;
  };
  /** Store Gateway. @default - see its fields */
  readonly store?: {
    /** @default 1 */
    readonly replicas?: number;
    /** In-memory index cache. @default '1GB' */
    readonly indexCacheSize?: string;
    /** Its cache of index headers (safe to lose). @default { size: '20Gi' } */
    readonly storage?: StorageOptions;
    /** Requests and limits of each pod; they replace the default as a whole. @default { requests: { cpu: '200m', memory: '1Gi' }, limits: { memory: '4Gi' } } */
    readonly resources?: Resources;
  };
  /** Compactor. @default - see its fields */
  readonly compactor?: {
    /** Retention per resolution. @default - see its fields */
    readonly retention?: {
      /** Raw samples. @default '30d' */
      readonly raw?: string;
      /** 5-minute downsampled data. @default '90d' */
      readonly fiveMinutes?: string;
      /** 1-hour downsampled data. @default '1y' */
      readonly oneHour?: string;
    };
    /** @default true */
    readonly downsampling?: boolean;
    /** Its work space. @default { size: '100Gi' } */
    readonly storage?: StorageOptions;
    /** Requests and limits of each pod; they replace the default as a whole. @default { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '8Gi' } } */
    readonly resources?: Resources;
  };
  /** Thanos Receive, for clusters that push with remote write. @default - present only when a cluster pushes */
  readonly receive?: {
    /** @default 1 */
    readonly replicas?: number;
    /** Copies of each sample across replicas (odd, at most `replicas`). @default 1 */
    readonly replicationFactor?: number;
    /** How long each replica keeps samples locally after upload. @default '1d' */
    readonly retention?: string;
    /** @default { size: '50Gi' } */
    readonly storage?: StorageOptions;
    /** Requests and limits of each pod; they replace the default as a whole. @default { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '8Gi' } } */
    readonly resources?: Resources;
    /** Where the remote-write clusters push, with TLS and basic authentication. @default - none: no Receive Ingress (the inventory requires one when a cluster uses remote-write) */
    readonly ingress?: {
      readonly host: string;
      /** Ingress controller that enforces basic auth. @default - the platform's (traefik on k3s and RKE2, nginx elsewhere) */
      readonly controller?: 'traefik' | 'nginx';
      /** @default - the cluster's default class */
      readonly ingressClassName?: string;
      readonly tlsSecretName: string;
      readonly basicAuthSecretName: string;
    };
  };
}

export interface CentralThanosProps extends CentralThanosOptions {
  /** The namespace of Grafana and Thanos. */
  readonly namespace: string;
  /** The central cluster's name (in the errors about these props). @default - the errors name only the construct */
  readonly cluster?: string;
  /** The remote sidecars: the address Query dials (`host:port`) and the TLS server name, by cluster. */
  readonly sidecars: readonly { readonly cluster: string; readonly address: string; readonly serverName: string }[];
  /**
   * The in-cluster StoreAPI Service of the central cluster's own sidecar (`<svc>.<ns>`), if it runs one.
   * @default - none: Query reaches the remote sidecars, the Store Gateway and a Receive only
   */
  readonly localSidecarService?: string;
  /** Run a Receive (some cluster pushes with remote write). */
  readonly withReceive: boolean;
  /** The central cluster's node pools (for `nodePool`). @default - none: a `nodePool` setting is an error */
  readonly nodePools?: Readonly<Record<string, NodePoolOptions>>;
  /** The central cluster's default ingress controller. */
  readonly ingressController: 'traefik' | 'nginx';
  /** ServiceMonitors for the components (the central cluster is monitored: its Prometheus scrapes them). */
  readonly selfMonitoring: boolean;
  /** The central cluster's image mirror and pull Secrets. @default - see its fields (each image's own registry, no pull Secrets) */
  readonly images?: AirgapImageOptions;
}

const HOST = sidecarExposure.options[0].shape.address;

/**
 * The props' schema: the inventory's `central.thanos` (less Grafana's `clusterDatasources`), and what the fleet hands
 * on. The checks of what Thanos refuses at start ({@link thanosComponentProblems}) follow it.
 */
export const CENTRAL_THANOS_PROPS = centralThanos.omit({ clusterDatasources: true }).extend({
  namespace: namespaceProp,
  cluster: central.shape.cluster
    .optional()
    .describe(
      "The central cluster's name, in the errors about these props. Default: the errors name only the construct.",
    ),
  sidecars: z.array(
    z.strictObject({
      cluster: clusterConfigShape.shape.name,
      address: z
        .string()
        .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:[0-9]{1,5}$/, { error: 'host:port, the address Query dials' }),
      serverName: HOST,
    }),
  ),
  localSidecarService: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
      error: 'a Service and its namespace, <service>.<namespace>',
    })
    .optional(),
  withReceive: z.boolean(),
  nodePools: clusterConfigShape.shape.nodePools,
  ingressController: z.enum(['traefik', 'nginx']),
  selfMonitoring: z.boolean(),
  images: airgapSettings.shape.images,
});

export const THANOS = {
  query: 'thanos-query',
  queryFrontend: 'thanos-query-frontend',
  store: 'thanos-store',
  compact: 'thanos-compact',
  receive: 'thanos-receive',
} as const;

/** The replica labels Query deduplicates on: Prometheus HA pairs (the operator's) and Receive's replicas. */
export const REPLICA_LABELS = ['prometheus_replica', 'receive_replica'] as const;

/** Query Frontend's port, Grafana's datasource URL `http://thanos-query-frontend.<ns>.svc:9090`. */
export const QUERY_FRONTEND_PORT = 9090;
const QUERY_HTTP = 9090;
const GRPC = 10901;
const HTTP = 10902;
const REMOTE_WRITE = 19291;
const CLIENT_TLS_MOUNT = '/etc/thanos/grpc-client';
const ENDPOINTS_MOUNT = '/etc/thanos/endpoints';
const HASHRING_MOUNT = '/var/lib/thanos-receive';

/** The Thanos Query Frontend's in-cluster URL, for Grafana's datasource. */
export function queryFrontendUrl(namespace: string): string {
  return `http://${THANOS.queryFrontend}.${namespace}.svc:${QUERY_FRONTEND_PORT}`;
}

/**
 * The central Thanos, modelled on thanos-io/kube-thanos with the official image: Query (over every sidecar, the
 * Store Gateway and Receive, deduplicating replicas), Query Frontend (splitting and caching range queries; Grafana's
 * datasource), Store Gateway (the bucket's blocks), Compactor (one replica: compaction, downsampling, retention per
 * resolution) and, when a cluster pushes, Receive (remote write, behind an Ingress with TLS and basic auth). Object
 * storage comes only from the existing Secret; remote sidecars are reached over TLS with Query's client certificate.
 */
export class CentralThanos extends Construct {
  public readonly namespace: string;
  /** The YAML of Query's endpoint file (`--endpoint.sd-config-file`). */
  public readonly endpointConfig: string;
  private readonly images?: AirgapImageOptions;

  constructor(scope: Construct, id: string, props: CentralThanosProps) {
    super(scope, id);
    // No cluster in the props: the errors name the construct alone.
    const subject = props.cluster === undefined ? 'CentralThanos' : `CentralThanos "${props.cluster}"`;
    if (!isPrevalidated(props)) {
      validate(CENTRAL_THANOS_PROPS, props, subject, { prefix: 'props.' });
      const problems = thanosComponentProblems(props);
      if (problems.length > 0)
        throw new ValidationError(
          subject,
          problems.map((p) => `props.${formatPath(p.path)}: ${p.text}`),
        );
    }
    this.images = props.images;
    const ns = props.namespace;
    this.namespace = ns;
    const pools = props.nodePools ?? {};
    const scheduling = podScheduling(props, pools, { subject, path: 'props' });
    const objstore = kplus.EnvValue.fromSecretValue(
      {
        secret: kplus.Secret.fromSecretName(this, 'ObjstoreSecret', props.objectStorageSecret.name),
        key: props.objectStorageSecret.key ?? THANOS_DEFAULTS.objectStorageKey,
      },
      { optional: false },
    );

    // Query's endpoints: in-cluster Services by DNS SRV (plain gRPC), each remote sidecar by address with TLS.
    const inCluster = [
      `dnssrv+_grpc._tcp.${THANOS.store}.${ns}.svc`,
      ...(props.withReceive ? [`dnssrv+_grpc._tcp.${THANOS.receive}.${ns}.svc`] : []),
      ...(props.localSidecarService ? [`dnssrv+_grpc._tcp.${props.localSidecarService}.svc`] : []),
    ];
    const remote = [...props.sidecars].sort((a, b) => compareStrings(a.cluster, b.cluster));
    this.endpointConfig = toYaml({
      endpoints: [
        ...inCluster.map((address) => ({ address })),
        ...remote.map((s) => ({
          address: s.address,
          client_config: {
            tls_config: {
              cert_file: `${CLIENT_TLS_MOUNT}/tls.crt`,
              key_file: `${CLIENT_TLS_MOUNT}/tls.key`,
              ca_file: `${CLIENT_TLS_MOUNT}/ca.crt`,
            },
            server_name: s.serverName,
          },
        })),
      ],
    });
    const endpoints = new kplus.ConfigMap(this, 'QueryEndpoints', {
      metadata: { name: `${THANOS.query}-endpoints`, namespace: ns, labels: labelsOf(THANOS.query) },
      data: { 'endpoints.yaml': this.endpointConfig },
    });
    stage(endpoints);

    // Query.
    const queryVolumes: Mount[] = [
      { volume: kplus.Volume.fromConfigMap(this, 'EndpointsVolume', endpoints), path: ENDPOINTS_MOUNT },
    ];
    if (remote.length > 0) {
      const secret = kplus.Secret.fromSecretName(
        this,
        'ClientTls',
        props.grpcClientTlsSecret ?? THANOS_DEFAULTS.grpcClientTlsSecret,
      );
      queryVolumes.push({ volume: kplus.Volume.fromSecret(this, 'ClientTlsVolume', secret), path: CLIENT_TLS_MOUNT });
    }
    const query = this.deployment(THANOS.query, {
      replicas: props.query?.replicas ?? THANOS_DEFAULTS.query.replicas,
      args: [
        'query',
        `--grpc-address=0.0.0.0:${GRPC}`,
        `--http-address=0.0.0.0:${QUERY_HTTP}`,
        '--log.format=logfmt',
        ...REPLICA_LABELS.map((l) => `--query.replica-label=${l}`),
        `--endpoint.sd-config-file=${ENDPOINTS_MOUNT}/endpoints.yaml`,
        '--endpoint.sd-config-reload-interval=1m',
        '--query.timeout=5m',
        '--query.auto-downsampling',
        // A cluster that does not answer leaves a gap, not an error for the whole fleet.
        '--query.partial-response',
      ],
      ports: [
        { name: 'grpc', number: GRPC },
        { name: 'http', number: QUERY_HTTP },
      ],
      httpPort: QUERY_HTTP,
      resources: props.query?.resources ?? defaultResources('thanosQuery'),
      mounts: queryVolumes,
      scheduling,
    });
    this.service(THANOS.query, query, [
      { name: 'grpc', port: GRPC },
      { name: 'http', port: QUERY_HTTP },
    ]);

    // Query Frontend: Grafana's datasource.
    const cache = props.queryFrontend?.cacheSize ?? THANOS_DEFAULTS.queryFrontend.cacheSize;
    const frontend = this.deployment(THANOS.queryFrontend, {
      replicas: props.queryFrontend?.replicas ?? THANOS_DEFAULTS.queryFrontend.replicas,
      args: [
        'query-frontend',
        `--http-address=0.0.0.0:${QUERY_FRONTEND_PORT}`,
        '--log.format=logfmt',
        `--query-frontend.downstream-url=http://${THANOS.query}.${ns}.svc:${QUERY_HTTP}`,
        '--query-range.split-interval=24h',
        '--labels.split-interval=24h',
        '--query-range.max-retries-per-request=5',
        '--labels.max-retries-per-request=5',
        '--query-frontend.compress-responses',
        '--query-frontend.log-queries-longer-than=10s',
        `--query-range.response-cache-config=${inMemoryCache(cache)}`,
        `--labels.response-cache-config=${inMemoryCache('64MB')}`,
      ],
      ports: [{ name: 'http', number: QUERY_FRONTEND_PORT }],
      httpPort: QUERY_FRONTEND_PORT,
      resources: props.queryFrontend?.resources ?? defaultResources('thanosQueryFrontend'),
      mounts: [],
      scheduling,
    });
    this.service(THANOS.queryFrontend, frontend, [{ name: 'http', port: QUERY_FRONTEND_PORT }]);

    // Store Gateway.
    const store = this.statefulSet(
      THANOS.store,
      {
        replicas: props.store?.replicas ?? THANOS_DEFAULTS.store.replicas,
        args: [
          'store',
          `--grpc-address=0.0.0.0:${GRPC}`,
          `--http-address=0.0.0.0:${HTTP}`,
          '--log.format=logfmt',
          '--data-dir=/var/thanos/store',
          '--objstore.config=$(OBJSTORE_CONFIG)',
          '--ignore-deletion-marks-delay=24h',
          `--index-cache.config=${inMemoryCache(props.store?.indexCacheSize ?? THANOS_DEFAULTS.store.indexCacheSize)}`,
        ],
        env: { OBJSTORE_CONFIG: objstore },
        ports: [
          { name: 'grpc', number: GRPC },
          { name: 'http', number: HTTP },
        ],
        httpPort: HTTP,
        resources: props.store?.resources ?? defaultResources('thanosStore'),
        data: {
          path: '/var/thanos/store',
          storage: props.store?.storage ?? { size: THANOS_DEFAULTS.store.storageSize },
        },
        mounts: [],
        scheduling,
      },
      [
        { name: 'grpc', port: GRPC },
        { name: 'http', port: HTTP },
      ],
    );
    void store;

    // Compactor: one replica per bucket, always.
    const retention = props.compactor?.retention ?? {};
    const compact = this.statefulSet(
      THANOS.compact,
      {
        replicas: 1,
        args: [
          'compact',
          '--wait',
          '--wait-interval=5m',
          `--http-address=0.0.0.0:${HTTP}`,
          '--log.format=logfmt',
          '--data-dir=/var/thanos/compact',
          '--objstore.config=$(OBJSTORE_CONFIG)',
          `--retention.resolution-raw=${retention.raw ?? THANOS_DEFAULTS.compactor.retention.raw}`,
          `--retention.resolution-5m=${retention.fiveMinutes ?? THANOS_DEFAULTS.compactor.retention.fiveMinutes}`,
          `--retention.resolution-1h=${retention.oneHour ?? THANOS_DEFAULTS.compactor.retention.oneHour}`,
          '--delete-delay=48h',
          '--compact.concurrency=1',
          '--downsample.concurrency=1',
          ...((props.compactor?.downsampling ?? THANOS_DEFAULTS.compactor.downsampling)
            ? []
            : ['--downsampling.disable']),
        ],
        env: { OBJSTORE_CONFIG: objstore },
        ports: [{ name: 'http', number: HTTP }],
        httpPort: HTTP,
        resources: props.compactor?.resources ?? defaultResources('thanosCompactor'),
        data: {
          path: '/var/thanos/compact',
          storage: props.compactor?.storage ?? { size: THANOS_DEFAULTS.compactor.storageSize },
        },
        // The block repair writes a temporary folder under /tmp; the root file system is read-only.
        mounts: [{ volume: kplus.Volume.fromEmptyDir(this, 'CompactTmp', 'tmp'), path: '/tmp', writable: true }],
        scheduling,
      },
      [{ name: 'http', port: HTTP }],
    );
    void compact;

    if (props.withReceive) this.receive(props, objstore, scheduling);

    if (props.selfMonitoring) {
      for (const name of Object.values(THANOS)) {
        if (name === THANOS.receive && !props.withReceive) continue;
        const monitor = buildMonitor(this, 'ServiceMonitor', name, ns, {
          selector: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'cmm' },
          port: 'http',
          path: '/metrics',
        });
        applyStage(monitor, Stage.CUSTOM_RESOURCES);
      }
    }
  }

  /** Receive (router and ingester in one), its hashring, Services and the Ingress the clusters push to. */
  private receive(props: CentralThanosProps, objstore: kplus.EnvValue, scheduling: PodScheduling): void {
    const ns = this.namespace;
    const r = props.receive ?? {};
    const replicas = r.replicas ?? THANOS_DEFAULTS.receive.replicas;
    // Each replica is one hashring endpoint: <pod>.<headless Service>.<namespace>.svc:10901, which is also what
    // --receive.local-endpoint says.
    const hashring = new kplus.ConfigMap(this, 'Hashring', {
      metadata: { name: `${THANOS.receive}-hashrings`, namespace: ns, labels: labelsOf(THANOS.receive) },
      data: {
        'hashrings.json': `${JSON.stringify(
          [
            {
              hashring: 'default',
              endpoints: Array.from(
                { length: replicas },
                (_, i) => `${THANOS.receive}-${i}.${THANOS.receive}.${ns}.svc:${GRPC}`,
              ),
            },
          ],
          null,
          2,
        )}\n`,
      },
    });
    stage(hashring);
    const receive = this.statefulSet(
      THANOS.receive,
      {
        replicas,
        args: [
          'receive',
          `--grpc-address=0.0.0.0:${GRPC}`,
          `--http-address=0.0.0.0:${HTTP}`,
          `--remote-write.address=0.0.0.0:${REMOTE_WRITE}`,
          '--log.format=logfmt',
          '--tsdb.path=/var/thanos/receive',
          `--tsdb.retention=${r.retention ?? THANOS_DEFAULTS.receive.retention}`,
          '--objstore.config=$(OBJSTORE_CONFIG)',
          // A label per replica, so Query deduplicates replicated samples; Thanos wants the value quoted.
          '--label=receive_replica="$(NAME)"',
          `--receive.replication-factor=${r.replicationFactor ?? THANOS_DEFAULTS.receive.replicationFactor}`,
          `--receive.local-endpoint=$(NAME).${THANOS.receive}.$(NAMESPACE).svc:${GRPC}`,
          `--receive.hashrings-file=${HASHRING_MOUNT}/hashrings.json`,
          '--receive.hashrings-algorithm=ketama',
        ],
        env: {
          NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
          NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
          OBJSTORE_CONFIG: objstore,
        },
        ports: [
          { name: 'grpc', number: GRPC },
          { name: 'http', number: HTTP },
          { name: 'remote-write', number: REMOTE_WRITE },
        ],
        httpPort: HTTP,
        resources: r.resources ?? defaultResources('thanosReceive'),
        data: { path: '/var/thanos/receive', storage: r.storage ?? { size: THANOS_DEFAULTS.receive.storageSize } },
        mounts: [{ volume: kplus.Volume.fromConfigMap(this, 'HashringVolume', hashring), path: HASHRING_MOUNT }],
        scheduling,
        // Receive flushes its head block to the bucket on shutdown.
        terminationGracePeriod: Duration.minutes(15),
      },
      [
        { name: 'grpc', port: GRPC },
        { name: 'http', port: HTTP },
        { name: 'remote-write', port: REMOTE_WRITE },
      ],
    );
    const ingest = this.service(`${THANOS.receive}-ingest`, receive, [{ name: 'remote-write', port: REMOTE_WRITE }]);

    const ing = r.ingress;
    if (!ing) return;
    const auth: BasicAuthIngress = {
      controller: ing.controller ?? props.ingressController,
      namespace: ns,
      middleware: 'cmm-thanos-receive-basic-auth',
      secretName: ing.basicAuthSecretName,
      realm: 'Thanos Receive',
    };
    const annotations: Record<string, string> = {
      ...basicAuthAnnotations(auth),
      // A cluster that was cut off sends large batches when it catches up.
      ...(auth.controller === 'nginx' ? { 'nginx.ingress.kubernetes.io/proxy-body-size': '32m' } : {}),
    };
    basicAuthMiddleware(this, 'ReceiveBasicAuth', auth);
    const ingress = new ApiObject(this, 'ReceiveIngress', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: THANOS.receive, namespace: ns, labels: labelsOf(THANOS.receive), annotations },
      spec: {
        ...(ing.ingressClassName ? { ingressClassName: ing.ingressClassName } : {}),
        tls: [{ hosts: [ing.host], secretName: ing.tlsSecretName }],
        rules: [
          {
            host: ing.host,
            http: {
              // The push path only: Receive's other HTTP endpoints stay inside the cluster.
              paths: [
                {
                  path: '/api/v1/receive',
                  pathType: 'Exact',
                  backend: { service: { name: ingest.name, port: { number: REMOTE_WRITE } } },
                },
              ],
            },
          },
        ],
      },
    });
    applyStage(ingress, Stage.SETUP);
  }

  private deployment(name: string, o: WorkloadOptions): kplus.Deployment {
    const d = new kplus.Deployment(this, name, {
      metadata: { name, namespace: this.namespace, labels: labelsOf(name) },
      replicas: o.replicas,
      select: false,
      podMetadata: { labels: labelsOf(name) },
      securityContext: POD_SECURITY,
      automountServiceAccountToken: false,
      containers: [this.container(name, o)],
    });
    d.select(kplus.LabelSelector.of({ labels: selectorOf(name) }));
    this.finish(d, o);
    return d;
  }

  private statefulSet(
    name: string,
    o: WorkloadOptions,
    ports: readonly { name: string; port: number }[],
  ): kplus.StatefulSet {
    // The governing Service: headless, one DNS name per pod (the hashring's, Query's DNS SRV lookups).
    const headless = this.service(name, undefined, ports, true);
    const s = new kplus.StatefulSet(this, name, {
      metadata: { name, namespace: this.namespace, labels: labelsOf(name) },
      replicas: o.replicas,
      select: false,
      service: headless,
      podMetadata: { labels: labelsOf(name) },
      securityContext: POD_SECURITY,
      automountServiceAccountToken: false,
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      containers: [this.container(name, o)],
      ...(o.terminationGracePeriod ? { terminationGracePeriod: o.terminationGracePeriod } : {}),
    });
    s.select(kplus.LabelSelector.of({ labels: selectorOf(name) }));
    // cdk8s-plus selects the governing Service's pods by a label of its own; ours are enough.
    ApiObject.of(headless).addJsonPatch(JsonPatch.remove('/spec/selector/cdk8s.io~1metadata.addr'));
    const api = ApiObject.of(s);
    if (o.data) {
      api.addJsonPatch(
        JsonPatch.add('/spec/volumeClaimTemplates', [
          {
            metadata: { name: 'data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              // As the generated StatefulSet type converts it: a Quantity.
              resources: { requests: { storage: k8s.Quantity.fromString(o.data.storage.size) } },
              ...(o.data.storage.storageClass ? { storageClassName: o.data.storage.storageClass } : {}),
            },
          },
        ]),
        o.mounts.length > 0
          ? JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'data', mountPath: o.data.path })
          : JsonPatch.add('/spec/template/spec/containers/0/volumeMounts', [{ name: 'data', mountPath: o.data.path }]),
      );
    }
    this.finish(s, o);
    return s;
  }

  private container(name: string, o: WorkloadOptions): kplus.ContainerProps {
    return {
      name,
      image: mirroredImage(THANOS_IMAGE, this.images?.registry),
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: o.args,
      ports: o.ports.map((p) => ({ name: p.name, number: p.number })),
      envVariables: o.env ?? {},
      resources: containerResources(o.resources),
      liveness: kplus.Probe.fromHttpGet('/-/healthy', {
        port: o.httpPort,
        periodSeconds: Duration.seconds(30),
        failureThreshold: 4,
      }),
      readiness: kplus.Probe.fromHttpGet('/-/ready', {
        port: o.httpPort,
        periodSeconds: Duration.seconds(5),
        failureThreshold: 20,
      }),
      securityContext: { ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      volumeMounts: o.mounts.map((m) => ({ path: m.path, volume: m.volume, readOnly: !m.writable })),
    };
  }

  private finish(workload: kplus.Deployment | kplus.StatefulSet, o: WorkloadOptions): void {
    finishWorkload(workload, o.scheduling);
    const secrets = imagePullSecrets(this.images);
    if (secrets) ApiObject.of(workload).addJsonPatch(JsonPatch.add('/spec/template/spec/imagePullSecrets', secrets));
    if (o.replicas > 1)
      disruptionBudget(this, workload.name, this.namespace, labelsOf(workload.name), selectorOf(workload.name));
  }

  private service(
    name: string,
    workload: kplus.Deployment | kplus.StatefulSet | undefined,
    ports: readonly { name: string; port: number }[],
    headless = false,
  ): kplus.Service {
    const component = workload?.name ?? name;
    const svc = new kplus.Service(this, `Service-${name}`, {
      metadata: { name, namespace: this.namespace, labels: labelsOf(component) },
      ...(headless ? { clusterIP: 'None' } : {}),
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port })),
    });
    for (const [k, v] of Object.entries(selectorOf(component))) svc.selectLabel(k, v);
    finishService(svc);
    return svc;
  }
}

interface Mount {
  readonly volume: kplus.Volume;
  readonly path: string;
  /** @default false */
  readonly writable?: boolean;
}

interface WorkloadOptions {
  readonly replicas: number;
  readonly args: string[];
  readonly env?: Record<string, kplus.EnvValue>;
  readonly ports: readonly { name: string; number: number }[];
  readonly httpPort: number;
  readonly resources: Resources;
  readonly data?: { readonly path: string; readonly storage: StorageOptions };
  readonly mounts: readonly Mount[];
  readonly scheduling: PodScheduling;
  readonly terminationGracePeriod?: Duration;
}

const POD_SECURITY: kplus.PodSecurityContextProps = {
  user: 65534,
  group: 65532,
  fsGroup: 65534,
  ensureNonRoot: true,
  fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
};

function labelsOf(name: string): Record<string, string> {
  return { ...selectorOf(name), 'app.kubernetes.io/part-of': 'cmm', 'app.kubernetes.io/managed-by': 'cmm' };
}

function selectorOf(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'cmm' };
}

/** An in-memory cache, as the flag's inline YAML: `{type: IN-MEMORY, config: {max_size: 512MB}}`. */
function inMemoryCache(size: string): string {
  return `{type: IN-MEMORY, config: {max_size: ${size}}}`;
}

function stage(construct: Construct): void {
  applyStage(ApiObject.of(construct), Stage.SETUP);
}
