import { ApiObject, Lazy } from 'cdk8s';
import * as z from 'zod';
import { invalid, validate } from '../inventory/errors';
import { Construct } from 'constructs';
import { applyStage, Stage } from '../output/stages';
import { PLATFORMS, PROFILES, type PlatformProfile } from '../platforms/profiles';
import { dnsLabel, networkPolicySettings } from '../inventory/schema';
import { isPrevalidated, namespaceProp } from '../inventory/props';
import type { LabelSelector, NetworkPolicyIngressRule, NetworkPolicyPeer } from './policy-semantics';
import { LOKI_DEFAULTS } from '../logs/loki-defaults';

/**
 * NetworkPolicies (networking.k8s.io/v1, Ingress only) for what CMM deploys: each component's pods accept connections
 * only from their known clients, on the ports those clients use. The ingress controller reaches the exposed endpoints;
 * Prometheus scrapes the exporters and metrics ports; Loki's own pods take connections from the gateway and each other
 * only, so nothing reaches them around the gateway's basic auth. Egress is left open (DNS, object storage, the
 * clusters' Ingresses and webhooks are too many destinations to guess without breaking one).
 *
 * Every policy selects the pods of one component by the labels its chart (or CMM, or the prometheus-operator) really
 * puts on them: `npm run render` checks each selector against the rendered pods and each known flow against the
 * policies (lib/render/checks.ts, networkPolicyProblems). node-exporter runs on the host's network, where policies do
 * not apply; it and the log agent (Alloy) get none.
 */

/** Where an ingress controller's pods run, so the exposed endpoints accept its connections. */
export interface IngressControllerPeer {
  /** Its namespace. @default - the platform's (lib/platforms/profiles.ts, ingressNamespaces) */
  readonly namespace?: string;
  /** Labels of its pods. @default - the platform's controller's (k3s, RKE2) in its namespace, else every pod */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** The NetworkPolicies of a cluster (the inventory's `networkPolicies`, per cluster and under `defaults:`). */
export interface NetworkPolicyOptions {
  /**
   * Write the policies. A cluster whose network plugin enforces none is unaffected by them either way.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Where the ingress controllers run, by kind.
   * @default - the platform's namespaces; on k3s and RKE2 only its controller's pods, elsewhere every pod
   */
  readonly ingressControllers?: {
    /** Where Traefik runs. @default - see its fields (the platform's) */
    readonly traefik?: IngressControllerPeer;
    /** Where ingress-nginx runs. @default - see its fields (the platform's) */
    readonly nginx?: IngressControllerPeer;
    /** Where AKS' application routing add-on runs. @default - see its fields (app-routing-system, every pod) */
    readonly appRouting?: IngressControllerPeer;
  };
  /**
   * Address ranges (CIDR) the ingress controller connects from when it runs on the host's network (`hostNetwork:
   * true`), where selectors cannot see it: the nodes' addresses. @default - none
   */
  readonly ingressSourceRanges?: readonly string[];
  /**
   * Other in-cluster clients of Prometheus' query port (prometheus-adapter, KEDA, another Grafana): their namespace
   * and, optionally, their pods' labels. @default - none
   */
  readonly prometheusClients?: readonly {
    readonly namespace: string;
    /** Labels of their pods. @default - every pod of the namespace */
    readonly podLabels?: Readonly<Record<string, string>>;
  }[];
}

/** A workload whose pods take part in a flow, found by kind and name in the cluster's objects. */
export interface WorkloadRef {
  readonly kind: string;
  readonly name: string;
}

/** Who opens a flow: a workload, a pod described by namespace and labels, or an address outside the pod network. */
export type FlowClient =
  | { readonly workload: WorkloadRef }
  | { readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly what: string }
  | { readonly ip: string; readonly what: string };

/** A connection that must keep working: a client, the server's pods, the port of their container. */
export interface NetworkFlow {
  readonly what: string;
  readonly client: FlowClient;
  readonly server: WorkloadRef;
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP';
}

/** An address outside every pod network, standing for the API server (webhooks) and a cloud load balancer. */
export const OUTSIDE_ADDRESS = '198.51.100.7';

/** The pods of a component, by the labels their chart, the operator or CMM gives them. */
export const SELECTORS = {
  /** Prometheus and PrometheusAgent pods: the operator's `operator.prometheus.io/name` (both modes). */
  prometheus: (name: string): LabelSelector => ({ matchLabels: { 'operator.prometheus.io/name': name } }),
  alertmanager: (name: string): LabelSelector => ({
    matchLabels: { 'app.kubernetes.io/name': 'alertmanager', alertmanager: name },
  }),
  /** The operator Deployment only (the admission Jobs share its `app.kubernetes.io/name`, not `app`). */
  operator: (release: string): LabelSelector => ({
    matchLabels: { app: 'kube-prometheus-stack-operator', release },
  }),
  kubeStateMetrics: (release: string): LabelSelector => ({
    matchLabels: { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': release },
  }),
  grafana: (release: string): LabelSelector => ({
    matchLabels: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': release },
  }),
  /** Every pod of the Loki release but the gateway: the Loki components and their memcached caches. */
  lokiBehindGateway: (release: string): LabelSelector => ({
    matchLabels: { 'app.kubernetes.io/name': 'loki', 'app.kubernetes.io/instance': release },
    matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'NotIn', values: ['gateway'] }],
  }),
  lokiRelease: (release: string): LabelSelector => ({
    matchLabels: { 'app.kubernetes.io/name': 'loki', 'app.kubernetes.io/instance': release },
  }),
  lokiGateway: (release: string): LabelSelector => ({
    matchLabels: {
      'app.kubernetes.io/name': 'loki',
      'app.kubernetes.io/instance': release,
      'app.kubernetes.io/component': 'gateway',
    },
  }),
  /** The log agent's pods (the DaemonSet and the events Deployment), in whatever namespace they run. */
  alloy: (releases: readonly string[]): LabelSelector => ({
    matchLabels: { 'app.kubernetes.io/name': 'alloy' },
    matchExpressions: [{ key: 'app.kubernetes.io/instance', operator: 'In', values: [...releases] }],
  }),
  thanos: (component: string): LabelSelector => ({
    matchLabels: { 'app.kubernetes.io/name': component, 'app.kubernetes.io/instance': 'cmm' },
  }),
  karma: (name: string): LabelSelector => ({ matchLabels: { 'app.kubernetes.io/name': name } }),
};

/** A port of a rule: a container port number (policies match the pod's port, after the Service). */
interface Port {
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP';
}

/**
 * An ingress controller, for the policies: Traefik, ingress-nginx, or AKS' application routing add-on (a managed
 * ingress-nginx, which CMM's nginx annotations address, in a namespace of its own).
 */
export type PolicyController = 'traefik' | 'nginx' | 'appRouting';

/** The IngressClass of AKS' application routing add-on, and the namespace its controllers run in (Microsoft's docs). */
export const APP_ROUTING = {
  className: 'webapprouting.kubernetes.azure.com',
  namespace: 'app-routing-system',
} as const;

/** The ingress controllers' peers of a cluster, resolved once from its settings and platform. */
export class IngressPeers {
  constructor(
    private readonly profile: PlatformProfile,
    private readonly options: NetworkPolicyOptions = {},
  ) {}

  /** The namespace a controller runs in by default on this platform. */
  private platformNamespace(controller: PolicyController): string {
    return controller === 'appRouting' ? APP_ROUTING.namespace : this.profile.ingressNamespaces[controller];
  }

  /** The namespace of a controller on this cluster. */
  public namespace(controller: PolicyController): string {
    return this.options.ingressControllers?.[controller]?.namespace ?? this.platformNamespace(controller);
  }

  /**
   * The pod labels of a controller (empty: every pod of its namespace): the setting's, else, when the controller is
   * in the platform's namespace, the labels of the controller the platform installs there (k3s' and RKE2's).
   */
  public labels(controller: PolicyController): Readonly<Record<string, string>> {
    const set = this.options.ingressControllers?.[controller]?.podLabels;
    if (set) return set;
    if (controller === 'appRouting' || this.namespace(controller) !== this.platformNamespace(controller)) return {};
    return this.profile.ingressPodLabels?.[controller] ?? {};
  }

  /** The peers a controller connects from: its pods, and the host-network ranges. */
  public peers(controller: PolicyController): NetworkPolicyPeer[] {
    const labels = this.labels(controller);
    return [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.namespace(controller) } },
        ...(Object.keys(labels).length > 0 ? { podSelector: { matchLabels: { ...labels } } } : {}),
      },
      ...(this.options.ingressSourceRanges ?? []).map((cidr) => ({ ipBlock: { cidr } })),
    ];
  }

  /** A pod of the controller, as a flow's client. */
  public client(controller: PolicyController): FlowClient {
    const labels = this.labels(controller);
    return {
      namespace: this.namespace(controller),
      labels: Object.keys(labels).length > 0 ? labels : { 'app.kubernetes.io/name': controller },
      what: `the ${controller} ingress controller`,
    };
  }
}

/**
 * The controller behind an endpoint's Ingress: AKS' application routing add-on for its IngressClass, else the
 * endpoint's `controller`, else `traefik` and `nginx` for the controllers' usual class names, else (another class, or
 * none: the default class) the platform's controller.
 */
export function controllerOfClass(
  className: string | undefined,
  profile: PlatformProfile,
  controller?: 'traefik' | 'nginx',
): PolicyController {
  if (className === APP_ROUTING.className) return 'appRouting';
  if (controller) return controller;
  return className === 'traefik' || className === 'nginx' ? className : profile.ingressController;
}

/** The peer of pods in a namespace: a podSelector alone in the policy's own namespace, else with the namespace's. */
export function podPeer(selector: LabelSelector, namespace: string, policyNamespace: string): NetworkPolicyPeer {
  return namespace === policyNamespace
    ? { podSelector: selector }
    : { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } }, podSelector: selector };
}

/** One rule of a policy: peers (`anywhere`: every source, in and out of the cluster) on ports. */
export interface PolicyRule {
  readonly from: readonly NetworkPolicyPeer[] | 'anywhere';
  readonly ports: readonly Port[];
}

/** Options of a {@link NetworkPolicies}: none; its policies and flows are added with its methods. */
export interface NetworkPoliciesProps {}

/**
 * The NetworkPolicies of one cluster folder and the flows they must let through. `addPolicy` writes one policy per
 * component; `allow` adds a rule to a policy (its clients may be known only later, e.g. the central Grafana for the
 * central cluster's Prometheus); `addFlow` records a connection the render checks verify.
 */
export class NetworkPolicies extends Construct {
  public readonly flows: NetworkFlow[] = [];
  private readonly rules = new Map<string, PolicyRule[]>();

  constructor(scope: Construct, id: string, _props: NetworkPoliciesProps = {}) {
    super(scope, id);
  }

  /** Adds the policy `name` in `namespace` for the pods `podSelector` selects; throws on a duplicate name. */
  public addPolicy(
    name: string,
    namespace: string,
    podSelector: LabelSelector,
    rules: readonly PolicyRule[] = [],
  ): void {
    const key = `${namespace}/${name}`;
    // NetworkPolicies has no props, no cluster: its errors name only the construct.
    if (this.rules.has(key)) {
      throw invalid(
        'NetworkPolicies',
        'addPolicy(name, namespace)',
        key,
        'a policy not defined already (another name)',
      );
    }
    const list = [...rules];
    this.rules.set(key, list);
    const policy = new ApiObject(this, `${namespace}-${name}`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'cmm' } },
      spec: {
        podSelector,
        policyTypes: ['Ingress'],
        // Resolved at synth, so that rules added later (allow) are in.
        ingress: Lazy.any({ produce: () => list.map(toIngressRule) }),
      },
    });
    applyStage(policy, Stage.SETUP);
  }

  /** Adds a rule to the policy `name` in `namespace`. */
  public allow(name: string, namespace: string, rule: PolicyRule): void {
    const list = this.rules.get(`${namespace}/${name}`);
    if (!list)
      throw invalid(
        'NetworkPolicies',
        'allow(name, namespace)',
        `${namespace}/${name}`,
        'a policy added with addPolicy()',
      );
    list.push(rule);
  }

  /** Records a flow the policies must allow. */
  public addFlow(flow: NetworkFlow): void {
    this.flows.push(flow);
  }

  /** Admits `from` on a flow's port in the policy `name` (a rule of its own), and records the flow. */
  public allowFlow(name: string, namespace: string, from: PolicyRule['from'], flow: NetworkFlow): void {
    this.allow(name, namespace, {
      from,
      ports: [{ port: flow.port, ...(flow.protocol ? { protocol: flow.protocol } : {}) }],
    });
    this.addFlow(flow);
  }
}

function toIngressRule(rule: PolicyRule): NetworkPolicyIngressRule {
  return {
    ...(rule.from === 'anywhere' ? {} : { from: rule.from.map((p) => ({ ...p })) }),
    ...(rule.ports.length > 0
      ? { ports: rule.ports.map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port })) }
      : {}),
  };
}

/** Ports of the components (container ports: a policy matches the pod's port, after the Service). */
export const PORTS = {
  prometheus: 9090,
  configReloader: 8080,
  sidecarGrpc: 10901,
  sidecarHttp: 10902,
  alertmanager: 9093,
  alertmanagerMesh: 9094,
  operator: 10250,
  kubeStateMetrics: 8080,
  grafana: 3000,
  lokiGateway: 8080,
  lokiHttp: 3100,
  lokiGrpc: 9095,
  lokiMemberlist: 7946,
  thanosGrpc: 10901,
  thanosHttp: 10902,
  thanosQueryHttp: 9090,
  thanosRemoteWrite: 19291,
  karma: 8080,
} as const;

/** The central cluster's clients of its own agent (Grafana, Thanos Query, Karma), in the central namespace. */
export interface CentralClients {
  readonly namespace: string;
  /** The central Grafana's release. */
  readonly grafanaRelease: string;
  /** Thanos Query reaches the central cluster's sidecar in the cluster. */
  readonly thanosQuery: boolean;
  /** Karma reads the central cluster's Alertmanager in the cluster (its Deployment's name). @default - no Karma */
  readonly karma?: string;
}

/** What a monitored cluster runs, for its policies. */
export interface AgentNetworkPoliciesProps {
  readonly namespace: string;
  readonly profile: PlatformProfile;
  /** The cluster's `networkPolicies`. @default - see its fields (on, with the platform's ingress controller namespaces) */
  readonly options?: NetworkPolicyOptions;
  /** The kube-prometheus-stack release (`cmm-agent`). */
  readonly release: string;
  /** The Prometheus object's name and kind (PrometheusAgent in agent mode). */
  readonly prometheus: { readonly name: string; readonly kind: 'Prometheus' | 'PrometheusAgent' };
  /** The controller of Prometheus' Ingress, when exposed. @default - not exposed */
  readonly prometheusIngress?: PolicyController;
  /** The Alertmanager, when the cluster runs one: its name, and the controller of its Ingress. @default - none */
  readonly alertmanager?: {
    readonly name: string;
    /** @default - not exposed */
    readonly ingress?: PolicyController;
  };
  readonly kubeStateMetrics: boolean;
  /** The Thanos sidecar: how the centre reaches it (`inCluster`: the central cluster's own). @default - none */
  readonly sidecar?:
    | { readonly type: 'ingress'; readonly controller: PolicyController }
    | { readonly type: 'loadBalancer' }
    | { readonly type: 'inCluster' };
  /** In the central cluster: its Grafana, Thanos Query and Karma. @default - none: not the central cluster */
  readonly central?: CentralClients;
}

/** The props' schema pieces: the inventory's `networkPolicies`, and what the constructs that use them hand on. */
const policyController = z.enum(['traefik', 'nginx', 'appRouting']);
const prometheusRef = z.strictObject({ name: dnsLabel(), kind: z.enum(['Prometheus', 'PrometheusAgent']) });
/** A platform profile is one of `PROFILES`: its namespaces and ports are what the policies admit. */
const platformProfile = z.custom<PlatformProfile>((v) => (Object.values(PROFILES) as unknown[]).includes(v), {
  error: `the profile of a platform CMM knows: PROFILES[platform] for ${PLATFORMS.join(', ')}`,
});

/** The props' schema of {@link AgentNetworkPolicies}. */
export const AGENT_NETWORK_POLICIES_PROPS = z.strictObject({
  namespace: namespaceProp,
  profile: platformProfile,
  options: networkPolicySettings.optional(),
  release: dnsLabel(),
  prometheus: prometheusRef,
  prometheusIngress: policyController.optional(),
  alertmanager: z.strictObject({ name: dnsLabel(), ingress: policyController.optional() }).optional(),
  kubeStateMetrics: z.boolean(),
  sidecar: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('ingress'), controller: policyController }),
      z.strictObject({ type: z.literal('loadBalancer') }),
      z.strictObject({ type: z.literal('inCluster') }),
    ])
    .optional(),
  central: z
    .strictObject({
      namespace: namespaceProp,
      grafanaRelease: dnsLabel(),
      thanosQuery: z.boolean(),
      karma: dnsLabel().optional(),
    })
    .optional(),
});

/** Names of the policies of a monitored cluster. */
export const AGENT_POLICIES = {
  prometheus: 'cmm-prometheus',
  alertmanager: 'cmm-alertmanager',
  operator: 'cmm-prometheus-operator',
  kubeStateMetrics: 'cmm-kube-state-metrics',
} as const;

/**
 * The policies of a monitored cluster's agent (kube-prometheus-stack), which it owns: Prometheus, Alertmanager, the
 * operator and kube-state-metrics. node-exporter runs on the host's network (policies do not apply to it) and gets
 * none.
 */
export class AgentNetworkPolicies extends NetworkPolicies {
  constructor(scope: Construct, id: string, props: AgentNetworkPoliciesProps) {
    super(scope, id);
    // A ClusterAgent hands on props built from its validated props. No cluster in the props: the errors name the
    // construct and its namespace.
    if (!isPrevalidated(props))
      validate(AGENT_NETWORK_POLICIES_PROPS, props, `AgentNetworkPolicies ${JSON.stringify(props.namespace)}`, {
        prefix: 'props.',
      });
    const ns = props.namespace;
    const ingress = new IngressPeers(props.profile, props.options);
    const prom = SELECTORS.prometheus(props.prometheus.name);
    const promRef: WorkloadRef = { kind: props.prometheus.kind, name: props.prometheus.name };
    const fromProm = [{ podSelector: prom }];
    const sidecar = props.sidecar;
    const agentMode = props.prometheus.kind === 'PrometheusAgent';

    // Prometheus: itself (its own metrics, its config reloader's, its sidecar's), the exposed endpoint, the centre.
    this.addPolicy(AGENT_POLICIES.prometheus, ns, prom, [
      {
        from: fromProm,
        ports: [
          { port: PORTS.prometheus },
          { port: PORTS.configReloader },
          ...(sidecar ? [{ port: PORTS.sidecarHttp }] : []),
        ],
      },
    ]);
    this.addFlow({
      what: 'Prometheus scrapes itself',
      client: { workload: promRef },
      server: promRef,
      port: PORTS.prometheus,
    });
    this.addFlow({
      what: 'Prometheus scrapes its config reloader',
      client: { workload: promRef },
      server: promRef,
      port: PORTS.configReloader,
    });
    if (sidecar) {
      this.addFlow({
        what: 'Prometheus scrapes the Thanos sidecar',
        client: { workload: promRef },
        server: promRef,
        port: PORTS.sidecarHttp,
      });
    }
    if (props.prometheusIngress) {
      this.allowFlow(AGENT_POLICIES.prometheus, ns, ingress.peers(props.prometheusIngress), {
        what: "the ingress controller serves Prometheus' Ingress",
        client: ingress.client(props.prometheusIngress),
        server: promRef,
        port: PORTS.prometheus,
      });
    }
    if (sidecar?.type === 'ingress') {
      this.allowFlow(AGENT_POLICIES.prometheus, ns, ingress.peers(sidecar.controller), {
        what: "the ingress controller serves the Thanos sidecar's Ingress (gRPC)",
        client: ingress.client(sidecar.controller),
        server: promRef,
        port: PORTS.sidecarGrpc,
      });
    } else if (sidecar?.type === 'loadBalancer') {
      // A cloud load balancer forwards from addresses outside the pod network (its own, or the clients' with the
      // client IP preserved): the gRPC port is open to every source, and the sidecar itself requires the centre's
      // client certificate (mTLS) on it.
      this.allowFlow(AGENT_POLICIES.prometheus, ns, 'anywhere', {
        what: "the load balancer forwards to the Thanos sidecar's gRPC port",
        client: { ip: OUTSIDE_ADDRESS, what: 'the cloud load balancer' },
        server: promRef,
        port: PORTS.sidecarGrpc,
      });
    }
    for (const c of props.options?.prometheusClients ?? []) {
      const labels = c.podLabels ?? {};
      const selected = Object.keys(labels).length > 0;
      this.allowFlow(
        AGENT_POLICIES.prometheus,
        ns,
        [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': c.namespace } },
            ...(selected ? { podSelector: { matchLabels: { ...labels } } } : {}),
          },
        ],
        {
          what: `a client in ${c.namespace} queries Prometheus (networkPolicies.prometheusClients)`,
          client: {
            namespace: c.namespace,
            labels: selected ? labels : { app: 'client' },
            what: `a pod of ${c.namespace}`,
          },
          server: promRef,
          port: PORTS.prometheus,
        },
      );
    }
    const central = props.central;
    if (central) {
      const grafana = SELECTORS.grafana(central.grafanaRelease);
      const grafanaRef: WorkloadRef = { kind: 'Deployment', name: `${central.grafanaRelease}-grafana` };
      if (!agentMode) {
        this.allowFlow(AGENT_POLICIES.prometheus, ns, [podPeer(grafana, central.namespace, ns)], {
          what: "the central Grafana queries the central cluster's Prometheus",
          client: { workload: grafanaRef },
          server: promRef,
          port: PORTS.prometheus,
        });
      }
      // Query dials the central cluster's sidecar in the cluster (the thanos-discovery Service), exposed or not.
      if (central.thanosQuery && sidecar) {
        this.allowFlow(
          AGENT_POLICIES.prometheus,
          ns,
          [podPeer(SELECTORS.thanos('thanos-query'), central.namespace, ns)],
          {
            what: "Thanos Query reaches the central cluster's sidecar (gRPC)",
            client: { workload: { kind: 'Deployment', name: 'thanos-query' } },
            server: promRef,
            port: PORTS.sidecarGrpc,
          },
        );
      }
    }

    // Alertmanager: alerts and scrapes from Prometheus, its peers (the cluster's gossip), its Ingress, Karma.
    const am = props.alertmanager;
    if (am && !agentMode) {
      const amSel = SELECTORS.alertmanager(am.name);
      const amRef: WorkloadRef = { kind: 'Alertmanager', name: am.name };
      this.addPolicy(AGENT_POLICIES.alertmanager, ns, amSel, [
        { from: fromProm, ports: [{ port: PORTS.alertmanager }, { port: PORTS.configReloader }] },
        {
          from: [{ podSelector: amSel }],
          ports: [{ port: PORTS.alertmanagerMesh }, { port: PORTS.alertmanagerMesh, protocol: 'UDP' }],
        },
      ]);
      this.addFlow({
        what: 'Prometheus sends alerts to Alertmanager',
        client: { workload: promRef },
        server: amRef,
        port: PORTS.alertmanager,
      });
      this.addFlow({
        what: "Prometheus scrapes Alertmanager's config reloader",
        client: { workload: promRef },
        server: amRef,
        port: PORTS.configReloader,
      });
      this.addFlow({
        what: 'Alertmanager replicas gossip',
        client: { workload: amRef },
        server: amRef,
        port: PORTS.alertmanagerMesh,
      });
      if (am.ingress) {
        this.allowFlow(AGENT_POLICIES.alertmanager, ns, ingress.peers(am.ingress), {
          what: "the ingress controller serves Alertmanager's Ingress",
          client: ingress.client(am.ingress),
          server: amRef,
          port: PORTS.alertmanager,
        });
      }
      if (central?.karma) {
        this.allowFlow(
          AGENT_POLICIES.alertmanager,
          ns,
          [podPeer(SELECTORS.karma(central.karma), central.namespace, ns)],
          {
            what: "Karma reads the central cluster's Alertmanager",
            client: { workload: { kind: 'Deployment', name: central.karma } },
            server: amRef,
            port: PORTS.alertmanager,
          },
        );
      }
    }

    // The operator: its one port serves the admission webhook and its metrics. The API server calls the webhook from
    // an address that is not a pod's (a node's on k3s, RKE2, kubeadm, kOps; the managed control plane's network on EKS,
    // GKE, AKS), which no selector matches and no CIDR names on every platform: the port is open to every source, and
    // the policy closes the rest.
    const operatorRef: WorkloadRef = { kind: 'Deployment', name: `${props.release}-operator` };
    this.addPolicy(AGENT_POLICIES.operator, ns, SELECTORS.operator(props.release), [
      { from: 'anywhere', ports: [{ port: PORTS.operator }] },
    ]);
    this.addFlow({
      what: "the API server calls the operator's admission webhook",
      client: { ip: OUTSIDE_ADDRESS, what: 'the API server' },
      server: operatorRef,
      port: PORTS.operator,
    });
    this.addFlow({
      what: 'Prometheus scrapes the operator',
      client: { workload: promRef },
      server: operatorRef,
      port: PORTS.operator,
    });

    if (props.kubeStateMetrics) {
      const ksmRef: WorkloadRef = { kind: 'Deployment', name: `${props.release}-kube-state-metrics` };
      this.addPolicy(AGENT_POLICIES.kubeStateMetrics, ns, SELECTORS.kubeStateMetrics(props.release), [
        { from: fromProm, ports: [{ port: PORTS.kubeStateMetrics }] },
      ]);
      this.addFlow({
        what: 'Prometheus scrapes kube-state-metrics',
        client: { workload: promRef },
        server: ksmRef,
        port: PORTS.kubeStateMetrics,
      });
    }
  }
}

/** What the central cluster runs beside its agent, for its policies. */
export interface CentralNetworkPoliciesProps {
  /** The namespace of Grafana, Loki, Thanos and Karma. */
  readonly namespace: string;
  readonly profile: PlatformProfile;
  /** The central cluster's `networkPolicies`. @default - see its fields (on, with the platform's ingress controller namespaces) */
  readonly options?: NetworkPolicyOptions;
  /** The central Grafana: its release, and the controller of its Ingress. */
  readonly grafana: {
    readonly release: string;
    /** @default - not exposed */
    readonly ingress?: PolicyController;
  };
  /** The central cluster's own Prometheus, when the cluster is monitored: it scrapes Grafana and Thanos. @default - none */
  readonly prometheus?: {
    readonly namespace: string;
    readonly name: string;
    readonly kind: 'Prometheus' | 'PrometheusAgent';
  };
  /** The central Loki: its release, its Ingress' controller, the log agent's releases of the central cluster. @default - none */
  readonly loki?: {
    readonly release: string;
    /** @default 'monolithic' */
    readonly mode?: 'monolithic' | 'distributed';
    /** @default - not exposed */
    readonly ingress?: PolicyController;
    readonly alloyReleases: readonly string[];
  };
  /** The central Thanos: with Receive (and its Ingress' controller) when a cluster pushes. @default - none */
  readonly thanos?: {
    readonly receive: boolean;
    /** @default - not exposed */
    readonly receiveIngress?: PolicyController;
  };
  /** Karma: its Deployment's name, its Ingress' controller, and whether it reads Grafana's Alertmanager. @default - none */
  readonly karma?: { readonly name: string; readonly ingress: PolicyController; readonly readsGrafana: boolean };
}

/** The props' schema of {@link CentralNetworkPolicies}. */
export const CENTRAL_NETWORK_POLICIES_PROPS = z.strictObject({
  namespace: namespaceProp,
  profile: platformProfile,
  options: networkPolicySettings.optional(),
  grafana: z.strictObject({ release: dnsLabel(), ingress: policyController.optional() }),
  prometheus: prometheusRef.extend({ namespace: namespaceProp }).optional(),
  loki: z
    .strictObject({
      release: dnsLabel(),
      mode: z.enum(['monolithic', 'distributed']).optional().describe('Default: monolithic.'),
      ingress: policyController.optional(),
      alloyReleases: z.array(dnsLabel()),
    })
    .optional(),
  thanos: z.strictObject({ receive: z.boolean(), receiveIngress: policyController.optional() }).optional(),
  karma: z.strictObject({ name: dnsLabel(), ingress: policyController, readsGrafana: z.boolean() }).optional(),
});

/** Names of the central cluster's policies. */
export const CENTRAL_POLICIES = {
  grafana: 'cmm-grafana',
  loki: 'cmm-loki',
  lokiGateway: 'cmm-loki-gateway',
  karma: 'cmm-karma',
  thanos: (component: string) => `cmm-${component}`,
} as const;

/**
 * The policies of the central cluster's own components, which it owns: Grafana, Loki (its pods reachable only from the gateway and
 * each other), the Thanos components and Karma.
 */
export class CentralNetworkPolicies extends NetworkPolicies {
  constructor(scope: Construct, id: string, props: CentralNetworkPoliciesProps) {
    super(scope, id);
    // The Fleet hands on props built from a validated inventory.
    if (!isPrevalidated(props))
      validate(CENTRAL_NETWORK_POLICIES_PROPS, props, `CentralNetworkPolicies ${JSON.stringify(props.namespace)}`, {
        prefix: 'props.',
      });
    const ns = props.namespace;
    const ingress = new IngressPeers(props.profile, props.options);
    const prom = props.prometheus;
    const promRef: WorkloadRef | undefined = prom && { kind: prom.kind, name: prom.name };
    const fromProm = prom ? [podPeer(SELECTORS.prometheus(prom.name), prom.namespace, ns)] : [];
    const scraped = (policy: string, server: WorkloadRef, port: number, what: string) => {
      if (!promRef) return;
      this.allowFlow(policy, ns, fromProm, {
        what: `Prometheus scrapes ${what}`,
        client: { workload: promRef },
        server,
        port,
      });
    };
    const exposed = (policy: string, controller: PolicyController | undefined, server: WorkloadRef, port: number) => {
      if (!controller) return;
      this.allowFlow(policy, ns, ingress.peers(controller), {
        what: `the ingress controller serves ${server.name}'s Ingress`,
        client: ingress.client(controller),
        server,
        port,
      });
    };

    const grafanaSel = SELECTORS.grafana(props.grafana.release);
    const grafanaRef: WorkloadRef = { kind: 'Deployment', name: `${props.grafana.release}-grafana` };
    this.addPolicy(CENTRAL_POLICIES.grafana, ns, grafanaSel);
    exposed(CENTRAL_POLICIES.grafana, props.grafana.ingress, grafanaRef, PORTS.grafana);
    scraped(CENTRAL_POLICIES.grafana, grafanaRef, PORTS.grafana, 'Grafana');
    const karma = props.karma;
    if (karma?.readsGrafana) {
      this.allowFlow(CENTRAL_POLICIES.grafana, ns, [{ podSelector: SELECTORS.karma(karma.name) }], {
        what: "Karma reads Grafana's Alertmanager",
        client: { workload: { kind: 'Deployment', name: karma.name } },
        server: grafanaRef,
        port: PORTS.grafana,
      });
    }

    const loki = props.loki;
    if (loki) {
      const release = SELECTORS.lokiRelease(loki.release);
      // Loki's own pods (and its caches): from each other only, the gateway included; nothing around its auth.
      this.addPolicy(CENTRAL_POLICIES.loki, ns, SELECTORS.lokiBehindGateway(loki.release), [
        { from: [{ podSelector: release }], ports: [] },
      ]);
      const gatewayRef: WorkloadRef = { kind: 'Deployment', name: `${loki.release}-gateway` };
      const flow = (what: string, from: WorkloadRef, to: WorkloadRef, port: number) =>
        this.addFlow({ what, client: { workload: from }, server: to, port });
      const part = (kind: string, name: string): WorkloadRef => ({ kind, name: `${loki.release}-${name}` });
      if ((loki.mode ?? LOKI_DEFAULTS.mode) === 'monolithic') {
        flow(
          'the Loki gateway forwards to Loki',
          gatewayRef,
          { kind: 'StatefulSet', name: loki.release },
          PORTS.lokiHttp,
        );
      } else {
        // The paths of a push and of a query through the distributed mode's components (gRPC 9095, memcached 11211).
        const ingester = part('StatefulSet', 'ingester-zone-a');
        flow(
          'the gateway forwards pushes to the distributor',
          gatewayRef,
          part('Deployment', 'distributor'),
          PORTS.lokiHttp,
        );
        flow(
          'the gateway forwards queries to the query frontend',
          gatewayRef,
          part('Deployment', 'query-frontend'),
          PORTS.lokiHttp,
        );
        flow('the distributor writes to the ingesters', part('Deployment', 'distributor'), ingester, PORTS.lokiGrpc);
        flow(
          'the query frontend enqueues to the scheduler',
          part('Deployment', 'query-frontend'),
          part('Deployment', 'query-scheduler'),
          PORTS.lokiGrpc,
        );
        flow(
          'the querier pulls from the scheduler',
          part('Deployment', 'querier'),
          part('Deployment', 'query-scheduler'),
          PORTS.lokiGrpc,
        );
        flow('the querier reads the ingesters', part('Deployment', 'querier'), ingester, PORTS.lokiGrpc);
        flow(
          'the querier reads the index gateway',
          part('Deployment', 'querier'),
          part('StatefulSet', 'index-gateway'),
          PORTS.lokiGrpc,
        );
        flow(
          'the querier reads the chunks cache',
          part('Deployment', 'querier'),
          part('StatefulSet', 'chunks-cache'),
          11211,
        );
        flow(
          'the query frontend reads the results cache',
          part('Deployment', 'query-frontend'),
          part('StatefulSet', 'results-cache'),
          11211,
        );
        flow(
          'the ingesters gossip (memberlist)',
          part('StatefulSet', 'ingester-zone-b'),
          ingester,
          PORTS.lokiMemberlist,
        );
      }
      // The gateway: the Ingress (pushes from the clusters), Grafana's queries, the central cluster's log agent.
      this.addPolicy(CENTRAL_POLICIES.lokiGateway, ns, SELECTORS.lokiGateway(loki.release), [
        { from: [{ podSelector: grafanaSel }], ports: [{ port: PORTS.lokiGateway }] },
      ]);
      this.addFlow({
        what: 'Grafana queries Loki through the gateway',
        client: { workload: grafanaRef },
        server: gatewayRef,
        port: PORTS.lokiGateway,
      });
      exposed(CENTRAL_POLICIES.lokiGateway, loki.ingress, gatewayRef, PORTS.lokiGateway);
      if (loki.alloyReleases.length > 0) {
        // The log agent may run in a namespace of its own (host access): its pods, by label, in any namespace.
        this.allow(CENTRAL_POLICIES.lokiGateway, ns, {
          from: [{ namespaceSelector: {}, podSelector: SELECTORS.alloy(loki.alloyReleases) }],
          ports: [{ port: PORTS.lokiGateway }],
        });
        for (const r of loki.alloyReleases) {
          this.addFlow({
            what: `the log agent (${r}) pushes through the gateway`,
            client: { workload: { kind: r === loki.alloyReleases[0] ? 'DaemonSet' : 'Deployment', name: r } },
            server: gatewayRef,
            port: PORTS.lokiGateway,
          });
        }
      }
    }

    const thanos = props.thanos;
    if (thanos) {
      const name = (c: string): WorkloadRef => ({
        kind: c === 'thanos-store' || c === 'thanos-receive' || c === 'thanos-compact' ? 'StatefulSet' : 'Deployment',
        name: c,
      });
      const query = SELECTORS.thanos('thanos-query');
      const policy = (c: string) => {
        this.addPolicy(CENTRAL_POLICIES.thanos(c), ns, SELECTORS.thanos(c));
        return CENTRAL_POLICIES.thanos(c);
      };
      const p = {
        query: policy('thanos-query'),
        frontend: policy('thanos-query-frontend'),
        store: policy('thanos-store'),
        compact: policy('thanos-compact'),
      };
      this.allowFlow(p.query, ns, [{ podSelector: SELECTORS.thanos('thanos-query-frontend') }], {
        what: 'Query Frontend queries Query',
        client: { workload: name('thanos-query-frontend') },
        server: name('thanos-query'),
        port: PORTS.thanosQueryHttp,
      });
      scraped(p.query, name('thanos-query'), PORTS.thanosQueryHttp, 'Thanos Query');
      this.allowFlow(p.frontend, ns, [{ podSelector: grafanaSel }], {
        what: 'Grafana queries the Query Frontend',
        client: { workload: grafanaRef },
        server: name('thanos-query-frontend'),
        port: PORTS.thanosQueryHttp,
      });
      scraped(p.frontend, name('thanos-query-frontend'), PORTS.thanosQueryHttp, 'the Thanos Query Frontend');
      this.allowFlow(p.store, ns, [{ podSelector: query }], {
        what: 'Query reaches the Store Gateway (gRPC)',
        client: { workload: name('thanos-query') },
        server: name('thanos-store'),
        port: PORTS.thanosGrpc,
      });
      scraped(p.store, name('thanos-store'), PORTS.thanosHttp, 'the Thanos Store Gateway');
      scraped(p.compact, name('thanos-compact'), PORTS.thanosHttp, 'the Thanos Compactor');
      if (thanos.receive) {
        const receive = policy('thanos-receive');
        const receiveSel = SELECTORS.thanos('thanos-receive');
        // Query reads it; its replicas forward samples to each other (the hashring), on the same gRPC port.
        this.allow(receive, ns, {
          from: [{ podSelector: query }, { podSelector: receiveSel }],
          ports: [{ port: PORTS.thanosGrpc }],
        });
        this.addFlow({
          what: 'Query reaches Receive (gRPC)',
          client: { workload: name('thanos-query') },
          server: name('thanos-receive'),
          port: PORTS.thanosGrpc,
        });
        this.addFlow({
          what: 'Receive replicas forward to each other',
          client: { workload: name('thanos-receive') },
          server: name('thanos-receive'),
          port: PORTS.thanosGrpc,
        });
        exposed(receive, thanos.receiveIngress, name('thanos-receive'), PORTS.thanosRemoteWrite);
        scraped(receive, name('thanos-receive'), PORTS.thanosHttp, 'Thanos Receive');
      }
    }

    if (karma) {
      const karmaRef: WorkloadRef = { kind: 'Deployment', name: karma.name };
      this.addPolicy(CENTRAL_POLICIES.karma, ns, SELECTORS.karma(karma.name));
      exposed(CENTRAL_POLICIES.karma, karma.ingress, karmaRef, PORTS.karma);
    }
  }
}
