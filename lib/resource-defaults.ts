/**
 * Resource requests and limits of every container CMM places whose chart sets none, and where each figure comes
 * from. A component's `resources` setting (where the inventory has one) replaces its default as a whole.
 *
 * CPU: requests only, no limits. A CPU limit throttles a process that has the node's CPU to spare (the CFS quota),
 * which shows as slow scrapes, rule evaluations and reloads at exactly the moments of load; the request already
 * reserves the share the scheduler counts on. Memory: a limit on everything but Prometheus, so a leak is killed
 * and restarted instead of taking the node down. Prometheus gets a request and no limit: its memory follows the
 * series it holds (which grow with the cluster), and an OOM kill mid-compaction restarts it into a WAL replay that
 * needs the same memory again, a loop with no metrics and no alerts; its memory is watched by CMM's own rules
 * instead. Set `prometheus.resources.limits.memory` to cap it (the example fleet's edge-1 and kafka-prod do).
 */
import type { Resources } from './agent/props';

/** A default, and where its figures come from. */
export interface ResourceDefault {
  readonly resources: Resources;
  readonly source: string;
}

const KPS = 'kube-prometheus-stack 88.5.3 values.yaml, commented example';

export const RESOURCE_DEFAULTS = {
  prometheus: {
    resources: { requests: { cpu: '100m', memory: '400Mi' } },
    source: `memory: ${KPS} (prometheus.prometheusSpec.resources); cpu: CMM's (a small cluster's Prometheus at a 30s interval); no limit (see above)`,
  },
  alertmanager: {
    resources: { requests: { cpu: '10m', memory: '100Mi' }, limits: { memory: '256Mi' } },
    source:
      "kube-prometheus (jsonnet) alertmanager: requests 4m/100Mi, limit 100Mi; CMM's: 10m, and a 256Mi limit for bursts of alerts and silences",
  },
  configReloader: {
    resources: { requests: { cpu: '10m', memory: '50Mi' }, limits: { memory: '50Mi' } },
    source:
      "prometheus-operator's own defaults (--config-reloader-cpu-request=10m, --config-reloader-memory-request and -limit=50Mi), which kube-prometheus-stack replaces with 0 (none) unless set; no CPU limit",
  },
  operator: {
    resources: { requests: { cpu: '100m', memory: '100Mi' }, limits: { memory: '200Mi' } },
    source: `${KPS} (prometheusOperator.resources: requests 100m/100Mi, limits 200m/200Mi), without the CPU limit`,
  },
  kubeStateMetrics: {
    resources: { requests: { cpu: '10m', memory: '190Mi' }, limits: { memory: '512Mi' } },
    source:
      "request: kube-prometheus (jsonnet) kube-state-metrics (10m/190Mi; the chart's example, 32Mi/64Mi, is too small past a few hundred pods); limit: CMM's 512Mi, not kube-prometheus' 250Mi, which is all of kube-state-metrics' own rule of thumb (its README: allocate 250MiB; its memory grows with the objects of the cluster, roughly with its nodes; v1.x's README, past 100 nodes: 200MiB plus 2MiB per node); no CPU limit (a throttled kube-state-metrics queues and grows)",
  },
  nodeExporter: {
    resources: { requests: { cpu: '50m', memory: '30Mi' }, limits: { memory: '180Mi' } },
    source:
      "request memory: prometheus-node-exporter 4.56.1 values.yaml, commented example (30Mi); limit: kube-prometheus (jsonnet) node-exporter (180Mi); cpu: CMM's, half the example's 100m, as it is reserved on every node",
  },
  thanosSidecar: {
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    source:
      "CMM's (neither the chart nor the operator sets any): it uploads blocks and answers the central Query's StoreAPI calls, streaming series",
  },
  jobs: {
    resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    source:
      "CMM's: the CRD upgrade Job (kubectl apply of the operator's CRDs) and the admission webhook's certificate Jobs, which run for seconds",
  },
  grafana: {
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    source:
      "requests: grafana 12.11.1 values.yaml, commented example (100m/128Mi); limit: CMM's, 4× the request, headroom for provisioning dashboards and evaluating alert rules",
  },
  sidecar: {
    resources: { requests: { cpu: '50m', memory: '50Mi' }, limits: { memory: '100Mi' } },
    source:
      "grafana 12.11.1 values.yaml, commented example (sidecar.resources), without the CPU limit: Grafana's and Loki's k8s-sidecars, Grafana's dashboard download, the Loki gateway's log exporter",
  },
  loki: {
    resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '2Gi' } },
    source:
      "CMM's (the chart has none): one Loki process (Monolithic) for a few clusters' logs, or each distributed ingester; the limit leaves room for a wide query. central.loki.resources replaces it; the WAL replay is capped below the limit (lokiReplayMemoryCeiling)",
  },
  lokiComponent: {
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
    source:
      "CMM's (the chart has none): each distributed Loki component but the ingesters (which take the single process's figures); central.loki.componentResources replaces it",
  },
  lokiGateway: {
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
    source: "CMM's (the chart has none): nginx proxying the push and query API",
  },
  karma: {
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    source:
      "CMM's: one Go process holding the alerts and silences of every Alertmanager; each figure given replaces its own",
  },
  thanosQuery: {
    resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2Gi' } },
    source:
      "CMM's (CentralThanos; kube-thanos sets none): each Query replica merges the series of every StoreAPI it fans out to; the limit leaves room for a wide query",
  },
  thanosQueryFrontend: {
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
    source:
      "CMM's (CentralThanos; kube-thanos sets none): it splits and caches queries; the limit holds its in-memory results cache (512MB by default) with headroom",
  },
  thanosStore: {
    resources: { requests: { cpu: '200m', memory: '1Gi' }, limits: { memory: '4Gi' } },
    source:
      "CMM's (CentralThanos; kube-thanos sets none): the Store Gateway holds its in-memory index cache (1GB by default) and the index headers of the bucket's blocks",
  },
  thanosCompactor: {
    resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '8Gi' } },
    source:
      "CMM's (CentralThanos; kube-thanos sets none): compaction and downsampling load whole blocks; its memory grows with the largest block's series",
  },
  thanosReceive: {
    resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '8Gi' } },
    source:
      "CMM's (CentralThanos; kube-thanos sets none): each Receive replica holds the pushed head block (a Prometheus TSDB head) of the clusters that push",
  },
  alloy: {
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    source:
      "CMM's (the chart has none): one Alloy tailing a node's pod logs; its memory grows with the number of files it follows",
  },
} as const satisfies Record<string, ResourceDefault>;

/** A copy of a default's resources, for a chart's values. */
export function defaultResources(component: keyof typeof RESOURCE_DEFAULTS): {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
} {
  return structuredClone(RESOURCE_DEFAULTS[component].resources) as {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
}

const QUANTITY_FACTORS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

/** The bytes of a Kubernetes memory quantity (`2Gi`, `1.5G`, `512Mi`, `1073741824`). */
export function quantityBytes(quantity: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(quantity);
  if (!m) throw new Error(`a memory quantity such as "2Gi" or "512Mi", got ${JSON.stringify(quantity)}`);
  return Number(m[1]) * QUANTITY_FACTORS[m[2] ?? ''];
}

/** The share of a Loki ingester's memory limit its WAL replay may fill before it flushes. */
export const LOKI_REPLAY_SHARE = 0.75;

/**
 * Loki's `ingester.wal.replay_memory_ceiling` for a memory limit: 75% of it, in Loki's binary megabytes ("1536MB" is
 * 1536 MiB: Loki reads sizes with c2h5oh/datasize, where 1 MB is 1024 KB). Past the ceiling a replay flushes what it
 * has read instead of reading on; Loki's default, 4GB, is above any limit CMM sets, so an OOM-killed ingester would be
 * killed again by its own replay. Undefined without a memory limit (nothing kills the replay then).
 */
export function lokiReplayMemoryCeiling(resources: Resources | undefined): string | undefined {
  const limit = resources?.limits?.memory;
  if (limit === undefined) return undefined;
  return `${Math.max(1, Math.floor((quantityBytes(limit) * LOKI_REPLAY_SHARE) / 1024 ** 2))}MB`;
}
