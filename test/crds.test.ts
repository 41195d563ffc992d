import * as path from 'node:path';
import { loadCrdValidators } from './support/crd-schema';
import * as fs from 'node:fs';
import { buildFleet, exampleInventories, manifestsOf, ROOT } from './support/example';

const crds = loadCrdValidators(path.join(ROOT, 'upstream', 'crds'));
/** The manifests of every example inventory (cmm.yaml and examples/*.yaml). */
const manifests = exampleInventories().flatMap((f) =>
  manifestsOf(buildFleet(fs.readFileSync(f, 'utf8'), path.dirname(f)).app),
);

/** Kubernetes' own kinds. */
const CORE =
  /^(v1|apps\/v1|batch\/v1|networking\.k8s\.io\/v1|rbac\.authorization\.k8s\.io\/v1|apiextensions\.k8s\.io\/v1|policy\/v1)\//;

test('every custom resource of the example fleets has its CRD in upstream/crds', () => {
  const unknown = manifests
    .map((m) => `${m.apiVersion}/${m.kind}`)
    .filter((k) => !CORE.test(k) && !crds.has(k.slice(0, k.lastIndexOf('/')), k.slice(k.lastIndexOf('/') + 1)));
  expect(unknown).toEqual([]);
});

test('the example fleets have HelmCharts, ServiceMonitors, PodMonitors, PrometheusRules, Applications and Middlewares to check', () => {
  const kinds = new Set(manifests.filter((m) => crds.has(m.apiVersion, m.kind)).map((m) => m.kind));
  expect([...kinds].sort()).toEqual([
    'Application',
    'HelmChart',
    'Middleware',
    'PodMonitor',
    'PrometheusRule',
    'ServiceMonitor',
  ]);
});

describe.each(
  manifests
    .filter((m) => crds.has(m.apiVersion, m.kind))
    .map((m, i) => [`${m.kind} ${m.metadata.namespace}/${m.metadata.name} (#${i})`, m]),
)('%s', (_name, manifest) => {
  test('validates against its CRD schema', () => {
    expect(crds.validate(manifest)).toEqual([]);
  });
});

test('the validator rejects what the API server would reject', () => {
  const sm = manifests.find((m) => m.kind === 'ServiceMonitor')!;
  const broken = { ...sm, spec: { ...sm.spec, endpoints: [{ port: 'metrics', interval: '10 seconds' }] } };
  expect(crds.validate(broken).join('\n')).toMatch(/interval/);
});
