/**
 * test/support/crd-schema.ts: the helper that reads a folder of CRD YAML files for the library validator
 * (lib/render/crd-schema.ts, tested in test/crd-schema.test.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lib from '../../lib/render/crd-schema';
import { loadCrdValidators, UnknownKindError, validateMetadata } from '../support/crd-schema';

const CRD_DIR = path.join(__dirname, '..', '..', 'upstream', 'crds');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-crd-schema-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function serviceMonitor(interval: string) {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: 'node-exporter', namespace: 'monitoring' },
    spec: { selector: { matchLabels: { app: 'node-exporter' } }, endpoints: [{ port: 'metrics', interval }] },
  };
}

describe('loadCrdValidators', () => {
  const validators = loadCrdValidators(CRD_DIR);

  test('finds every kind in the upstream CRD directory, in file order, each from its file', () => {
    expect(validators.kinds.map((k) => `${k.apiVersion}/${k.kind} ${path.basename(k.source)}`)).toEqual([
      'argoproj.io/v1alpha1/Application argoproj.io_applications.yaml',
      'helm.cattle.io/v1/HelmChartConfig helm.cattle.io_helmchartconfigs.yaml',
      'helm.cattle.io/v1/HelmChart helm.cattle.io_helmcharts.yaml',
      'monitoring.coreos.com/v1/PodMonitor monitoring.coreos.com_podmonitors.yaml',
      'monitoring.coreos.com/v1/Prometheus monitoring.coreos.com_prometheuses.yaml',
      'monitoring.coreos.com/v1/PrometheusRule monitoring.coreos.com_prometheusrules.yaml',
      'monitoring.coreos.com/v1/ServiceMonitor monitoring.coreos.com_servicemonitors.yaml',
      'traefik.io/v1alpha1/Middleware traefik.io_middlewares.yaml',
      'traefik.io/v1alpha1/TLSOption traefik.io_tlsoptions.yaml',
    ]);
  });

  test('validates with the library validator', () => {
    expect(validators.validate(serviceMonitor('30s'))).toEqual([]);
    expect(validators.validate(serviceMonitor('abc'))).toEqual([
      expect.stringMatching(/^spec\.endpoints\[0\]\.interval: must match pattern .*\(got "abc"\)$/),
    ]);
    expect(UnknownKindError).toBe(lib.UnknownKindError);
    expect(validateMetadata).toBe(lib.validateMetadata);
  });

  test('loads one file', () => {
    const file = path.join(CRD_DIR, 'monitoring.coreos.com_servicemonitors.yaml');
    const one = loadCrdValidators(file);
    expect(one.kinds).toEqual([{ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', source: file }]);
    expect(one.validate(serviceMonitor('1m'))).toEqual([]);
  });

  test('fails if the path holds no CRD', () => {
    expect(() => loadCrdValidators(path.join(__dirname))).toThrow(/no CustomResourceDefinition/);
    const file = path.join(tmp, 'configmap.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
    expect(() => loadCrdValidators(file)).toThrow(`no CustomResourceDefinition with a served openAPIV3Schema found`);
  });

  test('fails naming both files if two files define the same kind', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'twice-'));
    const text = fs.readFileSync(path.join(CRD_DIR, 'monitoring.coreos.com_prometheusrules.yaml'), 'utf8');
    fs.writeFileSync(path.join(dir, 'a.yaml'), text);
    fs.writeFileSync(path.join(dir, 'b.yml'), `---\n${text}`);
    expect(() => loadCrdValidators(dir)).toThrow(
      `monitoring.coreos.com/v1/PrometheusRule is defined twice: in ${path.join(dir, 'a.yaml')} and in ${path.join(dir, 'b.yml')}`,
    );
  });

  test('fails naming the file if it is not YAML', () => {
    const file = path.join(tmp, 'broken.yaml');
    fs.writeFileSync(file, 'kind: [unclosed\n');
    expect(() => loadCrdValidators(file)).toThrow(`cannot parse ${file}:`);
  });
});
