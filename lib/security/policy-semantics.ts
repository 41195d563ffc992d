import { workloadPodTemplate } from '../render/pod-security';

/**
 * What a set of NetworkPolicies (networking.k8s.io/v1) lets through, over pods described by their namespace, labels
 * and container ports: the rules of https://kubernetes.io/docs/concepts/services-networking/network-policies/ for
 * ingress. A pod no policy selects for Ingress accepts everything; a pod some policy selects accepts a connection only
 * when one of those policies has a rule whose peers match the client and whose ports match the port. Egress is not
 * evaluated (CMM writes Ingress policies only). Used by the render checks and the tests, never by a cluster.
 */

/** A label selector (`matchLabels` and `matchExpressions`); empty selects everything. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    readonly values?: readonly string[];
  }[];
}

export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

export interface NetworkPolicyPort {
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface NetworkPolicyIngressRule {
  readonly from?: readonly NetworkPolicyPeer[];
  readonly ports?: readonly NetworkPolicyPort[];
}

/** A NetworkPolicy object, as written to a manifest. */
export interface NetworkPolicyObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: {
    readonly podSelector: LabelSelector;
    readonly policyTypes?: readonly ('Ingress' | 'Egress')[];
    readonly ingress?: readonly NetworkPolicyIngressRule[];
    readonly egress?: readonly unknown[];
  };
}

/** A pod: where it runs, its labels, its container ports. */
export interface PodInfo {
  /** Where it comes from, for messages (`release cmm-agent: Deployment cmm-agent-operator`). */
  readonly what: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly { readonly name?: string; readonly containerPort: number; readonly protocol?: string }[];
  /** A pod on the host's network: NetworkPolicies do not apply to it. */
  readonly hostNetwork?: boolean;
}

/** Who opens a connection: a pod (namespace and labels), or an address outside every pod network (an IP). */
export type Client =
  { readonly namespace: string; readonly labels: Readonly<Record<string, string>> } | { readonly ip: string };

/** Whether a label selector selects a set of labels (an empty selector selects all). */
export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
    // The API server refuses any other operator; a selector CMM cannot read selects nothing.
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) return false;
  }
  return true;
}

/** The labels every namespace carries (Kubernetes 1.22+ sets `kubernetes.io/metadata.name`). */
export function namespaceLabels(namespace: string): Record<string, string> {
  return { 'kubernetes.io/metadata.name': namespace };
}

/** Whether an IPv4 address is in a CIDR range (IPv6 ranges match nothing here). */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const a = ipv4(ip);
  const b = ipv4(base);
  const n = Number(bits);
  if (a === undefined || b === undefined || !(n >= 0 && n <= 32)) return false;
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function ipv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^[0-9]{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

function isIngress(policy: NetworkPolicyObject): boolean {
  // Without policyTypes, a policy is for Ingress always (and for Egress when it has egress rules).
  return policy.spec.policyTypes === undefined || policy.spec.policyTypes.includes('Ingress');
}

/** Whether a policy selects a pod (same namespace, podSelector matches). */
export function policySelects(policy: NetworkPolicyObject, pod: PodInfo): boolean {
  return (policy.metadata.namespace ?? 'default') === pod.namespace && selects(policy.spec.podSelector, pod.labels);
}

function peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, client: Client): boolean {
  if (peer.ipBlock) {
    if (!('ip' in client)) return false; // pod traffic is matched by selectors, not by the pod's address here
    return inCidr(client.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(client.ip, c));
  }
  if ('ip' in client) return false;
  const nsOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels(client.namespace))
    : client.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, client.labels) : true;
  return nsOk && podOk;
}

function portMatches(p: NetworkPolicyPort, pod: PodInfo, port: number, protocol: string): boolean {
  if ((p.protocol ?? 'TCP') !== protocol) return false;
  if (p.port === undefined) return true;
  if (typeof p.port === 'string') {
    // A named port: the pod's container port of that name (and protocol).
    return pod.ports.some(
      (cp) => cp.name === p.port && cp.containerPort === port && (cp.protocol ?? 'TCP') === protocol,
    );
  }
  return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
}

/** The policies that select a pod for Ingress. */
export function isolatingPolicies(policies: readonly NetworkPolicyObject[], pod: PodInfo): NetworkPolicyObject[] {
  return policies.filter((p) => isIngress(p) && policySelects(p, pod));
}

/**
 * Whether a client may open a connection to a pod's port. A host-network pod, and a pod no policy selects for
 * Ingress, accept everything; otherwise some rule of a selecting policy must match both the client and the port.
 */
export function allowed(
  policies: readonly NetworkPolicyObject[],
  client: Client,
  pod: PodInfo,
  port: number,
  protocol: 'TCP' | 'UDP' = 'TCP',
): boolean {
  if (pod.hostNetwork) return true;
  const selecting = isolatingPolicies(policies, pod);
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    (policy.spec.ingress ?? []).some((rule) => {
      const fromOk =
        !rule.from ||
        rule.from.length === 0 ||
        rule.from.some((peer) => peerMatches(peer, policy.metadata.namespace ?? 'default', client));
      const portOk =
        !rule.ports || rule.ports.length === 0 || rule.ports.some((p) => portMatches(p, pod, port, protocol));
      return fromOk && portOk;
    }),
  );
}

/** A manifest or rendered object (only what pods are read from). */
interface ObjectLike {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [key: string]: unknown;
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: {
    hostNetwork?: boolean;
    containers?: { ports?: { name?: string; containerPort: number; protocol?: string }[] }[];
  };
}

/**
 * The pods of the prometheus-operator's custom resources, with the labels the operator gives them (v0.93:
 * `makeSelectorLabels` of pkg/prometheus/server, pkg/prometheus/agent and pkg/alertmanager, plus `podMetadata`) and
 * the ports of their containers (the server's web port, the config reloader, the Thanos sidecar when configured).
 */
function operatorPod(obj: ObjectLike, namespace: string, what: string): PodInfo | undefined {
  if (!obj.apiVersion?.startsWith('monitoring.coreos.com/')) return undefined;
  const name = obj.metadata.name;
  const spec = (obj.spec ?? {}) as {
    podMetadata?: { labels?: Record<string, string> };
    thanos?: unknown;
  };
  const extra = spec.podMetadata?.labels ?? {};
  const common = {
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/instance': name,
  };
  const reloader = { name: 'reloader-web', containerPort: 8080 };
  if (obj.kind === 'Prometheus' || obj.kind === 'PrometheusAgent') {
    const server = obj.kind === 'Prometheus';
    return {
      what,
      namespace,
      labels: {
        ...extra,
        ...common,
        'app.kubernetes.io/name': server ? 'prometheus' : 'prometheus-agent',
        'operator.prometheus.io/name': name,
        'operator.prometheus.io/shard': '0',
        ...(server ? { prometheus: name } : {}),
      },
      ports: [
        { name: 'web', containerPort: 9090 },
        reloader,
        ...(server && spec.thanos
          ? [
              { name: 'grpc', containerPort: 10901 },
              { name: 'http', containerPort: 10902 },
            ]
          : []),
      ],
    };
  }
  if (obj.kind === 'Alertmanager') {
    return {
      what,
      namespace,
      labels: { ...extra, ...common, 'app.kubernetes.io/name': 'alertmanager', alertmanager: name },
      ports: [
        { name: 'web', containerPort: 9093 },
        { name: 'mesh-tcp', containerPort: 9094 },
        { name: 'mesh-udp', containerPort: 9094, protocol: 'UDP' },
        reloader,
      ],
    };
  }
  return undefined;
}

/**
 * The pods an object makes: a workload's pod template, a Pod, or the pods the prometheus-operator makes for a
 * Prometheus, PrometheusAgent or Alertmanager. `defaultNamespace` is the release's namespace.
 */
export function podOf(obj: ObjectLike, defaultNamespace: string, what: string): PodInfo | undefined {
  const namespace = obj.metadata.namespace ?? defaultNamespace;
  const op = operatorPod(obj, namespace, what);
  if (op) return op;
  let template: PodTemplate | undefined;
  if (obj.kind === 'Pod') template = obj as PodTemplate;
  else template = workloadPodTemplate(obj) as PodTemplate | undefined;
  if (!template) return undefined;
  return {
    what,
    namespace,
    labels: template.metadata?.labels ?? {},
    ports: (template.spec?.containers ?? []).flatMap((c) => c.ports ?? []),
    hostNetwork: template.spec?.hostNetwork === true,
  };
}
