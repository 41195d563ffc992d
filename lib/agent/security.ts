/**
 * Security settings of the agent's kube-prometheus-stack values that CMM adds to the chart's own (which already run
 * the operator, kube-state-metrics, Prometheus, Alertmanager and the admission Jobs as Pod Security `restricted`;
 * lib/render/pod-security.ts checks the rendered chart).
 */

import { defaultResources } from '../resource-defaults';

/** Every container: no privilege escalation, no capabilities, a read-only root. */
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
} as const;

/** The runtime's default seccomp profile. */
export const RUNTIME_DEFAULT_SECCOMP = { seccompProfile: { type: 'RuntimeDefault' } } as const;

/**
 * node-exporter (subchart prometheus-node-exporter): in the host-access namespace when it is not the monitoring
 * namespace (host network, host PID and hostPath are what it reads the node through, which only `privileged`
 * admits), and otherwise as tight as it can run: the chart's non-root user 65534, the runtime's seccomp profile, no
 * capabilities, no privilege escalation, a read-only root filesystem. Helm merges these maps into the chart's
 * defaults (`runAsUser: 65534`, `runAsNonRoot: true`, ...).
 */
export function nodeExporterSecurityValues(namespace: string, hostNamespace?: string): Record<string, unknown> {
  return {
    ...(hostNamespace && hostNamespace !== namespace ? { namespaceOverride: hostNamespace } : {}),
    securityContext: { ...RUNTIME_DEFAULT_SECCOMP },
    containerSecurityContext: { ...RESTRICTED_CONTAINER },
  };
}

type Values = Record<string, unknown>;
const section = (parent: Values, key: string): Values => {
  const v = parent[key];
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Values;
  const created: Values = {};
  parent[key] = created;
  return created;
};

/**
 * Fills in the default resources (lib/resource-defaults.ts) of every container of the agent's kube-prometheus-stack
 * release that has none: what the inventory sets (`prometheus.resources`, `operator.resources`, ...) stays as it is.
 * Sections the release does not run (no Alertmanager, no kube-state-metrics) get nothing.
 */
export function applyAgentResourceDefaults(values: Values): void {
  const fill = (at: Values, component: Parameters<typeof defaultResources>[0]) => {
    if (at.resources === undefined) at.resources = defaultResources(component);
  };
  const prometheus = section(values, 'prometheus');
  const prometheusSpec = section(prometheus, 'prometheusSpec');
  fill(prometheusSpec, 'prometheus');
  // The Thanos sidecar, in a Thanos fleet (the operator adds the container to the Prometheus pod).
  if (prometheusSpec.thanos) fill(prometheusSpec.thanos as Values, 'thanosSidecar');
  const alertmanager = values.alertmanager as Values | undefined;
  if (alertmanager?.enabled !== false && alertmanager) fill(section(alertmanager, 'alertmanagerSpec'), 'alertmanager');
  const operator = section(values, 'prometheusOperator');
  fill(operator, 'operator');
  fill(section(operator, 'prometheusConfigReloader'), 'configReloader');
  fill(section(section(operator, 'admissionWebhooks'), 'patch'), 'jobs');
  fill(section(section(values, 'crds'), 'upgradeJob'), 'jobs');
  if ((values.kubeStateMetrics as Values | undefined)?.enabled !== false) {
    fill(section(values, 'kube-state-metrics'), 'kubeStateMetrics');
  }
  if ((values.nodeExporter as Values | undefined)?.enabled !== false) {
    fill(section(values, 'prometheus-node-exporter'), 'nodeExporter');
  }
}
