/**
 * Every chart version and repository CMM installs, pinned in one place.
 *
 * The default `values.yaml` of each pinned chart is kept in `upstream/charts/<chart>-<version>/`, and the tests
 * check every key CMM writes against it. Bump a version here together with that copy.
 */
export interface ChartRef {
  /** Chart name in its repository. */
  readonly chart: string;
  /** Helm repository URL. */
  readonly repo: string;
  /** Exact chart version (never a range). */
  readonly version: string;
}

/** kube-prometheus-stack: Prometheus, prometheus-operator, node-exporter, kube-state-metrics (operator v0.93.1). */
export const KUBE_PROMETHEUS_STACK: ChartRef = {
  chart: 'kube-prometheus-stack',
  repo: 'https://prometheus-community.github.io/helm-charts',
  version: '88.5.3',
};

/** `base` with the version and repository a user overrode (a pinned upgrade, a mirror), if any. */
export function chartWith(base: ChartRef, overrides: { readonly version?: string; readonly repo?: string }): ChartRef {
  return { ...base, version: overrides.version ?? base.version, repo: overrides.repo ?? base.repo };
}

/**
 * The Grafana chart (Grafana 13.2.0), published from grafana-community since 2026-01-30. Not installed directly:
 * kube-prometheus-stack 88.5.3 pins it as its `grafana` subchart, which is how the central Grafana is installed.
 */
export const GRAFANA: ChartRef = {
  chart: 'grafana',
  repo: 'https://grafana-community.github.io/helm-charts',
  version: '12.11.1',
};

/** Grafana Alloy (v1.18.1), the log agent on every monitored cluster (Promtail's successor). */
export const ALLOY: ChartRef = {
  chart: 'alloy',
  repo: 'https://grafana.github.io/helm-charts',
  version: '1.11.1',
};

/** Grafana Loki (3.7.6), the central log store; the OSS chart is published from grafana-community since 2026-03-16. */
export const LOKI: ChartRef = {
  chart: 'loki',
  repo: 'https://grafana-community.github.io/helm-charts',
  version: '18.11.0',
};

/** The Kubernetes version a cluster's charts are rendered for (`npm run render`) when the inventory does not say. */
export const DEFAULT_KUBERNETES_VERSION = '1.33.0';

/**
 * busybox, which kube-prometheus-stack's CRD upgrade Job uses to unpack the CRDs (its chart default is `latest`).
 * docker.io/library/busybox.
 */
export const BUSYBOX_TAG = '1.37.0';

/** Karma (prymitive/karma), the alert dashboard over every Alertmanager; its tags have two parts. */
export const KARMA_IMAGE = 'ghcr.io/prymitive/karma:v0.132';

/**
 * The k3s-io/helm-controller CMM installs where the platform has none built in (EKS, GKE, AKS, kOps, kubeadm): the
 * controller (the version whose HelmChart CRD the imports come from), and the klipper-helm image of its install Jobs.
 * klipper-helm must be 0.13.0 or newer (it writes the release's config hash, without which helm-controller 0.17.4+
 * upgrades for ever) and 0.13.3 or newer for the server-side apply options 0.17.7 passes; RKE2 pairs 0.17.7 with
 * this build.
 */
export const HELM_CONTROLLER_IMAGE = 'rancher/helm-controller:v0.17.7';
export const KLIPPER_HELM_IMAGE = 'rancher/klipper-helm:v0.13.3-build20260727';

/**
 * kubectl for the ArgoCD Sync hook that waits for the install Jobs (`kubectl wait --for=create` needs 1.31 or
 * later; a Job's `Complete` condition is stable batch/v1, so any supported cluster version is fine).
 */
export const KUBECTL_IMAGE = 'registry.k8s.io/kubectl:v1.35.0';

/**
 * Thanos, at the centre (Query, Query Frontend, Store Gateway, Compactor, Receive): the version kube-prometheus-stack
 * 88.5.3 runs as its sidecar (`prometheusOperator.thanosImage`), so the fleet runs one Thanos version.
 */
export const THANOS_VERSION = 'v0.42.4';
export const THANOS_IMAGE = `quay.io/thanos/thanos:${THANOS_VERSION}`;
