import { Dashboard } from './builder';

/** A Prometheus datasource of the central Grafana, one per cluster. */
export interface ClusterDatasourceRef {
  readonly clusterName: string;
  readonly uid: string;
}

/**
 * "CMM / Fleet overview": every cluster on one page. Each panel runs one query per cluster datasource (Grafana's
 * mixed datasource), so clusters are compared side by side without a global query layer.
 */
export function fleetOverviewDashboard(datasources: readonly ClusterDatasourceRef[]): Dashboard {
  const perCluster = (expr: string) => datasources.map((d) => ({ expr, legend: '{{cluster}}', datasourceUid: d.uid }));
  const dashboard = new Dashboard({
    uid: 'cmm-fleet-overview',
    title: 'CMM / Fleet overview',
    tags: ['cmm'],
    datasourceVariable: false,
  });
  if (datasources.length === 0) return dashboard;
  return dashboard
    .addPanel({
      title: 'Scrape targets up',
      kind: 'stat',
      description: 'Share of scrape targets that answered the last scrape, per cluster.',
      queries: perCluster('sum by (cluster) (up) / count by (cluster) (up)'),
      unit: 'percentunit',
      thresholds: [
        [null, 'red'],
        [0.9, 'orange'],
        [1, 'green'],
      ],
      width: 24,
      height: 5,
    })
    .addPanel({
      title: 'CPU in use',
      description: 'Non-idle CPU time across all nodes of each cluster.',
      queries: perCluster('1 - avg by (cluster) (rate(node_cpu_seconds_total{mode="idle"}[5m]))'),
      unit: 'percentunit',
    })
    .addPanel({
      title: 'Memory in use',
      queries: perCluster(
        '1 - sum by (cluster) (node_memory_MemAvailable_bytes) / sum by (cluster) (node_memory_MemTotal_bytes)',
      ),
      unit: 'percentunit',
    })
    .addPanel({
      title: 'Fullest filesystem',
      description: 'The highest used share of any node filesystem in each cluster.',
      queries: perCluster(
        'max by (cluster) (1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs"})',
      ),
      unit: 'percentunit',
    })
    .addPanel({
      title: 'Pods not ready',
      description: 'Needs kube-state-metrics on the cluster.',
      queries: perCluster('sum by (cluster) (kube_pod_status_ready{condition="false"})'),
    });
}
