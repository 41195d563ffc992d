import * as fs from 'node:fs';
import * as path from 'node:path';
import { applySteps, NEW_K3S_CLUSTER, NEW_PLAIN_CLUSTER, replayOnNewCluster } from '../lib';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { parseAllDocuments } from 'yaml';
import { exampleFiles, exampleInventories, ROOT } from './support/example';
import { describeWithKubectl } from './support/tools';

/**
 * The documented kubectl sequence installs every cluster folder of the example on a new k3s cluster: replayed in
 * kubectl's order (a folder's files in name order), every object finds its namespace and its kind.
 */

const files = exampleFiles();

/** Every cluster folder of every example inventory, with its files and whether CMM installs a helm-controller. */
const everyCluster = exampleInventories().flatMap((inventory) => {
  const output = exampleFiles(inventory);
  return [...new Set([...output.keys()].map((f) => f.split('/')[0]))]
    .filter((c) => c !== 'argocd')
    .map((c) => ({
      name: `${path.relative(ROOT, inventory)}: ${c}`,
      cluster: c,
      output,
      installs: [...output.keys()].some((f) => f.startsWith(`${c}/helm-controller/`)),
    }));
});

test.each(everyCluster.map((c) => [c.name, c]))('the documented sequence installs %s on a new cluster', (_n, c) => {
  const start = c.installs ? NEW_PLAIN_CLUSTER : NEW_K3S_CLUSTER;
  expect(replayOnNewCluster(c.output, c.cluster, applySteps(c.cluster, 'dist', c.installs), start)).toEqual([]);
  // Without the helm-controller steps, the HelmCharts would find no kind on those platforms.
  if (c.installs) expect(replayOnNewCluster(c.output, c.cluster, applySteps(c.cluster), start)).not.toEqual([]);
});

test('the README shows that sequence', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  for (const step of applySteps('edge-1')) expect(readme).toContain(step.command);
  for (const step of applySteps('eks-prod-eu', 'out/eks', true)) expect(readme).toContain(step.command);
  expect(readme).toContain('until kubectl apply -k dist/edge-1; do sleep 20; done');
});

test('the setup files are named in install order: the namespace first, the HelmCharts last', () => {
  const setup = [...files.keys()].filter((f) => f.startsWith('central/setup/')).sort();
  expect(setup.slice(0, 2)).toEqual([
    'central/setup/00-namespace-monitoring-host.yaml',
    'central/setup/00-namespace-monitoring.yaml',
  ]);
  expect(setup.filter((f) => /\/50-helmchart-/.test(f))).toEqual(
    setup.slice(-setup.filter((f) => /helmchart/.test(f)).length),
  );
});

describe('the replay finds what would fail', () => {
  const ns = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n';
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: monitoring\n';
  const sm =
    'apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: x\n  namespace: monitoring\n';
  const chart =
    'apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata:\n  name: cmm-agent\n  namespace: kube-system\nspec:\n  chart: kube-prometheus-stack\n';

  test('a ConfigMap whose file sorts before its namespace (the file names before the rank prefix)', () => {
    const old = new Map([
      ['c/setup/configmap-x.yaml', cm],
      ['c/setup/namespace-monitoring.yaml', ns],
    ]);
    expect(replayOnNewCluster(old, 'c', applySteps('c'))).toEqual([
      'kubectl apply -f dist/c/setup/: setup/configmap-x.yaml (ConfigMap x): namespace monitoring does not exist yet (no earlier file creates it)',
    ]);
  });

  test('a custom resource whose CRD is not waited for, or that no chart installs', () => {
    const noWait = applySteps('c').filter((s) => s.kind === 'apply');
    const tree = new Map([
      ['c/setup/00-namespace-monitoring.yaml', ns],
      ['c/setup/50-helmchart-cmm-agent.yaml', chart],
      ['c/servicemonitor-x.yaml', sm],
    ]);
    expect(replayOnNewCluster(tree, 'c', applySteps('c'))).toEqual([]);
    expect(replayOnNewCluster(tree, 'c', noWait)).toEqual([
      'kubectl apply -f dist/c/: servicemonitor-x.yaml (ServiceMonitor x): no kind ServiceMonitor (monitoring.coreos.com/v1) in the cluster yet; its CRD is not installed or not waited for',
    ]);
    tree.delete('c/setup/50-helmchart-cmm-agent.yaml');
    expect(replayOnNewCluster(tree, 'c', applySteps('c'))).toHaveLength(1);
  });
});

describeWithKubectl('kubectl apply -k dist/<cluster>', (kubectl) => {
  test.each(everyCluster.map((c) => [c.name, c]))(
    'the Kustomization of %s holds every manifest, namespaces first',
    (_n, c) => {
      const { cluster, output } = c;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-kustomize-'));
      try {
        for (const [file, text] of output) {
          if (!file.startsWith(`${cluster}/`)) continue;
          fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
          fs.writeFileSync(path.join(dir, file), text);
        }
        const r = spawnSync(kubectl, ['kustomize', path.join(dir, cluster)], { encoding: 'utf8' });
        expect(r.stderr).toBe('');
        const built = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
        const manifests = [...output.keys()].filter((f) => f.startsWith(`${cluster}/`) && f.endsWith('.yaml'));
        expect(built).toHaveLength(manifests.length);
        expect(built[0].kind).toBe('Namespace');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
