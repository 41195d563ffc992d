import type { AlertRule, RuleGroup, Severity } from './types';

/**
 * CMM's built-in alert rule packs, as data: each pack is a function of its settings (thresholds, durations,
 * selectors) that returns a rule group. The settings and their defaults are here, not inside PromQL literals, in the
 * manner of kubernetes-mixin's config.libsonnet. Every alert has `severity`, `summary`, `description` and
 * `runbook_url`; every pack has named `promtool test rules` cases in test/rules/.
 */

/** Switches a pack on or off. */
export interface PackToggle {
  /** @default true */
  readonly enabled?: boolean;
}

export interface TargetsPackOptions extends PackToggle {
  /** Share of a job's targets that must be down, in percent. @default 10 */
  readonly downPercent?: number;
  /** @default '10m' */
  readonly for?: string;
}

export interface NodesPackOptions extends PackToggle {
  /** How long node-exporter must be unreachable before the node is reported down. @default '5m' */
  readonly downFor?: string;
  /** Memory in use, in percent, above which a node is under memory pressure. @default 90 */
  readonly memoryPercent?: number;
  /** CPU busy, in percent, above which a node is under CPU pressure. @default 90 */
  readonly cpuPercent?: number;
  /** How long pressure or not-ready must last. @default '15m' */
  readonly for?: string;
}

export interface FilesystemPackOptions extends PackToggle {
  /** Used space, in percent, that raises a warning. @default 80 (the seed's; the chart's default is "less than 5% free") */
  readonly warningPercent?: number;
  /** Used space, in percent, that raises a critical alert. @default 90 */
  readonly criticalPercent?: number;
  /** @default '10m' */
  readonly for?: string;
  /** Warn when the filesystem is predicted to be full within this many hours. @default 24 */
  readonly predictHours?: number;
  /** ...and is already at least this full, in percent (avoids noise on nearly empty disks). @default 60 */
  readonly predictMinUsedPercent?: number;
  /** Label matchers choosing the filesystems. @default 'fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs|fuse.lxcfs", mountpoint!=""' */
  readonly selector?: string;
}

export interface PodsPackOptions extends PackToggle {
  /** @default '15m' */
  readonly for?: string;
  /** Regular expression of the namespaces watched. @default '.*' */
  readonly namespaces?: string;
}

export interface WorkloadsPackOptions extends PackToggle {
  /** @default '15m' */
  readonly for?: string;
  /** Regular expression of the namespaces watched. @default '.*' */
  readonly namespaces?: string;
}

export interface VolumesPackOptions extends PackToggle {
  /** Used space of a PersistentVolumeClaim, in percent, that raises a warning. @default 90 */
  readonly warningPercent?: number;
  /** ...and a critical alert. @default 97 */
  readonly criticalPercent?: number;
  /** @default '5m' */
  readonly for?: string;
}

/** Selectors of the jobs the packs query (kube-prometheus-stack's job names). */
export interface RuleSelectors {
  /** @default 'job="node-exporter"' */
  readonly nodeExporter?: string;
  /** @default 'job="kube-state-metrics"' */
  readonly kubeStateMetrics?: string;
  /** @default 'job="kubelet", metrics_path="/metrics"' */
  readonly kubelet?: string;
}

/** Settings of the built-in packs. */
export interface RulePacksOptions {
  /** `Watchdog`: always firing, to prove the alerting pipeline lives. @default - see its fields (the pack is on) */
  readonly watchdog?: PackToggle;
  /** `TargetDown`: a share of a job's scrape targets is down. @default - see its fields (the pack is on) */
  readonly targets?: TargetsPackOptions;
  /**
   * `NodeDown`, `KubeNodeNotReady`, `NodeMemoryHighUtilization`, `NodeCPUHighUsage`.
   * @default - see its fields (the pack is on)
   */
  readonly nodes?: NodesPackOptions;
  /**
   * `NodeFilesystemUsageHigh` (warning, critical), `NodeFilesystemFillingUp`.
   * @default - see its fields (the pack is on)
   */
  readonly filesystem?: FilesystemPackOptions;
  /** `KubePodCrashLooping`. @default - see its fields (the pack is on) */
  readonly pods?: PodsPackOptions;
  /** `KubeDeploymentReplicasMismatch`. @default - see its fields (the pack is on) */
  readonly workloads?: WorkloadsPackOptions;
  /** `KubePersistentVolumeFillingUp` (warning, critical). @default - see its fields (the pack is on) */
  readonly volumes?: VolumesPackOptions;
}

/** What the cluster runs, which decides the packs that can work. */
export interface RulePackContext {
  readonly clusterName: string;
  /** Packs that need kube-state-metrics are left out without it. */
  readonly kubeStateMetrics: boolean;
  /** Packs that need node-exporter are left out without it. */
  readonly nodeExporter: boolean;
  /** Base URL of the runbooks. @default DEFAULT_RUNBOOK_BASE_URL */
  readonly runbookBaseUrl?: string;
  readonly selectors?: RuleSelectors;
}

/**
 * The packs' defaults: the one place of each value. The packs use them, the inventory schema's descriptions (and so
 * cmm.schema.json) interpolate them, and test/defaults.test.ts holds the options' JSDoc `@default` to the schema.
 */
export const PACK_DEFAULTS = {
  targets: { downPercent: 10, for: '10m' },
  nodes: { downFor: '5m', memoryPercent: 90, cpuPercent: 90, for: '15m' },
  filesystem: {
    // The seed's threshold: warn at 80% used.
    warningPercent: 80,
    criticalPercent: 90,
    for: '10m',
    predictHours: 24,
    predictMinUsedPercent: 60,
    selector: 'fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs|fuse.lxcfs", mountpoint!=""',
  },
  pods: { for: '15m', namespaces: '.*' },
  workloads: { for: '15m', namespaces: '.*' },
  volumes: { warningPercent: 90, criticalPercent: 97, for: '5m' },
} as const;

export const DEFAULT_FILESYSTEM_WARNING_PERCENT = PACK_DEFAULTS.filesystem.warningPercent;
export const DEFAULT_FILESYSTEM_CRITICAL_PERCENT = PACK_DEFAULTS.filesystem.criticalPercent;
export const DEFAULT_VOLUMES_WARNING_PERCENT = PACK_DEFAULTS.volumes.warningPercent;
export const DEFAULT_VOLUMES_CRITICAL_PERCENT = PACK_DEFAULTS.volumes.criticalPercent;
export const DEFAULT_RUNBOOK_BASE_URL = 'https://runbooks.prometheus-operator.dev/runbooks';
export const DEFAULT_FILESYSTEM_SELECTOR = PACK_DEFAULTS.filesystem.selector;
export const DEFAULT_SELECTORS: Required<RuleSelectors> = {
  nodeExporter: 'job="node-exporter"',
  kubeStateMetrics: 'job="kube-state-metrics"',
  kubelet: 'job="kubelet", metrics_path="/metrics"',
};

/** The filesystem alert's `for` when a cluster sets none. */
export const DEFAULT_FILESYSTEM_FOR = PACK_DEFAULTS.filesystem.for;

/**
 * The filesystem alert of one cluster, its settings' defaults filled in: the one definition that the filesystem pack,
 * the central Grafana rules (per cluster, or fleet-wide on the global view) and the fleet overview build from.
 */
export interface FilesystemAlert {
  /** Label matchers of the filesystems watched: the node-exporter job's and the pack's `selector`, without braces. */
  readonly selector: string;
  readonly warningPercent: number;
  readonly criticalPercent: number;
  readonly for: string;
}

/** The filesystem alert of a cluster with these pack settings and job selectors. */
export function filesystemAlert(fs?: FilesystemPackOptions, selectors?: RuleSelectors): FilesystemAlert {
  return {
    selector: sel(
      selectors?.nodeExporter ?? DEFAULT_SELECTORS.nodeExporter,
      fs?.selector ?? DEFAULT_FILESYSTEM_SELECTOR,
    ).slice(1, -1),
    warningPercent: fs?.warningPercent ?? DEFAULT_FILESYSTEM_WARNING_PERCENT,
    criticalPercent: fs?.criticalPercent ?? DEFAULT_FILESYSTEM_CRITICAL_PERCENT,
    for: fs?.for ?? DEFAULT_FILESYSTEM_FOR,
  };
}

/** The used share (0 to 1) of each filesystem `selector` matches; `extra` adds matchers (`cluster=~"..."`). */
export function filesystemUsedShare(selector: string, extra?: string): string {
  const f = sel(selector, extra);
  return `1 - node_filesystem_avail_bytes${f} / node_filesystem_size_bytes${f}`;
}

/** The used share (0 to 1) of each writable filesystem `selector` matches: a read-only one is always full. */
export function filesystemWritableUsedShare(selector: string, extra?: string): string {
  return `(${filesystemUsedShare(selector, extra)}) and node_filesystem_readonly${sel(selector, extra)} == 0`;
}

/** The used space, in percent, of each writable filesystem `selector` matches. */
export function filesystemUsedPercent(selector: string, extra?: string): string {
  return `(100 * (${filesystemUsedShare(selector, extra)})) and node_filesystem_readonly${sel(selector, extra)} == 0`;
}

/** The pack names, in output order. */
export const PACK_NAMES = ['watchdog', 'targets', 'nodes', 'filesystem', 'pods', 'workloads', 'volumes'] as const;
export type PackName = (typeof PACK_NAMES)[number];

/**
 * Alerts of kube-prometheus-stack's default rules that a CMM pack replaces (same alert, CMM's thresholds). They
 * are switched off in the chart (`defaultRules.disabled`) while the pack is on, so no alert comes twice.
 */
export const REPLACED_CHART_ALERTS: Record<PackName, readonly string[]> = {
  watchdog: ['Watchdog'],
  targets: ['TargetDown'],
  nodes: ['KubeNodeNotReady', 'NodeMemoryHighUtilization', 'NodeCPUHighUsage'],
  filesystem: ['NodeFilesystemAlmostOutOfSpace', 'NodeFilesystemSpaceFillingUp'],
  pods: ['KubePodCrashLooping'],
  workloads: ['KubeDeploymentReplicasMismatch'],
  volumes: ['KubePersistentVolumeFillingUp'],
};

/** `{a, b}` for a selector list; empty parts are dropped. */
function sel(...parts: (string | undefined)[]): string {
  return `{${parts.filter((p) => p !== undefined && p.trim() !== '').join(', ')}}`;
}

/**
 * The built-in rule groups for one cluster: one group per enabled pack (`cmm-<pack>`), leaving out packs whose
 * exporter the cluster does not run.
 */
export function builtInRuleGroups(packs: RulePacksOptions, ctx: RulePackContext): RuleGroup[] {
  const s = { ...DEFAULT_SELECTORS, ...(ctx.selectors ?? {}) };
  const runbooks = (ctx.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL).replace(/\/+$/, '');
  const alert = (
    name: string,
    severity: Severity,
    expr: string,
    forDuration: string | undefined,
    runbook: string,
    summary: string,
    description: string,
  ): AlertRule => ({
    alert: name,
    expr,
    ...(forDuration ? { for: forDuration } : {}),
    labels: { severity },
    annotations: { summary, description, runbook_url: `${runbooks}/${runbook}` },
  });
  const on = (p: PackToggle | undefined) => p?.enabled ?? true;
  const groups: RuleGroup[] = [];

  if (on(packs.watchdog)) {
    groups.push({
      name: 'cmm-watchdog',
      rules: [
        alert(
          'Watchdog',
          'none',
          'vector(1)',
          undefined,
          'general/watchdog',
          // vector(1) has no labels, so $labels.cluster would be empty: the name is written in.
          `Always firing: proves that the alerting pipeline of cluster ${ctx.clusterName} works.`,
          'This alert always fires. Alertmanager routes it to a receiver that does not page; if it stops arriving, Prometheus, its rules or the path to Alertmanager is broken.',
        ),
      ],
    });
  }

  const targets = packs.targets;
  if (on(targets)) {
    const by = 'by (cluster, job, namespace, service)';
    groups.push({
      name: 'cmm-targets',
      rules: [
        alert(
          'TargetDown',
          'warning',
          `100 * (count ${by} (up == 0) / count ${by} (up)) > ${targets?.downPercent ?? PACK_DEFAULTS.targets.downPercent}`,
          targets?.for ?? PACK_DEFAULTS.targets.for,
          'general/targetdown',
          '{{ $value | humanize }}% of the {{ $labels.job }} targets in {{ $labels.namespace }} are down.',
          '{{ $value | humanize }}% of the {{ $labels.job }}/{{ $labels.service }} targets in namespace {{ $labels.namespace }} of cluster {{ $labels.cluster }} did not answer their scrapes.',
        ),
      ],
    });
  }

  const nodes = packs.nodes;
  if (on(nodes) && (ctx.nodeExporter || ctx.kubeStateMetrics)) {
    const rules: AlertRule[] = [];
    if (ctx.nodeExporter) {
      rules.push(
        alert(
          'NodeDown',
          'critical',
          `up${sel(s.nodeExporter)} == 0`,
          nodes?.downFor ?? PACK_DEFAULTS.nodes.downFor,
          'general/targetdown',
          'Node {{ $labels.instance }} is down.',
          `node-exporter on {{ $labels.instance }} in cluster {{ $labels.cluster }} has not answered for ${nodes?.downFor ?? PACK_DEFAULTS.nodes.downFor} or more: the node is down or unreachable.`,
        ),
        alert(
          'NodeMemoryHighUtilization',
          'warning',
          `100 * (1 - node_memory_MemAvailable_bytes${sel(s.nodeExporter)} / node_memory_MemTotal_bytes${sel(s.nodeExporter)}) > ${nodes?.memoryPercent ?? PACK_DEFAULTS.nodes.memoryPercent}`,
          nodes?.for ?? PACK_DEFAULTS.nodes.for,
          'node/nodememoryhighutilization',
          'Node {{ $labels.instance }} is running out of memory.',
          'Memory in use on {{ $labels.instance }} in cluster {{ $labels.cluster }} is {{ $value | humanize }}%.',
        ),
        alert(
          'NodeCPUHighUsage',
          'warning',
          `100 * (1 - avg without (cpu, mode) (rate(node_cpu_seconds_total${sel(s.nodeExporter, 'mode="idle"')}[5m]))) > ${nodes?.cpuPercent ?? PACK_DEFAULTS.nodes.cpuPercent}`,
          nodes?.for ?? PACK_DEFAULTS.nodes.for,
          'node/nodecpuhighusage',
          'Node {{ $labels.instance }} is short of CPU.',
          'CPU busy on {{ $labels.instance }} in cluster {{ $labels.cluster }} is {{ $value | humanize }}%.',
        ),
      );
    }
    if (ctx.kubeStateMetrics) {
      rules.push(
        alert(
          'KubeNodeNotReady',
          'warning',
          `kube_node_status_condition${sel(s.kubeStateMetrics, 'condition="Ready"', 'status="true"')} == 0`,
          nodes?.for ?? PACK_DEFAULTS.nodes.for,
          'kubernetes/kubenodenotready',
          'Node {{ $labels.node }} is not ready.',
          `Node {{ $labels.node }} in cluster {{ $labels.cluster }} has been unready for more than ${nodes?.for ?? PACK_DEFAULTS.nodes.for}.`,
        ),
      );
    }
    groups.push({ name: 'cmm-nodes', rules });
  }

  const fs = packs.filesystem;
  if (on(fs) && ctx.nodeExporter) {
    const def = filesystemAlert(fs, s);
    const f = sel(def.selector);
    const used = `100 * (${filesystemUsedShare(def.selector)})`;
    const writable = `node_filesystem_readonly${f} == 0`;
    const usage = (severity: Severity, percent: number) =>
      alert(
        'NodeFilesystemUsageHigh',
        severity,
        `(${used} > ${percent}) and ${writable}`,
        def.for,
        'node/nodefilesystemalmostoutofspace',
        'Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} is {{ $value | humanize }}% full.',
        `Filesystem {{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} in cluster {{ $labels.cluster }} has {{ $value | humanize }}% of its space used, above the ${severity} threshold of ${percent}%.`,
      );
    const hours = fs?.predictHours ?? PACK_DEFAULTS.filesystem.predictHours;
    groups.push({
      name: 'cmm-filesystem',
      rules: [
        usage('warning', def.warningPercent),
        usage('critical', def.criticalPercent),
        alert(
          'NodeFilesystemFillingUp',
          'warning',
          `(${used} > ${fs?.predictMinUsedPercent ?? PACK_DEFAULTS.filesystem.predictMinUsedPercent}) and predict_linear(node_filesystem_avail_bytes${f}[6h], ${hours} * 3600) < 0 and ${writable}`,
          '1h',
          'node/nodefilesystemspacefillingup',
          `Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} will be full within ${hours} hours.`,
          `At the rate of the last 6 hours, filesystem {{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} in cluster {{ $labels.cluster }} fills up within ${hours} hours; it is {{ $value | humanize }}% full now.`,
        ),
      ],
    });
  }

  const pods = packs.pods;
  if (on(pods) && ctx.kubeStateMetrics) {
    groups.push({
      name: 'cmm-pods',
      rules: [
        alert(
          'KubePodCrashLooping',
          'warning',
          `max_over_time(kube_pod_container_status_waiting_reason${sel(s.kubeStateMetrics, 'reason="CrashLoopBackOff"', `namespace=~${JSON.stringify(pods?.namespaces ?? PACK_DEFAULTS.pods.namespaces)}`)}[5m]) >= 1`,
          pods?.for ?? PACK_DEFAULTS.pods.for,
          'kubernetes/kubepodcrashlooping',
          'Pod {{ $labels.namespace }}/{{ $labels.pod }} is crash looping.',
          'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} in cluster {{ $labels.cluster }} keeps restarting (CrashLoopBackOff).',
        ),
      ],
    });
  }

  const workloads = packs.workloads;
  if (on(workloads) && ctx.kubeStateMetrics) {
    const k = sel(
      s.kubeStateMetrics,
      `namespace=~${JSON.stringify(workloads?.namespaces ?? PACK_DEFAULTS.workloads.namespaces)}`,
    );
    groups.push({
      name: 'cmm-workloads',
      rules: [
        alert(
          'KubeDeploymentReplicasMismatch',
          'warning',
          `(kube_deployment_spec_replicas${k} > kube_deployment_status_replicas_available${k}) and (changes(kube_deployment_status_replicas_updated${k}[10m]) == 0)`,
          workloads?.for ?? PACK_DEFAULTS.workloads.for,
          'kubernetes/kubedeploymentreplicasmismatch',
          'Deployment {{ $labels.namespace }}/{{ $labels.deployment }} is missing replicas.',
          `Deployment {{ $labels.namespace }}/{{ $labels.deployment }} in cluster {{ $labels.cluster }} has had fewer available replicas than desired for more than ${workloads?.for ?? PACK_DEFAULTS.workloads.for}.`,
        ),
      ],
    });
  }

  const volumes = packs.volumes;
  if (on(volumes)) {
    const k = sel(s.kubelet);
    const pvc = (severity: Severity, percent: number) =>
      alert(
        'KubePersistentVolumeFillingUp',
        severity,
        `100 * (1 - kubelet_volume_stats_available_bytes${k} / kubelet_volume_stats_capacity_bytes${k}) > ${percent}`,
        volumes?.for ?? PACK_DEFAULTS.volumes.for,
        'kubernetes/kubepersistentvolumefillingup',
        'Volume claim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanize }}% full.',
        `PersistentVolumeClaim {{ $labels.persistentvolumeclaim }} in namespace {{ $labels.namespace }} of cluster {{ $labels.cluster }} has {{ $value | humanize }}% of its space used, above the ${severity} threshold of ${percent}%.`,
      );
    groups.push({
      name: 'cmm-volumes',
      rules: [
        pvc('warning', volumes?.warningPercent ?? DEFAULT_VOLUMES_WARNING_PERCENT),
        pvc('critical', volumes?.criticalPercent ?? DEFAULT_VOLUMES_CRITICAL_PERCENT),
      ],
    });
  }

  return groups;
}

/** The chart alerts to switch off because an enabled pack replaces them. */
export function replacedChartAlerts(packs: RulePacksOptions): string[] {
  return PACK_NAMES.filter((p) => packs[p]?.enabled ?? true).flatMap((p) => REPLACED_CHART_ALERTS[p]);
}
