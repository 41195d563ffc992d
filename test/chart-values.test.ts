/**
 * Helm ignores unknown values silently, so every key CMM writes into a chart's values must exist in that chart's
 * default values.yaml (kept in upstream/charts/), free-form maps aside. Loki's chart also ships a JSON Schema of its
 * values, which Helm enforces: the Loki values are validated against it too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { Testing } from 'cdk8s';
import { ALLOY, ClusterAgent, KUBE_PROMETHEUS_STACK, LOKI, lokiValues } from '../lib';
import { buildFleet, helmValues, manifestsOf, ROOT, type Manifest } from './support/example';
import {
  KUBE_PROMETHEUS_STACK_FREE_FORM,
  loadChartDefaults,
  mergeSubchartDefaults,
  unknownValueKeys,
} from './support/values-keys';

const charts = path.join(ROOT, 'upstream', 'charts');
const kpsDefaults = mergeSubchartDefaults(
  loadChartDefaults(path.join(charts, `kube-prometheus-stack-${KUBE_PROMETHEUS_STACK.version}`)),
  {
    grafana: loadChartDefaults(path.join(charts, 'grafana-12.11.1')),
    'prometheus-node-exporter': loadChartDefaults(path.join(charts, 'prometheus-node-exporter-4.56.1')),
    'kube-state-metrics': loadChartDefaults(path.join(charts, 'kube-state-metrics-8.4.0')),
  },
);
const lokiDefaults = loadChartDefaults(path.join(charts, `loki-${LOKI.version}`));
const alloyDefaults = loadChartDefaults(path.join(charts, `alloy-${ALLOY.version}`));

/**
 * Keys the charts document only as comments in values.yaml (their templates read them). Each entry names the
 * comment line that documents it, and the test below checks that line is really there.
 */
const DOCUMENTED_IN_COMMENTS: Record<string, { file: string; comment: RegExp }> = {
  'grafana.persistence.storageClassName': { file: 'grafana-12.11.1/values.yaml', comment: /^ {2}# storageClassName:/m },
  'grafana.ingress.ingressClassName': {
    file: 'grafana-12.11.1/values.yaml',
    comment: /^ {2}# ingressClassName: nginx/m,
  },
  // The gateway Ingress template emits `pathType: {{ .pathType }}`; the chart's example has it commented out.
  // Required with object storage (the chart's helpers read it); the example is commented out.
  'loki.storage.bucketNames': {
    file: `loki-${LOKI.version}/values.yaml`,
    comment: /^ {4}# bucketNames:\n {4}# {3}chunks: FIXME\n {4}# {3}ruler: FIXME/m,
  },
  'gateway.ingress.hosts[*].paths[*].pathType': {
    file: `loki-${LOKI.version}/values.yaml`,
    comment: /^ {12}# pathType: Prefix/m,
  },
};

const FREE_FORM = [...KUBE_PROMETHEUS_STACK_FREE_FORM, ...Object.keys(DOCUMENTED_IN_COMMENTS)];

/** Each chart CMM installs, with the defaults its values are checked against. */
const CHECKS: Record<string, (values: unknown) => string[]> = {
  [KUBE_PROMETHEUS_STACK.chart]: (v) => unknownValueKeys(v, kpsDefaults, { freeForm: FREE_FORM }),
  // loki.limits_config and loki.ingester are Loki's own limits_config and ingester blocks, written into Loki's
  // configuration as they are (the chart's config template: `{{- with .Values.loki.ingester }} ingester: ...`; its
  // values.schema.json: skipProperties, additionalProperties).
  [LOKI.chart]: (v) =>
    unknownValueKeys(v, lokiDefaults, { freeForm: [...FREE_FORM, 'loki.limits_config', 'loki.ingester'] }),
  [ALLOY.chart]: (v) =>
    unknownValueKeys(v, alloyDefaults, {
      // A Kubernetes ResourceRequirements object, whatever the chart's default holds (requests only).
      freeForm: ['alloy.configMap.content', 'configReloader.resources'],
    }),
};

const lokiSchema = new Ajv({ strict: false, allErrors: true }).compile(
  JSON.parse(fs.readFileSync(path.join(charts, `loki-${LOKI.version}`, 'values.schema.json'), 'utf8')),
);

test('the keys documented only in comments are documented there', () => {
  for (const { file, comment } of Object.values(DOCUMENTED_IN_COMMENTS)) {
    expect(fs.readFileSync(path.join(charts, file), 'utf8')).toMatch(comment);
  }
});

const helmCharts = manifestsOf(buildFleet().app).filter((m) => m.kind === 'HelmChart');

test('the example fleet installs every chart CMM knows, at its pinned version', () => {
  const pinned: Record<string, string> = {
    [KUBE_PROMETHEUS_STACK.chart]: KUBE_PROMETHEUS_STACK.version,
    [LOKI.chart]: LOKI.version,
    [ALLOY.chart]: ALLOY.version,
  };
  for (const m of helmCharts)
    expect([m.metadata.name, m.spec!.version]).toEqual([m.metadata.name, pinned[m.spec!.chart as string]]);
  expect(new Set(helmCharts.map((m) => m.spec!.chart))).toEqual(new Set(Object.keys(pinned)));
});

describe.each(
  helmCharts.map((m): [string, Manifest] => [`${m.metadata.name} (${m.spec!.chart}) in ${m.spec!.targetNamespace}`, m]),
)('HelmChart %s of the example fleet', (_name, manifest) => {
  test('writes only keys that exist in the chart defaults', () => {
    expect(CHECKS[manifest.spec!.chart as string](helmValues(manifest))).toEqual([]);
  });
});

test("the Loki values pass the chart's values.schema.json, in both modes", () => {
  const loki = helmCharts.find((m) => m.spec!.chart === LOKI.chart)!;
  for (const values of [
    helmValues(loki),
    lokiValues({
      mode: 'distributed',
      objectStorage: {
        endpoint: 's3.eu-west-1.amazonaws.com',
        chunksBucket: 'c-chunks',
        rulerBucket: 'c-ruler',
        credentialsSecret: 's',
      },
    }),
  ]) {
    expect([lokiSchema(values), lokiSchema.errors ?? []]).toEqual([true, []]);
    expect(CHECKS[LOKI.chart](values)).toEqual([]);
  }
  expect(lokiSchema({ deploymentMode: 42 })).toBe(false);
});

test('an agent with every option set writes only known keys', () => {
  const chart = Testing.chart();
  const agent = new ClusterAgent(chart, 'Agent', {
    clusterName: 'full',
    kubeStateMetrics: false,
    kubernetesComponents: {
      apiServer: true,
      controllerManager: true,
      scheduler: true,
      etcd: true,
      kubeProxy: true,
      coreDns: true,
      endpoints: ['10.0.0.1'],
      nodeEndpoints: ['10.0.0.1', '10.0.0.2'],
    },
    prometheus: {
      retention: '30d',
      retentionSize: '45GB',
      scrapeInterval: '15s',
      evaluationInterval: '1m',
      storage: { size: '50Gi', storageClass: 'fast' },
      resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      nodeSelector: { 'kr-mum/noderole': 'kafka' },
      externalLabels: { region: 'eu-1' },
      exposure: {
        type: 'ingress',
        controller: 'nginx',
        ingressClassName: 'nginx',
        host: 'p.example.com',
        tlsSecretName: 't',
        basicAuthSecretName: 'b',
      },
    },
    operator: { nodeSelector: { role: 'infra' }, resources: { requests: { cpu: '100m' } } },
    nodeExporter: { enabled: true, hostRootFsMount: false, resources: { limits: { memory: '64Mi' } } },
    alertmanager: {
      enabled: true,
      slack: { secretName: 's' },
      storage: { size: '1Gi' },
      resources: { limits: { memory: '128Mi' } },
    },
    logs: {
      endpoint: { pushUrl: 'https://loki.example.com/loki/api/v1/push' },
      events: true,
      journal: true,
      resources: { limits: { memory: '256Mi' } },
      tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
    },
  });
  expect(CHECKS[KUBE_PROMETHEUS_STACK.chart](helmValues(agent.release.resource.toJson()))).toEqual([]);
  expect(CHECKS[ALLOY.chart](helmValues(agent.logAgent!.release.resource.toJson()))).toEqual([]);
  expect(CHECKS[ALLOY.chart](helmValues(agent.logAgent!.eventsRelease!.resource.toJson()))).toEqual([]);
});

test('the check catches a misspelt key', () => {
  expect(CHECKS[KUBE_PROMETHEUS_STACK.chart]({ prometheus: { prometheusSpec: { retension: '1d' } } })).toEqual([
    'prometheus.prometheusSpec.retension',
  ]);
});
