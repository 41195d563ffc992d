import type { Taint, Toleration } from '../scheduling';
import type { K8sObject, RenderedCluster } from './render';
import type { NetworkFlow } from '../security/network-policies';
import {
  allowed,
  namespaceLabels,
  podOf as networkPodOf,
  policySelects,
  selects,
  type LabelSelector,
  type Client,
  type NetworkPolicyObject,
  type PodInfo,
} from '../security/policy-semantics';
import { imagesOutside } from '../airgap/airgap';
import { checkPodSecurity, describeViolation, enforcedLevel, podTemplateOf } from './pod-security';

/**
 * Checks of a rendered fleet, each for a fault that validates everywhere and still breaks a first install: a custom
 * resource its CRD refuses, a pod that stays Pending on tainted nodes, a Prometheus whose alerts go nowhere, a
 * namespace missing when a release installs into it. Each returns one line per problem, naming the cluster, the
 * object and what to change.
 */

/** A group of nodes: the labels that select them and the taints they carry. */
export interface NodePool {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
}

/** What the checks know of a cluster beyond its objects. */
export interface ClusterFacts {
  /** Its node pools with taints. @default - none */
  readonly nodePools?: readonly NodePool[];
  /** Namespaces that exist on a new cluster. */
  readonly systemNamespaces?: readonly string[];
  /** The connections CMM's NetworkPolicies must let through (lib/security/network-policies.ts). @default - none */
  readonly networkFlows?: readonly NetworkFlow[];
  /** The registry every image must come from (`airgap.images.registry`). @default - any registry */
  readonly imageRegistry?: string;
}

/** A CRD schema validator (lib/render/crd-schema.ts). */
export interface SchemaValidator {
  has(apiVersion: string, kind: string): boolean;
  validate(obj: unknown): string[];
}

/** Whether a toleration tolerates a taint (Kubernetes' rule). */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

/** A place pods run from: a workload's pod template, or an operator-managed pod set (Prometheus, Alertmanager). */
interface PodPlacement {
  readonly what: string;
  readonly daemonSet: boolean;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
}

const POD_TEMPLATE: Record<string, readonly string[]> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Pod: ['spec'],
  // The prometheus-operator copies these fields into the pods it creates.
  Prometheus: ['spec'],
  Alertmanager: ['spec'],
  ThanosRuler: ['spec'],
  PrometheusAgent: ['spec'],
};

function placementOf(obj: K8sObject, where: string): PodPlacement | undefined {
  const path = POD_TEMPLATE[obj.kind];
  if (!path) return undefined;
  let spec: unknown = obj;
  for (const seg of path) spec = (spec as Record<string, unknown> | undefined)?.[seg];
  const s = (spec ?? {}) as { nodeSelector?: Record<string, string>; tolerations?: Toleration[] };
  return {
    what: `${where}${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`,
    daemonSet: obj.kind === 'DaemonSet',
    nodeSelector: s.nodeSelector ?? {},
    tolerations: s.tolerations ?? [],
  };
}

const describeTaint = (t: Taint) => `${t.key}${t.value !== undefined ? `=${t.value}` : ''}:${t.effect}`;

/**
 * Pods and tainted nodes: a pod whose nodeSelector pins it to a node pool must tolerate the pool's taints (or it
 * stays Pending), and a DaemonSet must tolerate every pool's taints (or those nodes go unwatched).
 */
export function taintProblems(cluster: RenderedCluster, facts: ClusterFacts): string[] {
  const pools = facts.nodePools ?? [];
  if (pools.length === 0) return [];
  const problems: string[] = [];
  for (const p of placements(cluster)) {
    for (const pool of pools) {
      const blocking = pool.taints.filter((t) => t.effect !== 'PreferNoSchedule');
      const missing = blocking.filter((t) => !p.tolerations.some((tol) => tolerates(tol, t)));
      if (missing.length === 0) continue;
      const selector = Object.entries(p.nodeSelector);
      const pinned = selector.length > 0 && selector.every(([k, v]) => pool.labels[k] === v);
      const everywhere = p.daemonSet && selector.every(([k, v]) => pool.labels[k] === v);
      if (pinned && !p.daemonSet) {
        problems.push(
          `${cluster.cluster}: ${p.what} is pinned to node pool ${pool.name} by its nodeSelector but does not tolerate ${missing.map(describeTaint).join(', ')}: it stays Pending; give it the pool's tolerations (nodePool: ${pool.name})`,
        );
      } else if (everywhere) {
        problems.push(
          `${cluster.cluster}: ${p.what} does not tolerate ${missing.map(describeTaint).join(', ')} of node pool ${pool.name}: it does not run on those nodes, which go unwatched`,
        );
      }
    }
  }
  return problems;
}

function placements(cluster: RenderedCluster): PodPlacement[] {
  const out: PodPlacement[] = [];
  for (const [file, obj] of cluster.manifests) {
    const p = obj && placementOf(obj, `${file}: `);
    if (p) out.push(p);
  }
  for (const { release, objects } of cluster.releases) {
    for (const obj of objects) {
      const p = placementOf(obj, `release ${release.name}: `);
      if (p) out.push(p);
    }
  }
  return out;
}

/** Custom resources (the cluster's own and the charts') against their CRDs' schemas. */
export function schemaProblems(cluster: RenderedCluster, validator: SchemaValidator): string[] {
  const problems: string[] = [];
  const check = (obj: K8sObject, where: string) => {
    if (!validator.has(obj.apiVersion, obj.kind)) return;
    for (const p of validator.validate(obj)) {
      problems.push(`${cluster.cluster}: ${where}${obj.kind} ${obj.metadata.name}: ${p}`);
    }
  };
  for (const [file, obj] of cluster.manifests) if (obj) check(obj, `${file}: `);
  for (const { release, objects } of cluster.releases)
    for (const obj of objects) check(obj, `release ${release.name}: `);
  return problems;
}

/** Kinds that live in no namespace. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'IngressClass',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
]);

/** Every namespace a release installs into exists: created by the cluster folder, the release, or the system. */
export function namespaceProblems(cluster: RenderedCluster, facts: ClusterFacts): string[] {
  const exists = new Set(facts.systemNamespaces ?? ['default', 'kube-system', 'kube-public', 'kube-node-lease']);
  for (const obj of cluster.manifests.values()) if (obj?.kind === 'Namespace') exists.add(obj.metadata.name);
  for (const { objects } of cluster.releases)
    for (const o of objects) if (o.kind === 'Namespace') exists.add(o.metadata.name);
  const problems = new Set<string>();
  for (const { release, objects } of cluster.releases) {
    for (const obj of objects) {
      if (CLUSTER_SCOPED.has(obj.kind)) continue;
      const ns = obj.metadata.namespace ?? release.namespace;
      if (!exists.has(ns)) {
        problems.add(
          `${cluster.cluster}: release ${release.name} installs into namespace ${ns}, which nothing creates (first: ${obj.kind} ${obj.metadata.name})`,
        );
      }
    }
  }
  return [...problems];
}

/**
 * Every Prometheus sends its alerts somewhere: to an Alertmanager (`spec.alerting.alertmanagers`), or the central
 * Grafana forwards its firing alerts (`forwarded` holds those clusters).
 */
export function alertingProblems(cluster: RenderedCluster, forwarded: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const { release, objects } of cluster.releases) {
    for (const obj of objects) {
      if (obj.kind !== 'Prometheus' || !obj.apiVersion.startsWith('monitoring.coreos.com/')) continue;
      const alerting = (obj as { spec?: { alerting?: { alertmanagers?: unknown[] } } }).spec?.alerting;
      if ((alerting?.alertmanagers?.length ?? 0) > 0 || forwarded.has(cluster.cluster)) continue;
      problems.push(
        `${cluster.cluster}: release ${release.name}: Prometheus ${obj.metadata.name} sends its alerts nowhere: no Alertmanager, and the central Grafana does not forward them; enable alertmanager, or central.alerting with the cluster reachable`,
      );
    }
  }
  return problems;
}

/** The pods of a cluster (its manifests' and its releases'), with the workload each comes from. */
export function podsOf(cluster: RenderedCluster): (PodInfo & { kind: string; name: string })[] {
  const pods: (PodInfo & { kind: string; name: string })[] = [];
  const add = (obj: K8sObject, namespace: string, where: string) => {
    const pod = networkPodOf(obj, namespace, `${where}${obj.kind} ${obj.metadata.name}`);
    if (pod) pods.push({ ...pod, kind: obj.kind, name: obj.metadata.name });
  };
  for (const [file, obj] of cluster.manifests) if (obj) add(obj, obj.metadata.namespace ?? 'default', `${file}: `);
  for (const { release, objects } of cluster.releases) {
    for (const obj of objects) add(obj, obj.metadata.namespace ?? release.namespace, `release ${release.name}: `);
  }
  return pods;
}

/** The NetworkPolicies of a cluster folder (and any a chart renders). */
export function policiesOf(cluster: RenderedCluster): NetworkPolicyObject[] {
  const all = [...cluster.manifests.values(), ...cluster.releases.flatMap((r) => r.objects)];
  return all.filter(
    (o): o is K8sObject & NetworkPolicyObject => o?.kind === 'NetworkPolicy' && o.apiVersion === 'networking.k8s.io/v1',
  );
}

/**
 * NetworkPolicies against the pods they are for: every policy selects at least one pod (a selector that matches
 * nothing leaves that component's ports open), and every known flow is let through (a client a policy forgets breaks
 * monitoring). Pods that a flow names but the cluster does not run are reported too: the flow list is wrong.
 */
export function networkPolicyProblems(cluster: RenderedCluster, facts: ClusterFacts): string[] {
  const problems: string[] = [];
  const pods = podsOf(cluster);
  const policies = policiesOf(cluster);
  for (const policy of policies) {
    if (!pods.some((p) => !p.hostNetwork && policySelects(policy, p))) {
      problems.push(
        `${cluster.cluster}: NetworkPolicy ${policy.metadata.namespace}/${policy.metadata.name} selects no pod: its podSelector ${JSON.stringify(policy.spec.podSelector)} matches none of the cluster's pods, so it protects nothing`,
      );
    }
  }
  const find = (ref: { kind: string; name: string }) => pods.find((p) => p.kind === ref.kind && p.name === ref.name);
  for (const flow of facts.networkFlows ?? []) {
    const server = find(flow.server);
    if (!server) {
      problems.push(
        `${cluster.cluster}: flow "${flow.what}": no ${flow.server.kind} ${flow.server.name} in the cluster`,
      );
      continue;
    }
    const protocol = flow.protocol ?? 'TCP';
    if (!server.ports.some((p) => p.containerPort === flow.port && (p.protocol ?? 'TCP') === protocol)) {
      problems.push(
        `${cluster.cluster}: flow "${flow.what}": ${server.what} has no container port ${flow.port}/${protocol} (it has ${server.ports.map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ') || 'none'})`,
      );
      continue;
    }
    let client: Client;
    let who: string;
    if ('workload' in flow.client) {
      const pod = find(flow.client.workload);
      if (!pod) {
        problems.push(
          `${cluster.cluster}: flow "${flow.what}": no ${flow.client.workload.kind} ${flow.client.workload.name} in the cluster`,
        );
        continue;
      }
      client = { namespace: pod.namespace, labels: pod.labels };
      who = pod.what;
    } else if ('ip' in flow.client) {
      client = { ip: flow.client.ip };
      who = flow.client.what;
    } else {
      client = { namespace: flow.client.namespace, labels: flow.client.labels };
      who = `${flow.client.what} (namespace ${flow.client.namespace})`;
    }
    if (!allowed(policies, client, server, flow.port, protocol)) {
      problems.push(
        `${cluster.cluster}: NetworkPolicies block "${flow.what}": ${who} cannot reach ${server.what} on port ${flow.port}; allow it in the policy that selects the server`,
      );
    }
  }
  for (const s of scrapeTargets(cluster)) {
    if (!allowed(policies, { namespace: s.prometheus.namespace, labels: s.prometheus.labels }, s.pod, s.port)) {
      problems.push(
        `${cluster.cluster}: NetworkPolicies block a scrape of ${s.monitor}: ${s.prometheus.what} cannot reach ${s.pod.what} (namespace ${s.pod.namespace}) on port ${s.port}; allow it in the policy that selects that pod`,
      );
    }
  }
  return problems;
}

/** A scrape the cluster's monitors ask for: a Prometheus pod, the monitor, the target pod and its container port. */
export interface ScrapeTarget {
  readonly prometheus: WorkloadPod;
  /** `ServiceMonitor <namespace>/<name>` or `PodMonitor <namespace>/<name>`. */
  readonly monitor: string;
  readonly pod: WorkloadPod;
  readonly port: number;
}

/** A pod, with the kind and name of the object that makes it. */
export type WorkloadPod = PodInfo & { readonly kind: string; readonly name: string };

/** A monitor's `namespaceSelector`: `any`, or names; none: the monitor's own namespace. */
interface MonitorNamespaces {
  readonly any?: boolean;
  readonly matchNames?: readonly string[];
}

/**
 * The scrapes the rendered ServiceMonitors and PodMonitors ask of each Prometheus (and PrometheusAgent) of the
 * cluster, derived from the objects rather than from a list kept beside the policies, so a client the policies forget
 * is found. A monitor is the Prometheus' when its `serviceMonitorSelector`/`podMonitorSelector` select the monitor's
 * labels and its `...NamespaceSelector` the monitor's namespace (as the prometheus-operator does: an absent selector
 * selects no monitor, an absent namespace selector the Prometheus' own namespace only). A ServiceMonitor's selector
 * finds Services (in its `namespaceSelector`'s namespaces, else its own); each endpoint's `port` names a Service port,
 * whose `targetPort` (a number, or a container port's name; absent: the port's number) is the pod's; an endpoint's
 * `targetPort` names the pod's directly; the Service's selector finds the pods. A PodMonitor's selector finds the pods,
 * its endpoints' `port` (a container port's name) or `portNumber` the port. Pods on the host's network are skipped
 * (policies do not apply to them); a monitor, Service or port that matches nothing gives nothing.
 */
export function scrapeTargets(cluster: RenderedCluster): ScrapeTarget[] {
  const objects: { obj: K8sObject; namespace: string }[] = [];
  for (const obj of cluster.manifests.values()) {
    if (obj) objects.push({ obj, namespace: obj.metadata.namespace ?? 'default' });
  }
  for (const { release, objects: objs } of cluster.releases) {
    for (const obj of objs) objects.push({ obj, namespace: obj.metadata.namespace ?? release.namespace });
  }
  const nsLabels = (ns: string): Record<string, string> => {
    const own = objects.find((o) => o.obj.kind === 'Namespace' && o.obj.metadata.name === ns)?.obj.metadata.labels;
    return { ...own, ...namespaceLabels(ns) };
  };
  const pods = podsOf(cluster).filter((p) => !p.hostNetwork);
  const spec = (o: K8sObject) => ((o as { spec?: Record<string, unknown> }).spec ?? {}) as Record<string, any>;
  const isMonitoring = (o: K8sObject) => o.apiVersion.startsWith('monitoring.coreos.com/');
  const inNamespaces = (sel: MonitorNamespaces | undefined, own: string, ns: string) =>
    sel?.any === true || (sel?.matchNames && sel.matchNames.length > 0 ? sel.matchNames.includes(ns) : ns === own);
  const containerPort = (pod: PodInfo, port: number | string | undefined): number | undefined =>
    typeof port === 'number' ? port : pod.ports.find((p) => port !== undefined && p.name === port)?.containerPort;

  // Each monitor's targets: the pod and its container port.
  const monitors: { kind: string; obj: K8sObject; namespace: string; targets: { pod: WorkloadPod; port: number }[] }[] =
    [];
  for (const { obj, namespace } of objects) {
    if (!isMonitoring(obj) || (obj.kind !== 'ServiceMonitor' && obj.kind !== 'PodMonitor')) continue;
    const m = spec(obj);
    const targets: { pod: WorkloadPod; port: number }[] = [];
    const add = (pod: WorkloadPod, port: number | undefined) => {
      if (port !== undefined && !targets.some((t) => t.pod === pod && t.port === port)) targets.push({ pod, port });
    };
    if (obj.kind === 'ServiceMonitor') {
      const services = objects.filter(
        (o) =>
          o.obj.kind === 'Service' &&
          inNamespaces(m.namespaceSelector, namespace, o.namespace) &&
          selects(m.selector ?? {}, o.obj.metadata.labels ?? {}),
      );
      for (const svc of services) {
        const s = spec(svc.obj);
        const podSelector = s.selector as Record<string, string> | undefined;
        if (!podSelector || Object.keys(podSelector).length === 0) continue; // endpoints kept by hand: no pods here
        const backing = pods.filter(
          (p) => p.namespace === svc.namespace && selects({ matchLabels: podSelector }, p.labels),
        );
        for (const e of (m.endpoints ?? []) as { port?: string; targetPort?: number | string }[]) {
          for (const pod of backing) {
            if (e.port !== undefined) {
              const sp = ((s.ports ?? []) as { name?: string; port: number; targetPort?: number | string }[]).find(
                (x) => x.name === e.port,
              );
              if (sp) add(pod, containerPort(pod, sp.targetPort ?? sp.port));
            } else if (e.targetPort !== undefined) {
              add(pod, containerPort(pod, e.targetPort));
            }
          }
        }
      }
    } else {
      const selected = pods.filter(
        (p) => inNamespaces(m.namespaceSelector, namespace, p.namespace) && selects(m.selector ?? {}, p.labels),
      );
      for (const e of (m.podMetricsEndpoints ?? []) as {
        port?: string;
        portNumber?: number;
        targetPort?: number | string;
      }[]) {
        for (const pod of selected) add(pod, containerPort(pod, e.portNumber ?? e.port ?? e.targetPort));
      }
    }
    monitors.push({ kind: obj.kind, obj, namespace, targets });
  }

  const out: ScrapeTarget[] = [];
  for (const { obj, namespace } of objects) {
    if (!isMonitoring(obj) || (obj.kind !== 'Prometheus' && obj.kind !== 'PrometheusAgent')) continue;
    const prometheus = pods.find(
      (p) => p.kind === obj.kind && p.name === obj.metadata.name && p.namespace === namespace,
    );
    if (!prometheus) continue;
    const p = spec(obj);
    for (const mon of monitors) {
      const [selector, nsSelector] =
        mon.kind === 'ServiceMonitor'
          ? [p.serviceMonitorSelector, p.serviceMonitorNamespaceSelector]
          : [p.podMonitorSelector, p.podMonitorNamespaceSelector];
      if (selector === undefined || selector === null) continue;
      if (!selects(selector, mon.obj.metadata.labels ?? {})) continue;
      const nsOk =
        nsSelector === undefined || nsSelector === null
          ? mon.namespace === namespace
          : selects(nsSelector, nsLabels(mon.namespace));
      if (!nsOk) continue;
      for (const t of mon.targets) {
        out.push({ prometheus, monitor: `${mon.kind} ${mon.namespace}/${mon.obj.metadata.name}`, ...t });
      }
    }
  }
  return out;
}

/**
 * Every pod (the cluster folder's, each release's, and those the prometheus-operator builds from a Prometheus or an
 * Alertmanager) against the Pod Security level its namespace enforces (the `pod-security.kubernetes.io/enforce` and
 * `-version` labels of the cluster folder's Namespace; a namespace the folder does not create is not checked): the
 * pods the API server would refuse.
 */
export function podSecurityProblems(cluster: RenderedCluster): string[] {
  const levels = new Map<string, ReturnType<typeof enforcedLevel>>();
  for (const obj of cluster.manifests.values()) {
    if (obj?.kind === 'Namespace') levels.set(obj.metadata.name, enforcedLevel(obj.metadata.labels));
  }
  const problems: string[] = [];
  const check = (obj: K8sObject, namespace: string, where: string) => {
    const enforced = levels.get(namespace);
    const pod = enforced && podTemplateOf(obj);
    if (!pod) return;
    const violations = checkPodSecurity(pod, enforced.level, enforced.version);
    if (violations.length === 0) return;
    problems.push(
      `${cluster.cluster}: ${where}${obj.kind} ${namespace}/${obj.metadata.name} violates PodSecurity "${enforced.level}:${enforced.version}" of its namespace: ${violations.map(describeViolation).join(', ')}`,
    );
  };
  for (const [file, obj] of cluster.manifests) {
    if (obj) check(obj, obj.metadata.namespace ?? 'default', `${file}: `);
  }
  for (const { release, objects } of cluster.releases) {
    for (const obj of objects) check(obj, obj.metadata.namespace ?? release.namespace, `release ${release.name}: `);
  }
  return problems;
}

const REPLICATED = new Set(['Deployment', 'StatefulSet']);

/**
 * PodDisruptionBudgets against the pods: each selects the pods of a workload in its namespace (a selector that
 * matches nothing protects nothing, silently), and every Deployment or StatefulSet of more than one replica has one,
 * so a node drain takes its pods down one at a time.
 */
export function disruptionBudgetProblems(cluster: RenderedCluster): string[] {
  const all: { obj: K8sObject; namespace: string; where: string }[] = [];
  for (const [file, obj] of cluster.manifests) {
    if (obj) all.push({ obj, namespace: obj.metadata.namespace ?? 'default', where: `${file}: ` });
  }
  for (const { release, objects } of cluster.releases) {
    for (const obj of objects) {
      all.push({ obj, namespace: obj.metadata.namespace ?? release.namespace, where: `release ${release.name}: ` });
    }
  }
  const workloads = all
    .filter(({ obj }) => REPLICATED.has(obj.kind))
    .map((w) => {
      const spec = (
        w.obj as { spec?: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } } }
      ).spec;
      return { ...w, replicas: spec?.replicas ?? 1, labels: spec?.template?.metadata?.labels ?? {} };
    });
  const budgets = all
    .filter(({ obj }) => obj.kind === 'PodDisruptionBudget')
    .map((b) => ({ ...b, selector: (b.obj as { spec?: { selector?: LabelSelector } }).spec?.selector }));
  const problems: string[] = [];
  for (const b of budgets) {
    if (!workloads.some((w) => w.namespace === b.namespace && selects(b.selector ?? {}, w.labels))) {
      problems.push(
        `${cluster.cluster}: ${b.where}PodDisruptionBudget ${b.namespace}/${b.obj.metadata.name} selects no pod of a Deployment or StatefulSet: its selector ${JSON.stringify(b.selector ?? {})} protects nothing`,
      );
    }
  }
  for (const w of workloads) {
    if (w.replicas <= 1) continue;
    if (!budgets.some((b) => b.namespace === w.namespace && selects(b.selector ?? {}, w.labels))) {
      problems.push(
        `${cluster.cluster}: ${w.where}${w.obj.kind} ${w.namespace}/${w.obj.metadata.name} runs ${w.replicas} replicas and no PodDisruptionBudget selects its pods: a node drain may evict them all at once`,
      );
    }
  }
  return problems;
}

/**
 * With an image mirror (`airgap.images.registry`): every image the cluster's manifests and rendered releases make a
 * node pull comes from it.
 */
export function imageProblems(cluster: RenderedCluster, facts: ClusterFacts): string[] {
  const registry = facts.imageRegistry;
  if (!registry) return [];
  const problems: string[] = [];
  const report = (where: string, obj: K8sObject) => {
    for (const u of imagesOutside(obj, registry)) {
      problems.push(
        `${cluster.cluster}: ${where}${obj.kind} ${obj.metadata?.name}: ${u.path} is ${u.image}, not from the mirror ${registry} (airgap.images.registry)`,
      );
    }
  };
  for (const [file, obj] of cluster.manifests) report(`${file}: `, obj);
  for (const { release, objects } of cluster.releases)
    for (const obj of objects) report(`release ${release.name}: `, obj);
  return problems;
}
