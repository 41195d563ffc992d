import { Duration, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { HelmChartSpecFailurePolicy } from '../imports/helm.cattle.io';
import { HelmRelease, renderValues } from '../lib';

const chart = { chart: 'c', repo: 'https://charts.example.com', version: '1.2.3' };

describe('HelmRelease', () => {
  test('defaults', () => {
    const release = new HelmRelease(Testing.chart(), 'R', {
      chart,
      releaseName: 'r',
      targetNamespace: 'ns',
      values: { b: 1, a: { d: 2, c: 3 } },
    });
    const m = release.resource.toJson();
    expect(m).toMatchObject({
      apiVersion: 'helm.cattle.io/v1',
      kind: 'HelmChart',
      metadata: { name: 'r', namespace: 'kube-system', annotations: { 'argocd.argoproj.io/sync-wave': '-1' } },
      spec: {
        chart: 'c',
        repo: 'https://charts.example.com',
        version: '1.2.3',
        targetNamespace: 'ns',
        failurePolicy: 'abort',
        timeout: '600s',
      },
    });
    // valuesContent: works on every helm-controller version; keys sorted.
    expect(m.spec.valuesContent).toBe('a:\n  c: 3\n  d: 2\nb: 1\n');
    expect(m.spec.values).toBeUndefined();
  });

  test('can configure namespace, failure policy and timeout', () => {
    const release = new HelmRelease(Testing.chart(), 'R', {
      chart,
      releaseName: 'r',
      targetNamespace: 'ns',
      values: {},
      namespace: 'helm',
      failurePolicy: HelmChartSpecFailurePolicy.RETRY,
      timeout: Duration.minutes(3),
    });
    expect(release.resource.toJson()).toMatchObject({
      metadata: { namespace: 'helm' },
      spec: { failurePolicy: 'retry', timeout: '180s' },
    });
  });

  test('values given as a function are read at synth time', () => {
    const values: Record<string, unknown> = { a: 1 };
    const release = new HelmRelease(Testing.chart(), 'R', {
      chart,
      releaseName: 'r',
      targetNamespace: 'ns',
      values: () => values,
    });
    values.b = 2;
    expect(parse(release.resource.toJson().spec.valuesContent)).toEqual({ a: 1, b: 2 });
  });

  test('renderValues does not fold long lines and is stable', () => {
    const long = 'x'.repeat(300);
    expect(renderValues({ z: long, a: [{ x: 1, b: 2 }] })).toBe(`a:\n  - b: 2\n    x: 1\nz: ${long}\n`);
  });

  test('renderValues quotes what YAML 1.1 (Helm, Kubernetes) would read as another type', () => {
    expect(renderValues({ from: '2024-04-01', on: 'yes', y: 1 })).toBe('from: "2024-04-01"\n"on": "yes"\n"y": 1\n');
  });
});
