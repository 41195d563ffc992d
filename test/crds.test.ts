import * as path from 'node:path';
import { loadCrdValidators } from './support/crd-schema';
import { buildFleet, manifestsOf, ROOT } from './support/example';

const crds = loadCrdValidators(path.join(ROOT, 'upstream', 'crds'));
const manifests = manifestsOf(buildFleet().app);

/** Kinds whose CRDs another project owns and that we do not keep a copy of. */
const FOREIGN = new Set(['traefik.io/v1alpha1/Middleware']);
const CORE = new Set(['v1/Namespace', 'v1/ConfigMap']);

test('every custom resource of the example fleet has its CRD in upstream/crds', () => {
  const unknown = manifests
    .map((m) => `${m.apiVersion}/${m.kind}`)
    .filter(
      (k) =>
        !CORE.has(k) && !FOREIGN.has(k) && !crds.has(k.slice(0, k.lastIndexOf('/')), k.slice(k.lastIndexOf('/') + 1)),
    );
  expect(unknown).toEqual([]);
});

test('the example fleet has HelmCharts, ServiceMonitors, PodMonitors and PrometheusRules to check', () => {
  const kinds = new Set(manifests.filter((m) => crds.has(m.apiVersion, m.kind)).map((m) => m.kind));
  expect([...kinds].sort()).toEqual(['HelmChart', 'PodMonitor', 'PrometheusRule', 'ServiceMonitor']);
});

describe.each(
  manifests
    .filter((m) => crds.has(m.apiVersion, m.kind))
    .map((m) => [`${m.kind} ${m.metadata.namespace}/${m.metadata.name}`, m]),
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
