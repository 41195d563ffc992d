export * from './versions';
export * from './inventory/schema';
export * from './inventory/errors';
export * from './inventory/load';
export * from './inventory/json';
export * from './helm/helm-release';
export * from './agent/props';
export {
  AGENT_PROPS,
  AGENT_RELEASE_NAME,
  ClusterAgent,
  type ClusterAgentProps,
  type RulesOptions,
} from './agent/cluster-agent';
export * from './agent/prometheus-defaults';
export * from './agent/agent-defaults';
export * from './agent/values';
export * from './agent/components';
export * from './agent/cardinality';
export * from './central/central-grafana';
export * from './central/grafana-defaults';
export * from './central/karma';
export * from './thanos/central-thanos';
export * from './thanos/thanos-defaults';
export * from './agent/thanos';
export * from './dashboards/builder';
export * from './dashboards/fleet-overview';
export * from './output/stages';
export * from './output/writer';
export * from './output/outdir';
export * from './output/check';
export * from './output/summary';
export * from './fleet';
export * from './k8s';
export * from './scheduling';
export * from './platforms/profiles';
export * from './platforms/helm-controller';
export * from './argocd/applications';
export * from './output/output-file';
export * from './agent/alertmanager';
export * from './central/alerting';
export * from './promql/check';
export * from './promql/metric-names';
export * from './rules/types';
export * from './rules/packs';
export * from './rules/cluster-rules';
export * from './rules/go-template';
export * from './output/yaml';
export * from './output/escape';
export * from './render/apply-order';
export * from './render/render';
export * from './render/checks';
export * from './airgap/airgap';
export * from './render/pod-security';
export * from './pod-security';
export * from './resource-defaults';
export * from './logs/alloy-config';
export * from './logs/log-agent';
export * from './logs/central-loki';
export * from './logs/loki-defaults';
export * from './logql/check';
export * from './dashboards/logs';
export * from './security/network-policies';
export * from './security/policy-semantics';
export * from './dashboards/vendored';
export * from './argocd/argocd-defaults';
