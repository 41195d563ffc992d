import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { readOutputFolder, renderApp, setupRank, writeOutput } from '../lib';
import { spawnSync } from 'node:child_process';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { buildFleet, exampleFiles, ROOT } from './support/example';

describe('renderApp', () => {
  const files = exampleFiles();
  /** The manifests of the cluster folders (beside them: each folder's Kustomization, and the argocd/ folder). */
  const manifests = [...files].filter(([f]) => f.endsWith('.yaml') && !f.startsWith('argocd/'));

  test('objects needing only Kubernetes go to setup/, custom resources beside it', () => {
    expect(manifests.length).toBeGreaterThan(20);
    for (const [file, text] of manifests) {
      const m = parse(text);
      const inSetup = file.split('/')[1] === 'setup';
      expect([file, m.metadata.annotations['argocd.argoproj.io/sync-wave']]).toEqual([file, inSetup ? '-1' : '1']);
      if (inSetup)
        expect(['Namespace', 'NetworkPolicy', 'HelmChart', 'ConfigMap', 'Service', 'Deployment', 'Ingress']).toContain(
          m.kind,
        );
      else {
        expect(['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'Middleware']).toContain(m.kind);
        expect(m.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('SkipDryRunOnMissingResource=true');
      }
    }
  });

  test('file names are [<rank>-]<kind>-<name>.yaml and sorted', () => {
    for (const [file, text] of manifests) {
      const m = parse(text);
      const rank = file.split('/')[1] === 'setup' ? `${String(setupRank(m.kind)).padStart(2, '0')}-` : '';
      expect(path.basename(file)).toBe(`${rank}${m.kind.toLowerCase()}-${m.metadata.name}.yaml`);
    }
    expect([...files.keys()]).toEqual([...files.keys()].sort());
  });

  test('two objects of one kind and name: namespaced ones get the namespace in the file name; two Namespaces fail', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    for (const ns of ['a', 'b']) {
      new ApiObject(chart, `cm-${ns}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: ns } });
    }
    expect([...renderApp(app).keys()].filter((f) => f.includes('configmap'))).toEqual([
      'c/configmap-b-x.yaml',
      'c/configmap-x.yaml',
    ]);
    const twice = Testing.app();
    const other = new Chart(twice, 'central');
    for (const id of ['A', 'B']) {
      new ApiObject(other, id, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'grafana' } });
    }
    // Never a file named after an undefined namespace (00-namespace-undefined-grafana.yaml).
    expect(() => renderApp(twice)).toThrow(
      'two Namespace objects named "grafana" in central: a Namespace has no namespace, so both would be one object; expected one',
    );
  });

  test("each cluster folder's Kustomization lists its manifests, setup first, and nothing else", () => {
    for (const cluster of ['central', 'edge-1', 'kafka-prod']) {
      const k = parse(files.get(`${cluster}/Kustomization`) ?? '');
      expect(k.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
      expect(k.kind).toBe('Kustomization');
      const own = manifests.map(([f]) => f).filter((f) => f.startsWith(`${cluster}/`));
      expect(k.resources).toEqual(own.map((f) => f.slice(cluster.length + 1)).sort((a, b) => setupFirst(a, b)));
      // The namespaces first: the monitoring namespace, and the host-access pods' one (Pod Security privileged).
      expect(k.resources.slice(0, 2)).toEqual([
        'setup/00-namespace-monitoring-host.yaml',
        'setup/00-namespace-monitoring.yaml',
      ]);
    }
  });

  test('is deterministic', () => {
    expect(exampleFiles()).toEqual(files);
  });

  test("gives what cdk8s's own chart synthesis gives", () => {
    // A dependency inside a chart is resolved once; one across charts sends renderApp through chart.toJson(). The
    // content must not change. The Thanos example's central chart has cdk8s-plus workloads, which declare some.
    const { app, fleet } = buildFleet();
    const agent = fleet.agents[0];
    agent.release.node.addDependency(agent.namespaceResource);
    expect(renderApp(app)).toEqual(files);
    const thanos = fs.readFileSync(path.join(ROOT, 'examples', 'thanos.yaml'), 'utf8');
    const fast = renderApp(buildFleet(thanos).app);
    const slow = buildFleet(thanos);
    slow.fleet.agents[1].release.node.addDependency(slow.fleet.agents[0].namespaceResource);
    expect(renderApp(slow.app)).toEqual(fast);
  });

  test('the central folder holds its agent too', () => {
    expect(files.has('central/setup/50-helmchart-cmm-agent.yaml')).toBe(true);
    expect(files.has('central/setup/50-helmchart-cmm-central.yaml')).toBe(true);
    expect(files.has('edge-1/setup/50-helmchart-cmm-central.yaml')).toBe(false);
  });
});

/** Files under setup/ before the others, each group in name order. */
function setupFirst(a: string, b: string): number {
  const sa = a.startsWith('setup/') ? 0 : 1;
  const sb = b.startsWith('setup/') ? 0 : 1;
  return sa - sb || (a < b ? -1 : a > b ? 1 : 0);
}

describe('writeOutput', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-out-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("replaces the folder's whole content", () => {
    const out = path.join(dir, 'dist');
    writeOutput(
      out,
      new Map([
        ['a/setup/x.yaml', 'x: 1\n'],
        ['a/stale.yaml', 'old\n'],
      ]),
    );
    writeOutput(out, new Map([['a/setup/x.yaml', 'x: 2\n']]));
    expect(fs.readFileSync(path.join(out, 'a/setup/x.yaml'), 'utf8')).toBe('x: 2\n');
    expect(fs.existsSync(path.join(out, 'a/stale.yaml'))).toBe(false);
    expect(fs.readdirSync(dir)).toEqual(['dist']);
  });

  test('leaves the folder as it was when writing fails', () => {
    const out = path.join(dir, 'dist');
    writeOutput(out, new Map([['a.yaml', 'keep\n']]));
    // A path that cannot be created: a file where a folder is needed.
    expect(() =>
      writeOutput(
        out,
        new Map([
          ['f', 'x'],
          ['f/g.yaml', 'y'],
        ]),
      ),
    ).toThrow();
    expect(fs.readFileSync(path.join(out, 'a.yaml'), 'utf8')).toBe('keep\n');
    expect(fs.readdirSync(dir)).toEqual(['dist']);
  });
});

describe('readOutputFolder (what --check and --cluster read back)', () => {
  test('reads the regular files its marker lists inside the folder; a path out of it, a link or a FIFO counts as absent', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-read-output-'));
    try {
      const out = path.join(tmp, 'out');
      writeOutput(out, new Map([['a/one.yaml', 'one\n']]));
      fs.writeFileSync(path.join(tmp, 'secret'), 'not ours\n');
      fs.symlinkSync(path.join(tmp, 'secret'), path.join(out, 'link.yaml'));
      expect(spawnSync('mkfifo', [path.join(out, 'fifo.yaml')]).status).toBe(0);
      fs.appendFileSync(path.join(out, '.cmm-output'), '../secret\nlink.yaml\nfifo.yaml\n');
      expect(readOutputFolder(out)).toEqual(new Map([['a/one.yaml', 'one\n']]));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
