/**
 * The control-plane components a cluster's Prometheus can scrape, switched one by one. Each is a section of
 * kube-prometheus-stack (its ServiceMonitor, Service and alerts, e.g. `KubeSchedulerDown`): a monitor whose target
 * does not exist makes its "Down" alert fire for ever, so only what the platform exposes is on by default.
 */

/** The components, with the kube-prometheus-stack section of each. */
export const KUBERNETES_COMPONENTS = {
  apiServer: 'kubeApiServer',
  controllerManager: 'kubeControllerManager',
  scheduler: 'kubeScheduler',
  etcd: 'kubeEtcd',
  kubeProxy: 'kubeProxy',
  coreDns: 'coreDns',
} as const;

export type KubernetesComponent = keyof typeof KUBERNETES_COMPONENTS;

/** Which components to scrape; the kubelet (and cAdvisor) always is. */
export type KubernetesComponentsOptions = { readonly [C in KubernetesComponent]?: boolean };

/**
 * What k3s (and RKE2, which embeds the same processes) exposes to a Prometheus in the cluster without changing its
 * flags: the API server (the `kubernetes` Service) and CoreDNS (`k8s-app: kube-dns`, port 9153). The controller
 * manager, scheduler and kube-proxy run inside the k3s process with their metrics bound to 127.0.0.1, and etcd
 * (when used at all) exposes metrics only with `--etcd-expose-metrics`.
 */
export const K3S_COMPONENTS: Readonly<Record<KubernetesComponent, boolean>> = {
  apiServer: true,
  controllerManager: false,
  scheduler: false,
  etcd: false,
  kubeProxy: false,
  coreDns: true,
};

/** The kube-prometheus-stack sections for the components: `{ kubeApiServer: { enabled: true }, ... }`. */
export function componentValues(
  options: KubernetesComponentsOptions | undefined,
  defaults: Readonly<Record<KubernetesComponent, boolean>> = K3S_COMPONENTS,
): Record<string, { enabled: boolean }> {
  return Object.fromEntries(
    (Object.keys(KUBERNETES_COMPONENTS) as KubernetesComponent[]).map((c) => [
      KUBERNETES_COMPONENTS[c],
      { enabled: options?.[c] ?? defaults[c] },
    ]),
  );
}
