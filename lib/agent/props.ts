import type { SchedulingOptions, Toleration } from '../scheduling';

/**
/**
 * Typed settings of a monitored cluster. They mirror the inventory's cluster entry one to one (the inventory is
 * these props in YAML), and the constructs validate them with the same schema, so TypeScript users and inventory
 * users get the same defaults and the same error messages.
 */

/** CPU and memory quantities. */
export interface ResourceQuantities {
  /** CPU, e.g. `'500m'`. @default - none */
  readonly cpu?: string;
  /** Memory, e.g. `'512Mi'`. @default - none */
  readonly memory?: string;
}

/** Container resource requests and limits. */
export interface Resources {
  /** @default - none */
  readonly requests?: ResourceQuantities;
  /** @default - none */
  readonly limits?: ResourceQuantities;
}

/** A PersistentVolumeClaim. */
export interface StorageOptions {
  /** Claim size, e.g. `'50Gi'`. */
  readonly size: string;
  /** @default - the cluster's default StorageClass */
  readonly storageClass?: string;
}

/** The cluster's Prometheus is not reachable from outside the cluster. */
export interface NoExposure {
  readonly type: 'none';
}

/** Prometheus behind an Ingress, with TLS and HTTP basic authentication. */
export interface IngressExposure {
  readonly type: 'ingress';
  /** Host name, e.g. `'prometheus.edge-1.example.com'`. */
  readonly host: string;
  /** @default - the cluster's default IngressClass */
  readonly ingressClassName?: string;
  /**
   * The ingress controller that enforces basic auth: Traefik (a `Middleware`) or ingress-nginx (annotations).
   * @default - the platform's: Traefik on k3s and RKE2, ingress-nginx elsewhere
   */
  readonly controller?: 'traefik' | 'nginx';
  /** Existing `kubernetes.io/tls` Secret in the agent's namespace with the certificate for `host`. */
  readonly tlsSecretName: string;
  /**
   * Existing Secret in the agent's namespace with htpasswd lines: key `users` for Traefik, `auth` for nginx.
   */
  readonly basicAuthSecretName: string;
  /**
   * Existing Secret in the central Grafana's namespace with keys `username` and `password` for this Prometheus.
   * @default 'prometheus-<cluster>-basic-auth'
   */
  readonly grafanaCredentialsSecret?: string;
}

export type PrometheusExposure = NoExposure | IngressExposure;

/** The cluster's Prometheus. */
export interface PrometheusOptions extends SchedulingOptions {
  /** How long samples are kept. @default '10d' */
  readonly retention?: string;
  /** Maximum size of the stored blocks, e.g. `'45GB'`. @default - no size limit */
  readonly retentionSize?: string;
  /** Default scrape interval. @default '30s' */
  readonly scrapeInterval?: string;
  /** Rule evaluation interval. @default '30s' */
  readonly evaluationInterval?: string;
  /** Persistent storage. @default - none: an emptyDir, lost when the pod moves */
  readonly storage?: StorageOptions;
  /**
   * Requests and limits of the Prometheus container; they replace the default as a whole.
   * @default - requests 100m CPU and 400Mi memory, no limit (lib/resource-defaults.ts: its memory follows the series)
   */
  readonly resources?: Resources;
  /** External labels besides `cluster`, which is always the cluster name. @default - none */
  readonly externalLabels?: Record<string, string>;
  /** How the central Grafana reaches this Prometheus. @default { type: 'none' } */
  readonly exposure?: PrometheusExposure;
}

/** The prometheus-operator. */
export interface OperatorOptions extends SchedulingOptions {
  /** @default - CMM's requests and memory limit (lib/resource-defaults.ts); replaced as a whole */
  readonly resources?: Resources;
}

/** node-exporter. */
export interface NodeExporterOptions {
  /** Run the node-exporter DaemonSet. @default true */
  readonly enabled?: boolean;
  /**
   * Mount the host's root filesystem into node-exporter. Turn off where the mount fails (WSL, Docker Desktop,
   * some k3s-in-docker setups); filesystem metrics then cover only what the container sees.
   * @default true
   */
  readonly hostRootFsMount?: boolean;
  /** @default - CMM's requests and memory limit (lib/resource-defaults.ts); replaced as a whole */
  readonly resources?: Resources;
  /**
   * More tolerations. The DaemonSet runs on every node: it tolerates every node pool's taints and every NoSchedule
   * taint (the chart's default). @default - none
   */
  readonly tolerations?: readonly Toleration[];
}

/** kube-state-metrics (one Deployment). */
export interface KubeStateMetricsOptions extends SchedulingOptions {
  /** @default true */
  readonly enabled?: boolean;
  /** @default - CMM's requests and memory limit (lib/resource-defaults.ts); replaced as a whole */
  readonly resources?: Resources;
}

/** A scrape target for a ServiceMonitor or PodMonitor. */
export interface MonitorOptions {
  /** Set false to drop a monitor inherited from the inventory's defaults. @default true */
  readonly enabled?: boolean;
  /** Labels of the Services (ServiceMonitor) or Pods (PodMonitor) to scrape. */
  readonly selector: Record<string, string>;
  /** Namespaces to look in. @default - the agent's namespace */
  readonly namespaces?: string[];
  /** Port name, or port number, of the metrics endpoint (e.g. `9113` for the nginx exporter). */
  readonly port: string | number;
  /** @default '/metrics' */
  readonly path?: string;
  /** Scrape interval, e.g. `'10s'`. @default - the Prometheus scrapeInterval */
  readonly interval?: string;
  /** @default 'http' */
  readonly scheme?: 'http' | 'https';
}
