/** cardinalityValues writes no key for a setting left out or empty (the chart's values stay the chart's own). */
import { cardinalityValues } from '../lib/agent/cardinality';

test('nothing set and the buckets kept: no scrape class relabelings, no sample limit, no kube-state-metrics filter', () => {
  expect(cardinalityValues({ dropUnusedBuckets: false })).toStrictEqual({
    scrapeClass: {},
    prometheusSpec: {},
    kubeStateMetrics: {},
  });
});

test('empty lists write nothing', () => {
  expect(
    cardinalityValues({
      dropUnusedBuckets: false,
      keepMetrics: [],
      dropMetrics: [],
      kubeStateMetrics: { metricAllowlist: [], metricDenylist: [] },
    }),
  ).toStrictEqual({ scrapeClass: {}, prometheusSpec: {}, kubeStateMetrics: {} });
});

test('a sample limit and the lists are written where the chart reads them, anchored for kube-state-metrics', () => {
  const v = cardinalityValues({
    dropUnusedBuckets: false,
    sampleLimit: 50_000,
    kubeStateMetrics: { metricDenylist: ['kube_pod_.*'] },
  });
  expect(v.prometheusSpec).toStrictEqual({ enforcedSampleLimit: 50_000 });
  expect(v.kubeStateMetrics).toStrictEqual({ metricDenylist: ['^(?:kube_pod_.*)$'] });
  expect(
    cardinalityValues({ dropUnusedBuckets: false, kubeStateMetrics: { metricAllowlist: ['a', 'b'] } }).kubeStateMetrics,
  ).toStrictEqual({
    metricAllowlist: ['^(?:a)$', '^(?:b)$'],
  });
});
