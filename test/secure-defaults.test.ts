/**
 * Secure defaults of what CMM writes: every pod it writes itself passes Pod Security restricted, the namespaces carry
 * the labels their pods need (the host-access pods in a namespace of their own), the `podSecurity` settings, and the
 * PodDisruptionBudgets of replicated workloads. The charts' pods are checked by `npm run render` (test/render.test.ts
 * with small charts; the README reports the real charts' results).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { checkPodSecurity, ClusterAgent, describeViolation, Fleet, parseInventory, podTemplateOf } from '../lib';
import { parseAllDocuments } from 'yaml';
import {
  buildFleet,
  byKindName,
  exampleFiles,
  exampleInventories,
  helmValues,
  inventoryProblems,
  manifestsOf,
  type Manifest,
} from './support/example';

const PSA = 'pod-security.kubernetes.io';
const RESTRICTED = {
  'app.kubernetes.io/managed-by': 'cmm',
  [`${PSA}/enforce`]: 'restricted',
  [`${PSA}/enforce-version`]: 'v1.33',
  [`${PSA}/audit`]: 'restricted',
  [`${PSA}/audit-version`]: 'latest',
  [`${PSA}/warn`]: 'restricted',
  [`${PSA}/warn-version`]: 'latest',
};
const PRIVILEGED = {
  'app.kubernetes.io/managed-by': 'cmm',
  [`${PSA}/enforce`]: 'privileged',
  [`${PSA}/enforce-version`]: 'v1.33',
};

function fleetOf(text: string): Manifest[] {
  const app = Testing.app();
  new Fleet(app, 'Fleet', { inventory: parseInventory(text) });
  return manifestsOf(app);
}
const find = (ms: Manifest[], kind: string, name: string, namespace?: string) =>
  ms.filter((m) => m.kind === kind && m.metadata.name === name && (!namespace || m.metadata.namespace === namespace));

/** Every pod CMM writes in an example's output folder (what `npm run synth` writes: the ArgoCD hooks too). */
function podsOfExample(
  file: string,
): { file: string; object: string; pod: NonNullable<ReturnType<typeof podTemplateOf>> }[] {
  const pods = [];
  for (const [name, text] of exampleFiles(file)) {
    if (!name.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(text)) {
      const m = doc.toJS() as Manifest | null;
      const pod = m && podTemplateOf(m);
      if (m && pod) pods.push({ file: name, object: `${m.kind}/${m.metadata.name}`, pod });
    }
  }
  return pods;
}

describe("CMM's own pods pass Pod Security restricted", () => {
  test.each(exampleInventories().map((f) => [path.relative(path.join(__dirname, '..'), f), f]))('%s', (_name, file) => {
    for (const { file: name, pod } of podsOfExample(file)) {
      const violations = checkPodSecurity(pod, 'restricted', '1.33').map(describeViolation);
      expect(`${name}: ${violations.join(', ')}`).toBe(`${name}: `);
    }
  });
  test('the examples hold every kind of pod CMM writes', () => {
    const checked = exampleInventories().flatMap((f) => podsOfExample(f).map((p) => p.object));
    // Karma and its init container, the Thanos components, ArgoCD's wait hook, the helm-controller CMM installs.
    for (const expected of [
      'Deployment/cmm-karma',
      'Deployment/thanos-query',
      'Deployment/thanos-query-frontend',
      'StatefulSet/thanos-store',
      'StatefulSet/thanos-compact',
      'StatefulSet/thanos-receive',
      'Job/cmm-wait-helmcharts',
      'Deployment/helm-controller',
    ]) {
      expect(checked).toContain(expected);
    }
  });
});

describe('namespaces and their Pod Security labels', () => {
  test('defaults: the monitoring namespace enforces restricted; node-exporter and the log agent run in <namespace>-host, privileged', () => {
    const { app, fleet } = buildFleet();
    const ms = manifestsOf(app);
    const kafka = byKindName(fleet.clusterCharts.find((c) => c.node.id === 'kafka-prod')!);
    const namespaces = ms.filter((m) => m.kind === 'Namespace');
    expect(namespaces.map((n) => n.metadata.name)).toEqual([
      'monitoring',
      'monitoring-host',
      'monitoring',
      'monitoring-host',
      'monitoring',
      'monitoring-host',
    ]);
    for (const n of namespaces) {
      expect(n.metadata.labels).toEqual(n.metadata.name === 'monitoring' ? RESTRICTED : PRIVILEGED);
      // Created first (ArgoCD wave -1, setup/00-).
      expect(n.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    }
    // The releases stay in the monitoring namespace (Helm keeps them there); their pods go to monitoring-host.
    const agent = kafka.get('HelmChart/cmm-agent')!;
    expect(agent.spec!.targetNamespace).toBe('monitoring');
    expect(helmValues(agent)['prometheus-node-exporter'].namespaceOverride).toBe('monitoring-host');
    for (const name of ['cmm-alloy', 'cmm-alloy-events']) {
      const alloy = kafka.get(`HelmChart/${name}`)!;
      expect(alloy.spec!.targetNamespace).toBe('monitoring');
      expect(helmValues(alloy).namespaceOverride).toBe('monitoring-host');
    }
  });

  test('the enforced version is the cluster Kubernetes version', () => {
    const ms = fleetOf('central: { cluster: c }\nclusters:\n  - name: c\n    kubernetesVersion: "1.31.4"\n');
    expect(find(ms, 'Namespace', 'monitoring')[0].metadata.labels![`${PSA}/enforce-version`]).toBe('v1.31');
  });

  test('can turn the labels off: no labels, every pod in the monitoring namespace', () => {
    const ms = fleetOf(
      'central: { cluster: c }\ndefaults:\n  podSecurity: { labels: false }\nclusters:\n  - name: c\n',
    );
    expect(ms.filter((m) => m.kind === 'Namespace').map((m) => [m.metadata.name, m.metadata.labels])).toEqual([
      ['monitoring', { 'app.kubernetes.io/managed-by': 'cmm' }],
    ]);
    expect(
      helmValues(find(ms, 'HelmChart', 'cmm-agent')[0])['prometheus-node-exporter'].namespaceOverride,
    ).toBeUndefined();
  });

  test('can choose the level: baseline keeps the host namespace; privileged needs none', () => {
    const text = (level: string) =>
      `central: { cluster: c }\ndefaults:\n  podSecurity: { level: ${level} }\nclusters:\n  - name: c\n  - name: d\n    podSecurity: { level: restricted, hostNamespace: node-agents }\n`;
    const baseline = fleetOf(text('baseline'));
    const labelsOf = (ms: Manifest[]) =>
      ms.filter((m) => m.kind === 'Namespace').map((m) => [m.metadata.name, m.metadata.labels![`${PSA}/enforce`]]);
    // c takes the defaults' level; d its own, with its own name for the host namespace.
    expect(labelsOf(baseline)).toEqual([
      ['monitoring', 'baseline'],
      ['monitoring-host', 'privileged'],
      ['monitoring', 'restricted'],
      ['node-agents', 'privileged'],
    ]);
    const agents = baseline.filter((m) => m.kind === 'HelmChart' && m.metadata.name === 'cmm-agent');
    expect(agents.map((a) => helmValues(a)['prometheus-node-exporter'].namespaceOverride)).toEqual([
      'monitoring-host',
      'node-agents',
    ]);
    const privileged = fleetOf(text('privileged'));
    expect(labelsOf(privileged).slice(0, 1)).toEqual([['monitoring', 'privileged']]);
    expect(find(privileged, 'Namespace', 'monitoring')[0].metadata.labels).toEqual(PRIVILEGED);
    expect(find(privileged, 'Namespace', 'monitoring-host')).toEqual([]);
  });

  test('a central cluster that is not monitored: its namespace takes the defaults', () => {
    const ms = fleetOf(
      'central: { cluster: hub }\ndefaults:\n  podSecurity: { level: baseline }\nclusters:\n  - name: a\n' +
        '    prometheus: { exposure: { type: ingress, host: p.example.com, tlsSecretName: t, basicAuthSecretName: b } }\n',
    );
    const hub = ms.filter((m) => m.kind === 'Namespace');
    expect(hub.map((n) => n.metadata.labels![`${PSA}/enforce`])).toEqual(['baseline', 'privileged', 'baseline']);
  });

  test("the helm-controller's namespace, where CMM installs it, enforces restricted; not with the labels off", () => {
    const eks = (extra: string) =>
      fleetOf(
        `central: { cluster: c, persistence: false }\nclusters:\n  - name: c\n    platform: eks\n${extra}`,
      ).filter((m) => m.kind === 'Namespace' && m.metadata.name === 'helm-controller');
    expect(eks('').map((n) => n.metadata.labels)).toEqual([
      { ...RESTRICTED, 'app.kubernetes.io/name': 'helm-controller' },
    ]);
    expect(eks('    podSecurity: { labels: false }\n').map((n) => n.metadata.labels)).toEqual([
      { 'app.kubernetes.io/name': 'helm-controller', 'app.kubernetes.io/managed-by': 'cmm' },
    ]);
  });

  test('no host namespace where no pod needs the host (it would admit any pod)', () => {
    const ms = fleetOf('central: { cluster: c }\nclusters:\n  - name: c\n    nodeExporter: { enabled: false }\n');
    expect(ms.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name)).toEqual(['monitoring']);
    expect(find(ms, 'Namespace', 'monitoring')[0].metadata.labels).toEqual(RESTRICTED);
  });

  test("Grafana's own namespace takes the central cluster's labels", () => {
    const ms = fleetOf(
      'central: { cluster: c, namespace: grafana }\nclusters:\n  - name: c\n    podSecurity: { level: baseline }\n',
    );
    expect(find(ms, 'Namespace', 'grafana')[0].metadata.labels).toEqual(
      find(ms, 'Namespace', 'monitoring')[0].metadata.labels,
    );
    expect(find(ms, 'Namespace', 'grafana')[0].metadata.labels![`${PSA}/enforce`]).toBe('baseline');
  });

  test('fails if the host namespace is the monitoring namespace', () => {
    expect(
      inventoryProblems(
        'central: { cluster: c }\nclusters:\n  - name: c\n    namespace: obs\n    podSecurity: { hostNamespace: obs }\n',
      ),
    ).toEqual([
      'inv.yaml:5:35: clusters[0].podSecurity.hostNamespace: "obs" is not valid; expected a namespace other than the monitoring namespace "obs", which enforces the podSecurity level (after merging defaults)',
    ]);
    expect(
      () => new ClusterAgent(Testing.chart(), 'A', { clusterName: 'c', podSecurity: { hostNamespace: 'monitoring' } }),
    ).toThrow(
      'props.podSecurity.hostNamespace: "monitoring" is not valid; expected a namespace other than the monitoring namespace "monitoring"',
    );
    expect(
      inventoryProblems('central: { cluster: c }\nclusters:\n  - name: c\n    podSecurity: { level: strict }\n'),
    ).toEqual([
      'inv.yaml:4:27: clusters[0].podSecurity.level: "strict" is not allowed; expected one of "restricted", "baseline", "privileged"',
    ]);
  });

  test.each([['kube-system'], ['kube-public'], ['kube-node-lease'], ['default']])(
    'fails if the host namespace is %s, which Kubernetes keeps',
    (ns) => {
      expect(
        inventoryProblems(
          `central: { cluster: c }\nclusters:\n  - name: c\n    podSecurity: { hostNamespace: ${ns} }\n`,
        ),
      ).toEqual([
        `inv.yaml:4:35: clusters[0].podSecurity.hostNamespace: "${ns}" is not valid; expected a namespace of CMM's own, not one Kubernetes keeps (kube-system, kube-public, kube-node-lease, default): CMM would label it privileged and own it (after merging defaults)`,
      ]);
    },
  );

  test('fails if the host namespace is one Kubernetes keeps, from defaults too, and in a ClusterAgent', () => {
    expect(
      inventoryProblems(
        'central: { cluster: c }\ndefaults:\n  podSecurity: { hostNamespace: default }\nclusters:\n  - name: c\n',
      ),
    ).toEqual([
      'inv.yaml:5:5: clusters[0].podSecurity.hostNamespace: "default" is not valid; expected a namespace of CMM\'s own, not one Kubernetes keeps (kube-system, kube-public, kube-node-lease, default): CMM would label it privileged and own it (after merging defaults)',
    ]);
    expect(
      () => new ClusterAgent(Testing.chart(), 'A', { clusterName: 'c', podSecurity: { hostNamespace: 'kube-system' } }),
    ).toThrow('props.podSecurity.hostNamespace: "kube-system" is not valid; expected a namespace of CMM\'s own');
  });

  test("fails if the host namespace is the helm-controller's where CMM installs it (not on k3s)", () => {
    const inv = (platform: string) =>
      `central: { cluster: c }\nclusters:\n  - name: c\n    platform: ${platform}\n    podSecurity: { hostNamespace: helm-controller }\n`;
    expect(inventoryProblems(inv('eks'))).toEqual([
      'inv.yaml:5:35: clusters[0].podSecurity.hostNamespace: "helm-controller" is not valid; expected a namespace other than "helm-controller", where CMM installs the helm-controller on Amazon EKS (it enforces restricted) (after merging defaults)',
    ]);
    // k3s runs its own helm-controller in kube-system: no namespace of that name.
    expect(inventoryProblems(inv('k3s'))).toEqual([]);
  });

  test("fails if the central cluster's host namespace is Grafana's namespace, given or derived", () => {
    expect(
      inventoryProblems(
        'central: { cluster: c, namespace: grafana }\nclusters:\n  - name: c\n    podSecurity: { hostNamespace: grafana }\n',
      ),
    ).toEqual([
      'inv.yaml:4:35: clusters[0].podSecurity.hostNamespace: "grafana" is not valid; expected a host namespace other than central.namespace "grafana", the central Grafana\'s namespace in this cluster (c, after merging defaults)',
    ]);
    expect(inventoryProblems('central: { cluster: c, namespace: monitoring-host }\nclusters:\n  - name: c\n')).toEqual([
      'inv.yaml:3:5: clusters[0].namespace: "monitoring" is not valid; expected a namespace whose host namespace ("monitoring-host", the default <namespace>-host) is not central.namespace "monitoring-host", the central Grafana\'s namespace in this cluster, or a podSecurity.hostNamespace (c, after merging defaults)',
    ]);
    // Another cluster may use that name: Grafana is not there.
    expect(
      inventoryProblems(
        'central: { cluster: c, namespace: grafana }\nclusters:\n  - name: c\n  - name: d\n    podSecurity: { hostNamespace: grafana }\n    prometheus: { exposure: { type: ingress, host: p.d, tlsSecretName: t, basicAuthSecretName: b } }\n',
      ),
    ).toEqual([]);
  });

  test("fails if the host namespace is ArgoCD's, with ArgoCD output only", () => {
    const inv = 'central: { cluster: c }\nclusters:\n  - name: c\n    podSecurity: { hostNamespace: argocd }\n';
    expect(inventoryProblems(`${inv}argocd: { repoURL: "https://git.example.com/x" }\n`)).toEqual([
      'inv.yaml:4:35: clusters[0].podSecurity.hostNamespace: "argocd" is not valid; expected a host namespace other than ArgoCD\'s namespace "argocd" (argocd.namespace), which CMM would label privileged and own (c, after merging defaults)',
    ]);
    expect(inventoryProblems(inv)).toEqual([]);
  });

  test('fails if <namespace>-host would be longer than 63 characters, where there is a host namespace', () => {
    const ns59 = 'a'.repeat(59);
    const inv = (ns: string, extra = '', central = '') =>
      `central: { cluster: c${central} }\nclusters:\n  - name: c\n    namespace: ${ns}\n${extra}`;
    const expected = (value: string) =>
      `inv.yaml:4:16: clusters[0].namespace: ${value} is not valid; expected a namespace of at most 58 characters, or a podSecurity.hostNamespace: the host namespace "${ns59}-host" would have 64 characters, more than the 63 Kubernetes allows`;
    // The schema's messages shorten long values.
    expect(inventoryProblems(inv(ns59))).toEqual([`${expected(`"${ns59.slice(0, 56)}...`)} (after merging defaults)`]);
    // The log agent alone needs the host namespace too.
    expect(inventoryProblems(inv(ns59, '    nodeExporter: { enabled: false }\n', ', loki: {}'))).toEqual([
      `${expected(`"${ns59}"`)} (c, after merging defaults)`,
    ]);
    // 58 characters make 63; a given host namespace, no host namespace (privileged, or no pod needs the host): fine.
    expect(inventoryProblems(inv('a'.repeat(58)))).toEqual([]);
    expect(inventoryProblems(inv(ns59, '    podSecurity: { hostNamespace: h }\n'))).toEqual([]);
    expect(inventoryProblems(inv(ns59, '    podSecurity: { level: privileged }\n'))).toEqual([]);
    expect(inventoryProblems(inv(ns59, '    nodeExporter: { enabled: false }\n'))).toEqual([]);
  });

  test("the log agent's push Secret is named in the host namespace's HelmChart values", () => {
    const chart = Testing.chart();
    new ClusterAgent(chart, 'A', {
      clusterName: 'c',
      logs: { credentialsSecret: 'push', endpoint: { pushUrl: 'https://loki.example.com/loki/api/v1/push' } },
    });
    const alloy = helmValues(byKindName(chart).get('HelmChart/cmm-alloy')!);
    expect(alloy.namespaceOverride).toBe('monitoring-host');
    expect(
      alloy.alloy.extraEnv.filter(
        (e: { valueFrom?: { secretKeyRef?: { name: string } } }) => e.valueFrom?.secretKeyRef,
      ),
    ).toEqual([
      { name: 'CMM_LOKI_USERNAME', valueFrom: { secretKeyRef: { name: 'push', key: 'username' } } },
      { name: 'CMM_LOKI_PASSWORD', valueFrom: { secretKeyRef: { name: 'push', key: 'password' } } },
    ]);
  });
});

test('the Thanos sidecar gets requests and a memory limit; what the inventory sets stays', () => {
  const ms = manifestsOf(
    buildFleet(fs.readFileSync(path.join(__dirname, '..', 'examples', 'thanos.yaml'), 'utf8')).app,
  );
  const agents = ms.filter((m) => m.kind === 'HelmChart' && m.metadata.name === 'cmm-agent').map(helmValues);
  const sidecars = agents.map((v) => v.prometheus.prometheusSpec.thanos?.resources).filter((r) => r !== undefined);
  // Three sidecar clusters; the fourth pushes with remote write (no sidecar).
  expect(sidecars).toEqual(Array(3).fill({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } }));
  for (const v of agents) expect(v.prometheus.prometheusSpec.resources).toBeDefined();
});

describe('PodDisruptionBudgets', () => {
  test('each Thanos workload of more than one replica has one selecting its pods, maxUnavailable 1', () => {
    const { app } = buildFleet(fs.readFileSync(path.join(__dirname, '..', 'examples', 'thanos.yaml'), 'utf8'));
    const ms = manifestsOf(app);
    const budgets = ms.filter((m) => m.kind === 'PodDisruptionBudget');
    const replicated = ms.filter(
      (m) =>
        (m.kind === 'Deployment' || m.kind === 'StatefulSet') && ((m.spec as { replicas?: number }).replicas ?? 1) > 1,
    );
    expect(replicated.map((w) => w.metadata.name).sort()).toEqual(['thanos-query', 'thanos-query-frontend']);
    expect(budgets.map((b) => b.metadata.name).sort()).toEqual(['thanos-query', 'thanos-query-frontend']);
    // Written out: each budget selects its own component's pods, in the central Thanos namespace.
    const selector = (name: string) => ({
      matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'cmm' },
    });
    for (const name of ['thanos-query', 'thanos-query-frontend']) {
      const pdb = budgets.find((b) => b.metadata.name === name)!;
      expect(pdb.metadata.namespace).toBe('monitoring');
      expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: selector(name) });
      // The pods carry those labels.
      const w = replicated.find((r) => r.metadata.name === name)!;
      const template = (w.spec as { template: { metadata: { labels: Record<string, string> } } }).template;
      expect(template.metadata.labels).toMatchObject(selector(name).matchLabels);
    }
  });

  test('a Thanos component scaled up gets one; one of a single replica none', () => {
    const text = fs
      .readFileSync(path.join(__dirname, '..', 'examples', 'thanos.yaml'), 'utf8')
      .replace('    store: { storage:', '    store: { replicas: 2, storage:')
      .replace('    compactor:', '    query: { replicas: 1 }\n    compactor:');
    expect(text).toContain('    query: { replicas: 1 }\n');
    const ms = manifestsOf(buildFleet(text).app);
    expect(
      ms
        .filter((m) => m.kind === 'PodDisruptionBudget')
        .map((b) => b.metadata.name)
        .sort(),
    ).toEqual(['thanos-query-frontend', 'thanos-store']);
  });
});
