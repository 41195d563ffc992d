import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { PLATFORMS, PROFILES, renderApp, type Platform } from '../lib';
import { buildFleet, inventoryProblems, ROOT, type Manifest } from './support/example';

/**
 * Per platform, what a cluster's folder holds: the helm-controller exactly where the platform has none, the
 * HelmCharts where that controller watches, the control-plane monitors that exist there, the DNS Service of the
 * Loki gateway and the StorageClass a claim needs. Expected values are the platforms' facts, written out here.
 */

/** An inventory with the central cluster `hub` on `central` and a workload cluster `w` on `platform`. */
function inventory(platform: string, central = 'k3s', cluster = ''): string {
  return `central:
  cluster: hub
  persistence: { size: 1Gi, storageClass: fast }
  loki:
    storage: { size: 5Gi, storageClass: fast }
    ingress: { host: loki.example.com, ingressClassName: traefik, tlsSecretName: loki-tls }
clusters:
  - name: hub
    platform: ${central}
  - name: w
    platform: ${platform}
${cluster}`;
}

function render(text: string): Map<string, string> {
  return renderApp(buildFleet(text).app);
}

const yaml = (files: Map<string, string>, file: string) => parse(files.get(file) ?? `missing: ${file}`) as Manifest;
const values = (files: Map<string, string>, file: string) =>
  parse((yaml(files, file).spec as { valuesContent: string }).valuesContent) as Record<string, any>;

/** The kube-prometheus-stack component sections that are on, with their settings beyond `enabled`. */
function monitorsOn(files: Map<string, string>, cluster: string): Record<string, unknown> {
  const v = values(files, `${cluster}/setup/50-helmchart-cmm-agent.yaml`);
  const sections = [
    'kubeApiServer',
    'kubeControllerManager',
    'kubeScheduler',
    'kubeEtcd',
    'kubeProxy',
    'coreDns',
    'kubeDns',
  ];
  return Object.fromEntries(
    sections
      .filter((s) => v[s]?.enabled === true)
      .map((s) => {
        const { enabled: _e, ...rest } = v[s];
        return [s, rest];
      }),
  );
}

describe('the helm-controller', () => {
  test.each([
    ['k3s', false, 'kube-system'],
    ['rke2', false, 'kube-system'],
    ['eks', true, 'helm-controller'],
    ['gke', true, 'helm-controller'],
    ['aks', true, 'helm-controller'],
    ['kops', true, 'helm-controller'],
    ['kubeadm', true, 'helm-controller'],
  ])('on %s: installed by CMM %s, HelmCharts in %s', (platform, installed, namespace) => {
    const files = render(inventory(platform, 'k3s', platform === 'k3s' ? '' : ''));
    const own = [...files.keys()].filter((f) => f.startsWith('w/helm-controller/'));
    if (installed) {
      expect(own.map((f) => f.replace('w/helm-controller/', '')).sort()).toEqual([
        '00-namespace-helm-controller.yaml',
        '05-customresourcedefinition-helmchartconfigs.helm.cattle.io.yaml',
        '05-customresourcedefinition-helmcharts.helm.cattle.io.yaml',
        '08-resourcequota-helm-install-jobs.yaml',
        '10-serviceaccount-helm-controller.yaml',
        '11-clusterrole-helm-controller.yaml',
        '12-clusterrolebinding-helm-controller.yaml',
        '40-deployment-helm-controller.yaml',
      ]);
      // Its CRDs are upstream's v0.17.7 files, as they are (ArgoCD's sync wave added).
      for (const crd of ['helmcharts', 'helmchartconfigs']) {
        const upstream = parse(
          fs.readFileSync(path.join(ROOT, 'upstream', 'crds', `helm.cattle.io_${crd}.yaml`), 'utf8'),
        );
        const ours = yaml(files, `w/helm-controller/05-customresourcedefinition-${crd}.helm.cattle.io.yaml`);
        expect(ours.spec).toEqual(upstream.spec);
        expect(ours.metadata.name).toBe(`${crd}.helm.cattle.io`);
        expect(ours.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('-2');
      }
      const deployment = yaml(files, 'w/helm-controller/40-deployment-helm-controller.yaml');
      const container = (deployment.spec as any).template.spec.containers[0];
      expect(container.image).toBe('rancher/helm-controller:v0.17.7');
      // It watches its own namespace only, where the HelmCharts are.
      expect(container.env).toContainEqual({
        name: 'NAMESPACE',
        valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
      });
    } else {
      expect(own).toEqual([]);
    }
    for (const chart of ['cmm-agent', 'cmm-alloy']) {
      const m = yaml(files, `w/setup/50-helmchart-${chart}.yaml`);
      expect(m.metadata.namespace).toBe(namespace);
    }
    // The releases themselves go to the monitoring namespace on every platform.
    expect((yaml(files, 'w/setup/50-helmchart-cmm-agent.yaml').spec as any).targetNamespace).toBe('monitoring');
  });

  test("the central cluster's HelmCharts follow the central's platform", () => {
    const files = render(inventory('k3s', 'gke'));
    for (const chart of ['cmm-agent', 'cmm-central', 'cmm-loki']) {
      expect(yaml(files, `hub/setup/50-helmchart-${chart}.yaml`).metadata.namespace).toBe('helm-controller');
    }
    expect(files.has('hub/helm-controller/40-deployment-helm-controller.yaml')).toBe(true);
    expect(yaml(files, 'w/setup/50-helmchart-cmm-agent.yaml').metadata.namespace).toBe('kube-system');
  });
});

describe('component monitors', () => {
  test('k3s: the API server and CoreDNS; the rest runs inside the k3s process, off until asked', () => {
    expect(monitorsOn(render(inventory('k3s')), 'w')).toEqual({ kubeApiServer: {}, coreDns: {} });
  });

  test('RKE2: the same by default; kube-proxy, when asked, is selected by its static pod label', () => {
    expect(
      monitorsOn(
        render(inventory('rke2', 'k3s', '    prometheus: { storage: { size: 1Gi, storageClass: fast } }\n')),
        'w',
      ),
    ).toEqual({
      kubeApiServer: {},
      coreDns: {},
    });
    const files = render(inventory('rke2', 'k3s', '    kubernetesComponents: { kubeProxy: true }\n'));
    expect(monitorsOn(files, 'w')).toEqual({
      kubeApiServer: {},
      coreDns: {},
      kubeProxy: { service: { selector: { component: 'kube-proxy' } } },
    });
  });

  test.each(['eks', 'aks', 'kubeadm'])('%s: the API server and CoreDNS', (platform) => {
    expect(monitorsOn(render(inventory(platform)), 'w')).toEqual({ kubeApiServer: {}, coreDns: {} });
  });

  test('GKE: the API server and kube-dns (GKE runs kube-dns, not CoreDNS)', () => {
    expect(monitorsOn(render(inventory('gke')), 'w')).toEqual({ kubeApiServer: {}, kubeDns: {} });
  });

  test('kOps: the controller manager and scheduler too, selected by their k8s-app labels', () => {
    expect(monitorsOn(render(inventory('kops')), 'w')).toEqual({
      kubeApiServer: {},
      coreDns: {},
      kubeControllerManager: { service: { selector: { 'k8s-app': 'kube-controller-manager' } } },
      kubeScheduler: { service: { selector: { 'k8s-app': 'kube-scheduler' } } },
    });
  });

  test("kOps etcd, once the cluster serves it: etcd-manager's metrics port", () => {
    const files = render(inventory('kops', 'k3s', '    kubernetesComponents: { etcd: true, kubeProxy: true }\n'));
    expect(monitorsOn(files, 'w')).toMatchObject({
      kubeEtcd: { service: { port: 2382, targetPort: 2382, selector: { 'k8s-app': 'etcd-manager-main' } } },
      kubeProxy: {},
    });
  });

  test.each(['k3s', 'rke2', 'eks', 'gke', 'aks', 'kops', 'kubeadm'])(
    '%s: the kubelet (and cAdvisor) is scraped',
    (platform) => {
      const v = values(render(inventory(platform)), 'w/setup/50-helmchart-cmm-agent.yaml');
      expect(v.kubelet).toEqual({ enabled: true });
      expect(v.defaultRules.disabled.KubeletDown).toBeUndefined();
    },
  );

  test("the kubelet's monitor turned off takes the chart's KubeletDown with it (it would fire for ever)", () => {
    const v = values(
      render(inventory('eks', 'k3s', '    kubernetesComponents: { kubelet: false }\n')),
      'w/setup/50-helmchart-cmm-agent.yaml',
    );
    expect(v.kubelet).toEqual({ enabled: false });
    expect(v.defaultRules.disabled.KubeletDown).toBe(true);
  });

  test('a monitor can be turned off', () => {
    const files = render(inventory('kops', 'k3s', '    kubernetesComponents: { scheduler: false, coreDns: false }\n'));
    expect(Object.keys(monitorsOn(files, 'w')).sort()).toEqual(['kubeApiServer', 'kubeControllerManager']);
  });

  test("k3s: the controller manager with the servers' addresses", () => {
    const files = render(
      inventory(
        'k3s',
        'k3s',
        '    kubernetesComponents: { controllerManager: true, endpoints: [10.0.0.5, 10.0.0.6] }\n',
      ),
    );
    expect(monitorsOn(files, 'w').kubeControllerManager).toEqual({ endpoints: ['10.0.0.5', '10.0.0.6'] });
  });

  test.each([
    ['eks', 'scheduler', 'Amazon EKS'],
    ['gke', 'coreDns', 'Google GKE (Standard)'],
    ['gke', 'kubeProxy', 'Google GKE (Standard)'],
    ['aks', 'etcd', 'Azure AKS'],
    ['eks', 'kubeDns', 'Amazon EKS'],
  ])('on %s, %s cannot be turned on: the error names the field and the platform', (platform, component, title) => {
    const problems = inventoryProblems(
      inventory(platform, 'k3s', `    kubernetesComponents: { ${component}: true }\n`),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`clusters\\[1\\]\\.kubernetesComponents\\.${component}: true is not valid`));
    expect(problems[0]).toContain(`a Prometheus in a ${title} cluster can scrape`);
  });

  test("k3s: kube-proxy at every node's address, the control plane at the servers'", () => {
    const files = render(
      inventory(
        'k3s',
        'k3s',
        '    kubernetesComponents:\n      scheduler: true\n      kubeProxy: true\n      endpoints: [10.0.0.5]\n      nodeEndpoints: [10.0.0.5, 10.0.0.7, 10.0.0.8]\n',
      ),
    );
    expect(monitorsOn(files, 'w')).toMatchObject({
      kubeScheduler: { endpoints: ['10.0.0.5'] },
      kubeProxy: { endpoints: ['10.0.0.5', '10.0.0.7', '10.0.0.8'] },
    });
    const problems = inventoryProblems(
      inventory('k3s', 'k3s', '    kubernetesComponents: { kubeProxy: true, endpoints: [10.0.0.5] }\n'),
    );
    expect(problems).toEqual([expect.stringContaining("kubernetesComponents.nodeEndpoints (every node's IP address)")]);
  });

  test("on k3s, a component inside the k3s process needs the nodes' addresses", () => {
    const problems = inventoryProblems(inventory('k3s', 'k3s', '    kubernetesComponents: { scheduler: true }\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('clusters[1].kubernetesComponents.scheduler');
    expect(problems[0]).toContain('kubernetesComponents.endpoints');
  });
});

describe('DNS and storage', () => {
  test.each([
    ['k3s', 'kube-dns'],
    ['rke2', 'rke2-coredns-rke2-coredns'],
    ['eks', 'kube-dns'],
    ['gke', 'kube-dns'],
    ['aks', 'kube-dns'],
    ['kops', 'kube-dns'],
    ['kubeadm', 'kube-dns'],
  ])('the Loki gateway on a %s central cluster resolves through %s', (platform, service) => {
    const files = render(inventory('k3s', platform));
    const loki = values(files, 'hub/setup/50-helmchart-cmm-loki.yaml');
    expect(loki.global.dnsService).toBe(service);
    expect(loki.global.dnsNamespace).toBe('kube-system');
  });

  test.each([
    ['rke2', 'RKE2'],
    ['eks', 'Amazon EKS'],
    ['kubeadm', 'kubeadm'],
  ])('on %s, a claim without a StorageClass is refused, naming the field', (platform, title) => {
    const problems = inventoryProblems(inventory(platform, 'k3s', '    prometheus: { storage: { size: 10Gi } }\n'));
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `clusters\\[1\\]\\.prometheus\\.storage\\.storageClass: is required; expected a StorageClass of the cluster: ${title} clusters have no default one`,
        ),
      ),
    ]);
  });

  test.each([
    ['k3s', 'local-path'],
    ['gke', 'standard-rwo'],
    ['aks', 'default'],
    ['kops', 'kops-csi-1-21'],
  ])('on %s, a claim without a class is left to the default one (%s)', (platform, defaultClass) => {
    const text = inventory(platform, 'k3s', '    prometheus: { storage: { size: 10Gi } }\n');
    expect(inventoryProblems(text)).toEqual([]);
    expect(PROFILES[platform as Platform].defaultStorageClass).toBe(defaultClass);
    const claim = values(render(text), 'w/setup/50-helmchart-cmm-agent.yaml').prometheus.prometheusSpec.storageSpec
      .volumeClaimTemplate.spec;
    expect(claim.resources).toEqual({ requests: { storage: '10Gi' } });
    expect(claim).not.toHaveProperty('storageClassName');
  });

  test('a class given is used on every platform', () => {
    const text = inventory('eks', 'k3s', '    prometheus: { storage: { size: 10Gi, storageClass: gp3 } }\n');
    const claim = values(render(text), 'w/setup/50-helmchart-cmm-agent.yaml').prometheus.prometheusSpec.storageSpec
      .volumeClaimTemplate.spec;
    expect(claim.storageClassName).toBe('gp3');
  });

  test("the central's claims need a class on its platform", () => {
    const text = inventory('k3s', 'eks').replace(
      'persistence: { size: 1Gi, storageClass: fast }',
      'persistence: { size: 1Gi }',
    );
    expect(inventoryProblems(text)).toEqual([
      expect.stringContaining(
        'central.persistence.storageClass: is required; expected a StorageClass of the cluster: Amazon EKS',
      ),
    ]);
  });
});

test('an unknown platform is refused, naming the field and the known ones', () => {
  expect(inventoryProblems(inventory('openshift'))).toEqual([
    'inv.yaml:11:15: clusters[1].platform: "openshift" is not allowed; expected one of "k3s", "rke2", "eks", "gke", "aks", "kops", "kubeadm"',
  ]);
  expect(PLATFORMS).toEqual(['k3s', 'rke2', 'eks', 'gke', 'aks', 'kops', 'kubeadm']);
});

test('defaults.platform applies to every cluster that does not name one', () => {
  const text = inventory('kops')
    .replace('clusters:', 'defaults:\n  platform: eks\nclusters:')
    .replace('    platform: k3s\n', '');
  const files = render(text);
  expect(files.has('hub/helm-controller/40-deployment-helm-controller.yaml')).toBe(true);
  expect(monitorsOn(files, 'hub')).toEqual({ kubeApiServer: {}, coreDns: {} });
  expect(Object.keys(monitorsOn(files, 'w'))).toContain('kubeScheduler');
});
