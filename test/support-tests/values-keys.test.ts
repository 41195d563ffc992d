import * as path from 'node:path';
import {
  KUBE_PROMETHEUS_STACK_FREE_FORM,
  loadChartDefaults,
  mergeDefaults,
  mergeSubchartDefaults,
  unknownValueKeys,
} from '../support/values-keys';

const CHARTS = path.join(__dirname, '..', '..', 'upstream', 'charts');
const kps = loadChartDefaults(path.join(CHARTS, 'kube-prometheus-stack-88.5.3'));
const nodeExporter = loadChartDefaults(path.join(CHARTS, 'prometheus-node-exporter-4.56.1'));
const grafana = loadChartDefaults(path.join(CHARTS, 'grafana-12.11.1'));
const kpsWithSubcharts = mergeSubchartDefaults(kps, {
  grafana: grafana,
  'prometheus-node-exporter': nodeExporter,
});

describe('unknownValueKeys against kube-prometheus-stack 88.5.3', () => {
  test('known keys pass', () => {
    const written = {
      prometheus: { prometheusSpec: { retention: '15d', replicas: 2 } },
      nodeExporter: { enabled: true },
      alertmanager: { enabled: false },
    };
    expect(unknownValueKeys(written, kps)).toEqual([]);
  });

  test('a typo is reported with its dotted path', () => {
    const written = { prometheus: { prometheusSpec: { retension: '15d', retention: '15d' } } };
    expect(unknownValueKeys(written, kps)).toEqual(['prometheus.prometheusSpec.retension']);
  });

  test('only the topmost unknown key of a subtree is reported', () => {
    expect(unknownValueKeys({ prometheuss: { prometheusSpec: { retention: '1d' } } }, kps)).toEqual(['prometheuss']);
  });

  test('free-form slots ({} and []) accept anything below them', () => {
    const written = {
      prometheus: {
        prometheusSpec: {
          externalLabels: { cluster: 'edge-1' },
          remoteWrite: [{ url: 'https://central/api/v1/write', anything: true }],
          storageSpec: { volumeClaimTemplate: { spec: { resources: { requests: { storage: '50Gi' } } } } },
        },
      },
    };
    expect(unknownValueKeys(written, kps)).toEqual([]);
  });

  test('subchart keys are checked against the union with the subchart defaults', () => {
    const written = {
      'prometheus-node-exporter': { hostRootFsMount: { enabled: false }, podLabels: { team: 'obs' } },
      grafana: {
        persistence: { enabled: true },
        defaultDashboardsEnabled: false,
        sidecar: { dashboards: { searchNamespace: 'ALL' } },
      },
    };
    expect(unknownValueKeys(written, kps)).toEqual([
      'prometheus-node-exporter.hostRootFsMount',
      'prometheus-node-exporter.podLabels.team',
      'grafana.persistence',
    ]);
    expect(unknownValueKeys(written, kpsWithSubcharts)).toEqual([]);
    expect(
      unknownValueKeys({ 'prometheus-node-exporter': { hostRootFsMount: { enabeld: true } } }, kpsWithSubcharts),
    ).toEqual(['prometheus-node-exporter.hostRootFsMount.enabeld']);
  });

  test('can declare non-empty defaults free-form', () => {
    const written = {
      alertmanager: {
        config: {
          route: { receiver: 'central', group_by: ['cluster'] },
          receivers: [{ name: 'null' }, { name: 'central', webhook_configs: [{ url: 'https://central' }] }],
        },
      },
      grafana: { 'grafana.ini': { server: { root_url: 'https://grafana.example' } } },
    };
    expect(unknownValueKeys(written, kpsWithSubcharts)).toEqual([
      'alertmanager.config.receivers[1].webhook_configs',
      'grafana."grafana.ini".server.root_url',
    ]);
    expect(unknownValueKeys(written, kpsWithSubcharts, { freeForm: KUBE_PROMETHEUS_STACK_FREE_FORM })).toEqual([]);
  });
});

describe('unknownValueKeys rules', () => {
  const defaults = {
    a: { b: 1, free: {}, list: [], nothing: null, empty: '' },
    items: [
      { name: 'x', port: 1 },
      { name: 'y', path: '/' },
    ],
    scalars: ['x'],
    image: 'repo:tag',
    'dotted.key': { inner: true },
  };

  test('arrays of objects are checked against the union of the default elements', () => {
    const written = { items: [{ name: 'a', port: 2, path: '/x' }, { nmae: 'b' }, 'scalar'] };
    expect(unknownValueKeys(written, defaults)).toEqual(['items[1].nmae']);
  });

  test('arrays whose defaults hold no objects are accepted', () => {
    expect(unknownValueKeys({ scalars: [{ any: 1 }], a: { list: [{ any: 1 }] } }, defaults)).toEqual([]);
  });

  test('null and "" defaults are free-form', () => {
    expect(unknownValueKeys({ a: { nothing: { x: 1 }, empty: { y: 2 }, free: { z: 3 } } }, defaults)).toEqual([]);
  });

  test('an object written where the default is a scalar reports its keys', () => {
    expect(unknownValueKeys({ image: { repository: 'r' } }, defaults)).toEqual(['image.repository']);
  });

  test('undefined values are ignored', () => {
    expect(unknownValueKeys({ a: { typo: undefined } }, defaults)).toEqual([]);
  });

  test('keys with dots are quoted in paths and patterns', () => {
    expect(unknownValueKeys({ 'dotted.key': { outer: 1 } }, defaults)).toEqual(['"dotted.key".outer']);
    expect(unknownValueKeys({ 'dotted.key': { outer: 1 } }, defaults, { freeForm: ['"dotted.key"'] })).toEqual([]);
  });

  test('freeForm patterns support *, ** and [*]', () => {
    const written = { a: { x: 1 }, items: [{ extra: 1 }], deep: { er: { nodeSelector: { k: 'v' } } } };
    expect(unknownValueKeys(written, defaults)).toEqual(['a.x', 'items[0].extra', 'deep']);
    expect(unknownValueKeys(written, defaults, { freeForm: ['*.x', 'items[*].extra', '**.nodeSelector'] })).toEqual([
      'deep',
    ]);
    expect(unknownValueKeys(written, defaults, { freeForm: ['*.x', 'items[0]', 'deep'] })).toEqual([]);
  });

  test('fails on an invalid freeForm pattern', () => {
    expect(() => unknownValueKeys({}, defaults, { freeForm: ['a..b'] })).toThrow(/invalid freeForm path "a..b"/);
  });
});

describe('mergeDefaults', () => {
  test('unites objects deeply and concatenates arrays', () => {
    expect(mergeDefaults({ a: { b: 1 }, l: [{ x: 1 }] }, { a: { c: 2 }, l: [{ y: 2 }] })).toEqual({
      a: { b: 1, c: 2 },
      l: [{ x: 1 }, { y: 2 }],
    });
  });

  test('a free-form slot on either side wins', () => {
    expect(mergeDefaults({ labels: {}, hosts: ['h'] }, { labels: { job: 'x' }, hosts: [] })).toEqual({
      labels: {},
      hosts: [],
    });
  });

  test('does not modify its inputs', () => {
    const a = { x: { y: 1 } };
    mergeDefaults(a, { x: { z: 2 } });
    expect(a).toEqual({ x: { y: 1 } });
  });
});

describe('mergeSubchartDefaults', () => {
  test('kps-only grafana keys and grafana chart keys are both known', () => {
    const g = kpsWithSubcharts.grafana as Record<string, unknown>;
    for (const key of [
      'enabled',
      'defaultDashboardsEnabled',
      'forceDeployDatasources',
      'operator',
      'persistence',
      'sidecar',
    ]) {
      expect(g).toHaveProperty([key]);
    }
  });

  test('unites the subchart global block with the parent one', () => {
    expect(mergeSubchartDefaults({ global: { a: 1 }, sub: { x: 1 } }, { sub: { global: { b: 2 }, y: 2 } })).toEqual({
      global: { a: 1, b: 2 },
      sub: { x: 1, y: 2 },
    });
  });
});

describe('loadChartDefaults', () => {
  test('reads values.yaml from a chart directory or a file path', () => {
    expect(loadChartDefaults(path.join(CHARTS, 'grafana-12.11.1', 'values.yaml'))).toEqual(grafana);
    expect(kps).toHaveProperty(['prometheus', 'prometheusSpec', 'retention']);
  });
});
