import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { buildFleet, exampleFiles, ROOT, type Manifest } from './support/example';
import { startFakeApiServer, type FakeApiServer } from './support/fake-apiserver';
import { describeWithKubectl, describeWithTool } from './support/tools';
import { renderApp } from '../lib';

/**
 * ArgoCD: an Application per cluster syncing an overlay of the cluster's folder that adds a Sync hook waiting for
 * the charts' install Jobs; the HelmChart health check for argocd-cm, run in Lua 5.1 (ArgoCD's gopher-lua dialect).
 */

const files = exampleFiles();
const eks = exampleFiles(path.join(ROOT, 'examples', 'eks.yaml'));
const yaml = (f: Map<string, string>, name: string) => parse(f.get(name) ?? `missing: ${name}`) as Manifest;

describe('Applications', () => {
  test('one per cluster, named cmm-<cluster>, in argocd, syncing the overlay dist/argocd/<cluster>', () => {
    const apps = [...files.keys()].filter((f) => /^argocd\/application-/.test(f));
    expect(apps).toEqual([
      'argocd/application-cmm-central.yaml',
      'argocd/application-cmm-edge-1.yaml',
      'argocd/application-cmm-kafka-prod.yaml',
    ]);
    const app = yaml(files, 'argocd/application-cmm-edge-1.yaml');
    expect(app.metadata).toMatchObject({ name: 'cmm-edge-1', namespace: 'argocd' });
    expect(app.spec).toEqual({
      project: 'default',
      source: { repoURL: 'https://github.com/example/fleet.git', targetRevision: 'HEAD', path: 'dist/argocd/edge-1' },
      destination: { name: 'edge-1' },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        retry: { limit: 10, backoff: { duration: '30s', factor: 2, maxDuration: '5m' } },
      },
    });
    // The bundled inventory sends the central cluster's folder to ArgoCD's own cluster.
    expect(yaml(files, 'argocd/application-cmm-central.yaml').spec?.destination).toEqual({ name: 'in-cluster' });
  });

  test('the repository, folder, destinations, project and automation come from the inventory', () => {
    const app = yaml(eks, 'argocd/application-cmm-eks-prod-eu.yaml');
    expect(app.spec).toMatchObject({
      source: { repoURL: 'git@github.com:example/fleet.git', path: 'out/eks/argocd/eks-prod-eu' },
      destination: { server: 'https://AAAABBBBCCCCDDDD.gr7.eu-west-1.eks.amazonaws.com' },
    });
    const text = fs
      .readFileSync(path.join(ROOT, 'cmm.yaml'), 'utf8')
      .replace(
        /^argocd:\n(?: .*\n)*/m,
        'argocd:\n  repoURL: https://git.example.com/fleet.git\n  targetRevision: release-1\n  project: monitoring\n  namespace: gitops\n  automated: false\n',
      );
    const out = renderApp(buildFleet(text).app);
    const custom = parse(out.get('argocd/application-cmm-kafka-prod.yaml') ?? '') as Manifest;
    expect(custom.metadata.namespace).toBe('gitops');
    expect(custom.spec).toEqual({
      project: 'monitoring',
      source: {
        repoURL: 'https://git.example.com/fleet.git',
        targetRevision: 'release-1',
        path: 'dist/argocd/kafka-prod',
      },
      destination: { name: 'kafka-prod' },
      syncPolicy: { retry: { limit: 10, backoff: { duration: '30s', factor: 2, maxDuration: '5m' } } },
    });
  });

  test('without an argocd section there is no argocd folder', () => {
    const text = fs.readFileSync(path.join(ROOT, 'cmm.yaml'), 'utf8').replace(/^argocd:\n(?: .*\n)*/m, '');
    const out = renderApp(buildFleet(text).app);
    expect([...out.keys()].filter((f) => f.startsWith('argocd/'))).toEqual([]);
    expect(out.has('edge-1/Kustomization')).toBe(true);
  });
});

describe('the Sync hook', () => {
  const hook = (f: Map<string, string>, cluster: string) => yaml(f, `argocd/${cluster}/job-cmm-wait-helmcharts.yaml`);
  type Pod = { initContainers: { args: string[] }[]; containers: { args: string[] }[]; serviceAccountName: string };
  const podOf = (job: Manifest) => (job.spec as { template: { spec: Pod } }).template.spec;

  test("waits for the install Job of each of the folder's HelmCharts, where helm-controller creates it", () => {
    const job = hook(files, 'edge-1');
    // A Sync hook in wave 0: after the HelmCharts (wave -1), before the custom resources that need the chart's CRDs.
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/sync-wave': '0',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    });
    expect(
      yaml(files, 'edge-1/setup/50-helmchart-cmm-agent.yaml').metadata.annotations?.['argocd.argoproj.io/sync-wave'],
    ).toBe('-1');
    expect(
      yaml(files, 'edge-1/prometheusrule-cmm-builtin-rules.yaml').metadata.annotations?.[
        'argocd.argoproj.io/sync-wave'
      ],
    ).toBe('1');
    // One try within a deadline: a failure fails the sync, whose retry runs the hook again.
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 2700 });
    expect(job.metadata.namespace).toBe('kube-system');
    const pod = podOf(job);
    expect(pod.initContainers.map((c) => c.args.join(' '))).toEqual([
      'wait --namespace kube-system --for=create job/helm-install-cmm-agent --timeout=10m',
      'wait --namespace kube-system --for=create job/helm-install-cmm-alloy --timeout=10m',
    ]);
    expect(pod.containers.map((c) => c.args.join(' '))).toEqual([
      'wait --namespace kube-system --for=condition=complete job/helm-install-cmm-agent --timeout=30m',
      'wait --namespace kube-system --for=condition=complete job/helm-install-cmm-alloy --timeout=30m',
    ]);
    // The central folder installs the central charts too.
    expect(podOf(hook(files, 'central')).containers.map((c) => c.args[4])).toEqual([
      'job/helm-install-cmm-agent',
      'job/helm-install-cmm-alloy',
      'job/helm-install-cmm-central',
      'job/helm-install-cmm-loki',
    ]);
  });

  test("on a platform without a built-in helm-controller, in CMM's helm-controller namespace", () => {
    const job = hook(eks, 'eks-prod-eu');
    expect(job.metadata.namespace).toBe('helm-controller');
    expect(podOf(job).containers.map((c) => c.args.slice(1, 3).join(' '))).toEqual([
      '--namespace helm-controller',
      '--namespace helm-controller',
    ]);
    const chart = yaml(eks, 'eks-prod-eu/setup/50-helmchart-cmm-agent.yaml');
    expect(chart.metadata.namespace).toBe('helm-controller');
  });

  test('may read the Jobs of that namespace, nothing more; its rights exist before it runs (wave -1)', () => {
    for (const kind of ['serviceaccount', 'role', 'rolebinding']) {
      const m = yaml(eks, `argocd/eks-prod-eu/${kind}-cmm-wait-helmcharts.yaml`);
      expect(m.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    }
    const role = yaml(eks, 'argocd/eks-prod-eu/role-cmm-wait-helmcharts.yaml');
    expect(role.metadata.namespace).toBe('helm-controller');
    expect(role.rules).toEqual([{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch'] }]);
    const binding = yaml(eks, 'argocd/eks-prod-eu/rolebinding-cmm-wait-helmcharts.yaml');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'cmm-wait-helmcharts', namespace: 'helm-controller' },
    ]);
    expect(podOf(hook(eks, 'eks-prod-eu')).serviceAccountName).toBe('cmm-wait-helmcharts');
  });

  test("the overlay's kustomization is the cluster folder plus the hook; the Applications' is the Applications", () => {
    expect(parse(files.get('argocd/edge-1/Kustomization') ?? '').resources).toEqual([
      '../../edge-1',
      'job-cmm-wait-helmcharts.yaml',
      'role-cmm-wait-helmcharts.yaml',
      'rolebinding-cmm-wait-helmcharts.yaml',
      'serviceaccount-cmm-wait-helmcharts.yaml',
    ]);
    expect(parse(files.get('argocd/Kustomization') ?? '').resources).toEqual([
      'application-cmm-central.yaml',
      'application-cmm-edge-1.yaml',
      'application-cmm-kafka-prod.yaml',
    ]);
  });
});

describeWithKubectl('the hook with the real kubectl', (kubectl) => {
  let dir: string;
  let api: FakeApiServer;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-hook-'));
    api = await startFakeApiServer(dir);
  });
  afterEach(async () => {
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a container of the hook (its args, with a shorter timeout) against the fake API server. */
  function run(args: string[], timeout = '3s'): Promise<{ code: number | null; out: string }> {
    const argv = args.map((a) => (a.startsWith('--timeout=') ? `--timeout=${timeout}` : a));
    return new Promise((resolve) => {
      const p = spawn(kubectl, [...argv, '--kubeconfig', api.kubeconfig, '--cache-dir', path.join(dir, 'cache')], {
        env: { PATH: process.env.PATH ?? '', HOME: dir },
      });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (out += d));
      p.on('close', (code) => resolve({ code, out }));
    });
  }

  const pod = () =>
    (
      yaml(files, 'argocd/edge-1/job-cmm-wait-helmcharts.yaml').spec as {
        template: { spec: { initContainers: { args: string[] }[]; containers: { args: string[] }[] } };
      }
    ).template.spec;

  test('succeeds once the install Jobs completed', async () => {
    api.jobs = [
      { namespace: 'kube-system', name: 'helm-install-cmm-agent', conditions: [{ type: 'Complete', status: 'True' }] },
      { namespace: 'kube-system', name: 'helm-install-cmm-alloy', conditions: [{ type: 'Complete', status: 'True' }] },
    ];
    for (const c of [...pod().initContainers, ...pod().containers]) {
      const r = await run(c.args);
      expect([c.args.join(' '), r.code, r.out]).toEqual([
        c.args.join(' '),
        0,
        expect.stringContaining('condition met'),
      ]);
    }
    expect([...api.asked].sort()).toEqual(['kube-system/helm-install-cmm-agent', 'kube-system/helm-install-cmm-alloy']);
  });

  test('fails while an install Job runs or after it failed, and while it does not exist', async () => {
    api.jobs = [
      { namespace: 'kube-system', name: 'helm-install-cmm-agent', conditions: [] },
      { namespace: 'kube-system', name: 'helm-install-cmm-alloy', conditions: [{ type: 'Failed', status: 'True' }] },
    ];
    const [agent, alloy] = pod().containers;
    expect((await run(agent.args)).code).not.toBe(0);
    expect((await run(alloy.args)).code).not.toBe(0);
    api.jobs = [];
    expect((await run(pod().initContainers[0].args)).code).not.toBe(0);
    expect((await run(agent.args)).code).not.toBe(0);
  });

  test('the --for=create step passes as soon as the Job exists, complete or not', async () => {
    api.jobs = [{ namespace: 'kube-system', name: 'helm-install-cmm-agent', conditions: [] }];
    expect((await run(pod().initContainers[0].args)).code).toBe(0);
  });
});

describeWithKubectl('kubectl kustomize dist/argocd/<cluster>', (kubectl) => {
  test.each([
    ['cmm.yaml', 'edge-1'],
    ['examples/eks.yaml', 'eks-prod-us'],
  ])('%s: the overlay of %s holds the cluster folder and the hook', (inventory, cluster) => {
    const output = inventory === 'cmm.yaml' ? files : eks;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-overlay-'));
    try {
      for (const [file, text] of output) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      }
      const r = spawnSync(kubectl, ['kustomize', path.join(dir, 'argocd', cluster)], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const kinds = parseAllDocuments(r.stdout).map((d) => {
        const m = d.toJS() as Manifest;
        return `${m.kind}/${m.metadata.name}`;
      });
      const folder = [...output.keys()].filter((f) => f.startsWith(`${cluster}/`) && f.endsWith('.yaml'));
      expect(kinds).toHaveLength(folder.length + 4);
      expect(kinds).toEqual(
        expect.arrayContaining([
          'Job/cmm-wait-helmcharts',
          'Role/cmm-wait-helmcharts',
          'RoleBinding/cmm-wait-helmcharts',
          'ServiceAccount/cmm-wait-helmcharts',
          'HelmChart/cmm-agent',
        ]),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the HelmChart health check', () => {
  const patch = files.get('argocd/argocd-cm-helmchart-health.patch') ?? '';
  const script = (parse(patch) as { data: Record<string, string> }).data[
    'resource.customizations.health.helm.cattle.io_HelmChart'
  ];

  test('is a merge patch of one argocd-cm key, with the command that applies it', () => {
    expect(Object.keys(parse(patch) as object)).toEqual(['data']);
    expect(patch).toContain(
      'kubectl -n argocd patch configmap argocd-cm --type merge --patch-file argocd-cm-helmchart-health.patch',
    );
    expect(script).toMatch(/^local hs = \{\}\n/);
    expect(script).toMatch(/return hs\n$/);
  });

  describeWithTool('lua5.1', 'lua5.1', 'run by Lua 5.1, as ArgoCD runs it', (lua) => {
    /** A JSON value as a Lua literal. */
    const toLua = (v: unknown): string => {
      if (v === null || v === undefined) return 'nil';
      if (typeof v === 'string') return JSON.stringify(v);
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      if (Array.isArray(v)) return `{${v.map(toLua).join(', ')}}`;
      return `{${Object.entries(v as object)
        .map(([k, x]) => `[${JSON.stringify(k)}] = ${toLua(x)}`)
        .join(', ')}}`;
    };
    const health = (obj: unknown): { status: string; message: string } => {
      const program = `obj = ${toLua(obj)}\nlocal function check()\n${script}\nend\nlocal hs = check()\nio.write(hs.status, "\\n", hs.message)\n`;
      const r = spawnSync(lua, ['-'], { input: program, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const [status, message] = r.stdout.split('\n');
      return { status, message };
    };
    const chart = {
      apiVersion: 'helm.cattle.io/v1',
      kind: 'HelmChart',
      metadata: { name: 'cmm-agent' },
      spec: { chart: 'kube-prometheus-stack' },
    };
    const created = { type: 'JobCreated', status: 'True', reason: 'Job created' };

    test('no status yet: Progressing', () => {
      expect(health(chart).status).toBe('Progressing');
    });

    test('install Job created, not failed: Healthy, saying the hook waits for its completion', () => {
      const h = health({
        ...chart,
        status: { jobName: 'helm-install-cmm-agent', conditions: [created, { type: 'Failed', status: 'False' }] },
      });
      expect(h.status).toBe('Healthy');
      expect(h.message).toContain('helm-install-cmm-agent');
      expect(h.message).toContain('cmm-wait-helmcharts');
    });

    test('the install Job gave up (Failed=True): Degraded, with the reason and the Job', () => {
      const h = health({
        ...chart,
        status: {
          jobName: 'helm-install-cmm-agent',
          conditions: [
            created,
            {
              type: 'Failed',
              status: 'True',
              reason: 'Job failed',
              message: 'Job has reached configured number of retries',
            },
          ],
        },
      });
      expect(h).toEqual({
        status: 'Degraded',
        message:
          'helm-controller set Failed=True (Job failed): Job has reached configured number of retries [Job helm-install-cmm-agent]',
      });
    });

    test('the Job could not be made (JobCreated=False, Failed=True): Degraded', () => {
      const h = health({
        ...chart,
        status: {
          conditions: [
            { type: 'JobCreated', status: 'False' },
            { type: 'Failed', status: 'True', reason: 'Job create failed' },
          ],
        },
      });
      expect(h.status).toBe('Degraded');
    });

    test('being deleted: Progressing; unmanaged: Suspended; neither chart nor chartContent: Degraded', () => {
      expect(
        health({ ...chart, metadata: { ...chart.metadata, deletionTimestamp: '2026-11-23T00:00:00Z' } }).status,
      ).toBe('Progressing');
      expect(
        health({
          ...chart,
          metadata: { ...chart.metadata, annotations: { 'helmcharts.helm.cattle.io/unmanaged': 'true' } },
        }).status,
      ).toBe('Suspended');
      expect(health({ ...chart, spec: {} }).status).toBe('Degraded');
    });
  });
});
