import type { ClusterAgentProps } from './cluster-agent';
import { replacedChartAlerts } from '../rules/packs';
import { alertmanagerValues } from './alertmanager';
import type { IngressExposure, Resources } from './props';
import { volumeClaimTemplate } from './storage';
import { helmTplLiterals } from '../output/escape';

/** Name of the default scrape class that stores the `cluster` label with every scraped series. */
export const CLUSTER_SCRAPE_CLASS = 'cmm-cluster-label';

/** Prometheus scrape and rule evaluation interval unless set. */
export const DEFAULT_SCRAPE_INTERVAL = '30s';

/** The control-plane component sections of kube-prometheus-stack toggled by `kubernetesComponents`. */
const CONTROL_PLANE_COMPONENTS = [
  'kubeApiServer',
  'kubeControllerManager',
  'kubeScheduler',
  'kubeProxy',
  'kubeEtcd',
  'coreDns',
];

/**
 * kube-prometheus-stack values for one monitored cluster. Every key written here exists in the pinned chart's
 * `values.yaml` (checked by test/chart-values.test.ts).
 */
export function kubePrometheusStackValues(
  props: ClusterAgentProps & { readonly namespace: string; readonly releaseName: string },
): Record<string, unknown> {
  const prom = props.prometheus ?? {};
  const exposure = prom.exposure ?? { type: 'none' };
  const components = props.kubernetesComponents ?? false;
  const nodeExporter = props.nodeExporter ?? {};

  const prometheusSpec: Record<string, unknown> = {
    // Stored with every series, so a Grafana querying this Prometheus directly can tell clusters apart.
    scrapeClasses: [
      {
        name: CLUSTER_SCRAPE_CLASS,
        default: true,
        relabelings: [{ action: 'replace', targetLabel: 'cluster', replacement: props.clusterName }],
      },
    ],
    // Sent with alerts, federation and remote write (Thanos). The chart passes them through Helm's tpl.
    externalLabels: helmTplLiterals({ ...(prom.externalLabels ?? {}), cluster: props.clusterName }),
    retention: prom.retention ?? '10d',
    scrapeInterval: prom.scrapeInterval ?? DEFAULT_SCRAPE_INTERVAL,
    evaluationInterval: prom.evaluationInterval ?? DEFAULT_SCRAPE_INTERVAL,
    // Select every ServiceMonitor, PodMonitor and rule of the cluster, not only those labelled for this release.
    serviceMonitorSelectorNilUsesHelmValues: false,
    podMonitorSelectorNilUsesHelmValues: false,
    ruleSelectorNilUsesHelmValues: false,
    probeSelectorNilUsesHelmValues: false,
    scrapeConfigSelectorNilUsesHelmValues: false,
  };
  if (prom.retentionSize) prometheusSpec.retentionSize = prom.retentionSize;
  if (prom.nodeSelector) prometheusSpec.nodeSelector = { ...prom.nodeSelector };
  if (prom.resources) prometheusSpec.resources = resources(prom.resources);
  if (prom.storage) prometheusSpec.storageSpec = volumeClaimTemplate(prom.storage);
  const prometheus: Record<string, unknown> = { prometheusSpec };
  if (exposure.type === 'ingress') {
    prometheusSpec.externalUrl = `https://${exposure.host}/`;
    prometheus.ingress = prometheusIngress(exposure, props.namespace);
  }

  const operator: Record<string, unknown> = {};
  if (props.operator?.nodeSelector) operator.nodeSelector = { ...props.operator.nodeSelector };
  if (props.operator?.resources) operator.resources = resources(props.operator.resources);

  const nodeExporterChart: Record<string, unknown> = {
    hostRootFsMount: { enabled: nodeExporter.hostRootFsMount ?? true },
  };
  if (nodeExporter.resources) nodeExporterChart.resources = resources(nodeExporter.resources);

  const values: Record<string, unknown> = {
    // Short, predictable object names: cmm-agent-prometheus, cmm-agent-operator, ...
    fullnameOverride: props.releaseName,
    crds: { enabled: true },
    grafana: { enabled: false },
    alertmanager: alertmanagerValues(props.alertmanager),
    // The chart's rules stay (its dashboards need its recording rules), but not the alerts a CMM pack replaces.
    defaultRules: {
      disabled: Object.fromEntries(replacedChartAlerts(props.rules?.packs ?? {}).map((a) => [a, true])),
    },
    kubeStateMetrics: { enabled: props.kubeStateMetrics ?? true },
    nodeExporter: { enabled: nodeExporter.enabled ?? true },
    'prometheus-node-exporter': nodeExporterChart,
    // The kubelet and cAdvisor are always scraped (container metrics); the control plane only on request.
    kubernetesServiceMonitors: { enabled: true },
    kubelet: { enabled: true },
    prometheus,
  };
  if (Object.keys(operator).length > 0) values.prometheusOperator = operator;
  for (const component of CONTROL_PLANE_COMPONENTS) values[component] = { enabled: components };
  return values;
}

function prometheusIngress(exposure: IngressExposure, namespace: string): Record<string, unknown> {
  const controller = exposure.controller ?? 'traefik';
  const annotations: Record<string, string> =
    controller === 'traefik'
      ? {
          'traefik.ingress.kubernetes.io/router.tls': 'true',
          // <namespace>-<name>@kubernetescrd is how Traefik names a Middleware object.
          'traefik.ingress.kubernetes.io/router.middlewares': `${namespace}-cmm-prometheus-basic-auth@kubernetescrd`,
        }
      : {
          'nginx.ingress.kubernetes.io/auth-type': 'basic',
          'nginx.ingress.kubernetes.io/auth-secret': exposure.basicAuthSecretName,
          'nginx.ingress.kubernetes.io/auth-realm': 'Prometheus',
        };
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
