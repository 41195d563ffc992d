// The active series a cluster's Prometheus keeps, before and after CMM's default drop lists: an ESTIMATE from a
// per-metric-family model, not a measurement of a cluster. `npm run bench` prints it (`--series`: only it).
//
// Method: each family below is a metric name (or a group of names, where none of them is dropped by default) with its
// series per unit of the cluster (per cluster, node, pod, container, API server, CoreDNS pod...). A histogram family
// counts (label sets) × (buckets + 1 for +Inf), after the drops the chart's own ServiceMonitors already make. The
// default drop lists (lib/agent/cardinality.ts) are applied to the family names by the same matching code the tests
// use (`isDroppedBy`: RE2, anchored). Figures marked "measured" were measured here; the others say where they come
// from, and label-set counts that depend on the workload are stated assumptions.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Cluster sizes estimated. containers: per pod (an assumption); workloads: Deployments, DaemonSets, ... */
export const SIZES = [
  { name: 'small', nodes: 10, pods: 300, containersPerPod: 1.5, apiServers: 1, coreDns: 2, workloads: 100, cpus: 4 },
  {
    name: 'large',
    nodes: 100,
    pods: 3000,
    containersPerPod: 1.5,
    apiServers: 3,
    coreDns: 4,
    workloads: 1000,
    cpus: 16,
  },
];

const K8S = 'Kubernetes v1.33 source, bucket list of the metric';
/**
 * The model. `per`: the unit the series count scales with; `series(size)`: series per unit. `source` says where
 * the figure comes from. Bucket families: label sets × (buckets + 1).
 */
export const FAMILIES = [
  // node-exporter: one target per node.
  {
    name: 'node_* (node-exporter, every family)',
    per: 'node',
    series: (s) => 507 + 8 * (s.cpus - 2),
    source:
      'measured: 507 series from Debian prometheus-node-exporter 1.5.0 on loopback here (2 CPUs, 4 interfaces, 20 mounts); + 8 node_cpu_seconds_total per further CPU',
  },
  // The kubelet's own /metrics: per node.
  {
    name: 'kubelet_http_requests_duration_seconds_bucket',
    per: 'node',
    series: () => 10 * 12,
    source: `${K8S} (DefBuckets, 11 + 1); 10 label sets (method, path, server_type) assumed`,
  },
  {
    name: 'kubelet_pod_start_sli_duration_seconds_bucket',
    per: 'node',
    series: () => 26,
    source: `${K8S} (25 + 1), no labels`,
  },
  {
    name: 'kubelet_pod_start_total_duration_seconds_bucket',
    per: 'node',
    series: () => 26,
    source: `${K8S} (25 + 1), no labels`,
  },
  {
    name: 'kubelet_image_pull_duration_seconds_bucket',
    per: 'node',
    series: () => 3 * 19,
    source: `${K8S} (18 + 1) × 3 image_size_in_bytes ranges seen, assumed`,
  },
  { name: 'kubelet_pod_status_sync_duration_seconds_bucket', per: 'node', series: () => 12, source: `${K8S} (11 + 1)` },
  {
    name: 'kubelet_evented_pleg_connection_latency_seconds_bucket',
    per: 'node',
    series: () => 0,
    source: 'none: evented PLEG is off by default (feature gate EventedPLEG)',
  },
  {
    name: 'kubelet_volume_metric_collection_duration_seconds_bucket',
    per: 'node',
    series: () => 12,
    source: `${K8S} (DefBuckets)`,
  },
  {
    name: 'rest_client_rate_limiter_duration_seconds_bucket',
    per: 'node',
    series: () => 5 * 13,
    source: `${K8S} (12 + 1) × 5 (verb, host) assumed, per kubelet`,
  },
  {
    name: 'rest_client_request_size_bytes_bucket',
    per: 'node',
    series: () => 5 * 12,
    source: `${K8S} (11 + 1) × 5 (verb, host) assumed, per kubelet`,
  },
  {
    name: 'rest_client_response_size_bytes_bucket',
    per: 'node',
    series: () => 5 * 12,
    source: `${K8S} (11 + 1) × 5 (verb, host) assumed, per kubelet`,
  },
  {
    name: 'kubelet_* and the rest of the kubelet (kept)',
    per: 'node',
    series: () => 900,
    source:
      'assumption: the kubelet /metrics less the families above, incl. the buckets CMM and the chart read (runtime operations, PLEG, pod worker, storage operations)',
  },
  // cAdvisor (the kubelet's /metrics/cadvisor), after the chart's own drops (container_spec_*, some fs and cpu).
  {
    name: 'container_* (cAdvisor, per container)',
    per: 'container',
    series: () => 35,
    source:
      "assumption: ~35 series per container left by the chart's cAdvisor drops (cpu, memory, fs per device, oom, processes, start time)",
  },
  {
    name: 'container_network_* (cAdvisor, per pod)',
    per: 'pod',
    series: () => 16,
    source: 'assumption: 8 network families × 2 (receive, transmit) on eth0, per pod',
  },
  // kube-state-metrics.
  {
    name: 'kube_pod_* (kube-state-metrics)',
    per: 'pod',
    series: (s) => 15 + 10 * s.containersPerPod,
    source: 'assumption: ~15 pod series (info, phase × 5, status, owner, ...) and ~10 per container',
  },
  {
    name: 'kube_node_* (kube-state-metrics)',
    per: 'node',
    series: () => 25,
    source: 'assumption: info, conditions (× 3 statuses), capacity and allocatable per resource, labels',
  },
  {
    name: 'kube_deployment_* etc. (kube-state-metrics)',
    per: 'workload',
    series: () => 15,
    source: 'assumption: spec and status series of each Deployment/DaemonSet/StatefulSet/ReplicaSet',
  },
  // The API server (per instance).
  {
    name: 'apiserver_request_duration_seconds_bucket',
    per: 'apiServer',
    series: (s) => (s.name === 'large' ? 1000 : 400) * 10,
    source:
      'kube-apiserver: 24 buckets, 14 of which the chart drops → 10; 400 (small) / 1000 (large, CRDs) label sets (verb, group, version, resource, subresource, scope, component) assumed',
  },
  {
    name: 'etcd_request_duration_seconds_bucket',
    per: 'apiServer',
    series: (s) => (s.name === 'large' ? 300 : 150) * 10,
    source: 'kube-apiserver: 24 buckets, 14 dropped by the chart → 10; 150 / 300 (operation, type) label sets assumed',
  },
  {
    name: 'apiserver_request_body_size_bytes_bucket',
    per: 'apiServer',
    series: (s) => (s.name === 'large' ? 150 : 60) * 32,
    source: `${K8S} (LinearBuckets(50000, 100000, 31) + 1); 60 / 150 (resource, verb) label sets assumed`,
  },
  {
    name: 'apiserver_response_sizes_bucket',
    per: 'apiServer',
    series: (s) => (s.name === 'large' ? 300 : 120) * 9,
    source: `${K8S} (ExponentialBuckets(1000, 10, 8) + 1); 120 / 300 label sets (read verbs) assumed`,
  },
  {
    name: 'apiserver_watch_events_sizes_bucket',
    per: 'apiServer',
    series: (s) => (s.name === 'large' ? 100 : 50) * 9,
    source: `${K8S} (ExponentialBuckets(1024, 2, 8) + 1) × 50 / 100 watched kinds assumed`,
  },
  {
    name: 'apiserver_watch_list_duration_seconds_bucket',
    per: 'apiServer',
    series: () => 10 * 18,
    source: `${K8S} (17 + 1) × 10 resources assumed`,
  },
  {
    name: 'apiserver_watch_cache_read_wait_seconds_bucket',
    per: 'apiServer',
    series: (s) => (s.name === 'large' ? 100 : 60) * 14,
    source: `${K8S} (13 + 1) × 60 / 100 resources assumed`,
  },
  {
    name: 'apiserver_admission_controller_admission_duration_seconds_bucket',
    per: 'apiServer',
    series: () => 60 * 7,
    source: `${K8S} (6 + 1) × 60 (name, operation, rejected, type) label sets assumed`,
  },
  {
    name: 'apiserver_admission_step_admission_duration_seconds_bucket',
    per: 'apiServer',
    series: () => 16 * 7,
    source: `${K8S} (6 + 1) × 16 (operation, rejected, type)`,
  },
  {
    name: 'apiserver_admission_webhook_admission_duration_seconds_bucket',
    per: 'apiServer',
    series: (s) => (s.name === 'large' ? 80 : 20) * 9,
    source: `${K8S} (8 + 1) × 20 / 80 (webhook, operation, ...) label sets assumed`,
  },
  {
    name: 'apiserver_request_filter_duration_seconds_bucket',
    per: 'apiServer',
    series: () => 6 * 14,
    source: `${K8S} (13 + 1) × 6 filters`,
  },
  {
    name: 'apiserver_flowcontrol_request_wait_duration_seconds_bucket',
    per: 'apiServer',
    series: () => 40 * 14,
    source: `${K8S} (13 + 1) × 40 (priority_level, flow_schema, execute) label sets assumed`,
  },
  {
    name: 'apiserver_flowcontrol_request_execution_seconds_bucket',
    per: 'apiServer',
    series: () => 40 * 14,
    source: `${K8S} (13 + 1) × 40 label sets assumed`,
  },
  {
    name: 'apiserver_flowcontrol_priority_level_request_utilization_bucket',
    per: 'apiServer',
    series: () => 16 * 11,
    source: `${K8S} (10 + 1) × 8 priority levels × 2 phases`,
  },
  {
    name: 'apiserver_flowcontrol_priority_level_seat_utilization_bucket',
    per: 'apiServer',
    series: () => 8 * 11,
    source: `${K8S} (10 + 1) × 8 priority levels`,
  },
  {
    name: 'apiserver_flowcontrol_read_vs_write_current_requests_bucket',
    per: 'apiServer',
    series: () => 4 * 11,
    source: `${K8S} (10 + 1) × 2 phases × 2 request kinds`,
  },
  {
    name: 'apiserver_flowcontrol_work_estimated_seats_bucket',
    per: 'apiServer',
    series: () => 8 * 5,
    source: `${K8S} (4 + 1) × 8 priority levels`,
  },
  {
    name: 'apiserver_flowcontrol_demand_seats_bucket',
    per: 'apiServer',
    series: () => 8 * 11,
    source: `${K8S} (10 + 1) × 8 priority levels`,
  },
  {
    name: 'authentication_duration_seconds_bucket',
    per: 'apiServer',
    series: () => 2 * 16,
    source: `${K8S} (ExponentialBuckets(0.001, 2, 15) + 1) × 2 results`,
  },
  {
    name: 'authorization_duration_seconds_bucket',
    per: 'apiServer',
    series: () => 3 * 16,
    source: `${K8S} (ExponentialBuckets(0.001, 2, 15) + 1) × 3 decisions`,
  },
  {
    name: 'field_validation_request_duration_seconds_bucket',
    per: 'apiServer',
    series: () => 3 * 11,
    source: `${K8S} (10 + 1) × 3 validation levels`,
  },
  {
    name: 'apiserver_crd_conversion_webhook_duration_seconds_bucket',
    per: 'apiServer',
    series: () => 0,
    source: 'none without CRD conversion webhooks (assumed here)',
  },
  {
    name: 'apiserver_* and the rest of the API server (kept)',
    per: 'apiServer',
    series: (s) => (s.name === 'large' ? 12000 : 6000),
    source:
      'assumption: request counters, SLI buckets (the chart keeps 10 of them; the SLO rules read them), etcd object counts, workqueue and Go metrics',
  },
  // Control-plane components (where scraped), CoreDNS, Prometheus itself.
  {
    name: 'scheduler_plugin_execution_duration_seconds_bucket',
    per: 'cluster',
    series: () => 80 * 21,
    source: `${K8S} (ExponentialBuckets(0.00001, 1.5, 20) + 1) × 80 (plugin, extension_point, status) label sets assumed; only where the scheduler is scraped`,
  },
  {
    name: 'scheduler_framework_extension_point_duration_seconds_bucket',
    per: 'cluster',
    series: () => 36 * 13,
    source: `${K8S} (ExponentialBuckets(0.0001, 2, 12) + 1) × 36 label sets assumed`,
  },
  {
    name: 'coredns_forward_request_duration_seconds_bucket',
    per: 'coreDns',
    series: () => 6 * 17,
    source: 'CoreDNS forward plugin (ExponentialBuckets(0.00025, 2, 16) + 1) × 6 (to, rcode) label sets assumed',
  },
  {
    name: 'coredns_health_request_duration_seconds_bucket',
    per: 'coreDns',
    series: () => 18,
    source: 'CoreDNS health plugin, 17 + 1 buckets assumed',
  },
  { name: 'coredns_* (the rest, kept)', per: 'coreDns', series: () => 400, source: 'assumption' },
  {
    name: 'prometheus_* (Prometheus itself)',
    per: 'cluster',
    series: () => 1000,
    source:
      "measured 320 for Prometheus 2.42 with 2 scrape jobs here; 1000 assumed for Prometheus 3 with the chart's ~15 jobs",
  },
  {
    name: 'up, scrape_* (Prometheus, per target)',
    per: 'target',
    series: () => 5,
    source: 'Prometheus: up and 4 scrape_* series per target (measured here), never dropped by relabelings',
  },
];

/** Units of each size: targets are node-exporter, the kubelet (×3 paths) per node, plus ~20 other targets. */
function units(s) {
  return {
    cluster: 1,
    node: s.nodes,
    pod: s.pods,
    container: s.pods * s.containersPerPod,
    workload: s.workloads,
    apiServer: s.apiServers,
    coreDns: s.coreDns,
    target: 4 * s.nodes + s.apiServers + s.coreDns + 20,
  };
}

/** The model's figures for each size, before and after the default drop lists. */
export async function seriesEstimate() {
  const { DROPPED_BUCKETS, isDroppedBy, scrapeClassMetricRelabelings } = await loadCardinality();
  const defaults = scrapeClassMetricRelabelings({});
  const modelled = new Set(FAMILIES.map((f) => f.name));
  const missing = DROPPED_BUCKETS.map((b) => b.name).filter((n) => !modelled.has(n));
  if (missing.length > 0) throw new Error(`series estimate: no family in the model for ${missing.join(', ')}`);
  return SIZES.map((s) => {
    const u = units(s);
    let before = 0;
    let after = 0;
    const dropped = [];
    for (const f of FAMILIES) {
      const n = Math.round(f.series(s) * u[f.per]);
      before += n;
      // A family name with a space is a group of names, none of them a dropped bucket (checked in --series output).
      const name = f.name.split(' ')[0];
      if (isDroppedBy(name, defaults)) dropped.push({ name, n });
      else after += n;
    }
    return { size: s, before, after, dropped: dropped.sort((a, b) => b.n - a.n) };
  });
}

/** lib/agent/cardinality.ts bundled by esbuild into a temporary file (the same code the tests run). */
async function loadCardinality() {
  const { buildSync } = await import('esbuild');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-series-'));
  try {
    const outfile = path.join(dir, 'cardinality.mjs');
    buildSync({
      entryPoints: [path.join(ROOT, 'lib', 'agent', 'cardinality.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      logLevel: 'warning',
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n) => n.toLocaleString('en-US');

/** The estimate as Markdown lines, for the README. */
export async function seriesEstimateMarkdown() {
  const rows = await seriesEstimate();
  const out = [
    'Active series of one cluster, ESTIMATED by the per-metric-family model of `scripts/series-estimate.mjs` (each figure with its source there; the default drop lists applied to its metric names by `isDroppedBy`, the code the tests use). Before: kube-prometheus-stack with its own drops only; the scheduler counted as scraped (kOps).',
    '',
    '| Cluster | Nodes | Pods | API servers | Before | After the defaults | Saved | Largest families dropped |',
    '|---|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const r of rows) {
    const saved = r.before - r.after;
    const top = r.dropped
      .slice(0, 3)
      .map((d) => `${d.name} (${fmt(d.n)})`)
      .join(', ');
    out.push(
      `| ${r.size.name} | ${r.size.nodes} | ${r.size.pods} | ${r.size.apiServers} | ${fmt(r.before)} | ${fmt(r.after)} | ${fmt(saved)} (${((100 * saved) / r.before).toFixed(0)}%) | ${top} |`,
    );
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${(await seriesEstimateMarkdown()).join('\n')}\n`);
}
