import { helmTplLiterals } from '../output/escape';
import { re2ToJs } from '../regexp/re2';

/**
 * What a cluster's Prometheus keeps of what it scrapes: metric drop and keep lists, the high-cardinality histogram
 * buckets nothing CMM deploys reads, a per-target sample limit, and kube-state-metrics' own allow- or deny-list.
 */
export interface CardinalityOptions {
  /**
   * Metric names dropped from every scrape: regular expressions in Go's RE2 syntax, each matching the whole name (as
   * Prometheus anchors them), applied through the default scrape class (before each monitor's own metricRelabelings).
   * @default - none
   */
  readonly dropMetrics?: readonly string[];
  /**
   * When set, only the metrics whose names match one of these (RE2, whole name) are kept from every scrape; the
   * rest are dropped. `up` and the other `scrape_*` series Prometheus writes itself are always kept.
   * @default - every metric kept
   */
  readonly keepMetrics?: readonly string[];
  /**
   * Drop the histogram buckets of {@link DROPPED_BUCKETS}: high-cardinality `_bucket` series of the Kubernetes
   * components that no rule or dashboard CMM deploys reads (their `_sum` and `_count` stay).
   * @default true
   */
  readonly dropUnusedBuckets?: boolean;
  /**
   * Most samples one scrape of one target may return (after the drops), for every monitor (the Prometheus
   * `enforcedSampleLimit`; a monitor's own lower `sampleLimit` stays). A target returning more fails its whole
   * scrape: `up` is 0 and none of its samples is stored.
   * @default - no limit
   */
  readonly sampleLimit?: number;
  /**
   * kube-state-metrics' own metric filter (`--metric-allowlist` / `--metric-denylist`): RE2 regular expressions,
   * each matching the whole name (CMM anchors them; kube-state-metrics would not). One of the two at most.
   * @default - every metric of the default resources
   */
  readonly kubeStateMetrics?: {
    /** Only these kube-state-metrics metrics are made (RE2, whole name). @default - all of them */
    readonly metricAllowlist?: readonly string[];
    /** kube-state-metrics metrics not made (RE2, whole name). @default - none */
    readonly metricDenylist?: readonly string[];
  };
}

/**
 * Histogram buckets dropped by default (`dropUnusedBuckets`), with the component that exposes each. Each is a
 * `_bucket` series per `le` bound (often 10 to 40) for every label combination, and none is read by a rule or
 * dashboard CMM deploys: its own rule packs and dashboards, and kube-prometheus-stack's default rules and dashboards
 * (test/cardinality.test.ts parses them all and fails if a name used there is dropped). Buckets those use stay,
 * e.g. apiserver_request_sli_duration_seconds_bucket (the API server SLO rules), workqueue_queue_duration_seconds_bucket,
 * rest_client_request_duration_seconds_bucket and kubelet_runtime_operations_duration_seconds_bucket (the component
 * dashboards), kubelet_pleg_relist_duration_seconds_bucket and the scheduler's (recording rules).
 */
export const DROPPED_BUCKETS: readonly { readonly name: string; readonly from: string }[] = [
  // The API server: per resource × verb (× scope, × component) × le.
  { name: 'apiserver_request_duration_seconds_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_request_body_size_bytes_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_response_sizes_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_watch_events_sizes_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_watch_list_duration_seconds_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_admission_controller_admission_duration_seconds_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_admission_step_admission_duration_seconds_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_admission_webhook_admission_duration_seconds_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_request_filter_duration_seconds_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_flowcontrol_priority_level_request_utilization_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_flowcontrol_priority_level_seat_utilization_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_flowcontrol_read_vs_write_current_requests_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_flowcontrol_request_wait_duration_seconds_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_flowcontrol_request_execution_seconds_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_flowcontrol_work_estimated_seats_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_flowcontrol_demand_seats_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_crd_conversion_webhook_duration_seconds_bucket', from: 'kube-apiserver' },
  { name: 'apiserver_watch_cache_read_wait_seconds_bucket', from: 'kube-apiserver' },
  { name: 'etcd_request_duration_seconds_bucket', from: 'kube-apiserver (its etcd client)' },
  { name: 'authentication_duration_seconds_bucket', from: 'kube-apiserver' },
  { name: 'authorization_duration_seconds_bucket', from: 'kube-apiserver' },
  { name: 'field_validation_request_duration_seconds_bucket', from: 'kube-apiserver' },
  // Every component's client-go.
  { name: 'rest_client_rate_limiter_duration_seconds_bucket', from: 'client-go (every component)' },
  { name: 'rest_client_request_size_bytes_bucket', from: 'client-go (every component)' },
  { name: 'rest_client_response_size_bytes_bucket', from: 'client-go (every component)' },
  // The kubelet: per node × operation type × le.
  { name: 'kubelet_http_requests_duration_seconds_bucket', from: 'kubelet' },
  { name: 'kubelet_pod_start_sli_duration_seconds_bucket', from: 'kubelet' },
  { name: 'kubelet_pod_start_total_duration_seconds_bucket', from: 'kubelet' },
  { name: 'kubelet_image_pull_duration_seconds_bucket', from: 'kubelet' },
  { name: 'kubelet_pod_status_sync_duration_seconds_bucket', from: 'kubelet' },
  { name: 'kubelet_evented_pleg_connection_latency_seconds_bucket', from: 'kubelet' },
  { name: 'kubelet_volume_metric_collection_duration_seconds_bucket', from: 'kubelet' },
  // The scheduler: per plugin × extension point × status × le.
  { name: 'scheduler_plugin_execution_duration_seconds_bucket', from: 'kube-scheduler' },
  { name: 'scheduler_framework_extension_point_duration_seconds_bucket', from: 'kube-scheduler' },
  // CoreDNS: per server × zone × type × le.
  { name: 'coredns_forward_request_duration_seconds_bucket', from: 'CoreDNS' },
  { name: 'coredns_health_request_duration_seconds_bucket', from: 'CoreDNS' },
];

/** The `metricRelabelings` of the default scrape class: keep, then drop (the user's), then drop the buckets. */
export function scrapeClassMetricRelabelings(options: CardinalityOptions = {}): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (options.keepMetrics && options.keepMetrics.length > 0) {
    out.push({ sourceLabels: ['__name__'], action: 'keep', regex: alternatives(options.keepMetrics) });
  }
  if (options.dropMetrics && options.dropMetrics.length > 0) {
    out.push({ sourceLabels: ['__name__'], action: 'drop', regex: alternatives(options.dropMetrics) });
  }
  if (options.dropUnusedBuckets ?? true) {
    out.push({ sourceLabels: ['__name__'], action: 'drop', regex: DROPPED_BUCKETS.map((b) => b.name).join('|') });
  }
  return out;
}

/** Regular expressions as one, each a group of its own (Prometheus anchors the whole: `^(?:(?:a)|(?:b))$`). */
function alternatives(patterns: readonly string[]): string {
  return patterns.length === 1 ? patterns[0] : patterns.map((p) => `(?:${p})`).join('|');
}

/**
 * Whether a metric of this name is dropped by these relabelings, matching as Prometheus does (RE2, anchored): for
 * tests and the series estimate of `npm run bench`.
 */
export function isDroppedBy(name: string, relabelings: readonly Record<string, unknown>[]): boolean {
  for (const r of relabelings) {
    const regex = r.regex as string;
    const matches = anchored(regex).test(name);
    if (r.action === 'keep' && !matches) return true;
    if (r.action === 'drop' && matches) return true;
  }
  return false;
}

const compiled = new Map<string, RegExp>();
function anchored(regex: string): RegExp {
  let re = compiled.get(regex);
  if (!re) {
    re = re2ToJs(`^(?:${regex})$`);
    compiled.set(regex, re);
  }
  return re;
}

/** What the cardinality settings write into kube-prometheus-stack's values, by place. */
export interface CardinalityValues {
  /** Fields of the default scrape class (`prometheus.prometheusSpec.scrapeClasses[0]`). */
  readonly scrapeClass: Record<string, unknown>;
  /** Fields of `prometheus.prometheusSpec`. */
  readonly prometheusSpec: Record<string, unknown>;
  /** Values of the `kube-state-metrics` subchart. */
  readonly kubeStateMetrics: Record<string, unknown>;
}

/** The kube-prometheus-stack values of a cluster's cardinality settings. */
export function cardinalityValues(options: CardinalityOptions = {}): CardinalityValues {
  const metricRelabelings = scrapeClassMetricRelabelings(options);
  return {
    // The chart passes scrapeClasses through Helm's tpl.
    scrapeClass: metricRelabelings.length > 0 ? { metricRelabelings: helmTplLiterals(metricRelabelings) } : {},
    // The enforced limit caps every monitor's (the chart's and the user's); a lower limit of a monitor stays.
    prometheusSpec: options.sampleLimit !== undefined ? { enforcedSampleLimit: options.sampleLimit } : {},
    kubeStateMetrics: kubeStateMetricsFilterValues(options),
  };
}

/** The kube-state-metrics subchart values of its metric filter, each entry anchored as Prometheus would. */
function kubeStateMetricsFilterValues(options: CardinalityOptions): Record<string, unknown> {
  const ksm = options.kubeStateMetrics ?? {};
  const out: Record<string, unknown> = {};
  if (ksm.metricAllowlist && ksm.metricAllowlist.length > 0) out.metricAllowlist = ksm.metricAllowlist.map(anchor);
  if (ksm.metricDenylist && ksm.metricDenylist.length > 0) out.metricDenylist = ksm.metricDenylist.map(anchor);
  return out;
}

/** kube-state-metrics matches its lists unanchored (Go's MatchString): `^(?:x)$` makes `x` mean the whole name. */
function anchor(pattern: string): string {
  return `^(?:${pattern})$`;
}
