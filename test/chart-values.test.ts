/**
 * Helm ignores unknown values silently, so every key CMM writes into a chart's values must exist in that chart's
 * default values.yaml (kept in upstream/charts/), free-form maps aside.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { ClusterAgent, KUBE_PROMETHEUS_STACK } from '../lib';
import { buildFleet, helmValues, manifestsOf, ROOT } from './support/example';
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
};

function check(values: unknown): string[] {
  return unknownValueKeys(values, kpsDefaults, {
    freeForm: [...KUBE_PROMETHEUS_STACK_FREE_FORM, ...Object.keys(DOCUMENTED_IN_COMMENTS)],
  });
}

test('the keys documented only in comments are documented there', () => {
  for (const { file, comment } of Object.values(DOCUMENTED_IN_COMMENTS)) {
    expect(fs.readFileSync(path.join(charts, file), 'utf8')).toMatch(comment);
  }
});

describe.each(
  manifestsOf(buildFleet().app)
    .filter((m) => m.kind === 'HelmChart')
    .map((m) => [`${m.metadata.name} in ${m.spec!.targetNamespace}`, m]),
)('HelmChart %s of the example fleet', (_name, manifest) => {
  test('installs the pinned kube-prometheus-stack', () => {
    expect(manifest.spec!.chart).toBe('kube-prometheus-stack');
    expect(manifest.spec!.version).toBe(KUBE_PROMETHEUS_STACK.version);
  });
  test('writes only keys that exist in the chart defaults', () => {
    expect(check(helmValues(manifest))).toEqual([]);
  });
});

test('an agent with every option set writes only known keys', () => {
  const chart = Testing.chart();
  const agent = new ClusterAgent(chart, 'Agent', {
    clusterName: 'full',
    kubeStateMetrics: false,
    kubernetesComponents: true,
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
  });
  expect(check(helmValues(agent.release.resource.toJson()))).toEqual([]);
});

test('the check catches a misspelt key', () => {
  expect(check({ prometheus: { prometheusSpec: { retension: '1d' } } })).toEqual([
    'prometheus.prometheusSpec.retension',
  ]);
});
