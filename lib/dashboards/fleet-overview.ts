import { filesystemAlert, filesystemWritableUsedShare } from '../rules/packs';
import { Dashboard, type PanelOptions } from './builder';

/** Grafana names CMM's cluster datasources `Prometheus <cluster>`. */
const CLUSTER_DATASOURCES = '/^Prometheus /';

/**
 * "CMM / Fleet overview": every cluster on one page. The `datasource` variable selects all cluster datasources,
 * and each panel repeats once per datasource, so the dashboard is the same size for 3 clusters or 1000 (it lives
 * in a ConfigMap, which holds at most 1 MiB) and Grafana only queries the clusters a user selects.
 */
export function fleetOverviewDashboard(): Dashboard {
  const perCluster = (p: Omit<PanelOptions, 'repeat' | 'width'>): PanelOptions => ({
    ...p,
    title: `${p.title}: $datasource`,
    // Grafana splits a horizontally repeated panel's width between its copies, up to maxPerRow a row.
    width: 24,
    repeat: { variable: 'datasource', maxPerRow: 4 },
  });
  return new Dashboard({
    uid: 'cmm-fleet-overview',
    title: 'CMM / Fleet overview',
    tags: ['cmm'],
    datasourceVariable: { multi: true, regex: CLUSTER_DATASOURCES },
  })
    .addPanel(
      perCluster({
        title: 'Scrape targets up',
        kind: 'stat',
        description: 'Share of scrape targets that answered the last scrape.',
        queries: [{ expr: 'sum by (cluster) (up) / count by (cluster) (up)', legend: '{{cluster}}' }],
        unit: 'percentunit',
        thresholds: [
          [null, 'red'],
          [0.9, 'orange'],
          [1, 'green'],
        ],
        height: 5,
      }),
    )
    .addPanel(
      perCluster({
        title: 'CPU in use',
        description: 'Non-idle CPU time across all nodes.',
        queries: [
          { expr: '1 - avg by (cluster) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', legend: '{{cluster}}' },
        ],
        unit: 'percentunit',
      }),
    )
    .addPanel(
      perCluster({
        title: 'Memory in use',
        queries: [
          {
            expr: '1 - sum by (cluster) (node_memory_MemAvailable_bytes) / sum by (cluster) (node_memory_MemTotal_bytes)',
            legend: '{{cluster}}',
          },
        ],
        unit: 'percentunit',
      }),
    )
    .addPanel(
      perCluster({
        title: 'Fullest filesystem',
        description:
          "The highest used share of any writable node filesystem the filesystem alert's default selector watches.",
        queries: [
          {
            expr: `max by (cluster) (${filesystemWritableUsedShare(filesystemAlert().selector)})`,
            legend: '{{cluster}}',
          },
        ],
        unit: 'percentunit',
      }),
    )
    .addPanel(
      perCluster({
        title: 'Pods not ready',
        description: 'Needs kube-state-metrics on the cluster.',
        queries: [{ expr: 'sum by (cluster) (kube_pod_status_ready{condition="false"})', legend: '{{cluster}}' }],
      }),
    );
}

/** The Thanos datasource of the global view (`central.metrics: thanos`). */
export const THANOS_DATASOURCE = { uid: 'cmm-thanos', name: 'Thanos' } as const;

/**
 * "CMM / Fleet overview" on the global view (Thanos): one query per panel whatever the fleet size, over the clusters
 * the `cluster` variable selects (all by default). The time series show the 20 highest clusters; the table lists
 * every cluster, worst first.
 */
/** The filesystems of some clusters (`cluster=~"..."`, or all when absent), as the filesystem alert watches them. */
export interface FleetFilesystems {
  readonly selector: string;
  readonly clusters?: string;
}

export function globalFleetOverviewDashboard(
  filesystems: readonly FleetFilesystems[] = [{ selector: filesystemAlert().selector }],
): Dashboard {
  const ds = { type: 'prometheus', uid: THANOS_DATASOURCE.uid };
  const sel = 'cluster=~"$cluster"';
  return new Dashboard({
    uid: 'cmm-fleet-overview',
    title: 'CMM / Fleet overview',
    tags: ['cmm'],
    datasourceVariable: false,
    variables: [
      {
        name: 'cluster',
        label: 'Cluster',
        type: 'query',
        datasource: ds,
        query: { query: 'label_values(prometheus_build_info, cluster)', refId: 'clusters' },
        definition: 'label_values(prometheus_build_info, cluster)',
        refresh: 2,
        sort: 1,
        multi: true,
        includeAll: true,
        current: { selected: true, text: ['All'], value: ['$__all'] },
        hide: 0,
      },
    ],
  })
    .addPanel({
      title: 'Clusters sending samples',
      kind: 'stat',
      description: 'Clusters whose Prometheus sends samples to the global view (sidecar or remote write).',
      datasource: ds,
      queries: [{ expr: `count(group by (cluster) (prometheus_build_info{${sel}}))` }],
      width: 6,
      height: 5,
    })
    .addPanel({
      title: 'Scrape targets up, per cluster (worst first)',
      kind: 'table',
      description: 'Share of scrape targets that answered the last scrape.',
      datasource: ds,
      queries: [{ expr: `sort(sum by (cluster) (up{${sel}}) / count by (cluster) (up{${sel}}))` }],
      unit: 'percentunit',
      thresholds: [
        [null, 'red'],
        [0.9, 'orange'],
        [1, 'green'],
      ],
      width: 18,
      height: 10,
    })
    .addPanel({
      title: 'CPU in use (20 highest clusters)',
      datasource: ds,
      queries: [
        {
          expr: `topk(20, 1 - avg by (cluster) (rate(node_cpu_seconds_total{mode="idle", ${sel}}[5m])))`,
          legend: '{{cluster}}',
        },
      ],
      unit: 'percentunit',
    })
    .addPanel({
      title: 'Memory in use (20 highest clusters)',
      datasource: ds,
      queries: [
        {
          expr: `topk(20, 1 - sum by (cluster) (node_memory_MemAvailable_bytes{${sel}}) / sum by (cluster) (node_memory_MemTotal_bytes{${sel}}))`,
          legend: '{{cluster}}',
        },
      ],
      unit: 'percentunit',
    })
    .addPanel({
      title: 'Fullest filesystem (20 highest clusters)',
      description:
        "The highest used share of any writable node filesystem, with each cluster's filesystem alert selector.",
      datasource: ds,
      queries: [
        {
          expr: `topk(20, max by (cluster) (${filesystems
            .map((f) => `(${filesystemWritableUsedShare(f.selector, [f.clusters, sel].filter(Boolean).join(', '))})`)
            .join(' or ')}))`,
          legend: '{{cluster}}',
        },
      ],
      unit: 'percentunit',
    })
    .addPanel({
      title: 'Pods not ready (20 highest clusters)',
      description: 'Needs kube-state-metrics on the cluster.',
      datasource: ds,
      queries: [
        {
          expr: `topk(20, sum by (cluster) (kube_pod_status_ready{condition="false", ${sel}}))`,
          legend: '{{cluster}}',
        },
      ],
    });
}
