import { createHash } from 'node:crypto';
import { compareStrings } from '../compare';
import { type FilesystemAlert, filesystemAlert, filesystemUsedPercent } from '../rules/packs';
import { GRAFANA_DEFAULTS } from './grafana-defaults';

/** SMTP for e-mail notifications; the password (and user) come from an existing Secret. */
export interface SmtpOptions {
  /** `host:port`, e.g. `'smtp.example.com:587'`. */
  readonly host: string;
  /** Sender address. */
  readonly fromAddress: string;
  /** @default 'Grafana' */
  readonly fromName?: string;
  /** Existing Secret with the SMTP user and password. */
  readonly secretName: string;
  /** @default 'user' */
  readonly userKey?: string;
  /** @default 'password' */
  readonly passwordKey?: string;
  /** @default 'MandatoryStartTLS' */
  readonly startTLSPolicy?: 'MandatoryStartTLS' | 'OpportunisticStartTLS' | 'NoStartTLS';
}

export type ReceiverKind = 'slack' | 'teams' | 'email';

/** Central alerting in Grafana: contact points, the notification policy tree, and rules over every cluster. */
export interface CentralAlertingOptions {
  /** Slack incoming webhook; its URL is read from the Secret (key default `url`). @default - none */
  readonly slack?: {
    readonly secretName: string;
    /** Key of the webhook URL in the Secret. @default 'url' */
    readonly key?: string;
  };
  /** Microsoft Teams Workflows webhook ("Post to a channel when a webhook request is received"). @default - none */
  readonly teams?: {
    readonly secretName: string;
    /** Key of the webhook URL in the Secret. @default 'url' */
    readonly key?: string;
  };
  /** E-mail. @default - none */
  readonly email?: { readonly addresses: readonly string[]; readonly smtp: SmtpOptions };
  /** Where critical alerts go. @default - every configured receiver */
  readonly criticalReceivers?: readonly ReceiverKind[];
  /** Where warnings go. @default - slack if configured, else teams, else email */
  readonly warningReceivers?: readonly ReceiverKind[];
  /** How long a cluster may stay silent (no answer, or no data) before `ClusterUnreachable` fires. @default '5m' */
  readonly clusterDownFor?: string;
}

/** A cluster as the central alert rules see it. */
export interface AlertedCluster {
  readonly clusterName: string;
  readonly datasourceUid: string;
  /** The cluster's filesystem alert (its pack's selector, thresholds and `for`). */
  readonly filesystem: FilesystemAlert;
  /** Whether it runs kube-state-metrics (the crash-loop rule needs it). */
  readonly kubeStateMetrics: boolean;
  /**
   * Whether the central Grafana delivers the cluster's own firing alerts (`ALERTS`): a cluster without an
   * Alertmanager has no other way to reach a person. @default false
   */
  readonly forwardAlerts?: boolean;
}

export const SLACK_URL_ENV = 'CMM_ALERTING_SLACK_URL';
export const TEAMS_URL_ENV = 'CMM_ALERTING_TEAMS_URL';
export const ALERT_FOLDER = 'CMM';
const CRITICAL = 'cmm-critical';
const WARNING = 'cmm-warning';

/** A Grafana uid (at most 40 characters) from a readable prefix, shortened with a hash when too long. */
export function grafanaUid(text: string): string {
  if (text.length <= 40) return text;
  return `${text.slice(0, 31)}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}

/** The receivers configured, in a fixed order. */
function configured(o: CentralAlertingOptions): ReceiverKind[] {
  return (['slack', 'teams', 'email'] as const).filter((k) => o[k] !== undefined);
}

/** Grafana's contact points file: `cmm-critical` and `cmm-warning`, each with its integrations. */
export function contactPoints(o: CentralAlertingOptions): Record<string, unknown> {
  const have = configured(o);
  const critical = o.criticalReceivers ?? have;
  const warning = o.warningReceivers ?? have.slice(0, 1);
  const integration = (point: string, kind: ReceiverKind) => {
    const uid = `${point}-${kind}`;
    switch (kind) {
      case 'slack':
        // Grafana expands $VAR in contact point settings; the variable comes from the Secret.
        return { uid, type: 'slack', settings: { url: `$${SLACK_URL_ENV}` } };
      case 'teams':
        return { uid, type: 'teams', settings: { url: `$${TEAMS_URL_ENV}` } };
      case 'email':
        return {
          uid,
          type: 'email',
          settings: { addresses: [...(o.email?.addresses ?? [])].join(';'), singleEmail: true },
        };
    }
  };
  return {
    apiVersion: 1,
    contactPoints: [
      { orgId: 1, name: CRITICAL, receivers: critical.map((k) => integration(CRITICAL, k)) },
      { orgId: 1, name: WARNING, receivers: warning.map((k) => integration(WARNING, k)) },
    ],
  };
}

/** Grafana's notification policy tree: critical to `cmm-critical`, the rest to `cmm-warning`, by cluster. */
export function notificationPolicies(): Record<string, unknown> {
  return {
    apiVersion: 1,
    policies: [
      {
        orgId: 1,
        receiver: WARNING,
        group_by: ['grafana_folder', 'alertname', 'source_alertname', 'cluster'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
        routes: [
          { receiver: CRITICAL, object_matchers: [['severity', '=', 'critical']] },
          { receiver: WARNING, object_matchers: [['severity', '=', 'warning']] },
        ],
      },
    ],
  };
}

interface GrafanaRule {
  readonly short: string;
  readonly title: string;
  readonly expr: string;
  readonly evaluator: { readonly type: 'gt' | 'lt'; readonly params: readonly number[] };
  readonly for: string;
  /** The `severity` label; a forwarded alert has its own. */
  readonly severity?: 'critical' | 'warning';
  readonly noData: 'OK' | 'Alerting';
  readonly execErr: 'Error' | 'Alerting';
  readonly summary: string;
  readonly description: string;
}

/**
 * `NodeFilesystemUsageHigh` at a cluster's warning threshold, with its selector and `for` (the same alert as its
 * filesystem pack's warning); `clusters` narrows it to some clusters (`cluster=~"..."`). The critical one is the
 * cluster's own, delivered by its Alertmanager or forwarded: a second copy from here would page twice.
 */
function filesystemRule(short: string, fs: FilesystemAlert, description: string, clusters?: string): GrafanaRule {
  return {
    short,
    title: 'NodeFilesystemUsageHigh',
    expr: `max by (cluster, instance, mountpoint) (${filesystemUsedPercent(fs.selector, clusters)})`,
    evaluator: { type: 'gt', params: [fs.warningPercent] },
    for: fs.for,
    severity: 'warning',
    noData: 'OK',
    execErr: 'Error',
    summary:
      'Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} in {{ $labels.cluster }} is {{ humanize $values.A.Value }}% full.',
    description,
  };
}

/** `KubePodCrashLooping` (needs kube-state-metrics: a cluster without it has no such series). */
const CRASHLOOP_RULE: GrafanaRule = {
  short: 'crashloop',
  title: 'KubePodCrashLooping',
  expr: 'max by (cluster, namespace, pod, container) (max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]))',
  evaluator: { type: 'gt', params: [0] },
  for: '15m',
  severity: 'warning',
  noData: 'OK',
  execErr: 'Error',
  summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} in {{ $labels.cluster }} is crash looping.',
  description: 'Container {{ $labels.container }} keeps restarting (CrashLoopBackOff).',
};

/**
 * `ForwardedAlert`: one Grafana alert per firing alert of `series` (ALERTS of clusters without an Alertmanager),
 * carrying its labels (severity, namespace, ...), so the notification policy routes it by its own severity. Grafana
 * replaces a series' `alertname` with the rule's title, so the alert's own name is copied to `source_alertname`.
 */
function forwardedRule(series: string, description: string): GrafanaRule {
  return {
    short: 'alerts',
    title: 'ForwardedAlert',
    expr: `label_replace(${series}, "source_alertname", "$1", "alertname", "(.+)")`,
    evaluator: { type: 'gt', params: [0] },
    for: '0s',
    noData: 'OK',
    execErr: 'Error',
    summary: '{{ $labels.source_alertname }} is firing in {{ $labels.cluster }}.',
    description,
  };
}

/** A Grafana rule group (folder "CMM") of rules over one Prometheus-type datasource; `uidPrefix` makes the uids. */
function promRuleGroup(
  name: string,
  uidPrefix: string,
  datasourceUid: string,
  rules: readonly GrafanaRule[],
  labels: Readonly<Record<string, string>> = {},
): Record<string, unknown> {
  return {
    orgId: 1,
    name,
    folder: ALERT_FOLDER,
    interval: '1m',
    rules: rules.map((r) => ({
      uid: grafanaUid(`${uidPrefix}-${r.short}`),
      title: r.title,
      condition: 'C',
      data: [
        {
          refId: 'A',
          relativeTimeRange: { from: 600, to: 0 },
          datasourceUid,
          model: { refId: 'A', expr: r.expr, instant: true, range: false, intervalMs: 1000, maxDataPoints: 43200 },
        },
        thresholdExpr(r.evaluator.type, r.evaluator.params),
      ],
      noDataState: r.noData,
      execErrState: r.execErr,
      for: r.for,
      isPaused: false,
      labels: { ...(r.severity ? { severity: r.severity } : {}), ...labels },
      annotations: { summary: r.summary, description: r.description },
    })),
  };
}

function rulesFor(c: AlertedCluster, o: CentralAlertingOptions): GrafanaRule[] {
  const rules: GrafanaRule[] = [
    {
      short: 'unreachable',
      title: 'ClusterUnreachable',
      // No answer (an error) or no data at all: either way, the cluster is not being watched.
      expr: 'count(up == 1)',
      evaluator: { type: 'lt', params: [1] },
      for: o.clusterDownFor ?? GRAFANA_DEFAULTS.alerting.clusterDownFor,
      severity: 'critical',
      noData: 'Alerting',
      execErr: 'Alerting',
      summary: `Cluster ${c.clusterName} does not answer, or sends no data.`,
      description: `The central Grafana cannot query the Prometheus of cluster ${c.clusterName}, or it has no target up: nothing in that cluster is being watched.`,
    },
    filesystemRule(
      'filesystem',
      c.filesystem,
      `Used space is above ${c.filesystem.warningPercent}%, the warning threshold of cluster ${c.clusterName}.`,
    ),
  ];
  if (c.kubeStateMetrics) rules.push(CRASHLOOP_RULE);
  if (c.forwardAlerts) {
    rules.push(
      forwardedRule(
        'ALERTS{alertstate="firing", alertname!="Watchdog"}',
        `An alert of the Prometheus of cluster ${c.clusterName}, which has no Alertmanager; the central Grafana delivers it. Its summary and description are on that Prometheus's Alerts page.`,
      ),
    );
  }
  return rules;
}

/** A log alert: a LogQL metric query over the central Loki, firing while above a threshold. */
export interface LogAlert {
  /** LogQL metric query, e.g. `sum by (cluster) (count_over_time({namespace="x"} |= "controller" |~ "(?i)error" [1m]))`. */
  readonly expr: string;
  readonly threshold: number;
  /** @default '5m' */
  readonly for?: string;
  /** @default 'warning' */
  readonly severity?: 'critical' | 'warning' | 'info';
  /** @default - the alert name and threshold */
  readonly summary?: string;
  /** @default - none */
  readonly description?: string;
}

/** The `cmm-logs` rule group: one rule per log alert, over the Loki datasource. */
function logAlertGroup(lokiUid: string, alerts: Readonly<Record<string, LogAlert>>): Record<string, unknown> {
  return {
    orgId: 1,
    name: 'cmm-logs',
    folder: ALERT_FOLDER,
    interval: '1m',
    rules: Object.entries(alerts)
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([name, a]) => ({
        uid: grafanaUid(`cmm-logs-${name.toLowerCase()}`),
        title: name,
        condition: 'C',
        data: [
          {
            refId: 'A',
            relativeTimeRange: { from: 600, to: 0 },
            datasourceUid: lokiUid,
            model: { refId: 'A', expr: a.expr, queryType: 'instant', intervalMs: 1000, maxDataPoints: 43200 },
          },
          thresholdExpr('gt', [a.threshold]),
        ],
        noDataState: 'OK',
        execErrState: 'Error',
        for: a.for ?? GRAFANA_DEFAULTS.logAlerts.for,
        isPaused: false,
        labels: { severity: a.severity ?? GRAFANA_DEFAULTS.logAlerts.severity },
        annotations: {
          summary: a.summary ?? `${name}: {{ humanize $values.A.Value }}, above ${a.threshold}.`,
          ...(a.description ? { description: a.description } : {}),
        },
      })),
  };
}

function thresholdExpr(type: 'gt' | 'lt', params: readonly number[]): Record<string, unknown> {
  return {
    refId: 'C',
    datasourceUid: '__expr__',
    model: {
      refId: 'C',
      type: 'threshold',
      expression: 'A',
      datasource: { type: '__expr__', uid: '__expr__' },
      conditions: [{ evaluator: { type, params: [...params] } }],
    },
  };
}

/**
 * Grafana's alert rules file: one group per cluster (folder "CMM"), each rule querying that cluster's datasource,
 * and the log alerts over the Loki datasource. `ClusterUnreachable` fires when the datasource errors or returns no
 * data.
 */
export function alertRules(
  clusters: readonly AlertedCluster[],
  o: CentralAlertingOptions,
  logs?: { readonly lokiUid: string; readonly alerts: Readonly<Record<string, LogAlert>> },
): Record<string, unknown> {
  const logGroups = logs && Object.keys(logs.alerts).length > 0 ? [logAlertGroup(logs.lokiUid, logs.alerts)] : [];
  return {
    apiVersion: 1,
    groups: [
      ...clusters.map((c) =>
        promRuleGroup(`cmm-${c.clusterName}`, `cmm-${c.clusterName}`, c.datasourceUid, rulesFor(c, o), {
          cluster: c.clusterName,
        }),
      ),
      ...logGroups,
    ],
  };
}

/** Alerts of the clusters' rule packs that the fleet-wide rules raise themselves (at warning), for every cluster. */
const FLEET_EVALUATED = ['KubePodCrashLooping', 'NodeFilesystemUsageHigh'] as const;

/** A cluster as the fleet-wide rules over the global view (Thanos) see it. */
export interface FleetCluster {
  readonly clusterName: string;
  /** The cluster's filesystem alert (its pack's selector, thresholds and `for`). @default - the filesystem pack's defaults */
  readonly filesystem?: FilesystemAlert;
  /** Its own firing alerts are delivered by the central Grafana (no Alertmanager, not an agent). */
  readonly forwardAlerts: boolean;
  /** A Prometheus in agent mode: it evaluates no rule, the fleet-wide rules watch its scrapes. @default false */
  readonly agentMode?: boolean;
}

/** Clusters that share one filesystem alert, as one fleet-wide rule. */
export interface FilesystemGroup {
  /** The rule's uid suffix: `filesystem` for the largest group, `filesystem-<percent>[-<for>][-<selector hash>]`. */
  readonly short: string;
  readonly filesystem: FilesystemAlert;
  /** The `cluster` matcher: `cluster!~"<others>"` for the largest group (new names fall in it), `cluster=~"..."`. */
  readonly clusters?: string;
}

/**
 * The clusters grouped by filesystem alert (selector, warning threshold, `for`): each cluster is watched with its
 * own settings, by one rule per distinct setting. The largest group (ties: the lowest threshold, then the selector)
 * takes every cluster not in another group, so its uid stays `filesystem` as clusters come and go.
 */
export function filesystemGroups(clusters: readonly FleetCluster[]): FilesystemGroup[] {
  const byAlert = new Map<string, { filesystem: FilesystemAlert; names: string[] }>();
  for (const c of clusters) {
    const f = c.filesystem ?? filesystemAlert();
    const key = JSON.stringify([f.selector, f.warningPercent, f.for]);
    const g = byAlert.get(key) ?? { filesystem: f, names: [] };
    g.names.push(c.clusterName);
    byAlert.set(key, g);
  }
  const defaults = filesystemAlert();
  const groups = [...byAlert.entries()]
    .sort(
      ([ka, a], [kb, b]) =>
        b.names.length - a.names.length ||
        a.filesystem.warningPercent - b.filesystem.warningPercent ||
        compareStrings(ka, kb),
    )
    .map(([, g]) => g);
  return groups.map((g, i) => {
    if (i === 0) {
      const others = groups.slice(1).flatMap((o) => o.names);
      return {
        short: 'filesystem',
        filesystem: g.filesystem,
        ...(others.length > 0 ? { clusters: `cluster!~"${clusterRegex(others)}"` } : {}),
      };
    }
    const f = g.filesystem;
    const suffix = [
      String(f.warningPercent),
      ...(f.for !== defaults.for ? [f.for] : []),
      ...(f.selector !== defaults.selector ? [createHash('sha256').update(f.selector).digest('hex').slice(0, 8)] : []),
    ];
    return { short: `filesystem-${suffix.join('-')}`, filesystem: f, clusters: `cluster=~"${clusterRegex(g.names)}"` };
  });
}

/** `cluster` label matchers for a set of clusters: names are DNS labels, so they need no regex escaping. */
function clusterRegex(names: readonly string[]): string {
  return [...names].sort().join('|');
}

/**
 * The clusters of the inventory as a PromQL vector with one series per cluster (`{cluster="<name>"} 1`): what the
 * global view should have samples from.
 */
export function expectedClusters(names: readonly string[]): string {
  return [...names]
    .sort()
    .map((n) => `label_replace(vector(1), "cluster", "${n}", "", "")`)
    .join(' or ');
}

/**
 * The fleet-wide rules of the global view (`central.metrics: thanos`), one rule per alert over every cluster by its
 * `cluster` label, on the Thanos datasource: `ClusterUnreachable` is a cluster of the inventory with no samples,
 * the filesystem rule has one rule per distinct filesystem alert (selector, warning threshold, `for`) the clusters
 * use (see `filesystemGroups`).
 */
export function fleetAlertRules(
  thanosUid: string,
  clusters: readonly FleetCluster[],
  o: CentralAlertingOptions,
  logs?: { readonly lokiUid: string; readonly alerts: Readonly<Record<string, LogAlert>> },
): Record<string, unknown> {
  const rules: GrafanaRule[] = [];
  if (clusters.length > 0) {
    rules.push({
      short: 'unreachable',
      title: 'ClusterUnreachable',
      // Every cluster of the inventory, less those whose Prometheus sends samples (its own build info).
      expr: `group by (cluster) (${expectedClusters(clusters.map((c) => c.clusterName))}) unless on (cluster) group by (cluster) (prometheus_build_info)`,
      evaluator: { type: 'gt', params: [0] },
      for: o.clusterDownFor ?? GRAFANA_DEFAULTS.alerting.clusterDownFor,
      severity: 'critical',
      // No cluster missing is no data: fine. The global view not answering is an alert.
      noData: 'OK',
      execErr: 'Alerting',
      summary: 'Cluster {{ $labels.cluster }} sends no samples to the global view.',
      description:
        'The central Thanos has no recent sample from the Prometheus of {{ $labels.cluster }}: its sidecar does not answer, its remote write does not arrive, or the cluster is down. Nothing in that cluster is being watched.',
    });
  }
  for (const g of filesystemGroups(clusters)) {
    rules.push(
      filesystemRule(
        g.short,
        g.filesystem,
        `Used space is above ${g.filesystem.warningPercent}%, the warning threshold of the cluster.`,
        g.clusters,
      ),
    );
  }
  // Clusters without kube-state-metrics have no such series.
  if (clusters.length > 0) rules.push(CRASHLOOP_RULE);
  if (clusters.length > 0) {
    // The global view's own pipeline: the central cluster's Prometheus scrapes the central components, each sidecar
    // cluster's its sidecar.
    rules.push({
      short: 'thanos-compact-halted',
      title: 'ThanosCompactHalted',
      expr: 'max by (cluster) (thanos_compact_halted)',
      evaluator: { type: 'gt', params: [0] },
      for: '5m',
      severity: 'critical',
      noData: 'OK',
      execErr: 'Error',
      summary: 'The Thanos Compactor in {{ $labels.cluster }} has halted: no compaction, downsampling or retention.',
      description:
        'It halts on an error it cannot get past, often overlapping blocks (two Prometheus uploading with the same external labels); its log says which. The bucket grows and long-range queries slow down until it runs again.',
    });
    rules.push({
      short: 'thanos-bucket',
      title: 'ThanosBucketOperationsFailing',
      expr: 'sum by (cluster, job, operation) (rate(thanos_objstore_bucket_operation_failures_total[5m]))',
      evaluator: { type: 'gt', params: [0] },
      for: '15m',
      severity: 'warning',
      noData: 'OK',
      execErr: 'Error',
      summary:
        '{{ $labels.job }} in {{ $labels.cluster }} fails to {{ $labels.operation }} in the object storage bucket.',
      description:
        "A sidecar that cannot upload keeps its blocks only as long as its Prometheus's retention; a Store Gateway, Compactor or Receive that cannot read or write leaves gaps. Check the objstore Secret and the bucket's permissions.",
    });
  }
  const agents = clusters.filter((c) => c.agentMode).map((c) => c.clusterName);
  if (agents.length > 0) {
    // An agent evaluates no rule, so not kube-prometheus-stack's PrometheusScrapeSampleLimitHit either.
    rules.push({
      short: 'agent-sample-limit',
      title: 'PrometheusScrapeSampleLimitHit',
      expr: `sum by (cluster) (increase(prometheus_target_scrapes_exceeded_sample_limit_total{cluster=~"${clusterRegex(agents)}"}[5m]))`,
      evaluator: { type: 'gt', params: [0] },
      for: '15m',
      severity: 'warning',
      noData: 'OK',
      execErr: 'Error',
      summary: 'The Prometheus agent of {{ $labels.cluster }} fails scrapes: targets exceed the sample limit.',
      description:
        'A target that returns more samples than cardinality.sampleLimit fails its whole scrape (up is 0, none of its samples is kept). Find it with scrape_samples_post_metric_relabeling near the limit, then drop what it need not send (cardinality.dropMetrics) or raise the limit.',
    });
  }
  const forwarded = clusters.filter((c) => c.forwardAlerts).map((c) => c.clusterName);
  if (forwarded.length > 0) {
    rules.push(
      // Less the alerts the rules above raise for every cluster already (the cluster's own copies, same severity).
      forwardedRule(
        `ALERTS{alertstate="firing", alertname!="Watchdog", cluster=~"${clusterRegex(forwarded)}"} unless ALERTS{alertname=~"${FLEET_EVALUATED.join('|')}", severity="warning"}`,
        "An alert of the cluster's Prometheus, which has no Alertmanager; the central Grafana delivers it. Its summary and description are on that Prometheus's Alerts page.",
      ),
    );
  }
  const logGroups = logs && Object.keys(logs.alerts).length > 0 ? [logAlertGroup(logs.lokiUid, logs.alerts)] : [];
  return {
    apiVersion: 1,
    groups: [promRuleGroup('cmm-fleet', 'cmm-fleet', thanosUid, rules), ...logGroups],
  };
}
