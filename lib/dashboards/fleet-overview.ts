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
        description: 'The highest used share of any node filesystem.',
        queries: [
          {
            expr: 'max by (cluster) (1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs"})',
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
