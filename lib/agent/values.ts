import type { ClusterAgentProps } from './cluster-agent';
import { basicAuthAnnotations, type BasicAuthIngress } from '../ingress-auth';
import { replacedChartAlerts } from '../rules/packs';
import { alertmanagerValues } from './alertmanager';
import type { IngressExposure, Resources } from './props';
import { volumeClaimTemplate } from './storage';
import { helmTplLiterals } from '../output/escape';
import { everyNodeTolerations, podScheduling } from '../scheduling';
import { BUSYBOX_TAG } from '../versions';
import { componentValues } from './components';
import { profileOf } from '../platforms/profiles';
import { thanosAgentValues } from './thanos';
import { cardinalityValues } from './cardinality';
import { applyAgentResourceDefaults, nodeExporterSecurityValues } from './security';
import { PROMETHEUS_DEFAULTS } from './prometheus-defaults';

/** Name of the default scrape class that stores the `cluster` label with every scraped series. */
export const CLUSTER_SCRAPE_CLASS = 'cmm-cluster-label';

/** Prometheus scrape and rule evaluation interval unless set. */
export const DEFAULT_SCRAPE_INTERVAL = PROMETHEUS_DEFAULTS.scrapeInterval;

/**
 * kube-prometheus-stack values for one monitored cluster. Every key written here exists in the pinned chart's
 * `values.yaml` (checked by test/chart-values.test.ts).
 */
export function kubePrometheusStackValues(
  props: ClusterAgentProps & {
    readonly namespace: string;
    readonly releaseName: string;
    /** Where node-exporter runs (Pod Security level privileged). @default - `namespace` */
    readonly hostNamespace?: string;
  },
): Record<string, unknown> {
  const prom = props.prometheus ?? {};
  const profile = profileOf(props.platform);
  const exposure = prom.exposure ?? { type: 'none' };
  const nodeExporter = props.nodeExporter ?? {};
  const ksm = typeof props.kubeStateMetrics === 'object' ? props.kubeStateMetrics : { enabled: props.kubeStateMetrics };
  const cardinality = cardinalityValues(props.cardinality);

  const prometheusSpec: Record<string, unknown> = {
    // Stored with every series, so a Grafana querying this Prometheus directly can tell clusters apart.
    scrapeClasses: [
      {
        name: CLUSTER_SCRAPE_CLASS,
        default: true,
        relabelings: [{ action: 'replace', targetLabel: 'cluster', replacement: props.clusterName }],
        ...cardinality.scrapeClass,
      },
    ],
    ...cardinality.prometheusSpec,
    // Sent with alerts, federation and remote write (Thanos). The chart passes them through Helm's tpl.
    externalLabels: helmTplLiterals({ ...(prom.externalLabels ?? {}), cluster: props.clusterName }),
    retention: prom.retention ?? PROMETHEUS_DEFAULTS.retention,
    scrapeInterval: prom.scrapeInterval ?? DEFAULT_SCRAPE_INTERVAL,
    evaluationInterval: prom.evaluationInterval ?? PROMETHEUS_DEFAULTS.evaluationInterval,
    // Select every ServiceMonitor, PodMonitor and rule of the cluster, not only those labelled for this release.
    serviceMonitorSelectorNilUsesHelmValues: false,
    podMonitorSelectorNilUsesHelmValues: false,
    ruleSelectorNilUsesHelmValues: false,
    probeSelectorNilUsesHelmValues: false,
    scrapeConfigSelectorNilUsesHelmValues: false,
  };
  if (prom.retentionSize) prometheusSpec.retentionSize = prom.retentionSize;
  const pools = props.nodePools ?? {};
  Object.assign(prometheusSpec, podScheduling(prom, pools));
  if (prom.resources) prometheusSpec.resources = resources(prom.resources);
  if (prom.storage) prometheusSpec.storageSpec = volumeClaimTemplate(prom.storage);
  const prometheus: Record<string, unknown> = { prometheusSpec };
  if (exposure.type === 'ingress') {
    prometheusSpec.externalUrl = `https://${exposure.host}/`;
    prometheus.ingress = prometheusIngress(exposure, props.namespace, profile.ingressController);
  }
  if (props.namespaceOwners && Object.keys(props.namespaceOwners).length > 0) {
    // Applied to alerts on their way to Alertmanager; the chart passes them through Helm's tpl.
    prometheusSpec.additionalAlertRelabelConfigs = helmTplLiterals(namespaceOwnerRelabelings(props.namespaceOwners));
  }
  const thanos = props.thanos
    ? thanosAgentValues(props.thanos, props.namespace, profile.ingressController)
    : { prometheus: {}, prometheusSpec: {}, top: {} };
  Object.assign(prometheusSpec, thanos.prometheusSpec);
  Object.assign(prometheus, thanos.prometheus);

  const operatorScheduling = podScheduling(props.operator, pools);
  const operator: Record<string, unknown> = { ...operatorScheduling };
  // The admission webhook's certificate Jobs run on install and upgrade: where the operator runs.
  if (Object.keys(operatorScheduling).length > 0) operator.admissionWebhooks = { patch: { ...operatorScheduling } };
  if (props.operator?.resources) operator.resources = resources(props.operator.resources);

  const nodeExporterChart: Record<string, unknown> = {
    hostRootFsMount: { enabled: nodeExporter.hostRootFsMount ?? true },
    // On every node: every node pool's taints, and (the chart's own default) every NoSchedule taint.
    tolerations: everyNodeTolerations(pools, [
      { operator: 'Exists', effect: 'NoSchedule' },
      ...(nodeExporter.tolerations ?? []),
    ]),
  };
  if (nodeExporter.resources) nodeExporterChart.resources = resources(nodeExporter.resources);
  Object.assign(nodeExporterChart, nodeExporterSecurityValues(props.namespace, props.hostNamespace));

  const values: Record<string, unknown> = {
    // Short, predictable object names: cmm-agent-prometheus, cmm-agent-operator, ...
    fullnameOverride: props.releaseName,
    // Helm installs a chart's CRDs only on first install; the chart's upgrade Job applies the new ones on every
    // upgrade (the helm-controller runs the hooks), so a version bump upgrades the operator's CRDs too.
    crds: {
      enabled: true,
      upgradeJob: {
        enabled: true,
        image: { busybox: { tag: BUSYBOX_TAG } },
        ...podScheduling(props.operator, pools),
      },
    },
    grafana: { enabled: false },
    alertmanager: alertmanagerValues(props.alertmanager, pools, props.namespace, profile.ingressController),
    // The chart's rules stay (its dashboards need its recording rules), but not the alerts a CMM pack replaces.
    defaultRules: {
      disabled: Object.fromEntries(replacedChartAlerts(props.rules?.packs ?? {}).map((a) => [a, true])),
    },
    kubeStateMetrics: { enabled: ksm.enabled ?? true },

    nodeExporter: { enabled: nodeExporter.enabled ?? true },
    'prometheus-node-exporter': nodeExporterChart,
    // The kubelet (and cAdvisor) and the control-plane components: see componentValues below.
    kubernetesServiceMonitors: { enabled: true },
    prometheus,
  };
  if (Object.keys(operator).length > 0) values.prometheusOperator = operator;
  const ksmChart = {
    ...podScheduling(ksm, pools),
    ...(ksm.resources ? { resources: resources(ksm.resources) } : {}),
    ...cardinality.kubeStateMetrics,
  };
  if (Object.keys(ksmChart).length > 0) values['kube-state-metrics'] = ksmChart;
  Object.assign(values, componentValues(props.kubernetesComponents, profile));
  // Without the kubelet's monitor, the chart's KubeletDown (nodes, but no kubelet target up) would fire for ever.
  // Agent mode: no rules evaluated, no Alertmanager (thanosAgentValues).
  if (thanos.top.defaultRules) values.defaultRules = { ...(values.defaultRules as object), create: false };
  if (thanos.top.alertmanager) values.alertmanager = { enabled: false };
  if ((values.kubelet as { enabled: boolean }).enabled === false) {
    (values.defaultRules as { disabled: Record<string, boolean> }).disabled.KubeletDown = true;
  }
  applyAgentResourceDefaults(values);
  return values;
}

/** Name of the Traefik Middleware that enforces basic auth on the Prometheus Ingress. */
export const BASIC_AUTH_MIDDLEWARE = 'cmm-prometheus-basic-auth';

/** How the Prometheus Ingress enforces basic auth (its annotations, and Traefik's Middleware). */
export function prometheusAuth(
  exposure: IngressExposure,
  namespace: string,
  platformController: 'traefik' | 'nginx',
): BasicAuthIngress {
  return {
    controller: exposure.controller ?? platformController,
    namespace,
    middleware: BASIC_AUTH_MIDDLEWARE,
    secretName: exposure.basicAuthSecretName,
    realm: 'Prometheus',
  };
}

function prometheusIngress(
  exposure: IngressExposure,
  namespace: string,
  platformController: 'traefik' | 'nginx',
): Record<string, unknown> {
  const annotations = basicAuthAnnotations(prometheusAuth(exposure, namespace, platformController));
  return {
    enabled: true,
    ...(exposure.ingressClassName ? { ingressClassName: exposure.ingressClassName } : {}),
    annotations,
    hosts: [exposure.host],
    paths: ['/'],
    tls: [{ secretName: exposure.tlsSecretName, hosts: [exposure.host] }],
  };
}

function resources(r: Resources): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r.requests) out.requests = { ...r.requests };
  if (r.limits) out.limits = { ...r.limits };
  return out;
}

/**
 * Alert relabelings that give an alert without a `team` label the team owning its namespace: `team` and `namespace`
 * joined by ";" must read ";<namespace>" (no team yet), in the order of the map (the first owner wins).
 */
export function namespaceOwnerRelabelings(owners: Readonly<Record<string, string>>): Record<string, unknown>[] {
  return Object.entries(owners).map(([namespace, team]) => ({
    source_labels: ['team', 'namespace'],
    separator: ';',
    regex: `;(?:${namespace})`,
    target_label: 'team',
    replacement: team,
    action: 'replace',
  }));
}
