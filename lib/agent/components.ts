import type { PlatformProfile } from '../platforms/profiles';

/**
 * The control-plane components a cluster's Prometheus can scrape, switched one by one. Each is a section of
 * kube-prometheus-stack (its ServiceMonitor, Service and alerts, e.g. `KubeSchedulerDown`, which uses `absent()`):
 * a monitor whose target does not exist makes its "Down" alert fire for ever, so by default only what the platform
 * exposes is on (lib/platforms/profiles.ts), and what cannot exist there is refused.
 */

/** The components, with the kube-prometheus-stack section of each. */
export const KUBERNETES_COMPONENTS = {
  apiServer: 'kubeApiServer',
  kubelet: 'kubelet',
  controllerManager: 'kubeControllerManager',
  scheduler: 'kubeScheduler',
  etcd: 'kubeEtcd',
  kubeProxy: 'kubeProxy',
  coreDns: 'coreDns',
  kubeDns: 'kubeDns',
} as const;

export type KubernetesComponent = keyof typeof KUBERNETES_COMPONENTS;

/** Which components to scrape. */
export interface KubernetesComponentsOptions {
  /** The API server. @default true */
  readonly apiServer?: boolean;
  /** The kubelet and cAdvisor (the nodes' and containers' metrics); off also drops KubeletDown. @default true */
  readonly kubelet?: boolean;
  /**
   * kube-controller-manager (bound to 127.0.0.1 on k3s, RKE2 and kubeadm; managed on EKS, GKE, AKS).
   * @default true on kOps
   */
  readonly controllerManager?: boolean;
  /** kube-scheduler (bound to 127.0.0.1 on k3s, RKE2 and kubeadm; managed on EKS, GKE, AKS). @default true on kOps */
  readonly scheduler?: boolean;
  /** etcd (after a cluster change; managed on EKS, GKE, AKS). @default false */
  readonly etcd?: boolean;
  /** kube-proxy (its metrics bound to 127.0.0.1 until a cluster change; none on GKE, AKS). @default false */
  readonly kubeProxy?: boolean;
  /** CoreDNS. @default true except on GKE */
  readonly coreDns?: boolean;
  /** kube-dns. @default true on GKE */
  readonly kubeDns?: boolean;
  /**
   * Addresses of the nodes a component runs on, where it has no pod to select (k3s runs the control plane inside its
   * own process): the servers' IPs, for the controller manager, scheduler and etcd. @default - none
   */
  readonly endpoints?: readonly string[];
  /** Every node's IP, for kube-proxy where it has no pod to select (k3s). @default - none */
  readonly nodeEndpoints?: readonly string[];
}

/** The kube-prometheus-stack sections for the components on a platform: `{ kubeApiServer: { enabled: true }, ... }`. */
export function componentValues(
  options: KubernetesComponentsOptions | undefined,
  profile: PlatformProfile,
): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    (Object.keys(KUBERNETES_COMPONENTS) as KubernetesComponent[]).map((c) => {
      const fact = profile.components[c];
      const on = options?.[c] ?? fact.scrape === 'default';
      const section: Record<string, unknown> = { enabled: on };
      if (on && fact.values) Object.assign(section, structuredClone(fact.values));
      const addresses = fact.needsEndpoints ? options?.[fact.needsEndpoints] : undefined;
      if (on && addresses) section.endpoints = [...addresses];
      return [KUBERNETES_COMPONENTS[c], section];
    }),
  );
}

/**
 * Why a cluster's component settings cannot work on its platform, by component: one that cannot be scraped there at
 * all, or one without a pod to select and no endpoints.
 */
export function componentProblems(
  options: KubernetesComponentsOptions | undefined,
  profile: PlatformProfile,
): [KubernetesComponent, string][] {
  const problems: [KubernetesComponent, string][] = [];
  for (const c of Object.keys(KUBERNETES_COMPONENTS) as KubernetesComponent[]) {
    if (options?.[c] !== true) continue;
    const fact = profile.components[c];
    if (fact.scrape === 'none') {
      problems.push([c, `a component a Prometheus in a ${profile.title} cluster can scrape; ${fact.note}`]);
    } else if (fact.needsEndpoints && (options[fact.needsEndpoints]?.length ?? 0) === 0) {
      const which = fact.needsEndpoints === 'endpoints' ? "the servers' IP addresses" : "every node's IP address";
      problems.push([
        c,
        `kubernetesComponents.${fact.needsEndpoints} (${which}) as well, as there is no pod to select: on ${profile.title} it ${fact.note}`,
      ]);
    }
  }
  return problems;
}
