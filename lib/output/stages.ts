import { ApiObject } from 'cdk8s';

/** ArgoCD annotations (https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/ and sync-options/). */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/**
 * When an object can be applied to a new cluster.
 *
 * `SETUP` objects need nothing but Kubernetes itself (Namespace, HelmChart, ConfigMap) and go to
 * `dist/<cluster>/setup/`. `CUSTOM_RESOURCES` are kinds whose CRDs a chart installs (ServiceMonitor,
 * PodMonitor, PrometheusRule) and go to `dist/<cluster>/` once the CRDs are established.
 */
export enum Stage {
  SETUP = 'setup',
  CUSTOM_RESOURCES = 'custom-resources',
}

/** Marks an object with its stage: an ArgoCD sync wave, and for custom resources a dry-run skip. */
export function applyStage(obj: ApiObject, stage: Stage): void {
  if (stage === Stage.SETUP) {
    obj.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, '-1');
  } else {
    obj.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, '1');
    // The CRD does not exist until the chart of wave -1 is installed: let ArgoCD's dry run pass.
    obj.metadata.addAnnotation(SYNC_OPTIONS_ANNOTATION, 'SkipDryRunOnMissingResource=true');
  }
}

/** The stage of a synthesized manifest, read back from its annotations. */
export function stageOf(manifest: { metadata?: { annotations?: Record<string, string> } }): Stage {
  return manifest.metadata?.annotations?.[SYNC_WAVE_ANNOTATION] === '-1' ? Stage.SETUP : Stage.CUSTOM_RESOURCES;
}

/**
 * Where a kind goes in `kubectl apply -f dist/<cluster>/setup/`: kubectl applies a folder's files in the order of
 * their names, so each file name starts with its kind's rank (`00-namespace-monitoring.yaml` before
 * `20-configmap-...`). The order is Helm's install order, reduced to the kinds CMM writes: a namespace before what
 * goes into it, definitions and permissions before the workloads that need them, a HelmChart last.
 */
export const SETUP_ORDER: Readonly<Record<string, number>> = {
  Namespace: 0,
  CustomResourceDefinition: 5,
  ServiceAccount: 10,
  ClusterRole: 11,
  ClusterRoleBinding: 12,
  Role: 13,
  RoleBinding: 14,
  Secret: 20,
  ConfigMap: 20,
  Service: 30,
  Deployment: 40,
  HelmChartConfig: 45,
  HelmChart: 50,
};

/** The rank of a kind in {@link SETUP_ORDER}; kinds not listed come last. */
export function setupRank(kind: string): number {
  return SETUP_ORDER[kind] ?? 90;
}
