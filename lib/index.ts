export * from './versions';
export * from './inventory/schema';
export * from './inventory/errors';
export * from './inventory/load';
export * from './inventory/json';
export * from './helm/helm-release';
export * from './agent/props';
export {
  AGENT_RELEASE_NAME,
  BASIC_AUTH_MIDDLEWARE,
  ClusterAgent,
  type ClusterAgentProps,
  type RulesOptions,
} from './agent/cluster-agent';
export * from './agent/values';
export * from './agent/components';
export * from './central/central-grafana';
export * from './central/karma';
export * from './thanos/central-thanos';
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
export * from './rules/types';
export * from './rules/packs';
export * from './rules/cluster-rules';
export * from './rules/go-template';
export * from './output/yaml';
export * from './output/escape';
export * from './render/apply-order';
export * from './render/render';
export * from './render/checks';
export * from './logs/alloy-config';
export * from './logs/log-agent';
export * from './logs/central-loki';
export * from './logql/check';
export * from './dashboards/logs';
