import { spawnSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './support/example';
import { describeWithHelm } from './support/tools';

/**
 * `npm run render` (`synth --render`): every HelmChart rendered with the real Helm, into rendered/, then checked.
 * The charts are small ones this test builds (named and versioned like the pinned ones, templates of its own, no
 * upstream chart code), served from a folder (--charts) and from a Helm repository on loopback.
 */

let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-render-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** kube-prometheus-stack as far as the checks look: Prometheus, Alertmanager wiring, node-exporter, the CRDs. */
const KPS_TEMPLATES: Record<string, string> = {
  'prometheus.yaml': `{{- if .Values.prometheus.prometheusSpec }}
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: {{ .Release.Name }}-prometheus
  namespace: {{ .Release.Namespace }}
spec:
  retention: {{ .Values.prometheus.prometheusSpec.retention | quote }}
  # The real chart's default.
  securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000, seccompProfile: { type: RuntimeDefault } }
  {{- with .Values.prometheus.prometheusSpec.nodeSelector }}
  nodeSelector: {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.prometheus.prometheusSpec.tolerations }}
  tolerations: {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if .Values.alertmanager.enabled }}
  alerting:
    alertmanagers:
      - name: {{ .Release.Name }}-alertmanager
        namespace: {{ .Release.Namespace }}
        port: http-web
  {{- end }}
{{- end }}
`,
  'node-exporter.yaml': `{{- if .Values.nodeExporter.enabled }}
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {{ .Release.Name }}-node-exporter
  namespace: {{ index .Values "prometheus-node-exporter" "namespaceOverride" | default .Release.Namespace }}
spec:
  selector: { matchLabels: { app: node-exporter } }
  template:
    metadata: { labels: { app: node-exporter } }
    spec:
      hostNetwork: true
      hostPID: true
      containers: [{ name: node-exporter, image: quay.io/prometheus/node-exporter:v1.12.1 }]
      volumes: [{ name: proc, hostPath: { path: /proc } }]
      {{- with (index .Values "prometheus-node-exporter" "tolerations") }}
      tolerations: {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
`,
};

/** A faulty kube-prometheus-stack: a custom resource its CRD refuses, an object in a namespace nobody creates. */
const BROKEN_TEMPLATES: Record<string, string> = {
  ...KPS_TEMPLATES,
  'broken.yaml': `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ .Release.Name }}-broken
spec:
  selector: {}
  endpoints:
    - port: http
      interval: every-minute
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-elsewhere
  namespace: elsewhere
`,
};

/**
 * A kube-prometheus-stack whose operator runs as root in the monitoring namespace (Pod Security restricted), with two
 * replicas and no PodDisruptionBudget, beside a budget whose selector matches no pod.
 */
const INSECURE_TEMPLATES: Record<string, string> = {
  ...KPS_TEMPLATES,
  'operator.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-operator
spec:
  replicas: 2
  selector: { matchLabels: { app: operator } }
  template:
    metadata: { labels: { app: operator } }
    spec:
      securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: operator
          image: quay.io/prometheus-operator/prometheus-operator:v0.93.1
          securityContext: { runAsUser: 0, allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .Release.Name }}-operator
spec:
  maxUnavailable: 1
  selector: { matchLabels: { app: prometheus-operator } }
`,
};

/** Builds a chart folder and packages it into `dest`; returns the archive. */
function chart(
  helm: string,
  dest: string,
  name: string,
  version: string,
  templates: Record<string, string>,
  crds: string[] = [],
): string {
  const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  fs.mkdirSync(path.join(dir, 'templates'));
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
  fs.writeFileSync(path.join(dir, 'values.yaml'), '{}\n');
  for (const [file, text] of Object.entries(templates)) fs.writeFileSync(path.join(dir, 'templates', file), text);
  if (crds.length > 0) {
    fs.mkdirSync(path.join(dir, 'crds'));
    for (const crd of crds) fs.copyFileSync(path.join(ROOT, 'upstream', 'crds', crd), path.join(dir, 'crds', crd));
  }
  fs.mkdirSync(dest, { recursive: true });
  const r = spawnSync(helm, ['package', dir, '--destination', dest], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return path.join(dest, `${name}-${version}.tgz`);
}

const CRDS = ['monitoring.coreos.com_prometheuses.yaml', 'monitoring.coreos.com_servicemonitors.yaml'];

/**
 * A fleet: the central cluster monitored (its alerts delivered by Grafana), and `edge` as the test sets it. The small
 * charts run none of the pods CMM's NetworkPolicies are for, so the policies are off unless `policies` is true.
 */
const inventory = (edge: string, central = '', policies = false) => {
  const off = policies ? '' : '    networkPolicies: { enabled: false }\n';
  return `central:
  cluster: central
  alerting: { slack: { secretName: grafana-alerting } }
${central}clusters:
  - name: central
${off}  - name: edge
${off}${edge}`;
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function render(helm: string, dir: string, text: string, args: string[], env: Record<string, string> = {}): Run {
  fs.writeFileSync(path.join(dir, 'cmm.yaml'), text);
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'scripts', 'synth.mjs'), '--render', '--outdir', path.join(dir, 'dist'), ...args],
    {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, CMM_HELM: helm, XDG_CACHE_HOME: path.join(dir, 'cache'), ...env },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir`, relative. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk('');
  return out.sort();
}

describeWithHelm('render', (helm) => {
  let good: string;
  let broken: string;
  let insecure: string;
  beforeAll(() => {
    insecure = path.join(tmp, 'insecure-charts');
    chart(helm, insecure, 'kube-prometheus-stack', '88.5.3', INSECURE_TEMPLATES, CRDS);
    good = path.join(tmp, 'charts');
    chart(helm, good, 'kube-prometheus-stack', '88.5.3', KPS_TEMPLATES, CRDS);
    broken = path.join(tmp, 'broken-charts');
    chart(helm, broken, 'kube-prometheus-stack', '88.5.3', BROKEN_TEMPLATES, CRDS);
  });

  /** A project folder of its own for one test. */
  const project = () => fs.mkdtempSync(path.join(tmp, 'project-'));

  test('renders every HelmChart into rendered/ beside the output folder, and finds nothing wrong in a good fleet', () => {
    const dir = project();
    const run = render(helm, dir, inventory('    alertmanager: { enabled: true, slack: { secretName: s } }\n'), [
      '--charts',
      good,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^cmm: 2 clusters, \d+ files written to .*\n(?:(?:cluster|central|edge) .*\n){3}cmm: rendered into .*rendered\/ in \d+ ms; no problem found\n$/,
    );
    expect(files(path.join(dir, 'rendered'))).toEqual([
      '.cmm-output',
      'central/cmm-agent/customresourcedefinition-prometheuses.monitoring.coreos.com.yaml',
      'central/cmm-agent/customresourcedefinition-servicemonitors.monitoring.coreos.com.yaml',
      'central/cmm-agent/daemonset-cmm-agent-node-exporter.yaml',
      'central/cmm-agent/prometheus-cmm-agent-prometheus.yaml',
      'central/cmm-central/customresourcedefinition-prometheuses.monitoring.coreos.com.yaml',
      'central/cmm-central/customresourcedefinition-servicemonitors.monitoring.coreos.com.yaml',
      'edge/cmm-agent/customresourcedefinition-prometheuses.monitoring.coreos.com.yaml',
      'edge/cmm-agent/customresourcedefinition-servicemonitors.monitoring.coreos.com.yaml',
      'edge/cmm-agent/daemonset-cmm-agent-node-exporter.yaml',
      'edge/cmm-agent/prometheus-cmm-agent-prometheus.yaml',
    ]);
    // What Helm made of CMM's values: release name, namespace, values.
    const prom = fs.readFileSync(
      path.join(dir, 'rendered/edge/cmm-agent/prometheus-cmm-agent-prometheus.yaml'),
      'utf8',
    );
    expect(prom).toContain('namespace: monitoring\n');
    expect(prom).toContain('retention: 10d\n');
    expect(prom).toContain('alertmanagers:\n');
    // The same again: byte for byte.
    const first = files(path.join(dir, 'rendered')).map((f) => fs.readFileSync(path.join(dir, 'rendered', f), 'utf8'));
    expect(
      render(helm, dir, inventory('    alertmanager: { enabled: true, slack: { secretName: s } }\n'), [
        '--charts',
        good,
      ]).code,
    ).toBe(0);
    expect(
      files(path.join(dir, 'rendered')).map((f) => fs.readFileSync(path.join(dir, 'rendered', f), 'utf8')),
    ).toEqual(first);
  });

  test('finds a pod pinned to tainted nodes without the toleration, and a cluster whose alerts go nowhere', () => {
    const dir = project();
    const edge = [
      '    nodePools:',
      '      kafka: { labels: { role: kafka }, taints: [{ key: role, value: kafka, effect: NoSchedule }] }',
      '    prometheus: { nodeSelector: { role: kafka } }',
      '    nodeExporter: { enabled: true }',
      '',
    ].join('\n');
    const run = render(helm, dir, inventory(edge), ['--charts', good]);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('cmm: edge'))).toEqual([
      "cmm: edge: release cmm-agent: Prometheus monitoring/cmm-agent-prometheus is pinned to node pool kafka by its nodeSelector but does not tolerate role=kafka:NoSchedule: it stays Pending; give it the pool's tolerations (nodePool: kafka)",
      'cmm: edge: release cmm-agent: Prometheus cmm-agent-prometheus sends its alerts nowhere: no Alertmanager, and the central Grafana does not forward them; enable alertmanager, or central.alerting with the cluster reachable',
    ]);
    expect(run.stdout).toMatch(/; 2 problems\n$/);
    // With the pool: pinned and tolerating, and the node-exporter DaemonSet tolerating the pool too.
    const fixed = edge.replace('prometheus: { nodeSelector: { role: kafka } }', 'prometheus: { nodePool: kafka }');
    const again = render(
      helm,
      dir,
      inventory(`${fixed}    alertmanager: { enabled: true, slack: { secretName: s } }\n`),
      ['--charts', good],
    );
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
  });

  test('finds a custom resource its CRD refuses, and a namespace nothing creates', () => {
    const dir = project();
    const run = render(helm, dir, inventory('    alertmanager: { enabled: true, slack: { secretName: s } }\n'), [
      '--charts',
      broken,
    ]);
    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('cmm: edge'));
    expect(lines).toEqual([
      expect.stringMatching(
        /^cmm: edge: release cmm-agent: ServiceMonitor cmm-agent-broken: spec\.endpoints\[0\]\.interval: .*must match pattern/,
      ),
      'cmm: edge: release cmm-agent installs into namespace elsewhere, which nothing creates (first: ConfigMap cmm-agent-elsewhere)',
    ]);
  });

  test('finds a NetworkPolicy that selects none of the rendered pods, and a flow whose pods the charts do not run', () => {
    const dir = project();
    // The small chart renders a Prometheus (whose pods the operator would make) but no operator Deployment.
    const run = render(helm, dir, inventory('    kubeStateMetrics: false\n', '', true), ['--charts', good]);
    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n').filter((l) => /^cmm: edge: (NetworkPolic|flow)/.test(l));
    expect(lines).toEqual([
      'cmm: edge: NetworkPolicy monitoring/cmm-prometheus-operator selects no pod: its podSelector {"matchLabels":{"app":"kube-prometheus-stack-operator","release":"cmm-agent"}} matches none of the cluster\'s pods, so it protects nothing',
      'cmm: edge: flow "the API server calls the operator\'s admission webhook": no Deployment cmm-agent-operator in the cluster',
      'cmm: edge: flow "Prometheus scrapes the operator": no Deployment cmm-agent-operator in the cluster',
    ]);
  });

  test('finds a pod its namespace refuses at its Pod Security level, and replicas no PodDisruptionBudget covers', () => {
    const dir = project();
    const run = render(helm, dir, inventory('    alertmanager: { enabled: true, slack: { secretName: s } }\n'), [
      '--charts',
      insecure,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('cmm: edge'))).toEqual([
      'cmm: edge: release cmm-agent: Deployment monitoring/cmm-agent-operator violates PodSecurity "restricted:v1.33" of its namespace: runAsUser=0 (container "operator" must not set runAsUser=0)',
      'cmm: edge: release cmm-agent: PodDisruptionBudget monitoring/cmm-agent-operator selects no pod of a Deployment or StatefulSet: its selector {"matchLabels":{"app":"prometheus-operator"}} protects nothing',
      'cmm: edge: release cmm-agent: Deployment monitoring/cmm-agent-operator runs 2 replicas and no PodDisruptionBudget selects its pods: a node drain may evict them all at once',
    ]);
    // With the labels off, the namespace enforces nothing: only the budgets are left.
    const off = render(
      helm,
      dir,
      inventory('    alertmanager: { enabled: true, slack: { secretName: s } }\n    podSecurity: { labels: false }\n'),
      ['--charts', insecure],
    );
    expect(off.stderr.split('\n').filter((l) => l.startsWith('cmm: edge'))).toEqual([
      expect.stringContaining('PodDisruptionBudget monitoring/cmm-agent-operator selects no pod'),
      expect.stringContaining('Deployment monitoring/cmm-agent-operator runs 2 replicas'),
    ]);
  });

  test('fails clearly when a chart archive is missing from --charts', () => {
    const dir = project();
    const empty = path.join(dir, 'no-charts');
    fs.mkdirSync(empty);
    const run = render(helm, dir, inventory(''), ['--charts', empty]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `cmm: render: central/setup/50-helmchart-cmm-agent.yaml: kube-prometheus-stack-88.5.3.tgz is not in --charts ${empty}; expected the archive that helm pull gives`,
    );
  });

  describe('from a Helm repository', () => {
    let server: http.Server;
    let url: string;
    let repoDir: string;
    beforeAll(async () => {
      repoDir = path.join(tmp, 'repo');
      chart(helm, repoDir, 'kube-prometheus-stack', '88.5.3', KPS_TEMPLATES, CRDS);
      server = http.createServer((req, res) => {
        const file = path.join(repoDir, path.basename(req.url ?? ''));
        if (!fs.existsSync(file)) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200).end(fs.readFileSync(file));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const index = spawnSync(helm, ['repo', 'index', repoDir, '--url', url], { encoding: 'utf8' });
      if (index.status !== 0) throw new Error(index.stderr);
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test('fetches each chart once into the cache; later renders need no repository', async () => {
      const dir = project();
      const text = inventory(
        '    alertmanager: { enabled: true, slack: { secretName: s } }\n',
        `  kubePrometheusStackRepo: ${url}\n`,
      ).replace('clusters:\n', `defaults:\n  kubePrometheusStackRepo: ${url}\nclusters:\n`);
      const run = await renderAsync(helm, dir, text);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const cached = files(path.join(dir, 'cache', 'cmm', 'charts'));
      expect(cached).toHaveLength(1);
      expect(cached[0]).toMatch(/^[0-9a-f]{16}\/kube-prometheus-stack-88\.5\.3\.tgz$/);
      // The repository gone: the cache serves.
      fs.rmSync(path.join(repoDir, 'kube-prometheus-stack-88.5.3.tgz'));
      expect((await renderAsync(helm, dir, text)).code).toBe(0);
    });
  });

  /** render(), without blocking the event loop (the repository server runs in this process). */
  function renderAsync(helmBin: string, dir: string, text: string): Promise<Run> {
    fs.writeFileSync(path.join(dir, 'cmm.yaml'), text);
    return new Promise((resolve) => {
      const child: ChildProcess = spawn(
        process.execPath,
        [path.join(ROOT, 'scripts', 'synth.mjs'), '--render', '--outdir', path.join(dir, 'dist')],
        { cwd: dir, env: { ...process.env, CMM_HELM: helmBin, XDG_CACHE_HOME: path.join(dir, 'cache') } },
      );
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d) => (stdout += d));
      child.stderr?.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
});
