import { ApiObject, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AgentNetworkPolicies,
  CentralNetworkPolicies,
  HelmControllerInstall,
  OutputFile,
  profileOf,
  renderApp,
} from '../lib';
import type { Manifest } from './support/example';

/** Constructs take `(scope, id, props)` and own what they create: their objects are their children. */
describe('constructs own what they create', () => {
  const ownObjects = (c: Construct) =>
    c.node.children.filter((x): x is ApiObject => x instanceof ApiObject).map((o) => `${o.kind}/${o.name}`);

  test('AgentNetworkPolicies: the agent policies are its children', () => {
    const chart = Testing.chart();
    const np = new AgentNetworkPolicies(chart, 'Policies', {
      namespace: 'monitoring',
      profile: profileOf('k3s'),
      release: 'cmm-agent',
      prometheus: { name: 'cmm-agent-prometheus', kind: 'Prometheus' },
      alertmanager: { name: 'cmm-agent-alertmanager' },
      kubeStateMetrics: true,
    });
    expect(ownObjects(np)).toEqual([
      'NetworkPolicy/cmm-prometheus',
      'NetworkPolicy/cmm-alertmanager',
      'NetworkPolicy/cmm-prometheus-operator',
      'NetworkPolicy/cmm-kube-state-metrics',
    ]);
    expect(chart.node.children).toEqual([np]);
  });

  test('CentralNetworkPolicies: the central policies are its children', () => {
    const chart = Testing.chart();
    const np = new CentralNetworkPolicies(chart, 'Policies', {
      namespace: 'monitoring',
      profile: profileOf('k3s'),
      grafana: { release: 'cmm-central' },
      loki: { release: 'cmm-loki', alloyReleases: [] },
    });
    expect(ownObjects(np)).toEqual([
      'NetworkPolicy/cmm-grafana',
      'NetworkPolicy/cmm-loki',
      'NetworkPolicy/cmm-loki-gateway',
    ]);
    expect(chart.node.children).toEqual([np]);
  });

  test('HelmControllerInstall: can configure the image mirror and the namespace labels', () => {
    const chart = Testing.chart();
    const install = new HelmControllerInstall(chart, 'HC', {
      images: { registry: 'mirror.example.com/hub' },
      namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'restricted' },
    });
    const objects = Testing.synth(chart) as Manifest[];
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    const container = (deployment.spec as any).template.spec.containers[0];
    expect(container.image).toBe('mirror.example.com/hub/rancher/helm-controller:v0.17.7');
    expect(container.env).toContainEqual({
      name: 'DEFAULT_JOB_IMAGE',
      value: 'mirror.example.com/hub/rancher/klipper-helm:v0.13.3-build20260727',
    });
    expect(objects.find((o) => o.kind === 'Namespace')!.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'helm-controller',
      'app.kubernetes.io/managed-by': 'cmm',
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    expect(ownObjects(install)).toContain('Deployment/helm-controller');
    // ensure() creates one install per chart: a second call returns the first, its props those of the first call.
    const other = Testing.chart();
    const first = HelmControllerInstall.ensure(other, { images: { registry: 'a.example.com' } });
    expect(HelmControllerInstall.ensure(other, { images: { registry: 'b.example.com' } })).toBe(first);
  });

  test('HelmControllerInstall: defaults (upstream images, no more namespace labels)', () => {
    const chart = Testing.chart();
    new HelmControllerInstall(chart, 'HelmController', {});
    const objects = Testing.synth(chart) as Manifest[];
    const container = (objects.find((o) => o.kind === 'Deployment')!.spec as any).template.spec.containers[0];
    expect(container.image).toBe('rancher/helm-controller:v0.17.7');
    expect(objects.find((o) => o.kind === 'Namespace')!.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'helm-controller',
      'app.kubernetes.io/managed-by': 'cmm',
    });
  });

  test('OutputFile: its path and content are written in its chart folder', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'edge', { disableResourceNameHashes: true });
    new OutputFile(chart, 'Readme', { path: 'docs/README.md', content: 'hello\n' });
    expect(renderApp(app).get('edge/docs/README.md')).toBe('hello\n');
  });

  test('a chart nested in a chart: each writes its own objects and files, in the folder of its id', () => {
    const app = Testing.app();
    const outer = new Chart(app, 'outer', { disableResourceNameHashes: true });
    const inner = new Chart(outer, 'inner', { disableResourceNameHashes: true });
    new ApiObject(outer, 'A', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns' } });
    new ApiObject(inner, 'B', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'ns' } });
    new OutputFile(outer, 'O', { path: 'o.txt', content: 'outer\n' });
    new OutputFile(inner, 'I', { path: 'i.txt', content: 'inner\n' });
    const files = renderApp(app);
    expect([...files.keys()]).toEqual([
      'inner/Kustomization',
      'inner/configmap-b.yaml',
      'inner/i.txt',
      'outer/Kustomization',
      'outer/configmap-a.yaml',
      'outer/o.txt',
    ]);
    expect(files.get('inner/i.txt')).toBe('inner\n');
    expect(files.get('outer/o.txt')).toBe('outer\n');
  });
});
