import type { KubernetesComponent } from '../agent/components';
import { AGENT_DEFAULTS } from '../agent/agent-defaults';

/**
 * The platforms a monitored cluster can run on, each a record of the facts that differ: whether a helm-controller is
 * built in, which control-plane components a Prometheus inside the cluster can scrape (and how), the DNS Service,
 * the default StorageClass, the usual ingress controller, etcd. One record per platform, as data: the rest of the
 * code asks the profile, it does not test the platform's name. Sources are in the README's platform sections.
 */

export const PLATFORMS = ['k3s', 'rke2', 'eks', 'gke', 'aks', 'kops', 'kubeadm'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** What a component is on a platform, for a Prometheus inside the cluster. */
export interface ComponentFact {
  /**
   * `default`: scraped out of the box; `change`: runs in the cluster, scraped once the cluster is changed as the
   * note says (off by default, or its Down alert fires for ever); `none`: cannot be scraped from inside the cluster
   * at all (a managed control plane), refused when turned on.
   */
  readonly scrape: 'default' | 'change' | 'none';
  /** What to know: why not, or what to change. */
  readonly note: string;
  /** kube-prometheus-stack values the component's section needs on this platform when on (selectors, ports). */
  readonly values?: Readonly<Record<string, unknown>>;
  /**
   * The component has no pod to select (it runs inside another process): it needs the addresses of the nodes it runs
   * on, the servers' (`endpoints`) or every node's (`nodeEndpoints`, kube-proxy).
   */
  readonly needsEndpoints?: 'endpoints' | 'nodeEndpoints';
}

export interface PlatformProfile {
  readonly name: Platform;
  readonly title: string;
  /** `built-in`: the platform runs a helm-controller (k3s, RKE2); `install`: CMM installs one. */
  readonly helmController: 'built-in' | 'install';
  /** Where the HelmChart objects go: where the platform's (or CMM's) helm-controller watches. */
  readonly helmChartNamespace: string;
  readonly components: Readonly<Record<KubernetesComponent, ComponentFact>>;
  /** The cluster's DNS Service (nginx in the Loki gateway resolves through it). */
  readonly clusterDns: { readonly service: string; readonly namespace: string };
  /** The default StorageClass of a new cluster; undefined: none, so a claim without a class stays Pending. */
  readonly defaultStorageClass?: string;
  /** The ingress controller that does CMM's basic auth here by default (the platform's own, else ingress-nginx). */
  readonly ingressController: 'traefik' | 'nginx';
  /** The platform's own ingress, in words. */
  readonly ingressNote: string;
  /**
   * Where each ingress controller usually runs here, for the NetworkPolicies that let it reach the exposed endpoints:
   * the platform's own in kube-system (k3s' Traefik, RKE2's Traefik and rke2-ingress-nginx), else the namespace of
   * the controller's install guide (`ingress-nginx`, `traefik`).
   */
  readonly ingressNamespaces: { readonly traefik: string; readonly nginx: string };
  /**
   * The pod labels of the controllers the platform itself installs (in `ingressNamespaces`), so that only those pods,
   * not their whole namespace, reach the exposed endpoints: the stable selector labels of the charts' pods, verified
   * by `helm template` of the charts (k3s' traefik, RKE2's rke2-traefik and rke2-ingress-nginx). None: the namespace.
   */
  readonly ingressPodLabels?: {
    readonly traefik?: Readonly<Record<string, string>>;
    readonly nginx?: Readonly<Record<string, string>>;
  };
  /** etcd, for monitoring, in words. */
  readonly etcdNote: string;
  /**
   * The servers' folder whose files the API server serves at `/static/charts/` (a chart's `source: static`); none
   * where the platform has no such folder.
   */
  readonly staticChartsFolder?: string;
}

const KUBE_SYSTEM_DNS = { service: 'kube-dns', namespace: 'kube-system' };
const API_SERVER: ComponentFact = { scrape: 'default', note: 'the `kubernetes` Service' };
const KUBELET: ComponentFact = {
  scrape: 'default',
  note: 'the kubelet of every node (port 10250) with cAdvisor: the container metrics; its Service is kept by the operator',
};
const COREDNS: ComponentFact = { scrape: 'default', note: 'CoreDNS (`k8s-app: kube-dns`), port 9153' };
const NO_KUBE_DNS: ComponentFact = { scrape: 'none', note: 'the cluster runs CoreDNS, not kube-dns: see coreDns' };
const MANAGED = (what: string, how: string): ComponentFact => ({
  scrape: 'none',
  note: `the managed control plane's ${what} is not reachable from the cluster (${how})`,
});

const K3S_CHANGE = (flag: string, nodes: string): ComponentFact => ({
  scrape: 'change',
  needsEndpoints: nodes === 'every node' ? 'nodeEndpoints' : 'endpoints',
  note: `runs inside the k3s process, bound to 127.0.0.1: set ${flag} in /etc/rancher/k3s/config.yaml on ${nodes}`,
});

export const PROFILES: Readonly<Record<Platform, PlatformProfile>> = {
  k3s: {
    name: 'k3s',
    title: 'k3s',
    helmController: 'built-in',
    helmChartNamespace: 'kube-system',
    components: {
      apiServer: API_SERVER,
      kubelet: KUBELET,
      controllerManager: K3S_CHANGE('kube-controller-manager-arg: ["bind-address=0.0.0.0"]', 'every server'),
      scheduler: K3S_CHANGE('kube-scheduler-arg: ["bind-address=0.0.0.0"]', 'every server'),
      etcd: K3S_CHANGE('etcd-expose-metrics: true', 'every server (embedded etcd only; the default SQLite has none)'),
      kubeProxy: K3S_CHANGE('kube-proxy-arg: ["metrics-bind-address=0.0.0.0:10249"]', 'every node'),
      coreDns: COREDNS,
      kubeDns: NO_KUBE_DNS,
    },
    clusterDns: KUBE_SYSTEM_DNS,
    defaultStorageClass: 'local-path',
    ingressController: 'traefik',
    ingressNote: 'Traefik, IngressClass traefik (the default class)',
    ingressNamespaces: { traefik: 'kube-system', nginx: 'ingress-nginx' },
    // The traefik chart k3s packages (HelmChart kube-system/traefik): app.kubernetes.io/name is the chart's name. Its
    // instance label changed between chart versions (traefik, then traefik-kube-system): not used.
    ingressPodLabels: { traefik: { 'app.kubernetes.io/name': 'traefik' } },
    etcdNote: 'only with embedded etcd (--cluster-init); metrics on 127.0.0.1:2381 until etcd-expose-metrics',
    staticChartsFolder: '/var/lib/rancher/k3s/server/static/charts',
  },
  rke2: {
    name: 'rke2',
    title: 'RKE2',
    helmController: 'built-in',
    helmChartNamespace: 'kube-system',
    components: {
      apiServer: API_SERVER,
      kubelet: KUBELET,
      controllerManager: {
        scrape: 'change',
        note: 'a static pod bound to 127.0.0.1: set kube-controller-manager-arg: ["bind-address=0.0.0.0"] in /etc/rancher/rke2/config.yaml on every server',
      },
      scheduler: {
        scrape: 'change',
        note: 'a static pod bound to 127.0.0.1: set kube-scheduler-arg: ["bind-address=0.0.0.0"] on every server',
      },
      etcd: {
        scrape: 'change',
        note: 'a static pod, metrics on 127.0.0.1:2381: set etcd-expose-metrics: true on every server',
      },
      kubeProxy: {
        scrape: 'change',
        note: 'a static pod bound to 127.0.0.1: set kube-proxy-arg: ["metrics-bind-address=0.0.0.0:10249"] on every node',
        values: { service: { selector: { component: 'kube-proxy' } } },
      },
      coreDns: COREDNS,
      kubeDns: NO_KUBE_DNS,
    },
    clusterDns: { service: 'rke2-coredns-rke2-coredns', namespace: 'kube-system' },
    ingressController: 'traefik',
    ingressNote: 'Traefik on clusters created with v1.36 or later (IngressClass traefik); ingress-nginx before (nginx)',
    ingressNamespaces: { traefik: 'kube-system', nginx: 'kube-system' },
    // The rke2-traefik and rke2-ingress-nginx charts (rancher/rke2-charts rename the upstream charts, which name
    // their pods by the chart's name); ingress-nginx's instance is the release (rke2-ingress-nginx), its controller's
    // component `controller` (not the admission Jobs').
    ingressPodLabels: {
      traefik: { 'app.kubernetes.io/name': 'rke2-traefik' },
      nginx: {
        'app.kubernetes.io/name': 'rke2-ingress-nginx',
        'app.kubernetes.io/instance': 'rke2-ingress-nginx',
        'app.kubernetes.io/component': 'controller',
      },
    },
    etcdNote: 'a static pod on the servers; metrics on 127.0.0.1:2381 until etcd-expose-metrics',
    // No static charts folder: RKE2's supervisor (port 9345) serves /static/, but the `kubernetes` Service an install
    // Job reaches as %{KUBERNETES_API}% is the kube-apiserver itself (port 6443), which has no such route; k3s' one
    // port serves both.
  },
  eks: {
    name: 'eks',
    title: 'Amazon EKS',
    helmController: 'install',
    helmChartNamespace: 'helm-controller',
    components: {
      apiServer: API_SERVER,
      kubelet: KUBELET,
      controllerManager: MANAGED(
        'controller manager',
        'EKS serves its metrics through the API server, at metrics.eks.amazonaws.com, not as a target the chart scrapes',
      ),
      scheduler: MANAGED(
        'scheduler',
        'EKS serves its metrics through the API server, at metrics.eks.amazonaws.com, not as a target the chart scrapes',
      ),
      etcd: MANAGED('etcd', 'not exposed at all'),
      kubeProxy: {
        scrape: 'change',
        note: 'the kube-proxy add-on binds its metrics to 127.0.0.1: set metricsBindAddress: 0.0.0.0:10249 in kube-system/kube-proxy-config (keep it across add-on updates with --resolve-conflicts PRESERVE)',
      },
      coreDns: COREDNS,
      kubeDns: NO_KUBE_DNS,
    },
    clusterDns: KUBE_SYSTEM_DNS,
    ingressController: 'nginx',
    ingressNote: 'none built in (the AWS Load Balancer Controller add-on gives IngressClass alb, without basic auth)',
    ingressNamespaces: { traefik: 'traefik', nginx: 'ingress-nginx' },
    etcdNote: 'managed, not reachable',
  },
  gke: {
    name: 'gke',
    title: 'Google GKE (Standard)',
    helmController: 'install',
    helmChartNamespace: 'helm-controller',
    components: {
      apiServer: API_SERVER,
      kubelet: KUBELET,
      controllerManager: MANAGED('controller manager', 'GKE exports its metrics to Cloud Monitoring only'),
      scheduler: MANAGED('scheduler', 'GKE exports its metrics to Cloud Monitoring only'),
      etcd: MANAGED('etcd', 'not exposed at all'),
      kubeProxy: {
        scrape: 'none',
        note: 'GKE Dataplane V2 has no kube-proxy; where it runs, GKE manages it and binds its metrics to 127.0.0.1',
      },
      coreDns: { scrape: 'none', note: 'GKE runs kube-dns, not CoreDNS: see kubeDns' },
      kubeDns: { scrape: 'default', note: 'kube-dns (`k8s-app: kube-dns`), ports 10054 and 10055' },
    },
    clusterDns: KUBE_SYSTEM_DNS,
    defaultStorageClass: 'standard-rwo',
    ingressController: 'nginx',
    ingressNote: 'GKE Ingress (class gce), which cannot do basic auth: CMM expects ingress-nginx',
    ingressNamespaces: { traefik: 'traefik', nginx: 'ingress-nginx' },
    etcdNote: 'managed, not reachable',
  },
  aks: {
    name: 'aks',
    title: 'Azure AKS',
    helmController: 'install',
    helmChartNamespace: 'helm-controller',
    components: {
      apiServer: API_SERVER,
      kubelet: KUBELET,
      controllerManager: MANAGED('controller manager', 'Azure Monitor managed Prometheus only'),
      scheduler: MANAGED('scheduler', 'Azure Monitor managed Prometheus only'),
      etcd: MANAGED('etcd', 'not exposed at all'),
      kubeProxy: {
        scrape: 'none',
        note: 'AKS manages kube-proxy, and its metrics endpoint is not reliably reachable from the cluster',
      },
      coreDns: COREDNS,
      kubeDns: NO_KUBE_DNS,
    },
    clusterDns: KUBE_SYSTEM_DNS,
    defaultStorageClass: 'default',
    ingressController: 'nginx',
    ingressNote:
      'none by default; the application routing add-on runs managed NGINX (class webapprouting.kubernetes.azure.com)',
    ingressNamespaces: { traefik: 'traefik', nginx: 'ingress-nginx' },
    etcdNote: 'managed, not reachable',
  },
  kops: {
    name: 'kops',
    title: 'kOps',
    helmController: 'install',
    helmChartNamespace: 'helm-controller',
    components: {
      apiServer: API_SERVER,
      kubelet: KUBELET,
      controllerManager: {
        scrape: 'default',
        note: 'a static pod (`k8s-app: kube-controller-manager`) listening on all interfaces',
        values: { service: { selector: { 'k8s-app': 'kube-controller-manager' } } },
      },
      scheduler: {
        scrape: 'default',
        note: 'a static pod (`k8s-app: kube-scheduler`) listening on all interfaces',
        values: { service: { selector: { 'k8s-app': 'kube-scheduler' } } },
      },
      etcd: {
        scrape: 'change',
        note: 'etcd-manager serves no metrics by default: set etcdClusters[main].manager.listenMetricsURLs: ["http://0.0.0.0:2382"] in the cluster spec',
        values: { service: { port: 2382, targetPort: 2382, selector: { 'k8s-app': 'etcd-manager-main' } } },
      },
      kubeProxy: {
        scrape: 'change',
        note: 'a static pod bound to 127.0.0.1: set spec.kubeProxy.metricsBindAddress: 0.0.0.0:10249 in the cluster spec',
      },
      coreDns: COREDNS,
      kubeDns: NO_KUBE_DNS,
    },
    clusterDns: KUBE_SYSTEM_DNS,
    defaultStorageClass: 'kops-csi-1-21',
    ingressController: 'nginx',
    ingressNote: 'none built in',
    ingressNamespaces: { traefik: 'traefik', nginx: 'ingress-nginx' },
    etcdNote: 'etcd-manager static pods on the control plane; clients on 4001/4002 with certificates',
  },
  kubeadm: {
    name: 'kubeadm',
    title: 'kubeadm',
    helmController: 'install',
    helmChartNamespace: 'helm-controller',
    components: {
      apiServer: API_SERVER,
      kubelet: KUBELET,
      controllerManager: {
        scrape: 'change',
        note: 'a static pod bound to 127.0.0.1: set controllerManager.extraArgs bind-address=0.0.0.0 in the ClusterConfiguration (or /etc/kubernetes/manifests)',
      },
      scheduler: {
        scrape: 'change',
        note: 'a static pod bound to 127.0.0.1: set scheduler.extraArgs bind-address=0.0.0.0 in the ClusterConfiguration',
      },
      etcd: {
        scrape: 'change',
        note: 'metrics on 127.0.0.1:2381: set etcd.local.extraArgs listen-metrics-urls=http://0.0.0.0:2381',
      },
      kubeProxy: {
        scrape: 'change',
        note: 'binds its metrics to 127.0.0.1: set metricsBindAddress: 0.0.0.0:10249 in the kube-proxy ConfigMap and restart the DaemonSet',
      },
      coreDns: COREDNS,
      kubeDns: NO_KUBE_DNS,
    },
    clusterDns: KUBE_SYSTEM_DNS,
    ingressController: 'nginx',
    ingressNote: 'none built in',
    ingressNamespaces: { traefik: 'traefik', nginx: 'ingress-nginx' },
    etcdNote: 'a static pod on the control plane; metrics on 127.0.0.1:2381 until listen-metrics-urls',
  },
};

/** The profile of a platform (k3s when none is given: CMM's first platform). */
export function profileOf(platform: Platform | undefined): PlatformProfile {
  return PROFILES[platform ?? AGENT_DEFAULTS.platform];
}
