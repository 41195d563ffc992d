import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { applyStage, Stage } from '../output/stages';
import { THANOS_VERSION } from '../versions';
import { THANOS_DEFAULTS } from '../thanos/thanos-defaults';
import type { Resources } from './props';

/** How a cluster's Prometheus joins the central Thanos (the inventory's `clusters[].thanos`, resolved by Fleet). */
export interface AgentThanosOptions {
  /** @default 'sidecar' */
  readonly mode?: 'sidecar' | 'remote-write';
  /** sidecar: how the central Query reaches the sidecar. @default - in-cluster only (the central cluster) */
  readonly exposure?: SidecarExposure;
  /** remote-write: Prometheus in agent mode. @default false */
  readonly agent?: boolean;
  /** remote-write: existing Secret with `username` and `password` for the Receive endpoint. @default - none (required for remote-write) */
  readonly credentialsSecret?: string;
  /** remote-write: existing Secret with `ca.crt`, the CA of the Receive endpoint's certificate. @default - the system's CAs */
  readonly receiveCaSecret?: string;
  /**
   * sidecar: the existing Secret (in the agent namespace) with the object storage configuration.
   * @default - none (required for the sidecar)
   */
  readonly objectStorageSecret?: {
    readonly name: string;
    /** Key holding the Thanos objstore YAML. @default 'objstore.yml' */
    readonly key?: string;
  };
  /** remote-write: the central Receive's URL, `https://<host>/api/v1/receive`. @default - none (required for remote-write) */
  readonly receiveUrl?: string;
  /**
   * sidecar: requests and limits of the Thanos sidecar container (in the Prometheus pod); its memory grows with the
   * series the central Query asks it for. Replace the default as a whole.
   * @default { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } }
   */
  readonly sidecarResources?: Resources;
}

export type SidecarExposure =
  | {
      readonly type: 'loadBalancer';
      readonly address: string;
      /** Existing Secret with the sidecar's certificate and the CA of the centre's client certificate. @default 'thanos-sidecar-tls' */
      readonly serverTlsSecret?: string;
      /** Address ranges allowed to connect (the centre's egress). @default - any */
      readonly loadBalancerSourceRanges?: readonly string[];
      /** Annotations of the LoadBalancer Service (the cloud's load balancer settings). @default - none */
      readonly annotations?: Readonly<Record<string, string>>;
    }
  | {
      /** @default 'ingress' */
      readonly type?: 'ingress';
      readonly host: string;
      /** The ingress controller, which terminates TLS and checks the client certificate. @default - the platform's */
      readonly controller?: 'traefik' | 'nginx';
      /** @default - the cluster's default class */
      readonly ingressClassName?: string;
      readonly tlsSecretName: string;
      /** Existing Secret with the CA of the centre's client certificate (key `ca.crt`). @default 'thanos-client-ca' */
      readonly clientCaSecret?: string;
    };

/** The sidecar's gRPC StoreAPI port (kube-prometheus-stack's `thanos-discovery` Service, port `grpc`). */
export const SIDECAR_GRPC_PORT = 10901;
/** Default names of the Secrets a sidecar cluster holds. */
export const SIDECAR_TLS_SECRET = THANOS_DEFAULTS.sidecarTlsSecret;
export const CLIENT_CA_SECRET = THANOS_DEFAULTS.clientCaSecret;
/** The Traefik TLSOption that requires the centre's client certificate on the sidecar's Ingress. */
export const CLIENT_AUTH_TLS_OPTION = 'cmm-thanos-client-auth';
const TLS_MOUNT = '/etc/thanos/grpc-tls';

/**
 * The kube-prometheus-stack values for a cluster in a Thanos fleet, merged into the agent's values: the sidecar
 * (object storage from the existing Secret, the StoreAPI Service, its exposure with TLS and a client certificate), or
 * remote write to the central Receive (basic auth from the Secret), optionally in agent mode.
 */
export function thanosAgentValues(
  t: AgentThanosOptions,
  namespace: string,
  platformController: 'traefik' | 'nginx',
): { prometheus: Record<string, unknown>; prometheusSpec: Record<string, unknown>; top: Record<string, unknown> } {
  const prometheus: Record<string, unknown> = {};
  const prometheusSpec: Record<string, unknown> = {};
  const top: Record<string, unknown> = {};
  if ((t.mode ?? 'sidecar') === 'remote-write') {
    const secret = t.credentialsSecret as string;
    prometheusSpec.remoteWrite = [
      {
        url: t.receiveUrl,
        name: 'cmm-thanos-receive',
        basicAuth: { username: { name: secret, key: 'username' }, password: { name: secret, key: 'password' } },
        ...(t.receiveCaSecret ? { tlsConfig: { ca: { secret: { name: t.receiveCaSecret, key: 'ca.crt' } } } } : {}),
        // A cluster that was cut off catches up without overwhelming the Receive.
        queueConfig: { maxSamplesPerSend: 2000, maxShards: 50, retryOnRateLimit: true },
      },
    ];
    if (t.agent) {
      // Scrape and push only: no rules evaluated, so neither the chart's rules nor an Alertmanager.
      prometheus.agentMode = true;
      top.defaultRules = { create: false };
      top.alertmanager = { enabled: false };
    }
    return { prometheus, prometheusSpec, top };
  }
  const thanos: Record<string, unknown> = {
    version: THANOS_VERSION,
    // Else the default (applyAgentResourceDefaults).
    ...(t.sidecarResources ? { resources: structuredClone(t.sidecarResources) } : {}),
    objectStorageConfig: {
      existingSecret: {
        name: t.objectStorageSecret?.name,
        key: t.objectStorageSecret?.key ?? THANOS_DEFAULTS.objectStorageKey,
      },
    },
  };
  prometheusSpec.thanos = thanos;
  // The StoreAPI Service (headless): the central Query's in-cluster endpoint, and the Ingress's backend.
  prometheus.thanosService = { enabled: true };
  prometheus.thanosServiceMonitor = { enabled: true };
  const e = t.exposure;
  if (e?.type === 'loadBalancer') {
    // The sidecar serves TLS itself and requires a client certificate signed by the CA in the Secret (the operator
    // reads TLS files only, so the Secret is mounted into the sidecar).
    const secret = e.serverTlsSecret ?? SIDECAR_TLS_SECRET;
    prometheusSpec.volumes = [{ name: 'thanos-grpc-tls', secret: { secretName: secret } }];
    thanos.volumeMounts = [{ name: 'thanos-grpc-tls', mountPath: TLS_MOUNT, readOnly: true }];
    thanos.grpcServerTlsConfig = {
      certFile: `${TLS_MOUNT}/tls.crt`,
      keyFile: `${TLS_MOUNT}/tls.key`,
      caFile: `${TLS_MOUNT}/ca.crt`,
      minVersion: 'TLS12',
    };
    // The LoadBalancer Service is CMM's (sidecarLoadBalancer): the chart's would publish the sidecar's HTTP port
    // (metrics, pprof) beside gRPC, without authentication.
  } else if (e) {
    const controller = e.controller ?? platformController;
    const ca = e.clientCaSecret ?? CLIENT_CA_SECRET;
    const annotations: Record<string, string> =
      controller === 'traefik'
        ? {
            'traefik.ingress.kubernetes.io/router.tls': 'true',
            // <namespace>-<name>@kubernetescrd: the TLSOption that requires the centre's client certificate.
            'traefik.ingress.kubernetes.io/router.tls.options': `${namespace}-${CLIENT_AUTH_TLS_OPTION}@kubernetescrd`,
          }
        : {
            'nginx.ingress.kubernetes.io/backend-protocol': 'GRPC',
            'nginx.ingress.kubernetes.io/auth-tls-secret': `${namespace}/${ca}`,
            'nginx.ingress.kubernetes.io/auth-tls-verify-client': 'on',
            'nginx.ingress.kubernetes.io/auth-tls-verify-depth': '1',
          };
    if (controller === 'traefik') {
      // Traefik speaks gRPC (HTTP/2 without TLS) to the sidecar when its Service says so.
      prometheus.thanosService = {
        enabled: true,
        annotations: { 'traefik.ingress.kubernetes.io/service.serversscheme': 'h2c' },
      };
    }
    prometheus.thanosIngress = {
      enabled: true,
      ...(e.ingressClassName ? { ingressClassName: e.ingressClassName } : {}),
      annotations,
      hosts: [e.host],
      paths: ['/'],
      pathType: 'Prefix',
      servicePort: SIDECAR_GRPC_PORT,
      tls: [{ secretName: e.tlsSecretName, hosts: [e.host] }],
    };
  }
  return { prometheus, prometheusSpec, top };
}

/** Name of the LoadBalancer Service in front of the sidecar. */
export const SIDECAR_LOAD_BALANCER = 'cmm-thanos-sidecar';

/**
 * The LoadBalancer Service in front of a sidecar: the gRPC StoreAPI only (TLS with a client certificate, served by the
 * sidecar), to the Prometheus pods of the agent's release.
 */
export function sidecarLoadBalancer(
  scope: Construct,
  namespace: string,
  prometheusName: string,
  e: Extract<SidecarExposure, { type: 'loadBalancer' }>,
): ApiObject {
  const svc = new ApiObject(scope, 'ThanosSidecarLoadBalancer', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: SIDECAR_LOAD_BALANCER,
      namespace,
      labels: { 'app.kubernetes.io/name': 'thanos-sidecar', 'app.kubernetes.io/managed-by': 'cmm' },
      ...(e.annotations ? { annotations: { ...e.annotations } } : {}),
    },
    spec: {
      type: 'LoadBalancer',
      ...(e.loadBalancerSourceRanges ? { loadBalancerSourceRanges: [...e.loadBalancerSourceRanges] } : {}),
      ports: [{ name: 'grpc', port: SIDECAR_GRPC_PORT, targetPort: 'grpc', protocol: 'TCP' }],
      // The pods the operator makes for the Prometheus of the release.
      selector: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': prometheusName },
    },
  });
  applyStage(svc, Stage.SETUP);
  return svc;
}

/** Traefik's TLSOption requiring the centre's client certificate, for a sidecar exposed through Traefik. */
export function addClientAuthTlsOption(scope: Construct, namespace: string, caSecret: string): ApiObject {
  const option = new ApiObject(scope, 'ThanosClientAuth', {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'TLSOption',
    metadata: { name: CLIENT_AUTH_TLS_OPTION, namespace },
    spec: {
      minVersion: 'VersionTLS12',
      clientAuth: { secretNames: [caSecret], clientAuthType: 'RequireAndVerifyClientCert' },
    },
  });
  applyStage(option, Stage.CUSTOM_RESOURCES);
  return option;
}

/** The address the central Query dials for a cluster's sidecar, and the TLS server name to check. */
export function sidecarEndpoint(e: SidecarExposure): { address: string; serverName: string } {
  return e.type === 'loadBalancer'
    ? { address: `${e.address}:${SIDECAR_GRPC_PORT}`, serverName: e.address }
    : { address: `${e.host}:443`, serverName: e.host };
}
