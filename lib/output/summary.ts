import { ApiObject, type Chart } from 'cdk8s';
import type { Fleet } from '../fleet';
import { HelmRelease } from '../helm/helm-release';
import { isAlertRule } from '../rules/types';
import { AGENT_DEFAULTS } from '../agent/agent-defaults';

/** One cluster folder of a synth, as the terminal summary and `dist/README.md` show it. */
export interface ClusterSummary {
  readonly name: string;
  /** `central`, `monitored`, or `central, monitored`; `argocd` for the ArgoCD folder. */
  readonly role: string;
  readonly platform: string;
  readonly objects: number;
  readonly files: number;
  /** `<chart> <version>` of each HelmChart. */
  readonly charts: readonly string[];
  /** Alerting rules CMM writes for the cluster's Prometheus (the chart's own rules come on top). */
  readonly alerts: number;
  /** How the centre gets its metrics. */
  readonly metrics: string;
  /** Where its alerts go. */
  readonly alerting: string;
  /** Whether it ships its logs to the central Loki. */
  readonly logs: boolean;
}

/** The summary of every folder of a synthesized fleet, in folder order; `files` are the output files. */
export function fleetSummary(fleet: Fleet, files: ReadonlyMap<string, string>): ClusterSummary[] {
  const central = fleet.central.clusterName;
  const forwarded = fleet.forwardedClusters();
  const perFolder = new Map<string, number>();
  for (const f of files.keys()) {
    const folder = f.split('/')[0];
    if (f.includes('/')) perFolder.set(folder, (perFolder.get(folder) ?? 0) + 1);
  }
  return fleet.clusterCharts.map((chart: Chart) => {
    const name = chart.node.id;
    const agent = fleet.agents.find((a) => a.clusterName === name);
    const found = chart.node.findAll();
    const releases = found.filter((c): c is HelmRelease => c instanceof HelmRelease);
    const role = [name === central ? 'central' : '', agent ? 'monitored' : ''].filter(Boolean).join(', ') || 'argocd';
    return {
      name,
      role,
      platform: agent?.profile.name ?? (name === central ? (fleet.centralPlatform ?? AGENT_DEFAULTS.platform) : '-'),
      objects: found.filter((c) => c instanceof ApiObject).length,
      files: perFolder.get(name) ?? 0,
      charts: countedNames(releases.map((r) => `${r.chart.chart} ${r.chart.version}`)),
      alerts: agent?.rules ? agent.rules.allGroups.flatMap((g) => g.rules).filter(isAlertRule).length : 0,
      metrics: !agent
        ? '-'
        : agent.thanosMode === 'sidecar'
          ? name === central
            ? 'Thanos sidecar, in the cluster'
            : 'Thanos sidecar (gRPC, mTLS)'
          : agent.thanosMode === 'remote-write'
            ? `remote write to Thanos Receive${agent.agentMode ? ' (agent)' : ''}`
            : name === central
              ? 'Prometheus, in the cluster'
              : agent.exposure.type === 'ingress'
                ? `Prometheus at ${agent.exposure.host}`
                : 'not reached',
      alerting: !agent
        ? '-'
        : agent.alertmanagerEnabled
          ? 'its Alertmanager'
          : forwarded.has(name)
            ? 'central Grafana'
            : agent.agentMode && fleet.central.alertsOnGlobalView
              ? 'central Grafana (fleet rules)'
              : 'nobody',
      logs: agent?.logAgent !== undefined,
    };
  });
}

/** Each name once, in first-seen order, with `×n` when it comes more than once. */
function countedNames(names: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([n, c]) => (c > 1 ? `${n} ×${c}` : n));
}

/** The terminal table: one line per folder, the first `limit` folders, then how many more. */
export function summaryTable(rows: readonly ClusterSummary[], limit = 20): string {
  const header = ['cluster', 'role', 'platform', 'objects', 'files', 'alerts', 'metrics', 'alerts go to', 'charts'];
  const body = rows
    .slice(0, limit)
    .map((r) => [
      r.name,
      r.role,
      r.platform,
      String(r.objects),
      String(r.files),
      String(r.alerts),
      r.metrics,
      r.alerting,
      r.charts.join(', ') || '-',
    ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const more =
    rows.length > limit ? [`... and ${rows.length - limit} more (all in README.md of the output folder)`] : [];
  return [line(header), ...body.map(line), ...more].join('\n') + '\n';
}

/** Mermaid node ids: letters, digits and `_`. */
function nodeId(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/**
 * `README.md` of the output folder: the fleet at a glance (a table per cluster) and a Mermaid diagram of the
 * clusters, the centre, and which way metrics, logs and alerts flow. Clusters that reach the centre the same way
 * are one node of the diagram, so it stays readable at any fleet size. Deterministic: no date, no timing.
 */
export function outputReadme(rows: readonly ClusterSummary[], fleet: Fleet): string {
  const clusters = rows.filter((r) => r.role !== 'argocd');
  const central = fleet.central.clusterName;
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const table = [
    '| cluster | role | platform | objects | files | alerting rules | metrics | alerts go to | logs | charts |',
    '|---|---|---|--:|--:|--:|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.role} | ${r.platform} | ${r.objects} | ${r.files} | ${r.alerts} | ${escape(r.metrics)} | ${r.alerting} | ${r.logs ? 'yes' : r.role === 'argocd' ? '-' : 'no'} | ${escape(r.charts.join(', ') || '-')} |`,
    ),
  ];

  // The diagram: the centre's components, then one node per group of clusters that join it the same way.
  const lines = ['flowchart LR', `  subgraph centre["centre: ${central}"]`, '    grafana["Grafana"]'];
  if (fleet.loki) lines.push('    loki["Loki"]');
  if (fleet.thanos) lines.push('    thanos["Thanos Query"]', '    receive["Thanos Receive"]');
  if (fleet.karma) lines.push('    karma["Karma"]');
  lines.push('  end');
  if (fleet.thanos) lines.push('  grafana -->|PromQL| thanos');
  const groups = new Map<string, ClusterSummary[]>();
  for (const r of clusters.filter((c) => c.role.includes('monitored'))) {
    const key = `${r.name === central ? 'central' : 'remote'}|${r.metrics.startsWith('Prometheus at') ? 'ingress' : r.metrics}|${r.alerting}|${r.logs}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  let g = 0;
  for (const members of groups.values()) {
    const id = nodeId('clusters', String(g++));
    const r = members[0];
    const names = members.slice(0, 4).map((m) => m.name);
    const label = `${names.join(', ')}${members.length > 4 ? ` and ${members.length - 4} more` : ''}`;
    lines.push(`  ${id}["${members.length === 1 ? 'cluster' : `${members.length} clusters`}: ${label}"]`);
    if (r.metrics.startsWith('Thanos sidecar')) lines.push(`  thanos -->|"metrics: StoreAPI"| ${id}`);
    else if (r.metrics.startsWith('remote write')) lines.push(`  ${id} -->|"metrics: remote write"| receive`);
    else if (r.metrics !== 'not reached') lines.push(`  grafana -->|"metrics: PromQL"| ${id}`);
    if (r.logs && fleet.loki) lines.push(`  ${id} -->|logs| loki`);
    if (r.alerting === 'its Alertmanager') {
      const am = nodeId('am', String(g - 1));
      lines.push(`  ${am}(["its Alertmanager"])`, `  ${id} -->|alerts| ${am}`);
      if (fleet.karma) lines.push(`  karma -->|reads, silences| ${am}`);
    } else if (r.alerting.startsWith('central Grafana')) {
      lines.push(`  ${id} -.->|"alerts, through Grafana"| grafana`);
    }
  }

  return [
    '# CMM output',
    '',
    'Written by CMM at every synth (`npm run synth`); do not edit: change the inventory instead.',
    'Apply a cluster with `kubectl apply -k <cluster>/` after its `setup/` (see the project README), or let ArgoCD sync.',
    '',
    '## The fleet',
    '',
    ...table,
    '',
    '## How metrics, logs and alerts flow',
    '',
    '```mermaid',
    ...lines,
    '```',
    '',
  ].join('\n');
}
