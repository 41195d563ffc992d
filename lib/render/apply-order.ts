import { parse } from 'yaml';
import { helmChartName } from './render';

/**
 * How a cluster folder is installed on a new cluster with kubectl, and a model of a new cluster that replays it in
 * kubectl's order, so that a file that would fail (a ConfigMap before its namespace, a custom resource before its
 * CRD) is found before anyone runs the commands.
 */

/** One documented step. */
export type ApplyStep =
  | { readonly kind: 'apply'; readonly command: string; readonly folder: string }
  | { readonly kind: 'wait'; readonly command: string; readonly crds: readonly string[] };

/** The CRDs the custom resources of a cluster folder need: those kube-prometheus-stack installs. */
export const AGENT_CRDS = [
  'servicemonitors.monitoring.coreos.com',
  'podmonitors.monitoring.coreos.com',
  'prometheusrules.monitoring.coreos.com',
];

/** The helm-controller's CRDs, in its folder where CMM installs it. */
export const HELM_CONTROLLER_CRDS = ['helmcharts.helm.cattle.io', 'helmchartconfigs.helm.cattle.io'];

/**
 * The commands that install `dist/<cluster>/` on a new cluster (the README shows them for edge-1): where the
 * platform has no helm-controller, CMM's first (with its CRDs: wait until they are established); then the setup
 * folder (kubectl applies a folder's files in name order, and the setup files are named in install order), a wait
 * for the CRDs the charts install, then the custom resources (the top of the folder, not recursive).
 */
export function applySteps(cluster: string, outdir = 'dist', installsHelmController = false): ApplyStep[] {
  const crds = AGENT_CRDS.map((c) => `crd/${c}`).join(' ');
  const controllerCrds = HELM_CONTROLLER_CRDS.map((c) => `crd/${c}`).join(' ');
  const controller: ApplyStep[] = installsHelmController
    ? [
        { kind: 'apply', command: `kubectl apply -f ${outdir}/${cluster}/helm-controller/`, folder: 'helm-controller' },
        {
          kind: 'wait',
          command: `kubectl wait --for=condition=Established --timeout=2m ${controllerCrds}`,
          crds: HELM_CONTROLLER_CRDS,
        },
      ]
    : [];
  return [
    ...controller,
    { kind: 'apply', command: `kubectl apply -f ${outdir}/${cluster}/setup/`, folder: 'setup' },
    { kind: 'wait', command: `kubectl wait --for=create --timeout=10m ${crds}`, crds: AGENT_CRDS },
    { kind: 'wait', command: `kubectl wait --for=condition=Established --timeout=2m ${crds}`, crds: AGENT_CRDS },
    { kind: 'apply', command: `kubectl apply -f ${outdir}/${cluster}/`, folder: '' },
  ];
}

/** What a new cluster has before anything is applied. */
export interface NewCluster {
  /** Namespaces that exist. */
  readonly namespaces: readonly string[];
  /** Custom kinds that exist (`group/version/Kind`), e.g. the helm-controller's HelmChart on k3s. */
  readonly customKinds: readonly string[];
  /** Custom kinds each chart installs, by chart name (they exist once its HelmChart has been applied). */
  readonly chartKinds: Readonly<Record<string, readonly string[]>>;
  /** The CRD names (`plural.group`) of each custom kind, for the wait steps. */
  readonly crdNames: Readonly<Record<string, string>>;
}

const MONITORING = 'monitoring.coreos.com/v1';

/** A k3s or RKE2 cluster: the helm-controller and Traefik's CRDs are built in. */
export const NEW_K3S_CLUSTER: NewCluster = {
  namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease'],
  customKinds: ['helm.cattle.io/v1/HelmChart', 'helm.cattle.io/v1/HelmChartConfig', 'traefik.io/v1alpha1/Middleware'],
  chartKinds: {
    'kube-prometheus-stack': [
      `${MONITORING}/ServiceMonitor`,
      `${MONITORING}/PodMonitor`,
      `${MONITORING}/PrometheusRule`,
      `${MONITORING}/Probe`,
      `${MONITORING}/Prometheus`,
      `${MONITORING}/Alertmanager`,
      'monitoring.coreos.com/v1alpha1/AlertmanagerConfig',
      'monitoring.coreos.com/v1alpha1/ScrapeConfig',
    ],
  },
  crdNames: {
    [`${MONITORING}/ServiceMonitor`]: 'servicemonitors.monitoring.coreos.com',
    [`${MONITORING}/PodMonitor`]: 'podmonitors.monitoring.coreos.com',
    [`${MONITORING}/PrometheusRule`]: 'prometheusrules.monitoring.coreos.com',
    [`${MONITORING}/Probe`]: 'probes.monitoring.coreos.com',
    'helm.cattle.io/v1/HelmChart': 'helmcharts.helm.cattle.io',
    'helm.cattle.io/v1/HelmChartConfig': 'helmchartconfigs.helm.cattle.io',
  },
};

/** A cluster without a helm-controller or Traefik (EKS, GKE, AKS, kOps, kubeadm). */
export const NEW_PLAIN_CLUSTER: NewCluster = { ...NEW_K3S_CLUSTER, customKinds: [] };

/** Kinds that live in no namespace. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'IngressClass',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
]);

/** API groups every cluster serves (the kinds of `v1`, `apps/v1`, ... need no CRD). */
const BUILT_IN_GROUP =
  /^(v1|(apps|batch|policy|autoscaling|rbac\.authorization\.k8s\.io|networking\.k8s\.io|storage\.k8s\.io|scheduling\.k8s\.io|coordination\.k8s\.io|apiextensions\.k8s\.io|admissionregistration\.k8s\.io|apiregistration\.k8s\.io|discovery\.k8s\.io|certificates\.k8s\.io|node\.k8s\.io|events\.k8s\.io)\/v\w+)$/;

/**
 * Replays `steps` on a new cluster: every object applied must find its namespace and its kind already there, and a
 * wait step must wait for every CRD a later step needs. Returns one line per problem, empty when the sequence
 * works. `files` are the output files (`<cluster>/setup/00-namespace-x.yaml` → YAML).
 */
export function replayOnNewCluster(
  files: ReadonlyMap<string, string>,
  cluster: string,
  steps: readonly ApplyStep[],
  start: NewCluster = NEW_K3S_CLUSTER,
): string[] {
  const problems: string[] = [];
  const namespaces = new Set(start.namespaces);
  const kinds = new Set(start.customKinds);
  // Kinds installed by the charts applied so far, established only after a wait step for their CRD.
  const installed = new Set<string>();
  // The CRD name of each kind defined by a CRD in a file.
  const fileCrds = new Map<string, string>();
  for (const step of steps) {
    if (step.kind === 'wait') {
      for (const k of installed) {
        const crd = fileCrds.get(k) ?? start.crdNames[k];
        if (crd === undefined || step.crds.includes(crd)) kinds.add(k);
      }
      continue;
    }
    const prefix = step.folder === '' ? `${cluster}/` : `${cluster}/${step.folder}/`;
    // `kubectl apply -f dir/`: the files directly in it (not in sub-folders), in name order.
    const inFolder = [...files.keys()].filter(
      (f) => f.startsWith(prefix) && !f.slice(prefix.length).includes('/') && /\.(ya?ml|json)$/.test(f),
    );
    for (const file of inFolder.sort()) {
      const obj = parse(files.get(file)!) as {
        apiVersion: string;
        kind: string;
        metadata: { name: string; namespace?: string; labels?: Record<string, string> };
        spec?: { chart?: string; group?: string; names?: { kind?: string }; versions?: { name: string }[] };
      };
      const what = `${step.command}: ${file.slice(cluster.length + 1)} (${obj.kind} ${obj.metadata.name})`;
      const kindKey = `${obj.apiVersion}/${obj.kind}`;
      if (!BUILT_IN_GROUP.test(obj.apiVersion) && !kinds.has(kindKey)) {
        problems.push(
          `${what}: no kind ${obj.kind} (${obj.apiVersion}) in the cluster yet; its CRD is not installed or not waited for`,
        );
        continue;
      }
      if (!CLUSTER_SCOPED.has(obj.kind)) {
        const ns = obj.metadata.namespace ?? 'default';
        if (!namespaces.has(ns)) {
          problems.push(`${what}: namespace ${ns} does not exist yet (no earlier file creates it)`);
          continue;
        }
      }
      if (obj.kind === 'Namespace') namespaces.add(obj.metadata.name);
      if (obj.kind === 'HelmChart') for (const k of start.chartKinds[helmChartName(obj)] ?? []) installed.add(k);
      // A CRD applied from a file: its kinds exist once a wait step has waited for it.
      if (obj.kind === 'CustomResourceDefinition') {
        for (const k of crdKinds(obj)) {
          installed.add(k);
          fileCrds.set(k, obj.metadata.name);
        }
      }
    }
  }
  return problems;
}

/** The `group/version/Kind` keys a CRD object defines. */
function crdKinds(crd: {
  spec?: { group?: string; names?: { kind?: string }; versions?: { name: string }[] };
}): string[] {
  const { group, names, versions } = crd.spec ?? {};
  return (versions ?? []).map((v) => `${group}/${v.name}/${names?.kind}`);
}
