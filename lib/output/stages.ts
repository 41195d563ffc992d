import { ApiObject } from 'cdk8s';

/** ArgoCD annotations (https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/ and sync-options/). */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/**
 * When an object can be applied to a new cluster.
 *
 * `HELM_CONTROLLER` objects install the helm-controller where the platform has none built in (EKS, GKE, ...) and go
 * to `dist/<cluster>/helm-controller/`, first. `SETUP` objects need nothing but Kubernetes and the helm-controller
 * (Namespace, HelmChart, ConfigMap) and go to `dist/<cluster>/setup/`. `CUSTOM_RESOURCES` are kinds whose CRDs a
 * chart installs (ServiceMonitor, PodMonitor, PrometheusRule) and go to `dist/<cluster>/` once the CRDs are
 * established.
 */
export enum Stage {
  HELM_CONTROLLER = 'helm-controller',
  SETUP = 'setup',
  CUSTOM_RESOURCES = 'custom-resources',
}

/** Each stage's ArgoCD sync wave and, for a stage in a folder of its own, that folder. */
const WAVES: Readonly<Record<Stage, { wave: string; folder?: string }>> = {
  [Stage.HELM_CONTROLLER]: { wave: '-2', folder: 'helm-controller' },
  [Stage.SETUP]: { wave: '-1', folder: 'setup' },
  [Stage.CUSTOM_RESOURCES]: { wave: '1' },
};

/**
 * Marks an object with its stage: an ArgoCD sync wave, and for an object whose kind a chart or the helm-controller
 * only defines during the sync, a dry-run skip (ArgoCD dry-runs the whole sync before the first wave).
 */
export function applyStage(obj: ApiObject, stage: Stage, opts: { kindDefinedLater?: boolean } = {}): void {
  obj.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, WAVES[stage].wave);
  if (stage === Stage.CUSTOM_RESOURCES || opts.kindDefinedLater) {
    obj.metadata.addAnnotation(SYNC_OPTIONS_ANNOTATION, 'SkipDryRunOnMissingResource=true');
  }
}

/** The stage of a synthesized manifest, read back from its annotations. */
export function stageOf(manifest: { metadata?: { annotations?: Record<string, string> } }): Stage {
  const wave = manifest.metadata?.annotations?.[SYNC_WAVE_ANNOTATION];
  return (Object.keys(WAVES) as Stage[]).find((s) => WAVES[s].wave === wave) ?? Stage.CUSTOM_RESOURCES;
}

/** The folder of a stage inside `dist/<cluster>/` (`''` for the folder itself). */
export function stageFolder(stage: Stage): string {
  return WAVES[stage].folder ?? '';
}

/**
 * Where a kind goes in `kubectl apply -f dist/<cluster>/setup/`: kubectl applies a folder's files in the order of
 * their names, so each file name starts with its kind's rank (`00-namespace-monitoring.yaml` before
 * `20-configmap-...`). The order is Helm's install order, reduced to the kinds CMM writes: a namespace before what
 * goes into it, definitions and permissions before the workloads that need them, a HelmChart last.
 */
export const SETUP_ORDER: Readonly<Record<string, number>> = {
  Namespace: 0,
  NetworkPolicy: 3,
  CustomResourceDefinition: 5,
  ResourceQuota: 8,
  PodDisruptionBudget: 9,
  ServiceAccount: 10,
  ClusterRole: 11,
  ClusterRoleBinding: 12,
  Role: 13,
  RoleBinding: 14,
  Secret: 20,
  ConfigMap: 20,
  Service: 30,
  Deployment: 40,
  StatefulSet: 40,
  Ingress: 46,
  HelmChartConfig: 45,
  HelmChart: 50,
};

/** The rank of a kind in {@link SETUP_ORDER}; kinds not listed come last. */
export function setupRank(kind: string): number {
  return SETUP_ORDER[kind] ?? 90;
}
