import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { Testing } from 'cdk8s';
import { parseInventory, resolveClusters } from '../lib/inventory/load';
import { AGENT_RELEASE_NAME, ClusterAgent, ValidationError } from '../lib';
import { builtInRuleGroups, PACK_NAMES } from '../lib/rules/packs';
import { DROPPED_BUCKETS, isDroppedBy, scrapeClassMetricRelabelings } from '../lib/agent/cardinality';
import { metricNamesOf } from '../lib/promql/metric-names';
import { re2ToJs } from '../lib/regexp/re2';
import {
  dashboardFileUses,
  exampleUses,
  grafanaQueryToPromQL,
  kubePrometheusStackRules,
  kubePrometheusStackUses,
  type MetricUse,
} from './support/used-metrics';
import {
  buildFleet,
  byKindName,
  exampleInventories,
  helmValues,
  inventoryProblems,
  manifestsOf,
} from './support/example';

/** The agent's kube-prometheus-stack values for these props. */
function agentValues(props: Omit<ConstructorParameters<typeof ClusterAgent>[2], 'clusterName'>) {
  const chart = Testing.chart();
  new ClusterAgent(chart, 'Agent', { clusterName: 'c1', ...props });
  return helmValues(byKindName(chart).get(`HelmChart/${AGENT_RELEASE_NAME}`)!);
}

/** The inventory problems of one cluster with these `cardinality:` lines (indented under it). */
function cardinalityProblems(...lines: string[]): readonly string[] {
  return inventoryProblems(
    [
      'central:',
      '  cluster: a',
      'clusters:',
      '  - name: a',
      '    cardinality:',
      ...lines.map((l) => `      ${l}`),
    ].join('\n'),
  );
}

const BUCKETS = DROPPED_BUCKETS.map((b) => b.name).join('|');
const EXPECT_PATTERN =
  'a regular expression in Go\'s RE2 syntax matching whole metric names, such as "apiserver_request_duration_seconds_bucket" or "container_network_.*"';

/** Every rule of every CMM pack, all packs on, with kube-state-metrics and node-exporter. */
function packUses(): MetricUse[] {
  const packs = Object.fromEntries(PACK_NAMES.map((p) => [p, { enabled: true }]));
  const groups = builtInRuleGroups(packs, { clusterName: 'c', kubeStateMetrics: true, nodeExporter: true });
  return groups.flatMap((g) =>
    g.rules.flatMap((r) =>
      metricNamesOf(r.expr).names.map((name) => ({ name, where: `rule pack ${g.name}`, query: r.expr })),
    ),
  );
}

describe('metric names of a query', () => {
  test('reads selectors from the syntax tree, not strings, labels or functions', () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.99, sum by (le) (rate(x_bucket{job="a_total"}[5m]))) / on (instance) group_left ' +
          'label_replace(up, "dst", "y_total", "src", "(.*)") + {__name__="z"} + {"w.x"} + count(a:b:rate5m offset 1h)',
      ),
    ).toEqual({ names: ['a:b:rate5m', 'up', 'w.x', 'x_bucket', 'z'], patterns: [] });
    expect(metricNamesOf('{__name__=~"apiserver_.*"}')).toEqual({ names: [], patterns: ['apiserver_.*'] });
  });

  test('fails on a query that does not parse, so no name goes unseen', () => {
    expect(() => metricNamesOf('sum(rate(x[5m])')).toThrow(/not valid PromQL/);
  });

  test('reads Grafana queries once their variables are replaced', () => {
    expect(grafanaQueryToPromQL('rate(x{cluster="$cluster", job=~"${job:regex}"}[$__rate_interval])')).toBe(
      'rate(x{cluster="v_cluster", job=~"v_job"}[5m])',
    );
    expect(grafanaQueryToPromQL('label_values(up{job="kubelet"}, cluster)')).toBe('up{job="kubelet"}');
    expect(grafanaQueryToPromQL('label_values(cluster)')).toBeUndefined();
  });
});

describe('default drop lists', () => {
  const used = [...packUses(), ...exampleUses(), ...dashboardFileUses(), ...kubePrometheusStackUses()];
  const defaults = scrapeClassMetricRelabelings({});

  test('the uses are found: rule packs, examples, dashboards and the chart', () => {
    const names = new Set(used.map((u) => u.name));
    // One of each source, so a broken extraction cannot pass as "nothing dropped".
    expect(names).toContain('kube_pod_container_status_waiting_reason'); // pods pack
    expect(names).toContain('node_filesystem_avail_bytes'); // filesystem pack
    expect(names).toContain('prometheus_tsdb_head_series'); // dashboards/cmm-prometheus-health.json
    expect(names).toContain('apiserver_request_sli_duration_seconds_bucket'); // the chart's API server SLO rules
    expect(names).toContain('workqueue_queue_duration_seconds_bucket'); // the chart's component dashboards
    expect(names).toContain('kubelet_pleg_relist_duration_seconds_bucket'); // the chart's kubelet rules
    expect(names.size).toBeGreaterThan(300);
  });

  test('keep every metric that CMM and the chart it deploys query', () => {
    const dropped = used.filter((u) => isDroppedBy(u.name, defaults));
    expect(dropped.map((u) => `${u.name} (${u.where}: ${u.query})`)).toEqual([]);
  });

  test("the example inventories' own lists keep them too", () => {
    let checked = 0;
    for (const file of exampleInventories()) {
      for (const cluster of resolveClusters(parseInventory(fs.readFileSync(file, 'utf8'), file))) {
        const c = cluster.cardinality ?? {};
        const relabelings = scrapeClassMetricRelabelings(c);
        // kube-state-metrics' own filter, on its metrics (kube_*), anchored as CMM writes it.
        const ksm = c.kubeStateMetrics ?? {};
        const matches = (patterns: readonly string[], name: string) =>
          patterns.some((p) => re2ToJs(`^(?:${p})$`).test(name));
        const ksmDrops = (name: string) =>
          name.startsWith('kube_') &&
          (ksm.metricAllowlist?.length ? !matches(ksm.metricAllowlist, name) : matches(ksm.metricDenylist ?? [], name));
        const dropped = used.filter((u) => isDroppedBy(u.name, relabelings) || ksmDrops(u.name));
        expect({ file, cluster: cluster.name, dropped: dropped.map((u) => `${u.name} (${u.where})`) }).toEqual({
          file,
          cluster: cluster.name,
          dropped: [],
        });
        if (cluster.cardinality) checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  test('drop only bucket series', () => {
    for (const b of DROPPED_BUCKETS) expect(b.name).toMatch(/^[a-z_]+_bucket$/);
    expect(new Set(DROPPED_BUCKETS.map((b) => b.name)).size).toBe(DROPPED_BUCKETS.length);
    expect(isDroppedBy('apiserver_request_duration_seconds_bucket', defaults)).toBe(true);
    expect(isDroppedBy('apiserver_request_duration_seconds_count', defaults)).toBe(false);
    expect(isDroppedBy('apiserver_request_duration_seconds_sum', defaults)).toBe(false);
    // Anchored: a name that only contains a dropped one is kept.
    expect(isDroppedBy('x_apiserver_request_duration_seconds_bucket', defaults)).toBe(false);
  });
});

describe('cardinality settings', () => {
  test('defaults: the unused buckets dropped through the default scrape class, no limit, no filter', () => {
    const values = agentValues({});
    const spec = values.prometheus.prometheusSpec;
    expect(spec.scrapeClasses).toEqual([
      {
        name: 'cmm-cluster-label',
        default: true,
        relabelings: [{ action: 'replace', targetLabel: 'cluster', replacement: 'c1' }],
        metricRelabelings: [{ sourceLabels: ['__name__'], action: 'drop', regex: BUCKETS }],
      },
    ]);
    expect(spec.enforcedSampleLimit).toBeUndefined();
    expect(spec.sampleLimit).toBeUndefined();
    // No filter (the subchart's values hold only its resources).
    expect(values['kube-state-metrics'].metricAllowlist).toBeUndefined();
    expect(values['kube-state-metrics'].metricDenylist).toBeUndefined();
  });

  test('can configure drop and keep lists, the sample limit and the kube-state-metrics filter', () => {
    const values = agentValues({
      cardinality: {
        keepMetrics: ['kube_.*', 'node_.*'],
        dropMetrics: ['container_network_.*'],
        dropUnusedBuckets: false,
        sampleLimit: 50000,
        kubeStateMetrics: { metricDenylist: ['kube_.*_annotations', 'kube_secret_.*'] },
      },
    });
    const spec = values.prometheus.prometheusSpec;
    expect(spec.scrapeClasses[0].metricRelabelings).toEqual([
      { sourceLabels: ['__name__'], action: 'keep', regex: '(?:kube_.*)|(?:node_.*)' },
      { sourceLabels: ['__name__'], action: 'drop', regex: 'container_network_.*' },
    ]);
    expect(spec.enforcedSampleLimit).toBe(50000);
    // kube-state-metrics matches unanchored: CMM anchors each pattern so it means the whole name, as in Prometheus.
    const filter = (v: Record<string, unknown>) => ({
      metricAllowlist: v.metricAllowlist,
      metricDenylist: v.metricDenylist,
    });
    expect(filter(values['kube-state-metrics'])).toEqual({
      metricAllowlist: undefined,
      metricDenylist: ['^(?:kube_.*_annotations)$', '^(?:kube_secret_.*)$'],
    });
    expect(
      filter(
        agentValues({ cardinality: { kubeStateMetrics: { metricAllowlist: ['kube_pod_info'] } } })[
          'kube-state-metrics'
        ],
      ),
    ).toEqual({ metricAllowlist: ['^(?:kube_pod_info)$'], metricDenylist: undefined });
  });

  test('the lists match as Prometheus does: anchored, each pattern on its own', () => {
    const relabelings = scrapeClassMetricRelabelings({ keepMetrics: ['a|b_.*'], dropMetrics: ['b_x', 'c'] });
    expect(isDroppedBy('a', relabelings)).toBe(false);
    expect(isDroppedBy('b_y', relabelings)).toBe(false);
    expect(isDroppedBy('b_x', relabelings)).toBe(true); // kept, then dropped
    expect(isDroppedBy('xa', relabelings)).toBe(true); // not kept: anchored
    expect(isDroppedBy('up', scrapeClassMetricRelabelings({ dropUnusedBuckets: false }))).toBe(false);
    expect(scrapeClassMetricRelabelings({ dropUnusedBuckets: false, keepMetrics: [], dropMetrics: [] })).toEqual([]);
  });

  test('a pattern holding {{ reaches Prometheus as written (the chart passes scrape classes through tpl)', () => {
    const values = agentValues({ cardinality: { dropMetrics: ['x{{ .Release.Name }}'], dropUnusedBuckets: false } });
    expect(values.prometheus.prometheusSpec.scrapeClasses[0].metricRelabelings[0].regex).toBe(
      'x{{`{{`}} .Release.Name }}',
    );
  });

  test('defaults: merge with each cluster (lists replace)', () => {
    const { fleet } = buildFleet(
      [
        'central:',
        '  cluster: a',
        'defaults:',
        '  cardinality:',
        '    sampleLimit: 100000',
        '    dropMetrics: [x_.*]',
        'clusters:',
        '  - name: a',
        '  - name: b',
        '    cardinality:',
        '      dropMetrics: [y_.*]',
        '      dropUnusedBuckets: false',
      ].join('\n'),
    );
    const [a, b] = fleet.clusterCharts.map((c) => helmValues(byKindName(c).get(`HelmChart/${AGENT_RELEASE_NAME}`)!));
    expect(a.prometheus.prometheusSpec.enforcedSampleLimit).toBe(100000);
    expect(a.prometheus.prometheusSpec.scrapeClasses[0].metricRelabelings).toEqual([
      { sourceLabels: ['__name__'], action: 'drop', regex: 'x_.*' },
      { sourceLabels: ['__name__'], action: 'drop', regex: BUCKETS },
    ]);
    expect(b.prometheus.prometheusSpec.enforcedSampleLimit).toBe(100000);
    expect(b.prometheus.prometheusSpec.scrapeClasses[0].metricRelabelings).toEqual([
      { sourceLabels: ['__name__'], action: 'drop', regex: 'y_.*' },
    ]);
  });

  test('fails if a pattern is not a Go regular expression, naming the field, the value and what is expected', () => {
    expect(cardinalityProblems('dropMetrics: [apiserver_.*, "a(b"]')).toEqual([
      `inv.yaml:6:35: clusters[0].cardinality.dropMetrics[1]: "a(b" is not valid; expected ${EXPECT_PATTERN}; missing closing ): \`a(b\``,
    ]);
    expect(cardinalityProblems('keepMetrics: ["x\\\\C"]')).toEqual([
      `inv.yaml:6:21: clusters[0].cardinality.keepMetrics[0]: "x\\\\C" is not valid; expected ${EXPECT_PATTERN}; invalid escape sequence: \`\\C\``,
    ]);
    expect(cardinalityProblems('dropMetrics: [""]')).toEqual([
      `inv.yaml:6:21: clusters[0].cardinality.dropMetrics[0]: "" is not valid; expected ${EXPECT_PATTERN}; the pattern is empty`,
    ]);
  });

  test('fails on a sample limit that is not a whole number of 1 or more', () => {
    expect(cardinalityProblems('sampleLimit: 0')).toEqual([
      'inv.yaml:6:20: clusters[0].cardinality.sampleLimit: 0 is not valid; expected a whole number of samples, 1 or more',
    ]);
  });

  test('fails on a kube-state-metrics pattern with "," and on both lists', () => {
    expect(cardinalityProblems('kubeStateMetrics:', '  metricAllowlist: ["kube_pod_info,kube_node_info"]')).toEqual([
      'inv.yaml:7:27: clusters[0].cardinality.kubeStateMetrics.metricAllowlist[0]: "kube_pod_info,kube_node_info" is not valid; expected a pattern without "," or white space (the chart joins the list with "," into one argument)',
    ]);
    expect(
      cardinalityProblems(
        'kubeStateMetrics:',
        '  metricAllowlist: [kube_pod_info]',
        '  metricDenylist: [kube_secret_.*]',
      ),
    ).toEqual([
      'inv.yaml:8:25: clusters[0].cardinality.kubeStateMetrics.metricDenylist: ["kube_secret_.*"] is not valid; expected no metricDenylist beside a metricAllowlist: kube-state-metrics takes one of them, not both (after merging defaults)',
    ]);
  });

  test('fails in TypeScript as in the inventory', () => {
    expect(() => agentValues({ cardinality: { dropMetrics: ['a('] } })).toThrow(ValidationError);
    expect(() => agentValues({ cardinality: { dropMetrics: ['a('] } })).toThrow(/cardinality\.dropMetrics\[0\]/);
  });
});

describe('the sample limit is alerted on', () => {
  test("kube-prometheus-stack's PrometheusScrapeSampleLimitHit stays on in every cluster that evaluates rules", () => {
    const values = agentValues({ rules: { packs: Object.fromEntries(PACK_NAMES.map((p) => [p, { enabled: true }])) } });
    expect(values.defaultRules.create).not.toBe(false);
    expect(values.defaultRules.disabled.PrometheusScrapeSampleLimitHit).toBeUndefined();
    const rule = kubePrometheusStackRules().find((r) => r.alert === 'PrometheusScrapeSampleLimitHit');
    expect(rule?.expr).toMatch(/^increase\(prometheus_target_scrapes_exceeded_sample_limit_total\{.*\}\[5m\]\) > 0$/);
  });

  test('the fleet-wide rules watch the agents, which evaluate none', () => {
    const file = exampleInventories().find((f) => f.endsWith('thanos.yaml'))!;
    const { app } = buildFleet(fs.readFileSync(file, 'utf8'), path.dirname(file));
    const alerting = manifestsOf(app).find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'cmm-alerting')!;
    const rules = (parse(alerting.data!['cmm-rules.yaml']) as any).groups.flatMap((g: any) => g.rules);
    const limit = rules.find((r: any) => r.title === 'PrometheusScrapeSampleLimitHit');
    // k3s-edge is the example's only agent.
    expect(limit.data[0].model.expr).toBe(
      'sum by (cluster) (increase(prometheus_target_scrapes_exceeded_sample_limit_total{cluster=~"k3s-edge"}[5m]))',
    );
    expect(limit.for).toBe('15m');
    expect(limit.labels.severity).toBe('warning');
  });
});
