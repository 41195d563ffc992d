import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AGENT_RELEASE_NAME, ClusterAgent, markPrevalidated, type ClusterAgentProps } from './agent/cluster-agent';
import { CentralGrafana, type ClusterDatasourceOptions } from './central/central-grafana';
import { KARMA_GRAFANA_ALERTMANAGER, resolveClusters } from './inventory/load';
import { CentralLoki, LOKI_RELEASE_NAME, lokiGatewayUrl } from './logs/central-loki';
import { LOKI_DEFAULTS } from './logs/loki-defaults';
import { ARGOCD_FOLDER, dashboardNameOf, type ClusterConfig, type Inventory } from './inventory/schema';
import { profileOf } from './platforms/profiles';
import { durationMs } from './inventory/duration';
import { ArgoCdApplications } from './argocd/applications';
import { HelmRelease } from './helm/helm-release';
import type { ClusterFacts } from './render/checks';
import { sidecarEndpoint, type AgentThanosOptions } from './agent/thanos';
import { compareStrings } from './compare';
// Types only: the central Thanos and Karma load cdk8s-plus, which a fleet without them should not pay for at start.
import type { CentralThanos } from './thanos/central-thanos';
import type { Karma, KarmaAlertmanager } from './central/karma';
import { CENTRAL_RELEASE_NAME } from './central/central-grafana';
import { ALLOY_EVENTS_RELEASE_NAME, ALLOY_RELEASE_NAME } from './logs/log-agent';
import { CentralNetworkPolicies, controllerOfClass, type NetworkFlow } from './security/network-policies';
import type { AirgapOptions, ChartArchiveReader } from './airgap/airgap';
import { resolvePodSecurity } from './pod-security';
import { DEFAULT_KUBERNETES_VERSION } from './versions';
import { AGENT_DEFAULTS } from './agent/agent-defaults';
import { GRAFANA_DEFAULTS } from './central/grafana-defaults';

export interface FleetProps {
  /** The validated inventory. */
  readonly inventory: Inventory;
  /**
   * Contents of the dashboard JSON files the inventory lists under `central.dashboards.files`, by the path
   * written there. `main.ts` reads them; the library never touches the file system.
   * @default - none
   */
  readonly dashboardFiles?: Readonly<Record<string, unknown>>;
  /**
   * The chart archives of `--charts DIR` (`<chart>-<version>.tgz`), for the charts whose `airgap.charts.source` is
   * `embedded`; `main.ts` reads them. @default - none: an embedded chart is an error
   */
  readonly chartArchive?: ChartArchiveReader;
  /**
   * The vendored grafana.com dashboards (`central.dashboards.vendored`), their JSON by file name
   * (`grafana-com-<id>-r<revision>.json`); `main.ts` reads them from `dashboards/vendor/`. @default - none
   */
  readonly vendoredDashboards?: Readonly<Record<string, string>>;
}

/**
 * The whole fleet: one Chart per cluster, a child of the Fleet (its id is the cluster name and its folder
 * `dist/<name>/`), a `ClusterAgent` in every monitored cluster and a `CentralGrafana` in the central cluster, whose
 * chart also holds the central's agent when the central is monitored too; with `argocd:`, an `argocd` chart too. The
 * Fleet may sit under any construct of a cdk8s `App`: `renderApp` finds its charts there, and every object sets its
 * name, so the construct path changes no name.
 */
export class Fleet extends Construct {
  public readonly agents: ClusterAgent[] = [];
  public readonly central: CentralGrafana;
  /** The central Loki, when the inventory has one. */
  public readonly loki?: CentralLoki;
  /** The central Thanos, with `central.metrics: thanos`. */
  public readonly thanos?: CentralThanos;
  /** The central cluster's platform, when known (its agent's, or `central.platform`). */
  public readonly centralPlatform?: string;
  /** Karma over every Alertmanager, with `central.karma`. */
  public readonly karma?: Karma;
  /** The ArgoCD Applications, when the inventory asks for them. */
  public readonly argocd?: ArgoCdApplications;
  /** The NetworkPolicies of the central components, unless the central cluster switches them off. */
  public readonly centralNetworkPolicies?: CentralNetworkPolicies;
  private readonly charts = new Map<string, Chart>();
  private readonly centralAirgap: AirgapOptions;

  constructor(scope: Construct, id: string, props: FleetProps) {
    super(scope, id);
    const inv = props.inventory;
    const clusters = resolveClusters(inv);
    const c = inv.central;
    const namespace = c.namespace ?? AGENT_DEFAULTS.namespace;

    // Where each cluster's Alloy pushes: in-cluster for the central cluster, the exposed endpoint for the others.
    const lokiPushUrl = (cluster: string) =>
      !c.loki
        ? undefined
        : cluster === c.cluster
          ? `${lokiGatewayUrl(namespace)}/loki/api/v1/push`
          : c.loki.ingress
            ? `https://${c.loki.ingress.host}/loki/api/v1/push`
            : undefined;
    const shipsLogs: string[] = [];
    const ct = (c.metrics ?? 'direct') === 'thanos' ? c.thanos : undefined;
    const karmaName = c.karma ? (require('./central/karma') as typeof import('./central/karma')).KARMA_NAME : undefined;
    // In a Thanos fleet: the sidecar gets the bucket's Secret, a pushing cluster the Receive's exposed endpoint.
    const thanosOf = (t: ClusterThanosSettings | undefined): AgentThanosOptions | undefined => {
      if (!ct) return undefined;
      if (t?.mode === 'remote-write') {
        const host = ct.receive?.ingress?.host;
        return { ...t, ...(host ? { receiveUrl: `https://${host}/api/v1/receive` } : {}) };
      }
      return { ...t, objectStorageSecret: ct.objectStorageSecret };
    };

    for (const cluster of clusters) {
      const { name, logs, thanos, ...settings } = cluster;
      const logsOn = logs?.enabled ?? c.loki !== undefined;
      const pushUrl = lokiPushUrl(name);
      if (logsOn) shipsLogs.push(name);
      const agentThanos = thanosOf(thanos);
      const agentProps: ClusterAgentProps = {
        clusterName: name,
        ...settings,
        ...(agentThanos ? { thanos: agentThanos } : {}),
        ...(logsOn ? { logs: { ...logs, ...(pushUrl ? { endpoint: { pushUrl } } : {}) } } : {}),
        // The central components that use the central cluster's agent in the cluster, for its NetworkPolicies.
        ...(name === c.cluster
          ? {
              centralClients: {
                namespace,
                grafanaRelease: CENTRAL_RELEASE_NAME,
                thanosQuery: ct !== undefined,
                ...(karmaName ? { karma: karmaName } : {}),
              },
            }
          : {}),
        ...(props.chartArchive ? { chartArchive: props.chartArchive } : {}),
      };
      this.agents.push(new ClusterAgent(this.chartFor(name), 'Agent', markPrevalidated(agentProps)));
    }

    const centralAgent = this.agents.find((a) => a.clusterName === c.cluster);
    const centralPlatform = c.platform ?? centralAgent?.profile.name;
    this.centralPlatform = centralPlatform;
    // The central cluster's mirrors: its own entry's, else the fleet's defaults (a central that is not monitored).
    const centralAirgap: AirgapOptions = centralAgent?.airgap ?? inv.defaults?.airgap ?? {};
    this.centralAirgap = centralAirgap;
    const airgapOf = (cluster: string): AirgapOptions =>
      this.agents.find((a) => a.clusterName === cluster)?.airgap ?? centralAirgap;
    if (c.loki) {
      const { savedQueries: _s, alerts: _a, ...lokiOptions } = c.loki;
      this.loki = new CentralLoki(
        this.chartFor(c.cluster),
        'Loki',
        markPrevalidated({
          ...lokiOptions,
          namespace,
          nodePools: centralAgent?.nodePools,
          platform: centralPlatform,
          cluster: c.cluster,
          airgap: centralAirgap,
          chartArchive: props.chartArchive,
        }),
      );
    }
    let globalViewUrl: string | undefined;
    if (ct) {
      const { CentralThanos, queryFrontendUrl } =
        require('./thanos/central-thanos') as typeof import('./thanos/central-thanos');
      globalViewUrl = queryFrontendUrl(namespace);
      const { objectStorageSecret, grpcClientTlsSecret, clusterDatasources: _d, ...components } = ct;
      this.thanos = new CentralThanos(
        this.chartFor(c.cluster),
        'Thanos',
        markPrevalidated({
          ...components,
          objectStorageSecret,
          grpcClientTlsSecret,
          namespace,
          cluster: c.cluster,
          // Every sidecar but the central cluster's own, which Query reaches in the cluster.
          sidecars: clusters
            .filter((k) => k.name !== c.cluster && (k.thanos?.mode ?? 'sidecar') === 'sidecar' && k.thanos?.exposure)
            .map((k) => ({ cluster: k.name, ...sidecarEndpoint(k.thanos!.exposure!) })),
          ...(centralAgent?.thanosMode === 'sidecar'
            ? { localSidecarService: `${AGENT_RELEASE_NAME}-thanos-discovery.${centralAgent.namespace}` }
            : {}),
          withReceive: clusters.some((k) => k.thanos?.mode === 'remote-write'),
          nodePools: centralAgent?.nodePools,
          ingressController: profileOf(centralPlatform).ingressController,
          // The central cluster's own Prometheus scrapes them.
          selfMonitoring: centralAgent !== undefined,
          images: centralAirgap.images,
        }),
      );
    }
    // In a Thanos fleet the per-cluster datasources are optional (central.thanos.clusterDatasources).
    const datasources =
      !ct || ct.clusterDatasources ? this.agents.flatMap((agent) => datasourceFor(agent, c.cluster) ?? []) : [];
    this.central = new CentralGrafana(
      this.chartFor(c.cluster),
      'Central',
      markPrevalidated({
        clusterName: c.cluster,
        namespace,
        createNamespace: centralAgent?.namespace !== namespace,
        ...(datasources.length > 0 ? { datasources } : {}),
        // Those of the central cluster's monitoring namespace; for a central cluster that is not monitored, the fleet's
        // defaults.
        namespaceLabels:
          centralAgent?.podSecurity.labels ??
          resolvePodSecurity(inv.defaults?.podSecurity, namespace, DEFAULT_KUBERNETES_VERSION).labels,
        kubePrometheusStackVersion: c.kubePrometheusStackVersion,
        kubePrometheusStackRepo: c.kubePrometheusStackRepo,
        adminSecret: c.adminSecret,
        persistence: c.persistence,
        ingress: c.ingress,
        grafanaComDashboards: c.dashboards?.grafanaCom,
        ...(c.dashboards?.vendored ? { vendoredDashboards: props.vendoredDashboards ?? {} } : {}),
        scheduling: {
          nodePool: c.nodePool,
          nodeSelector: c.nodeSelector,
          tolerations: c.tolerations,
          affinity: c.affinity,
        },
        resources: c.resources,
        sidecarResources: c.sidecarResources,
        nodePools: centralAgent?.nodePools,
        platform: centralPlatform,
        // The central cluster's own agent scrapes Grafana.
        selfMonitoring: centralAgent !== undefined,
        airgap: centralAirgap,
        chartArchive: props.chartArchive,
        alerting: c.alerting,
        ...(ct
          ? {
              globalView: {
                url: globalViewUrl!,
                clusters: this.agents.map((a) => ({
                  clusterName: a.clusterName,
                  filesystem: a.filesystemAlert,
                  // A cluster without an Alertmanager that evaluates rules: its alerts reach a person only through
                  // the central Grafana. An agent evaluates none.
                  forwardAlerts: !a.alertmanagerEnabled && !a.agentMode,
                  agentMode: a.agentMode,
                })),
                scrapeInterval: shortestDuration(this.agents.map((a) => a.scrapeInterval)),
              },
            }
          : {}),
        ...(c.loki
          ? {
              loki: {
                url: lokiGatewayUrl(namespace),
                credentialsSecret: c.loki.grafanaCredentialsSecret ?? LOKI_DEFAULTS.grafanaCredentialsSecret,
                savedQueries: c.loki.savedQueries,
                alerts: c.loki.alerts,
              },
            }
          : {}),
      }),
    );
    if (c.karma) {
      const { Karma } = require('./central/karma') as typeof import('./central/karma');
      const { ingress, grafana, ...rest } = c.karma;
      const alertmanagers: KarmaAlertmanager[] = [];
      for (const agent of this.agents) {
        if (!agent.alertmanagerEnabled) continue;
        const am = clusters.find((k) => k.name === agent.clusterName)!.alertmanager!;
        if (agent.clusterName === c.cluster) {
          // The central cluster's own Alertmanager, in the cluster (kube-prometheus-stack's Service).
          alertmanagers.push({
            name: agent.clusterName,
            uri: `http://${AGENT_RELEASE_NAME}-alertmanager.${agent.namespace}.svc:9093`,
          });
        } else if (am.exposure) {
          alertmanagers.push({
            name: agent.clusterName,
            uri: `https://${am.exposure.host}`,
            credentialsSecret: am.exposure.karmaCredentialsSecret ?? `alertmanager-${agent.clusterName}-basic-auth`,
          });
        }
      }
      if (grafana) {
        alertmanagers.push({
          name: KARMA_GRAFANA_ALERTMANAGER,
          // Grafana's built-in Alertmanager (its own alert rules, e.g. ClusterUnreachable).
          uri: `http://${CENTRAL_RELEASE_NAME}-grafana.${namespace}.svc/api/alertmanager/grafana`,
          ...(c.ingress ? { externalUri: `https://${c.ingress.host}/alerting/silences` } : {}),
          credentialsSecret: grafana.credentialsSecret ?? GRAFANA_DEFAULTS.karmaCredentialsSecret,
        });
      }
      this.karma = new Karma(
        this.chartFor(c.cluster),
        'Karma',
        markPrevalidated({
          ...rest,
          namespace,
          cluster: c.cluster,
          alertmanagers,
          ingress: { ...ingress, controller: ingress.controller ?? profileOf(centralPlatform).ingressController },
          nodePools: centralAgent?.nodePools,
          images: centralAirgap.images,
        }),
      );
    }
    // The central components' NetworkPolicies follow the central cluster's setting (its clusters[] entry, else
    // defaults:).
    const centralEntry = clusters.find((k) => k.name === c.cluster);
    const policyOptions = centralEntry ? centralEntry.networkPolicies : inv.defaults?.networkPolicies;
    if (policyOptions?.enabled ?? true) {
      const profile = profileOf(centralPlatform);
      const prometheusName = `${AGENT_RELEASE_NAME}-prometheus`;
      this.centralNetworkPolicies = new CentralNetworkPolicies(
        this.chartFor(c.cluster),
        'NetworkPolicies',
        markPrevalidated({
          namespace,
          profile,
          options: policyOptions,
          grafana: {
            release: CENTRAL_RELEASE_NAME,
            ...(c.ingress ? { ingress: controllerOfClass(c.ingress.ingressClassName, profile) } : {}),
          },
          ...(centralAgent
            ? {
                prometheus: {
                  namespace: centralAgent.namespace,
                  name: prometheusName,
                  kind: centralAgent.agentMode ? ('PrometheusAgent' as const) : ('Prometheus' as const),
                },
              }
            : {}),
          ...(c.loki
            ? {
                loki: {
                  release: LOKI_RELEASE_NAME,
                  mode: c.loki.mode ?? LOKI_DEFAULTS.mode,
                  ...(c.loki.ingress ? { ingress: controllerOfClass(c.loki.ingress.ingressClassName, profile) } : {}),
                  alloyReleases: centralAgent?.logAgent
                    ? [ALLOY_RELEASE_NAME, ...(centralAgent.logAgent.eventsRelease ? [ALLOY_EVENTS_RELEASE_NAME] : [])]
                    : [],
                },
              }
            : {}),
          ...(ct
            ? {
                thanos: {
                  receive: clusters.some((k) => k.thanos?.mode === 'remote-write'),
                  ...(ct.receive?.ingress
                    ? {
                        receiveIngress: controllerOfClass(
                          ct.receive.ingress.ingressClassName,
                          profile,
                          ct.receive.ingress.controller,
                        ),
                      }
                    : {}),
                },
              }
            : {}),
          ...(c.karma && karmaName
            ? {
                karma: {
                  name: karmaName,
                  ingress: controllerOfClass(c.karma.ingress.ingressClassName, profile, c.karma.ingress.controller),
                  readsGrafana: c.karma.grafana !== undefined,
                },
              }
            : {}),
        }),
      );
    }
    for (const file of c.dashboards?.files ?? []) {
      const json = props.dashboardFiles?.[file];
      if (json === undefined || json === null || typeof json !== 'object' || Array.isArray(json)) {
        throw new Error(`central.dashboards.files: ${JSON.stringify(file)} was not loaded as a JSON object`);
      }
      this.central.addDashboard(dashboardNameOf(file), json as Record<string, unknown>);
    }
    this.central.addFleetOverview();
    for (const name of shipsLogs) this.central.addLogsDashboard(name);

    if (inv.argocd) {
      const { destinations, ...argocd } = inv.argocd;
      this.argocd = new ArgoCdApplications(
        this.chartFor(ARGOCD_FOLDER),
        'ArgoCD',
        markPrevalidated({
          ...argocd,
          clusters: [...this.charts.keys()]
            .filter((name) => name !== ARGOCD_FOLDER)
            .map((name) => ({
              name,
              ...(destinations?.[name] ? { destination: destinations[name] } : {}),
              helmCharts: { ...helmChartsOf(this.charts.get(name)!, name), images: airgapOf(name).images },
            })),
          folder: ARGOCD_FOLDER,
        }),
      );
    }
  }

  /** The node pools of every monitored cluster, for the render checks. */
  public renderFacts(): Record<string, ClusterFacts> {
    const registry = (r: string | undefined) => (r ? { imageRegistry: r } : {});
    const facts: Record<string, ClusterFacts> = {
      // A central cluster that is not monitored: only its image mirror.
      [this.central.clusterName]: registry(this.centralAirgap.images?.registry),
      ...Object.fromEntries(
        this.agents.map((a) => [
          a.clusterName,
          {
            nodePools: Object.entries(a.nodePools).map(([name, p]) => ({
              name,
              labels: p.labels,
              taints: p.taints ?? [],
            })),
            networkFlows: a.networkPolicies?.flows ?? [],
            ...registry(a.airgap.images?.registry),
          },
        ]),
      ),
    };
    const central = this.central.clusterName;
    const flows: NetworkFlow[] = this.centralNetworkPolicies?.flows ?? [];
    if (flows.length > 0) {
      facts[central] = { ...facts[central], networkFlows: [...(facts[central]?.networkFlows ?? []), ...flows] };
    }
    return facts;
  }

  /** The Kubernetes version of every monitored cluster. */
  public kubernetesVersions(): Record<string, string> {
    return Object.fromEntries(this.agents.map((a) => [a.clusterName, a.kubernetesVersion]));
  }

  /** The clusters whose firing alerts the central Grafana delivers. */
  public forwardedClusters(): Set<string> {
    return this.central.forwardedClusters;
  }

  /**
   * Clusters whose firing alerts reach nobody: no Alertmanager, and the central Grafana does not deliver them (no
   * central alerting, or the centre cannot query the cluster). A Prometheus agent has no alerts of its own: it is
   * covered when the central Grafana alerts on the global view.
   */
  public get unroutedClusters(): string[] {
    const forwarded = this.forwardedClusters();
    // A Prometheus agent evaluates no rules: the central Grafana's fleet-wide rules are its alerts.
    const fleetRules = this.central.alertsOnGlobalView;
    return this.agents
      .filter((a) => !a.alertmanagerEnabled && !forwarded.has(a.clusterName) && !(a.agentMode && fleetRules))
      .map((a) => a.clusterName);
  }

  /** The cluster charts, in inventory order (the central's first if it is not monitored). */
  public get clusterCharts(): Chart[] {
    return [...this.charts.entries()].filter(([name]) => name !== ARGOCD_FOLDER || !this.argocd).map(([, c]) => c);
  }

  private chartFor(cluster: string): Chart {
    let chart = this.charts.get(cluster);
    if (!chart) {
      chart = new Chart(this, cluster, { disableResourceNameHashes: true });
      this.charts.set(cluster, chart);
    }
    return chart;
  }
}

/**
 * How the central Grafana reaches a cluster's Prometheus: the in-cluster Service for the central cluster itself,
 * the Ingress (HTTPS, basic auth) when exposed, otherwise not at all.
 */
export function datasourceFor(agent: ClusterAgent, centralCluster: string): ClusterDatasourceOptions | undefined {
  const common = {
    clusterName: agent.clusterName,
    scrapeInterval: agent.scrapeInterval,
    filesystem: agent.filesystemAlert,
    kubeStateMetrics: agent.kubeStateMetrics,
    // Without its own Alertmanager, a cluster's alerts reach a person only through the central Grafana.
    forwardAlerts: !agent.alertmanagerEnabled,
  };
  if (agent.clusterName === centralCluster) return { ...common, url: agent.prometheusServiceUrl };
  const exposure = agent.exposure;
  if (exposure.type !== 'ingress') return undefined;
  return {
    ...common,
    url: `https://${exposure.host}`,
    basicAuth: { secretName: exposure.grafanaCredentialsSecret ?? `prometheus-${agent.clusterName}-basic-auth` },
  };
}

type ClusterThanosSettings = NonNullable<ClusterConfig['thanos']>;

/** The shortest of Prometheus durations (`30s`, `1m30s`), as written; undefined for none. */
export function shortestDuration(durations: readonly string[]): string | undefined {
  return [...durations].sort((a, b) => durationMs(a) - durationMs(b) || compareStrings(a, b))[0];
}

/** The HelmCharts of a cluster folder: their one namespace (the helm-controller's) and their names. */
function helmChartsOf(chart: Chart, cluster: string): { namespace: string; names: string[] } {
  const releases = chart.node.findAll().filter((c): c is HelmRelease => c instanceof HelmRelease);
  const namespaces = [...new Set(releases.map((r) => r.resource.metadata.namespace ?? 'default'))];
  if (namespaces.length !== 1) {
    throw new Error(
      `cluster ${cluster}: its HelmCharts should share one namespace, found ${JSON.stringify(namespaces)}`,
    );
  }
  return { namespace: namespaces[0], names: releases.map((r) => r.releaseName) };
}
