import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeNamespace, monitoringNamespace } from '../k8s';
import {
  podSecurityLabels,
  resolvePodSecurity,
  type PodSecurityOptions,
  type ResolvedPodSecurity,
} from '../pod-security';
import { invalid, validate, ValidationError } from '../inventory/errors';
import { chartArchiveProp, isPrevalidated, lokiEndpoint, markPrevalidated } from '../inventory/props';
import { LogAgent, type LogShippingOptions, type LokiEndpoint } from '../logs/log-agent';
import * as z from 'zod';
import {
  checkAirgapOnPlatform,
  checkComponentsOnPlatform,
  checkKubeStateMetricsFilter,
  checkNodePoolReferences,
  checkStorageOnPlatform,
  checkPodSecurityNamespaces,
  clusterConfigShape,
  clusterThanos,
  defaultIs,
  logsSettings,
  objectName,
  podMonitor,
  serviceMonitor,
  url,
} from '../inventory/schema';
import { THANOS_DEFAULTS } from '../thanos/thanos-defaults';
import { HelmRelease } from '../helm/helm-release';
import { applyStage, Stage } from '../output/stages';
import { chartWith, KUBE_PROMETHEUS_STACK } from '../versions';
import {
  kubePrometheusStackImageValues,
  mergeValues,
  type AirgapOptions,
  type ChartArchiveReader,
} from '../airgap/airgap';
import { buildMonitor, MonitorKind } from './monitors';
import type { NodePoolOptions } from '../scheduling';
import { helmChartPlacement } from '../platforms/helm-controller';
import { profileOf, type Platform, type PlatformProfile } from '../platforms/profiles';
import type { CardinalityOptions } from './cardinality';
import type { KubernetesComponentsOptions } from './components';
import { DEFAULT_KUBERNETES_VERSION } from '../versions';
import type {
  KubeStateMetricsOptions,
  MonitorOptions,
  NodeExporterOptions,
  OperatorOptions,
  PrometheusExposure,
  PrometheusOptions,
} from './props';
import { DEFAULT_SCRAPE_INTERVAL, kubePrometheusStackValues, prometheusAuth } from './values';
import { ClusterRules, type RuleGroupOptions } from '../rules/cluster-rules';
import { type FilesystemAlert, filesystemAlert, type RulePacksOptions, type RuleSelectors } from '../rules/packs';
import { alertmanagerAuth, checkAlertmanager, type AlertmanagerOptions } from './alertmanager';
import { basicAuthMiddleware } from '../ingress-auth';
import { addClientAuthTlsOption, CLIENT_CA_SECRET, sidecarLoadBalancer, type AgentThanosOptions } from './thanos';
import {
  AgentNetworkPolicies,
  type CentralClients,
  type NetworkPolicyOptions,
  controllerOfClass,
} from '../security/network-policies';
import { AGENT_DEFAULTS } from './agent-defaults';

/** A cluster's Prometheus rules. */
export interface RulesOptions {
  /** @default 'https://runbooks.prometheus-operator.dev/runbooks' */
  readonly runbookBaseUrl?: string;
  /** @default - kube-prometheus-stack's job selectors */
  readonly selectors?: RuleSelectors;
  /** Settings of the built-in packs. @default - every pack on, with its defaults */
  readonly packs?: RulePacksOptions;
  /** Your own rule groups, by name. @default - none */
  readonly groups?: Readonly<Record<string, RuleGroupOptions>>;
}

export interface ClusterAgentProps {
  /** The cluster's name: the `cluster` label on every series, and its folder `dist/<clusterName>/`. */
  readonly clusterName: string;
  /** Namespace of the monitoring stack. @default 'monitoring' */
  readonly namespace?: string;
  /** kube-prometheus-stack chart version. @default - `KUBE_PROMETHEUS_STACK.version` (lib/versions.ts) */
  readonly kubePrometheusStackVersion?: string;
  /** Helm repository or mirror for kube-prometheus-stack. @default - `KUBE_PROMETHEUS_STACK.repo` */
  readonly kubePrometheusStackRepo?: string;
  /** kube-state-metrics (object state: deployments, pods, PVCs): on or off, or its settings. @default true */
  readonly kubeStateMetrics?: boolean | KubeStateMetricsOptions;
  /**
   * Where the cluster runs: decides the helm-controller (built in on k3s and RKE2, installed by CMM elsewhere), the
   * control-plane monitors that exist, and the ingress controller. @default 'k3s'
   */
  readonly platform?: Platform;
  /** The cluster's Kubernetes version, for rendering its charts. @default '1.33.0' */
  readonly kubernetesVersion?: string;
  /** Groups of nodes with their labels and taints, by name; workloads choose one with `nodePool`. @default - none */
  readonly nodePools?: Readonly<Record<string, NodePoolOptions>>;
  /**
   * The Kubernetes components to scrape, one by one: apiServer, kubelet (with cAdvisor), controllerManager,
   * scheduler, etcd, kubeProxy, coreDns, kubeDns.
   * @default - what the platform exposes without changes (lib/platforms/profiles.ts)
   */
  readonly kubernetesComponents?: KubernetesComponentsOptions;
  /** @default - see PrometheusOptions */
  readonly prometheus?: PrometheusOptions;
  /**
   * What Prometheus keeps of what it scrapes: drop and keep lists, unused histogram buckets (dropped), a sample limit
   * per target, kube-state-metrics' metric filter.
   * @default - the unused buckets dropped, nothing else
   */
  readonly cardinality?: CardinalityOptions;
  /** @default - see OperatorOptions */
  readonly operator?: OperatorOptions;
  /** @default - see NodeExporterOptions */
  readonly nodeExporter?: NodeExporterOptions;
  /** Prometheus rules: the built-in packs (all on) and your own groups. @default - every pack with its defaults */
  readonly rules?: RulesOptions;
  /** Alertmanager in the cluster, routing to Slack. @default - none */
  readonly alertmanager?: AlertmanagerOptions;
  /**
   * Log shipping with Grafana Alloy to the central Loki at `logs.endpoint` (`Fleet` sets it from the inventory).
   * @default - no log agent
   */
  readonly logs?: LogShippingOptions & {
    /** The central Loki's push endpoint. @default - none (required unless `enabled: false`) */
    readonly endpoint?: LokiEndpoint;
  };
  /** ServiceMonitors by object name. More can be added with `addServiceMonitor()`. @default - none */
  readonly serviceMonitors?: Record<string, MonitorOptions>;
  /** PodMonitors by object name. More can be added with `addPodMonitor()`. @default - none */
  readonly podMonitors?: Record<string, MonitorOptions>;
  /**
   * How the cluster joins the central Thanos: the sidecar (with `objectStorageSecret`) or remote write (with
   * `receiveUrl` and `credentialsSecret`); `Fleet` sets it with `central.metrics: thanos`.
   * @default - not in a Thanos fleet
   */
  readonly thanos?: AgentThanosOptions;
  /**
   * Namespace (or regular expression matching the whole name) to team: alerts from it without a `team` label get
   * `team: <team>` on their way to Alertmanager, so routes can match `team`. The first match wins.
   * @default - none
   */
  readonly namespaceOwners?: Readonly<Record<string, string>>;
  /**
   * NetworkPolicies for the agent's components (lib/security/network-policies.ts): Prometheus, Alertmanager, the
   * operator, kube-state-metrics.
   * @default - on, with the platform's ingress controller namespaces
   */
  readonly networkPolicies?: NetworkPolicyOptions;
  /**
   * In the central cluster: the central components that use this agent in the cluster (Grafana queries its
   * Prometheus, Thanos Query its sidecar, Karma its Alertmanager), for its NetworkPolicies. `Fleet` sets it.
   * @default - none: a cluster without central components
   */
  readonly centralClients?: CentralClients;
  /**
   * Air-gapped clusters: the charts from a mirror repository (with its CA and credentials), embedded or from the
   * k3s/RKE2 static folder; every image from a mirror registry, with pull Secrets.
   * @default - the upstream repositories and registries
   */
  readonly airgap?: AirgapOptions;
  /** The chart archives of `--charts DIR`, for charts whose `airgap.charts.source` is `embedded`. @default - none */
  readonly chartArchive?: ChartArchiveReader;
  /**
   * The Pod Security labels of the monitoring namespace, and where the pods that need host access run.
   * @default - the namespace enforces restricted; node-exporter and the log agent run in '<namespace>-host', which
   * enforces privileged
   */
  readonly podSecurity?: PodSecurityOptions;
}

/** The props' schema: the inventory's cluster settings, with `clusterName` for `name`. */
export const AGENT_PROPS = clusterConfigShape
  .omit({ name: true })
  .extend({
    clusterName: clusterConfigShape.shape.name,
    chartArchive: chartArchiveProp,
    thanos: clusterThanos
      .extend({
        objectStorageSecret: z
          .strictObject({
            name: objectName,
            key: z
              .string()
              .regex(/^[-._a-zA-Z0-9]+$/, { error: 'a Secret key' })
              .optional()
              .describe(`Key holding the Thanos objstore YAML. ${defaultIs(THANOS_DEFAULTS.objectStorageKey)}`),
          })
          .optional(),
        receiveUrl: url('the push credentials come from thanos.credentialsSecret').optional(),
      })
      .superRefine((t, ctx) => {
        const need = (key: string, what: string) =>
          ctx.addIssue({ code: 'custom', path: [key], input: undefined, message: what });
        if ((t.mode ?? 'sidecar') === 'sidecar' && !t.objectStorageSecret) {
          need('objectStorageSecret', 'the existing Secret with the object storage configuration, for the sidecar');
        }
        if (t.mode === 'remote-write') {
          if (!t.receiveUrl) need('receiveUrl', "the central Thanos Receive's URL");
          if (!t.credentialsSecret) need('credentialsSecret', 'an existing Secret with username and password');
        }
      })
      .optional(),
    centralClients: z
      .strictObject({
        namespace: clusterConfigShape.shape.name,
        grafanaRelease: clusterConfigShape.shape.name,
        thanosQuery: z.boolean(),
        karma: clusterConfigShape.shape.name.optional(),
      })
      .optional(),
    logs: logsSettings
      .extend({
        endpoint: lokiEndpoint.optional(),
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    checkNodePoolReferences(c, ctx);
    checkKubeStateMetricsFilter(c, ctx);
    checkComponentsOnPlatform(c, ctx);
    checkStorageOnPlatform(c, ctx);
    checkAirgapOnPlatform(c, ctx);
    checkPodSecurityNamespaces(c, ctx);
  });

export { markPrevalidated };

/** Name of the agent's Helm release and of the chart's objects (`cmm-agent-prometheus`, ...). */
export const AGENT_RELEASE_NAME = 'cmm-agent';

/**
 * Everything one monitored cluster runs: a namespace, kube-prometheus-stack (Prometheus, prometheus-operator,
 * node-exporter, optionally kube-state-metrics) through a `HelmChart`, and the cluster's own ServiceMonitors and
 * PodMonitors. Every series gets the label `cluster: <clusterName>`, both as an external label and stored in the
 * cluster's own database (a default scrape class), so a Grafana that queries this Prometheus directly sees it.
 */
export class ClusterAgent extends Construct {
  public readonly clusterName: string;
  public readonly namespace: string;
  public readonly exposure: PrometheusExposure;
  /** The Prometheus scrape interval. */
  public readonly scrapeInterval: string;
  /** Whether the cluster runs kube-state-metrics. */
  public readonly kubeStateMetrics: boolean;
  /** The cluster's node pools, by name. */
  public readonly nodePools: Readonly<Record<string, NodePoolOptions>>;
  /** The cluster's Kubernetes version. */
  public readonly kubernetesVersion: string;
  /** Whether the cluster runs an Alertmanager (with a receiver). */
  public readonly alertmanagerEnabled: boolean;
  /** The facts of the cluster's platform. */
  public readonly profile: PlatformProfile;
  /** The filesystem alert of its pack's settings (selector, thresholds, `for`): the central rules use it too. */
  public readonly filesystemAlert: FilesystemAlert;
  /** The kube-prometheus-stack release. */
  public readonly release: HelmRelease;
  /** The `Namespace` object. */
  public readonly namespaceResource: KubeNamespace;
  /** The Pod Security labels, and the namespace of node-exporter and the log agent when it is another one. */
  public readonly podSecurity: ResolvedPodSecurity;
  /** The namespace node-exporter and the log agent (and its push Secret) are in. */
  public readonly hostNamespace: string;
  /** The cluster's Prometheus rules (none in agent mode, which evaluates none). Add groups with `rules.addGroup()`. */
  public readonly rules?: ClusterRules;
  /** Whether Prometheus runs in agent mode (scrape and remote write only). */
  public readonly agentMode: boolean;
  /** How the cluster joins the central Thanos, in a Thanos fleet. */
  public readonly thanosMode?: 'sidecar' | 'remote-write';
  /** The log agent, when logs are shipped. */
  public readonly logAgent?: LogAgent;
  /** The NetworkPolicies of the agent's components, unless switched off. */
  public readonly networkPolicies?: AgentNetworkPolicies;
  /** Where the cluster's charts and images come from. */
  public readonly airgap: AirgapOptions;
  private readonly monitors = new Map<string, ApiObject>();

  constructor(scope: Construct, id: string, props: ClusterAgentProps) {
    super(scope, id);
    // Props built from a validated inventory (Fleet) were checked against the same schema already.
    if (!isPrevalidated(props)) {
      validate(AGENT_PROPS, props, `ClusterAgent "${props.clusterName}"`, { prefix: 'props.' });
      if (props.alertmanager) checkAlertmanager(props.alertmanager, `ClusterAgent "${props.clusterName}"`, 'props.');
    }
    this.clusterName = props.clusterName;
    this.profile = profileOf(props.platform);
    this.namespace = props.namespace ?? AGENT_DEFAULTS.namespace;
    this.exposure = props.prometheus?.exposure ?? { type: 'none' };
    this.scrapeInterval = props.prometheus?.scrapeInterval ?? DEFAULT_SCRAPE_INTERVAL;
    this.kubeStateMetrics =
      typeof props.kubeStateMetrics === 'object'
        ? (props.kubeStateMetrics.enabled ?? true)
        : (props.kubeStateMetrics ?? true);
    this.nodePools = props.nodePools ?? {};
    this.kubernetesVersion = props.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
    this.alertmanagerEnabled =
      (props.alertmanager?.enabled ?? false) &&
      (props.alertmanager?.slack !== undefined || props.alertmanager?.receivers !== undefined);
    this.filesystemAlert = filesystemAlert(props.rules?.packs?.filesystem, props.rules?.selectors);

    // The namespace for host access only where a pod needs it: a privileged namespace admits any pod, so none stands
    // empty.
    const hostAccess =
      (props.nodeExporter?.enabled ?? true) || (props.logs !== undefined && props.logs.enabled !== false);
    this.podSecurity = resolvePodSecurity(props.podSecurity, this.namespace, this.kubernetesVersion, hostAccess);
    this.namespaceResource = monitoringNamespace(this, this.namespace, this.podSecurity.labels);
    this.hostNamespace = this.podSecurity.host?.namespace ?? this.namespace;
    if (this.podSecurity.host) {
      monitoringNamespace(this, this.podSecurity.host.namespace, this.podSecurity.host.labels, 'HostNamespace');
    }

    this.airgap = props.airgap ?? {};
    this.release = new HelmRelease(
      this,
      'KubePrometheusStack',
      markPrevalidated({
        chart: chartWith(KUBE_PROMETHEUS_STACK, { version: props.kubePrometheusStackVersion }),
        releaseName: AGENT_RELEASE_NAME,
        targetNamespace: this.namespace,
        ...helmChartPlacement(
          this,
          this.profile,
          this.airgap.images,
          props.podSecurity?.labels === false ? {} : podSecurityLabels('restricted', this.kubernetesVersion),
        ),
        airgap: {
          charts: this.airgap.charts,
          archive: props.chartArchive,
          cluster: this.clusterName,
          chartRepository: props.kubePrometheusStackRepo,
          platform: this.profile,
        },
        // Every image of the chart and its subcharts from the mirror (global.imageRegistry).
        values: mergeValues(
          kubePrometheusStackValues({
            ...props,
            namespace: this.namespace,
            releaseName: AGENT_RELEASE_NAME,
            hostNamespace: this.hostNamespace,
          }),
          kubePrometheusStackImageValues(this.airgap.images, { crdUpgradeJob: true }),
        ),
      }),
    );

    if (this.exposure.type === 'ingress') {
      basicAuthMiddleware(
        this,
        'BasicAuthMiddleware',
        prometheusAuth(this.exposure, this.namespace, this.profile.ingressController),
      );
    }
    const amExposure = this.alertmanagerEnabled ? props.alertmanager?.exposure : undefined;
    if (amExposure) {
      basicAuthMiddleware(
        this,
        'AlertmanagerBasicAuth',
        alertmanagerAuth(amExposure, this.namespace, this.profile.ingressController),
      );
    }

    this.thanosMode = props.thanos ? (props.thanos.mode ?? 'sidecar') : undefined;
    this.agentMode = props.thanos?.mode === 'remote-write' && props.thanos.agent === true;
    if (
      props.thanos?.mode !== 'remote-write' &&
      props.thanos?.exposure !== undefined &&
      props.thanos.exposure.type !== 'loadBalancer' &&
      (props.thanos.exposure.controller ?? this.profile.ingressController) === 'traefik'
    ) {
      addClientAuthTlsOption(this, this.namespace, props.thanos.exposure.clientCaSecret ?? CLIENT_CA_SECRET);
    }
    if (props.thanos?.mode !== 'remote-write' && props.thanos?.exposure?.type === 'loadBalancer') {
      sidecarLoadBalancer(this, this.namespace, `${AGENT_RELEASE_NAME}-prometheus`, props.thanos.exposure);
    }

    if (props.networkPolicies?.enabled ?? true) {
      const thanos = props.thanos;
      const sidecarExposure = thanos && this.thanosMode === 'sidecar' ? thanos.exposure : undefined;
      this.networkPolicies = new AgentNetworkPolicies(
        this,
        'NetworkPolicies',
        markPrevalidated({
          namespace: this.namespace,
          profile: this.profile,
          options: props.networkPolicies,
          release: AGENT_RELEASE_NAME,
          prometheus: {
            name: `${AGENT_RELEASE_NAME}-prometheus`,
            kind: this.agentMode ? 'PrometheusAgent' : 'Prometheus',
          },
          ...(this.exposure.type === 'ingress'
            ? {
                prometheusIngress: controllerOfClass(
                  this.exposure.ingressClassName,
                  this.profile,
                  this.exposure.controller,
                ),
              }
            : {}),
          ...(this.alertmanagerEnabled && !this.agentMode
            ? {
                alertmanager: {
                  name: `${AGENT_RELEASE_NAME}-alertmanager`,
                  ...(amExposure
                    ? { ingress: controllerOfClass(amExposure.ingressClassName, this.profile, amExposure.controller) }
                    : {}),
                },
              }
            : {}),
          kubeStateMetrics: this.kubeStateMetrics,
          ...(this.thanosMode === 'sidecar'
            ? {
                sidecar: !sidecarExposure
                  ? { type: 'inCluster' as const }
                  : sidecarExposure.type === 'loadBalancer'
                    ? { type: 'loadBalancer' as const }
                    : {
                        type: 'ingress' as const,
                        controller: controllerOfClass(
                          sidecarExposure.ingressClassName,
                          this.profile,
                          sidecarExposure.controller,
                        ),
                      },
              }
            : {}),
          ...(props.centralClients ? { central: props.centralClients } : {}),
        }),
      );
    }

    if (!this.agentMode)
      this.rules = new ClusterRules(
        this,
        'Rules',
        markPrevalidated({
          clusterName: this.clusterName,
          namespace: this.namespace,
          packs: props.rules?.packs,
          selectors: props.rules?.selectors,
          runbookBaseUrl: props.rules?.runbookBaseUrl,
          groups: props.rules?.groups,
          kubeStateMetrics: this.kubeStateMetrics,
          nodeExporter: props.nodeExporter?.enabled ?? true,
        }),
      );

    const logs = props.logs;
    if (logs && logs.enabled !== false) {
      if (!logs.endpoint) {
        throw new ValidationError(`ClusterAgent "${this.clusterName}"`, [
          "props.logs.endpoint: is required; expected the central Loki's push URL (or logs.enabled: false)",
        ]);
      }
      // Validated with the agent's props (or the inventory).
      this.logAgent = new LogAgent(
        this,
        'Logs',
        markPrevalidated({
          ...logs,
          endpoint: logs.endpoint,
          nodePools: this.nodePools,
          profile: this.profile,
          clusterName: this.clusterName,
          namespace: this.namespace,
          airgap: this.airgap,
          chartArchive: props.chartArchive,
          podNamespace: this.hostNamespace,
        }),
      );
    }

    for (const [name, opts] of Object.entries(props.serviceMonitors ?? {})) {
      if (opts.enabled !== false) this.addServiceMonitor(name, opts);
    }
    for (const [name, opts] of Object.entries(props.podMonitors ?? {})) {
      if (opts.enabled !== false) this.addPodMonitor(name, opts);
    }
  }

  /** In-cluster URL of the Prometheus service. */
  public get prometheusServiceUrl(): string {
    return `http://${AGENT_RELEASE_NAME}-prometheus.${this.namespace}.svc:9090`;
  }

  /**
   * Adds a ServiceMonitor named `name` in the agent's namespace (e.g. the nginx exporter: `{ selector: { app:
   * 'nginx' }, port: 'metrics', interval: '10s' }`). Throws if a monitor of that name exists.
   */
  public addServiceMonitor(name: string, options: MonitorOptions): ApiObject {
    return this.addMonitor('ServiceMonitor', name, options);
  }

  /** Adds a PodMonitor named `name` in the agent's namespace. Throws if a monitor of that name exists. */
  public addPodMonitor(name: string, options: MonitorOptions): ApiObject {
    return this.addMonitor('PodMonitor', name, options);
  }

  private addMonitor(kind: MonitorKind, name: string, options: MonitorOptions): ApiObject {
    const subject = `ClusterAgent "${this.clusterName}"`;
    const method = `add${kind}`;
    validate(objectName, name, subject, { name: `${method}(name)` });
    const key = `${kind}/${name}`;
    if (this.monitors.has(key)) {
      throw invalid(subject, `${method}(name)`, name, `a name no other ${kind} of the cluster has`);
    }
    const schema = kind === 'ServiceMonitor' ? serviceMonitor : podMonitor;
    validate(schema, options, subject, { name: `${method}(${JSON.stringify(name)}, options)` });
    const obj = buildMonitor(this, kind, name, this.namespace, options);
    applyStage(obj, Stage.CUSTOM_RESOURCES);
    this.monitors.set(key, obj);
    return obj;
  }
}
