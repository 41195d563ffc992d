import { grafanaUid } from '../central/alerting';
import { Dashboard, type DatasourceRef } from './builder';
import { compareStrings } from '../compare';

/** A LogQL query kept for reuse; `$cluster` stands for the dashboard's cluster. */
export interface SavedLogQuery {
  readonly query: string;
  /** @default - none */
  readonly description?: string;
}

/**
 * "CMM / Logs / <cluster>": log and error volume per namespace and the logs themselves, for one cluster, from the
 * central Loki; the saved queries follow as panels of their own.
 */
export function logsDashboard(
  clusterName: string,
  loki: DatasourceRef,
  savedQueries: Readonly<Record<string, SavedLogQuery>> = {},
): Dashboard {
  const selector = '{cluster="$cluster", namespace=~"$namespace"}';
  const dashboard = new Dashboard({
    uid: grafanaUid(`cmm-logs-${clusterName}`),
    title: `CMM / Logs / ${clusterName}`,
    tags: ['cmm', 'logs'],
    timeFrom: '1h',
    datasourceVariable: false,
    variables: [
      { name: 'cluster', type: 'constant', query: clusterName, hide: 2 },
      {
        name: 'namespace',
        label: 'Namespace',
        type: 'query',
        datasource: loki,
        query: 'label_values({cluster="$cluster"}, namespace)',
        refresh: 2,
        multi: true,
        includeAll: true,
        allValue: '.+',
        current: { selected: true, text: ['All'], value: ['$__all'] },
        sort: 1,
      },
    ],
  })
    .addPanel({
      title: 'Log lines per namespace',
      datasource: loki,
      queries: [{ expr: `sum by (namespace) (count_over_time(${selector}[$__auto]))`, legend: '{{namespace}}' }],
    })
    .addPanel({
      title: 'Error lines per namespace',
      description: 'Lines matching error, fail, fatal or panic (any case).',
      datasource: loki,
      queries: [
        {
          expr: `sum by (namespace) (count_over_time(${selector} |~ "(?i)(error|fail|fatal|panic)" [$__auto]))`,
          legend: '{{namespace}}',
        },
      ],
      thresholds: [
        [null, 'green'],
        [1, 'red'],
      ],
    })
    .addPanel({ title: 'Logs', kind: 'logs', datasource: loki, queries: [{ expr: selector }], width: 24, height: 14 });
  for (const [name, q] of Object.entries(savedQueries).sort(([a], [b]) => compareStrings(a, b))) {
    dashboard.addPanel({
      title: name,
      ...(q.description ? { description: q.description } : {}),
      kind: 'logs',
      datasource: loki,
      queries: [{ expr: q.query }],
      width: 24,
      height: 10,
    });
  }
  return dashboard;
}
