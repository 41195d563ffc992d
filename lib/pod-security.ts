/**
 * The Pod Security Standards labels of the namespaces CMM creates, and which namespace the pods that need host
 * access (node-exporter: host network, host PID, hostPath; the log agent: hostPath /var/log) run in. The monitoring
 * namespace enforces `restricted` by default; those pods go to a second namespace that enforces `privileged`, as a
 * namespace label is the only way PodSecurity admission lets a pod past the level its namespace enforces.
 */
import { POD_SECURITY_LABEL, type PodSecurityLevel } from './render/pod-security';

/** Namespaces Kubernetes itself keeps: CMM must not create, label or own them. */
export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'default'] as const;

/** The longest name a namespace may have (an RFC 1123 label). */
export const NAMESPACE_MAX_LENGTH = 63;

/** The host namespace's default name for a monitoring namespace. */
export function defaultHostNamespace(namespace: string): string {
  return `${namespace}-host`;
}

/** The Pod Security settings of a cluster. */
export interface PodSecurityOptions {
  /**
   * Write the `pod-security.kubernetes.io` labels. `false`: none, and every pod stays in the monitoring namespace.
   * @default true
   */
  readonly labels?: boolean;
  /** The level the monitoring namespace enforces. @default 'restricted' */
  readonly level?: PodSecurityLevel;
  /** The namespace of the pods that need host access, which enforces `privileged`. @default '<namespace>-host' */
  readonly hostNamespace?: string;
}

/** What a cluster's Pod Security settings come to. */
export interface ResolvedPodSecurity {
  /** Labels of the monitoring namespace. */
  readonly labels: Readonly<Record<string, string>>;
  /** The namespace of node-exporter and the log agent, with its labels, when it is not the monitoring namespace. */
  readonly host?: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
}

/** `v1.33` for `1.33.4`: the standards of the cluster's own version, which an upgrade of the cluster does not change. */
export function policyVersion(kubernetesVersion: string): string {
  const m = /^v?(1\.\d+)/.exec(kubernetesVersion);
  if (!m) throw new Error(`a Kubernetes version such as "1.33.0", got ${JSON.stringify(kubernetesVersion)}`);
  return `v${m[1]}`;
}

/**
 * The labels of a namespace that enforces `level` at the cluster's version, and audits and warns at `restricted`
 * of the newest version (so what a future version or the stricter level would refuse shows in `kubectl apply`'s
 * warnings and the audit log, without refusing it).
 */
export function podSecurityLabels(level: PodSecurityLevel, kubernetesVersion: string): Record<string, string> {
  return {
    [`${POD_SECURITY_LABEL}/enforce`]: level,
    [`${POD_SECURITY_LABEL}/enforce-version`]: policyVersion(kubernetesVersion),
    ...(level === 'privileged'
      ? {}
      : {
          [`${POD_SECURITY_LABEL}/audit`]: 'restricted',
          [`${POD_SECURITY_LABEL}/audit-version`]: 'latest',
          [`${POD_SECURITY_LABEL}/warn`]: 'restricted',
          [`${POD_SECURITY_LABEL}/warn-version`]: 'latest',
        }),
  };
}

/**
 * The labels and the host-access namespace for a cluster's settings. `hostAccess`: whether the cluster runs a pod
 * that needs the host (node-exporter, the log agent); without one there is no host namespace, since a namespace
 * that enforces `privileged` admits any pod and none should stand empty.
 */
export function resolvePodSecurity(
  options: PodSecurityOptions | undefined,
  namespace: string,
  kubernetesVersion: string,
  hostAccess = true,
): ResolvedPodSecurity {
  if (options?.labels === false) return { labels: {} };
  const level = options?.level ?? 'restricted';
  if (level === 'privileged' || !hostAccess) return { labels: podSecurityLabels(level, kubernetesVersion) };
  return {
    labels: podSecurityLabels(level, kubernetesVersion),
    host: {
      namespace: options?.hostNamespace ?? defaultHostNamespace(namespace),
      labels: podSecurityLabels('privileged', kubernetesVersion),
    },
  };
}
