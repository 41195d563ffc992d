import { Construct } from 'constructs';
import * as z from 'zod';
import { toYaml } from '../output/yaml';
import { HelmRelease } from '../helm/helm-release';
import { invalid, validate, ValidationError } from '../inventory/errors';
import {
  airgapSettings,
  central as centralSchema,
  centralAlerting,
  centralLokiShape,
  centralThanos,
  clusterConfigShape,
  defaultIs,
  FLEET_OVERVIEW_DASHBOARD,
  grafanaComDashboard,
  nodePool,
  LOGS_DASHBOARD_PREFIX,
  objectName,
  prometheusSettings,
  rulesSettings,
  url,
  warningBelowCritical,
} from '../inventory/schema';
import { chartArchiveProp, isPrevalidated, markPrevalidated } from '../inventory/props';
import { KubeConfigMap, monitoringNamespace } from '../k8s';
import { defaultResources } from '../resource-defaults';
import { applyStage, Stage } from '../output/stages';
import { chartWith, KUBE_PROMETHEUS_STACK, THANOS_VERSION } from '../versions';
import {
  kubePrometheusStackImageValues,
  mergeValues,
  type AirgapOptions,
  type ChartArchiveReader,
} from '../airgap/airgap';
import type { Resources, StorageOptions } from '../agent/props';
import { Dashboard } from '../dashboards/builder';
import { fleetOverviewDashboard, globalFleetOverviewDashboard, THANOS_DATASOURCE } from '../dashboards/fleet-overview';
import { logsDashboard, type SavedLogQuery } from '../dashboards/logs';
import { substituteDashboardInputs, vendoredDashboardFile, VENDORED_DASHBOARDS_FOLDER } from '../dashboards/vendored';
import { Lazy } from 'cdk8s';
import { buildMonitor } from '../agent/monitors';
import { helmChartPlacement } from '../platforms/helm-controller';
import { profileOf, type Platform } from '../platforms/profiles';
import { podScheduling, type NodePoolOptions, type PodScheduling, type SchedulingOptions } from '../scheduling';
import { grafanaIniProblem, grafanaProvisioningLiteral, helmTplLiteral, helmTplLiterals } from '../output/escape';
import {
  alertRules,
  contactPoints,
  filesystemGroups,
  fleetAlertRules,
  notificationPolicies,
  SLACK_URL_ENV,
  TEAMS_URL_ENV,
  grafanaUid,
  type CentralAlertingOptions,
  type FleetCluster,
  type LogAlert,
} from './alerting';
import { compareStrings } from '../compare';
import {
  DEFAULT_FILESYSTEM_CRITICAL_PERCENT,
  DEFAULT_FILESYSTEM_WARNING_PERCENT,
  type FilesystemAlert,
  filesystemAlert,
} from '../rules/packs';
import { AGENT_DEFAULTS } from '../agent/agent-defaults';
import { GRAFANA_DEFAULTS } from './grafana-defaults';
import { PROMETHEUS_DEFAULTS } from '../agent/prometheus-defaults';

/** Basic-auth credentials for a datasource, read from an existing Secret in Grafana's namespace. */
export interface BasicAuthSecretRef {
  /** Name of the Secret. */
  readonly secretName: string;
  /** @default 'username' */
  readonly usernameKey?: string;
  /** @default 'password' */
  readonly passwordKey?: string;
}

/** One cluster's Prometheus as a Grafana datasource. */
export interface ClusterDatasourceOptions {
  /** The cluster's name. Gives the datasource's name (`Prometheus <cluster>`) and uid. */
  readonly clusterName: string;
  /** URL Grafana queries, e.g. `https://prometheus.edge-1.example.com`. */
  readonly url: string;
  /** Basic-auth credentials. @default - none (an in-cluster Prometheus) */
  readonly basicAuth?: BasicAuthSecretRef;
  /** Prometheus scrape interval, Grafana's minimum step. @default '30s' */
  readonly scrapeInterval?: string;
  /**
   * The cluster's filesystem alert (its pack's selector, thresholds and `for`), for the central alert rule.
   * @default - the filesystem pack's defaults (`filesystemAlert()`)
   */
  readonly filesystem?: FilesystemAlert;
  /** Whether the cluster runs kube-state-metrics (the central crash-loop rule needs it). @default true */
  readonly kubeStateMetrics?: boolean;
  /**
   * Deliver the cluster's own firing alerts (`ALERTS`) through Grafana alerting: for a cluster without an
   * Alertmanager, whose alerts would otherwise reach nobody. Needs `alerting`. @default false
   */
  readonly forwardAlerts?: boolean;
}

/** The global view over the fleet: the central Thanos Query Frontend. */
export interface GlobalViewOptions {
  /** The Query Frontend's in-cluster URL. */
  readonly url: string;
  /** Every cluster of the fleet: the central alert rules expect samples from each. */
  readonly clusters: readonly FleetCluster[];
  /** The shortest scrape interval of the fleet (Grafana's minimum step). @default '30s' */
  readonly scrapeInterval?: string;
}

/** A dashboard downloaded from grafana.com by the Grafana pod at start-up (needs egress to grafana.com). */
export interface GrafanaComDashboardOptions {
  /** File name in the provisioning folder. */
  readonly name: string;
  /** grafana.com dashboard id, e.g. 1860 (Node Exporter Full). */
  readonly id: number;
  /** Pinned revision. */
  readonly revision: number;
}

export interface CentralGrafanaProps {
  /** Name of the central cluster. */
  readonly clusterName: string;
  /** Namespace of Grafana. @default 'monitoring' */
  readonly namespace?: string;
  /** Whether this construct creates the Namespace (false when a ClusterAgent in the same cluster does). @default true */
  readonly createNamespace?: boolean;
  /** Labels of that namespace: its Pod Security labels (lib/pod-security.ts). @default - none */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /** @default - `KUBE_PROMETHEUS_STACK.version` */
  readonly kubePrometheusStackVersion?: string;
  /** @default - `KUBE_PROMETHEUS_STACK.repo` */
  readonly kubePrometheusStackRepo?: string;
  /** Existing Secret with keys `admin-user` and `admin-password`. No password is ever generated or written. @default { name: 'grafana-admin' } */
  readonly adminSecret?: { readonly name: string };
  /** Grafana's PVC, or `false` for none. @default { size: '10Gi' } on the default StorageClass */
  readonly persistence?: StorageOptions | false;
  /** Ingress with TLS. @default - not exposed */
  readonly ingress?: {
    readonly host: string;
    /** @default - none: the cluster's default IngressClass */
    readonly ingressClassName?: string;
    readonly tlsSecretName: string;
  };
  /**
   * The global view (`central.metrics: thanos`): the central Thanos as the default datasource "Thanos" (uid
   * `cmm-thanos`), which the fleet overview and the central alert rules query by `cluster` label; cluster
   * datasources become optional.
   * @default - none: one datasource per cluster, which the fleet overview repeats its panels for
   */
  readonly globalView?: GlobalViewOptions;
  /** Prometheus datasources, one per cluster. More with `addClusterDatasource()`. @default - none */
  readonly datasources?: readonly ClusterDatasourceOptions[];
  /** grafana.com dashboards. More with `addGrafanaComDashboard()`. @default - none */
  readonly grafanaComDashboards?: readonly GrafanaComDashboardOptions[];
  /**
   * The grafana.com dashboards kept in the repository (`npm run vendor-dashboards`): their JSON as fetched, by file
   * (`grafana-com-<id>-r<revision>.json`). Given, every grafana.com dashboard is provisioned from it (a ConfigMap in
   * the "grafana.com" folder, its `${DS_PROMETHEUS}` input replaced as the chart's download does) and Grafana
   * downloads nothing; one missing is an error.
   * @default - none: the Grafana pod downloads them from grafana.com when it starts (needs egress)
   */
  readonly vendoredDashboards?: Readonly<Record<string, string>>;
  /**
   * Unified alerting from the centre: contact points (Slack, Microsoft Teams, e-mail), a notification policy tree,
   * and alert rules over every cluster datasource. @default - no alerting provisioned
   */
  readonly alerting?: CentralAlertingOptions;
  /** The central Loki as a datasource, with saved queries and log alerts. @default - no logs */
  readonly loki?: GrafanaLokiOptions;
  /** Where the Grafana pod runs. @default - any node */
  readonly scheduling?: SchedulingOptions;
  /**
   * Requests and limits of the Grafana container; replace the default as a whole. Its memory grows with the users,
   * dashboards and alert rules it serves.
   * @default { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } }
   */
  readonly resources?: Resources;
  /**
   * Requests and limits of Grafana's helpers: the dashboard and datasource sidecars (k8s-sidecar, whose memory follows
   * the ConfigMaps it watches) and the grafana.com dashboard download.
   * @default { requests: { cpu: '50m', memory: '50Mi' }, limits: { memory: '100Mi' } }
   */
  readonly sidecarResources?: Resources;
  /** The central cluster's platform (where the HelmChart goes; the helm-controller). @default 'k3s' */
  readonly platform?: Platform;
  /** The central cluster's node pools (for `scheduling.nodePool`). @default - none */
  readonly nodePools?: Readonly<Record<string, NodePoolOptions>>;
  /**
   * Let the central cluster's own Prometheus scrape Grafana (a ServiceMonitor beside the custom resources): when a
   * ClusterAgent runs in the central cluster, whose operator reads it. @default false
   */
  readonly selfMonitoring?: boolean;
  /**
   * The central cluster's air-gap settings: the chart from a mirror (or embedded, or the static folder), Grafana's
   * and its sidecars' images from a mirror registry. @default - upstream
   */
  readonly airgap?: AirgapOptions;
  /** The archives of `--charts DIR`, for `embedded`. @default - none */
  readonly chartArchive?: ChartArchiveReader;
}

/** The central Loki, as Grafana sees it. */
export interface GrafanaLokiOptions {
  /** URL Grafana queries (the gateway). */
  readonly url: string;
  /** Existing Secret in Grafana's namespace with keys `username` and `password` for the gateway. */
  readonly credentialsSecret: string;
  /** Queries shown on every cluster's logs dashboard. @default - none */
  readonly savedQueries?: Readonly<Record<string, SavedLogQuery>>;
  /** Log alert rules (need `alerting`). @default - none */
  readonly alerts?: Readonly<Record<string, LogAlert>>;
}

/** The schema of {@link GrafanaLokiOptions}: the inventory's `central.loki` pieces Grafana uses. */
export const GRAFANA_LOKI = z.strictObject({
  url: url('the credentials come from loki.credentialsSecret'),
  credentialsSecret: centralLokiShape.shape.grafanaCredentialsSecret.unwrap(),
  savedQueries: centralLokiShape.shape.savedQueries,
  alerts: centralLokiShape.shape.alerts,
});

const PACK_FILESYSTEM = rulesSettings.shape.packs.unwrap().shape.filesystem.unwrap().shape;
/** A cluster's filesystem alert ({@link FilesystemAlert}): the filesystem pack's settings, each given. */
const FILESYSTEM_ALERT = z
  .strictObject({
    selector: PACK_FILESYSTEM.selector.unwrap(),
    warningPercent: PACK_FILESYSTEM.warningPercent.unwrap(),
    criticalPercent: PACK_FILESYSTEM.criticalPercent.unwrap(),
    for: PACK_FILESYSTEM.for.unwrap(),
  })
  .superRefine(warningBelowCritical(DEFAULT_FILESYSTEM_WARNING_PERCENT, DEFAULT_FILESYSTEM_CRITICAL_PERCENT));
const FILESYSTEM_ALERT_DESCRIPTION =
  "The cluster's filesystem alert (its pack's selector, thresholds and for), for the central alert rule. Default: the filesystem pack's defaults.";
const AGENT_MODE_DESCRIPTION =
  'A Prometheus in agent mode: it evaluates no rule, the fleet-wide rules watch its scrapes. Default: false.';
const SCRAPE_INTERVAL = prometheusSettings.shape.scrapeInterval;
const SECRET_KEY = centralThanos.shape.objectStorageSecret.shape.key.unwrap();

/** The schema of {@link ClusterDatasourceOptions}. */
export const CLUSTER_DATASOURCE = z.strictObject({
  clusterName: objectName,
  url: url('give them as basicAuth.secretName'),
  basicAuth: z
    .strictObject({
      secretName: objectName,
      usernameKey: SECRET_KEY.optional().describe(
        `Key of the user name. ${defaultIs(GRAFANA_DEFAULTS.datasourceBasicAuth.usernameKey)}`,
      ),
      passwordKey: SECRET_KEY.optional().describe(
        `Key of the password. ${defaultIs(GRAFANA_DEFAULTS.datasourceBasicAuth.passwordKey)}`,
      ),
    })
    .optional(),
  scrapeInterval: SCRAPE_INTERVAL,
  filesystem: FILESYSTEM_ALERT.optional().describe(FILESYSTEM_ALERT_DESCRIPTION),
  kubeStateMetrics: z
    .boolean()
    .optional()
    .describe('Whether the cluster runs kube-state-metrics (the central crash-loop rule needs it). Default: true.'),
  forwardAlerts: z
    .boolean()
    .optional()
    .describe("Deliver the cluster's own firing alerts through Grafana alerting. Default: false."),
});

/**
 * The props' schema: the inventory's `central` fields (`cluster` as `clusterName`, the scheduling fields under
 * `scheduling`), its `central.alerting` and `central.loki` pieces, and what the fleet hands on.
 */
export const CENTRAL_GRAFANA_PROPS = z.strictObject({
  clusterName: centralSchema.shape.cluster,
  namespace: centralSchema.shape.namespace,
  createNamespace: z
    .boolean()
    .optional()
    .describe(
      'Whether this construct creates the Namespace (false when a ClusterAgent in the same cluster does). Default: true.',
    ),
  namespaceLabels: nodePool.shape.labels.optional(),
  kubePrometheusStackVersion: centralSchema.shape.kubePrometheusStackVersion,
  kubePrometheusStackRepo: centralSchema.shape.kubePrometheusStackRepo,
  adminSecret: centralSchema.shape.adminSecret,
  persistence: centralSchema.shape.persistence,
  ingress: centralSchema.shape.ingress,
  globalView: z
    .strictObject({
      url: url('the global view is the in-cluster Query Frontend'),
      clusters: z.array(
        z.strictObject({
          clusterName: objectName,
          filesystem: FILESYSTEM_ALERT.optional().describe(FILESYSTEM_ALERT_DESCRIPTION),
          forwardAlerts: z.boolean(),
          agentMode: z.boolean().optional().describe(AGENT_MODE_DESCRIPTION),
        }),
      ),
      scrapeInterval: SCRAPE_INTERVAL,
    })
    .optional(),
  datasources: z.array(CLUSTER_DATASOURCE).optional(),
  grafanaComDashboards: z.array(grafanaComDashboard).optional(),
  vendoredDashboards: z.record(z.string(), z.string()).optional(),
  alerting: centralAlerting.optional(),
  loki: GRAFANA_LOKI.optional(),
  scheduling: centralSchema.pick({ nodePool: true, nodeSelector: true, tolerations: true, affinity: true }).optional(),
  resources: centralSchema.shape.resources,
  sidecarResources: centralSchema.shape.sidecarResources,
  platform: clusterConfigShape.shape.platform,
  nodePools: clusterConfigShape.shape.nodePools,
  selfMonitoring: z
    .boolean()
    .optional()
    .describe("Let the central cluster's own Prometheus scrape Grafana (a ServiceMonitor). Default: false."),
  airgap: airgapSettings.optional(),
  chartArchive: chartArchiveProp,
});

/** uid and name of the Loki datasource. */
export const LOKI_DATASOURCE = { uid: 'cmm-loki', name: 'Loki' } as const;

/** Name of the central Helm release (its Grafana objects are `cmm-central-grafana`, ...). */
export const CENTRAL_RELEASE_NAME = 'cmm-central';
/** Folder (and ConfigMap annotation) of the dashboards CMM provisions beside the chart's. */
export const DASHBOARD_FOLDER = 'CMM';
const GRAFANA_COM_PROVIDER = 'grafana-com';
/** Grafana's folder of the grafana.com dashboards, downloaded or vendored. */
const GRAFANA_COM_FOLDER = 'grafana.com';
const DASHBOARD_SIZE_LIMIT = 900 * 1024; // a ConfigMap holds at most 1 MiB

/**
 * The central Grafana: kube-prometheus-stack with everything but Grafana switched off (the chart's standard
 * Kubernetes dashboards, with their `cluster` selector shown, come only with it), one Prometheus datasource per
 * cluster, and dashboards from JSON files, grafana.com and TypeScript.
 */
export class CentralGrafana extends Construct {
  public readonly clusterName: string;
  public readonly namespace: string;
  public readonly release: HelmRelease;
  /** `CentralGrafana "<cluster>"`: what its errors start with. */
  private readonly subject: string;
  private readonly datasources = new Map<string, ClusterDatasourceOptions>();
  private readonly grafanaCom = new Map<string, GrafanaComDashboardOptions>();
  private readonly dashboardNames = new Set<string>();
  private readonly alerting?: CentralAlertingOptions;
  private readonly loki?: GrafanaLokiOptions;
  private readonly globalView?: GlobalViewOptions;
  private readonly vendoredDashboards?: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: CentralGrafanaProps) {
    super(scope, id);
    this.subject = `CentralGrafana "${props.clusterName}"`;
    // Props a validated inventory built (Fleet) are not validated again.
    if (!isPrevalidated(props)) validate(CENTRAL_GRAFANA_PROPS, props, this.subject, { prefix: 'props.' });
    this.clusterName = props.clusterName;
    this.namespace = props.namespace ?? AGENT_DEFAULTS.namespace;
    this.alerting = props.alerting;
    this.loki = props.loki;
    this.vendoredDashboards = props.vendoredDashboards;
    this.globalView = props.globalView;
    if (props.loki?.alerts && Object.keys(props.loki.alerts).length > 0 && !props.alerting) {
      throw new ValidationError(this.subject, [
        'props.alerting: is required; expected the alerting settings when props.loki.alerts has alerts (log alerts are delivered through Grafana alerting)',
      ]);
    }
    if (props.alerting) {
      validate(centralAlerting, props.alerting, this.subject, {
        prefix: 'props.',
        basePath: ['alerting'],
      });
    }
    if (props.airgap) {
      validate(airgapSettings, props.airgap, this.subject, {
        prefix: 'props.',
        basePath: ['airgap'],
      });
    }

    if (props.createNamespace ?? true) {
      monitoringNamespace(this, this.namespace, props.namespaceLabels);
    }

    const persistence = props.persistence ?? { size: GRAFANA_DEFAULTS.persistenceSize };
    const adminSecret = props.adminSecret?.name ?? GRAFANA_DEFAULTS.adminSecret;
    const airgap = props.airgap ?? {};
    // Here, not when the values are produced: a bad nodePool is reported by the constructor.
    const scheduling = podScheduling(props.scheduling, props.nodePools, {
      subject: this.subject,
      path: 'props.scheduling',
    });
    this.release = new HelmRelease(
      this,
      'KubePrometheusStack',
      markPrevalidated({
        chart: chartWith(KUBE_PROMETHEUS_STACK, { version: props.kubePrometheusStackVersion }),
        releaseName: CENTRAL_RELEASE_NAME,
        targetNamespace: this.namespace,
        ...helmChartPlacement(this, profileOf(props.platform), airgap.images),
        airgap: {
          charts: airgap.charts,
          archive: props.chartArchive,
          cluster: props.clusterName,
          chartRepository: props.kubePrometheusStackRepo,
          platform: profileOf(props.platform),
        },
        values: () =>
          mergeValues(
            this.values(adminSecret, persistence, props.ingress, scheduling, props),
            kubePrometheusStackImageValues(airgap.images),
          ),
      }),
    );

    if (props.alerting) {
      const alerting = props.alerting;
      // Loaded by Grafana's alerts sidecar: a ConfigMap is not run through Helm's tpl, so the rules' Go templates
      // ({{ $labels.cluster }}) need no escaping.
      const cm = new KubeConfigMap(this, 'Alerting', {
        metadata: {
          name: 'cmm-alerting',
          namespace: this.namespace,
          labels: { grafana_alert: '1', 'app.kubernetes.io/managed-by': 'cmm' },
        },
        data: Lazy.any({
          produce: () => ({
            'cmm-contactpoints.yaml': toYaml(contactPoints(alerting)),
            'cmm-policies.yaml': toYaml(notificationPolicies()),
            'cmm-rules.yaml': toYaml(
              this.globalView
                ? fleetAlertRules(
                    THANOS_DATASOURCE.uid,
                    this.globalView.clusters,
                    alerting,
                    this.loki?.alerts ? { lokiUid: LOKI_DATASOURCE.uid, alerts: this.loki.alerts } : undefined,
                  )
                : alertRules(
                    this.alertedClusters,
                    alerting,
                    this.loki?.alerts ? { lokiUid: LOKI_DATASOURCE.uid, alerts: this.loki.alerts } : undefined,
                  ),
            ),
          }),
        }),
      });
      applyStage(cm, Stage.SETUP);
    }

    if (props.selfMonitoring) {
      // The Service the grafana chart makes: <release>-grafana, port http-web (kube-prometheus-stack's name).
      const monitor = buildMonitor(this, 'ServiceMonitor', `${CENTRAL_RELEASE_NAME}-grafana`, this.namespace, {
        selector: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': CENTRAL_RELEASE_NAME },
        port: 'http-web',
        path: '/metrics',
      });
      applyStage(monitor, Stage.CUSTOM_RESOURCES);
    }

    // The props' datasources were validated with the props (or by the inventory, for the Fleet's): only a second
    // datasource of one cluster is left to refuse, at its place in the props.
    (props.datasources ?? []).forEach((ds, i) => {
      if (this.datasources.has(ds.clusterName)) {
        throw invalid(
          this.subject,
          `props.datasources[${i}].clusterName`,
          ds.clusterName,
          'a cluster without a datasource already',
        );
      }
      this.datasources.set(ds.clusterName, ds);
    });
    for (const d of props.grafanaComDashboards ?? []) this.addGrafanaComDashboard(d);

    this.node.addValidation({
      validate: () =>
        this.datasources.size === 0 && !this.globalView
          ? [
              `${this.subject} is invalid: props.datasources: has no cluster datasource; expected at least one (in props.datasources or added with addClusterDatasource()), or props.globalView`,
            ]
          : [],
    });
  }

  /** uid of a cluster's datasource: `cmm-prom-<cluster>`, shortened with a hash past Grafana's 40 characters. */
  public static datasourceUid(clusterName: string): string {
    return grafanaUid(`cmm-prom-${clusterName}`);
  }

  /** Adds a cluster's Prometheus as a datasource. Throws if the cluster has one already. */
  public addClusterDatasource(options: ClusterDatasourceOptions): void {
    const at = 'addClusterDatasource(options)';
    // The props' datasource schema: the same checks and messages as `datasources` in the props.
    validate(CLUSTER_DATASOURCE, options, this.subject, { name: at });
    if (this.datasources.has(options.clusterName)) {
      throw invalid(this.subject, `${at}.clusterName`, options.clusterName, 'a cluster without a datasource already');
    }
    this.datasources.set(options.clusterName, options);
  }

  /** Adds a grafana.com dashboard by id and pinned revision. Throws on a duplicate name. */
  public addGrafanaComDashboard(options: GrafanaComDashboardOptions): void {
    const at = 'addGrafanaComDashboard(options)';
    validate(grafanaComDashboard, options, this.subject, { name: at });
    if (this.grafanaCom.has(options.name))
      throw invalid(this.subject, `${at}.name`, options.name, 'a name no other grafana.com dashboard has');
    this.grafanaCom.set(options.name, options);
    if (this.vendoredDashboards) {
      const file = vendoredDashboardFile(options.id, options.revision);
      const text = this.vendoredDashboards[file];
      if (text === undefined) {
        throw new ValidationError(this.subject, [
          `props.vendoredDashboards[${JSON.stringify(file)}]: is required; expected the JSON of grafana.com dashboard "${options.name}" (${options.id} revision ${options.revision}), vendored in ${VENDORED_DASHBOARDS_FOLDER}/${file} by npm run vendor-dashboards`,
        ]);
      }
      // The datasource is the default one, known once every cluster datasource is added.
      this.dashboardConfigMap(options.name, { name: `${at}.name`, json: at }, GRAFANA_COM_FOLDER, () =>
        substituteDashboardInputs(text, [{ name: 'DS_PROMETHEUS', value: this.defaultDatasourceUid }]),
      );
    }
  }

  /** The uid of the default datasource: the global view's, else the first cluster's. */
  private get defaultDatasourceUid(): string {
    if (this.globalView) return THANOS_DATASOURCE.uid;
    const first = this.clusterDatasources[0];
    return first ? CentralGrafana.datasourceUid(first.clusterName) : '';
  }

  /**
   * Adds a dashboard as a ConfigMap the Grafana sidecar loads into the "CMM" folder: JSON kept in the repository
   * (parsed), or a {@link Dashboard} built in TypeScript. Throws on a duplicate name.
   */
  public addDashboard(name: string, dashboard: Dashboard | Record<string, unknown>): KubeConfigMap {
    const json = dashboard instanceof Dashboard ? dashboard.build() : dashboard;
    const text = JSON.stringify(json, null, 2);
    const source = `addDashboard(${JSON.stringify(name)}, dashboard)`;
    checkDashboardSize(this.subject, source, text);
    return this.dashboardConfigMap(name, { name: 'addDashboard(name)', json: source }, DASHBOARD_FOLDER, () => text);
  }

  /**
   * A dashboard's ConfigMap for the Grafana sidecar, in `folder`; its JSON produced at synth time. `at` is where the
   * name and the JSON were given, for errors.
   */
  private dashboardConfigMap(
    name: string,
    at: { name: string; json: string },
    folder: string,
    produce: () => string,
  ): KubeConfigMap {
    validate(objectName, name, this.subject, { name: at.name });
    if (this.dashboardNames.has(name)) throw invalid(this.subject, at.name, name, 'a name no other dashboard has');
    this.dashboardNames.add(name);
    const cm = new KubeConfigMap(this, `Dashboard-${name}`, {
      metadata: {
        name: `cmm-dashboard-${name}`,
        namespace: this.namespace,
        labels: { grafana_dashboard: '1', 'app.kubernetes.io/managed-by': 'cmm' },
        annotations: { grafana_folder: folder },
      },
      data: Lazy.any({
        produce: () => {
          const text = produce();
          checkDashboardSize(this.subject, at.json, text);
          return { [`${name}.json`]: text };
        },
      }),
    });
    applyStage(cm, Stage.SETUP);
    return cm;
  }

  /** The global view's fleet overview: each cluster's filesystems as its filesystem alert watches them. */
  private globalFleetOverview(clusters: readonly FleetCluster[]): Dashboard {
    const groups = filesystemGroups(clusters).map((g) => ({ selector: g.filesystem.selector, clusters: g.clusters }));
    return groups.length > 0 ? globalFleetOverviewDashboard(groups) : globalFleetOverviewDashboard();
  }

  /** The clusters the central alert rules watch: every datasource. */
  public get alertedClusters() {
    return this.clusterDatasources.map((d) => ({
      clusterName: d.clusterName,
      datasourceUid: CentralGrafana.datasourceUid(d.clusterName),
      filesystem: d.filesystem ?? filesystemAlert(),
      kubeStateMetrics: d.kubeStateMetrics ?? true,
      forwardAlerts: d.forwardAlerts ?? false,
    }));
  }

  /** Whether this Grafana evaluates the fleet-wide alert rules on the global view (`alerting` and `globalView`). */
  public get alertsOnGlobalView(): boolean {
    return this.alerting !== undefined && this.globalView !== undefined;
  }

  /** The clusters whose firing alerts this Grafana delivers (needs `alerting`). */
  public get forwardedClusters(): Set<string> {
    if (!this.alerting) return new Set();
    if (this.globalView) {
      return new Set(this.globalView.clusters.filter((c) => c.forwardAlerts).map((c) => c.clusterName));
    }
    return new Set(this.clusterDatasources.filter((d) => d.forwardAlerts).map((d) => d.clusterName));
  }

  /** The datasources, sorted by cluster name. */
  public get clusterDatasources(): ClusterDatasourceOptions[] {
    return [...this.datasources.values()].sort((a, b) => compareStrings(a.clusterName, b.clusterName));
  }

  /** Adds the "CMM / Logs / <cluster>" dashboard of a cluster that ships its logs to the central Loki. */
  public addLogsDashboard(clusterName: string): KubeConfigMap {
    if (!this.loki)
      throw new ValidationError(this.subject, [
        `props.loki: is required; expected the Loki settings to add the logs dashboard of "${clusterName}" (addLogsDashboard)`,
      ]);
    return this.addDashboard(
      `${LOGS_DASHBOARD_PREFIX}${clusterName}`,
      logsDashboard(clusterName, { type: 'loki', uid: LOKI_DATASOURCE.uid }, this.loki.savedQueries ?? {}),
    );
  }

  /**
   * Adds the "CMM / Fleet overview" dashboard: on the global view, one query per panel over the `cluster` variable;
   * otherwise its panels repeat for every cluster datasource.
   */
  public addFleetOverview(): KubeConfigMap {
    return this.addDashboard(
      FLEET_OVERVIEW_DASHBOARD,
      this.globalView ? this.globalFleetOverview(this.globalView.clusters) : fleetOverviewDashboard(),
    );
  }

  private values(
    adminSecret: string,
    persistence: StorageOptions | false,
    ingress: CentralGrafanaProps['ingress'],
    scheduling: PodScheduling,
    resources: Pick<CentralGrafanaProps, 'resources' | 'sidecarResources'>,
  ): Record<string, unknown> {
    const datasources = this.clusterDatasources;
    const env: Record<string, unknown> = {};
    const grafanaIni: Record<string, unknown> = {};
    // Explore links each result with a namespace to that namespace's logs in its cluster. Grafana expands $VAR in
    // provisioning files, so the correlation's own variables are written $${...}.
    const correlations = this.loki
      ? {
          correlations: [
            {
              targetUID: LOKI_DATASOURCE.uid,
              label: 'Logs of this namespace',
              description: 'The logs of the same cluster and namespace, in the central Loki.',
              config: {
                type: 'query',
                field: 'namespace',
                target: { expr: '{cluster="$${cluster}", namespace="$${namespace}"}' },
              },
            },
          ],
        }
      : {};
    const global = this.globalView;
    const additionalDataSources: Record<string, unknown>[] = global
      ? [
          {
            name: THANOS_DATASOURCE.name,
            uid: THANOS_DATASOURCE.uid,
            type: 'prometheus',
            access: 'proxy',
            url: grafanaProvisioningLiteral(global.url),
            isDefault: true,
            editable: false,
            // Query deduplicates replicas and answers partially when a cluster is away (its defaults).
            jsonData: {
              timeInterval: global.scrapeInterval ?? PROMETHEUS_DEFAULTS.scrapeInterval,
              httpMethod: 'POST',
              prometheusType: 'Thanos',
              // The version Grafana picks its API calls by (any Thanos from 0.18 has them).
              prometheusVersion: THANOS_VERSION.replace(/^v/, ''),
            },
            ...correlations,
          },
        ]
      : [];
    datasources.forEach((ds, i) => {
      const entry: Record<string, unknown> = {
        name: grafanaProvisioningLiteral(`Prometheus ${ds.clusterName}`),
        uid: CentralGrafana.datasourceUid(ds.clusterName),
        type: 'prometheus',
        access: 'proxy',
        url: grafanaProvisioningLiteral(ds.url),
        isDefault: !global && i === 0,
        editable: false,
        jsonData: {
          timeInterval: ds.scrapeInterval ?? PROMETHEUS_DEFAULTS.scrapeInterval,
          httpMethod: 'POST',
          prometheusType: 'Prometheus',
        },
        ...correlations,
      };
      if (ds.basicAuth) {
        // Grafana expands $VAR in provisioning files; the values come from the Secret through the environment.
        const prefix = `CMM_DS_${ds.clusterName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
        env[`${prefix}_USERNAME`] = {
          secretKeyRef: {
            name: ds.basicAuth.secretName,
            key: ds.basicAuth.usernameKey ?? GRAFANA_DEFAULTS.datasourceBasicAuth.usernameKey,
          },
        };
        env[`${prefix}_PASSWORD`] = {
          secretKeyRef: {
            name: ds.basicAuth.secretName,
            key: ds.basicAuth.passwordKey ?? GRAFANA_DEFAULTS.datasourceBasicAuth.passwordKey,
          },
        };
        entry.basicAuth = true;
        entry.basicAuthUser = `$${prefix}_USERNAME`;
        entry.secureJsonData = { basicAuthPassword: `$${prefix}_PASSWORD` };
      }
      additionalDataSources.push(entry);
    });
    if (this.loki) {
      env.CMM_LOKI_USERNAME = { secretKeyRef: { name: this.loki.credentialsSecret, key: 'username' } };
      env.CMM_LOKI_PASSWORD = { secretKeyRef: { name: this.loki.credentialsSecret, key: 'password' } };
      additionalDataSources.push({
        name: LOKI_DATASOURCE.name,
        uid: LOKI_DATASOURCE.uid,
        type: 'loki',
        access: 'proxy',
        url: this.loki.url,
        isDefault: false,
        editable: false,
        basicAuth: true,
        basicAuthUser: '$CMM_LOKI_USERNAME',
        secureJsonData: { basicAuthPassword: '$CMM_LOKI_PASSWORD' },
        jsonData: { maxLines: 1000, timeout: 60 },
      });
    }

    const grafana: Record<string, unknown> = {
      enabled: true,
      // The grafana chart passes affinity through Helm's tpl.
      ...helmTplLiterals(scheduling),
      defaultDashboardsEnabled: true,
      admin: { existingSecret: adminSecret, userKey: 'admin-user', passwordKey: 'admin-password' },
      // No ServiceMonitor: this release installs no CRDs, and the central's own agent (if any) scrapes it.
      serviceMonitor: { enabled: false },
      // Pod Security restricted: no root init container that chowns the volume (the pod's fsGroup 472, the chart's,
      // makes it Grafana's), and no test Pod (helm test is never run; the helm-controller does not).
      initChownData: { enabled: false },
      testFramework: { enabled: false },
      resources: structuredClone(resources.resources) ?? defaultResources('grafana'),
      // The init container that fetches grafana.com dashboards (when there are some).
      downloadDashboards: { resources: structuredClone(resources.sidecarResources) ?? defaultResources('sidecar') },
      sidecar: {
        resources: structuredClone(resources.sidecarResources) ?? defaultResources('sidecar'),
        dashboards: {
          enabled: true,
          searchNamespace: ALL_NAMESPACES,
          folderAnnotation: 'grafana_folder',
          multicluster: { global: { enabled: true }, etcd: { enabled: true } },
          provider: { foldersFromFilesStructure: true },
        },
        datasources: { enabled: true, defaultDatasourceEnabled: false, alertmanager: { enabled: false } },
      },
      // kube-prometheus-stack passes them through Helm's tpl.
      additionalDataSources: helmTplLiterals(additionalDataSources),
      persistence:
        persistence === false
          ? { enabled: false }
          : {
              enabled: true,
              type: 'pvc',
              size: persistence.size,
              ...(persistence.storageClass ? { storageClassName: persistence.storageClass } : {}),
            },
    };
    const alerting = this.alerting;
    if (alerting) {
      (grafana.sidecar as Record<string, unknown>).alerts = {
        enabled: true,
        label: 'grafana_alert',
        labelValue: '1',
        searchNamespace: this.namespace,
      };
      if (alerting.slack)
        env[SLACK_URL_ENV] = {
          secretKeyRef: {
            name: alerting.slack.secretName,
            key: alerting.slack.key ?? GRAFANA_DEFAULTS.alerting.webhookKey,
          },
        };
      if (alerting.teams)
        env[TEAMS_URL_ENV] = {
          secretKeyRef: {
            name: alerting.teams.secretName,
            key: alerting.teams.key ?? GRAFANA_DEFAULTS.alerting.webhookKey,
          },
        };
      if (alerting.email) {
        const smtp = alerting.email.smtp;
        // The chart reads GF_SMTP_USER and GF_SMTP_PASSWORD from the Secret; the rest is not secret.
        grafana.smtp = {
          existingSecret: smtp.secretName,
          userKey: smtp.userKey ?? GRAFANA_DEFAULTS.alerting.smtp.userKey,
          passwordKey: smtp.passwordKey ?? GRAFANA_DEFAULTS.alerting.smtp.passwordKey,
        };
        grafanaIni.smtp = {
          enabled: true,
          host: smtp.host,
          from_address: smtp.fromAddress,
          from_name: smtp.fromName ?? GRAFANA_DEFAULTS.alerting.smtp.fromName,
          startTLS_policy: smtp.startTLSPolicy ?? GRAFANA_DEFAULTS.alerting.smtp.startTLSPolicy,
        };
      }
    }
    if (Object.keys(env).length > 0) grafana.envValueFrom = env;
    if (ingress) {
      grafana.ingress = {
        enabled: true,
        ...(ingress.ingressClassName ? { ingressClassName: ingress.ingressClassName } : {}),
        hosts: [ingress.host],
        tls: [{ secretName: ingress.tlsSecretName, hosts: [ingress.host] }],
      };
      grafanaIni.server = { root_url: `https://${ingress.host}/` };
    }
    if (Object.keys(grafanaIni).length > 0) grafana['grafana.ini'] = grafanaIniValues(grafanaIni);
    const grafanaCom = [...this.grafanaCom.values()].sort((a, b) => compareStrings(a.name, b.name));
    // Vendored dashboards are ConfigMaps (addGrafanaComDashboard): the pod downloads nothing.
    if (grafanaCom.length > 0 && !this.vendoredDashboards) {
      grafana.dashboardProviders = {
        'dashboardproviders.yaml': {
          apiVersion: 1,
          providers: [
            {
              name: GRAFANA_COM_PROVIDER,
              orgId: 1,
              folder: GRAFANA_COM_FOLDER,
              type: 'file',
              disableDeletion: true,
              editable: false,
              options: { path: `/var/lib/grafana/dashboards/${GRAFANA_COM_PROVIDER}` },
            },
          ],
        },
      };
      // Grafana resolves a datasource reference by uid or by name; the uid is stable across renames.
      const defaultDs = this.defaultDatasourceUid;
      grafana.dashboards = {
        [GRAFANA_COM_PROVIDER]: Object.fromEntries(
          grafanaCom.map((d) => [
            d.name,
            { gnetId: d.id, revision: d.revision, datasource: [{ name: 'DS_PROMETHEUS', value: defaultDs }] },
          ]),
        ),
      };
    }

    return {
      fullnameOverride: CENTRAL_RELEASE_NAME,
      // Grafana only: the central's metrics come from its own ClusterAgent (a separate release).
      crds: { enabled: false },
      defaultRules: { create: false },
      alertmanager: { enabled: false },
      prometheus: { enabled: false },
      prometheusOperator: { enabled: false },
      kubeStateMetrics: { enabled: false },
      // The node dashboards render only with node-exporter on, or forced.
      nodeExporter: { enabled: false, forceDeployDashboards: true },
      // Component dashboards render while their sections stay enabled; their ServiceMonitors are switched off here.
      kubernetesServiceMonitors: { enabled: false },
      grafana,
    };
  }
}

const ALL_NAMESPACES = 'ALL';

/** A dashboard's JSON fits the ConfigMap the sidecar loads it from. */
function checkDashboardSize(subject: string, at: string, text: string): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > DASHBOARD_SIZE_LIMIT) {
    throw new ValidationError(subject, [
      `${at}: ${bytes} bytes of JSON is not valid; expected at most ${DASHBOARD_SIZE_LIMIT} bytes (what a ConfigMap holds)`,
    ]);
  }
}

/** A datasource URL: absolute http(s), without credentials (they would be written into dist/ and Git). */
/**
 * `grafana.ini` sections as the grafana chart writes them: each string value on its own line, through Helm's tpl,
 * then expanded by Grafana (`${VAR}`, `$__file{...}`). A value that could add lines or be expanded is refused;
 * the rest is escaped for tpl.
 */
function grafanaIniValues(sections: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(sections).map(([section, keys]) => [
      section,
      Object.fromEntries(
        Object.entries(keys as Record<string, unknown>).map(([key, value]) => {
          if (typeof value !== 'string') return [key, value];
          const problem = grafanaIniProblem(value);
          if (problem) {
            throw new Error(
              `grafana.ini [${section}] ${key}: ${JSON.stringify(value)} is not valid; expected ${problem}`,
            );
          }
          return [key, helmTplLiteral(value)];
        }),
      ),
    ]),
  );
}
