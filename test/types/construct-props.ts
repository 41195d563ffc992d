/**
 * Compile-time check (`tsc -p .`): the props interfaces of the constructs a TypeScript user builds directly and the
 * whole zod schemas their constructors validate them with accept the same values, field by field (see
 * props-schemas.ts for `SameShape`).
 */
import type * as z from 'zod';
import type { CENTRAL_THANOS_PROPS, CentralThanosProps } from '../../lib/thanos/central-thanos';
import type { KARMA_PROPS, KarmaProps } from '../../lib/central/karma';
import type {
  CENTRAL_GRAFANA_PROPS,
  CentralGrafanaProps,
  CLUSTER_DATASOURCE,
  ClusterDatasourceOptions,
} from '../../lib/central/central-grafana';
import type { ARGOCD_PROPS, ArgoCdApplicationsProps } from '../../lib/argocd/applications';
import type { CLUSTER_RULES_PROPS, ClusterRulesProps } from '../../lib/rules/cluster-rules';
import type { HELM_CONTROLLER_INSTALL_PROPS, HelmControllerInstallProps } from '../../lib/platforms/helm-controller';
import type { HELM_RELEASE_PROPS, HelmReleaseProps } from '../../lib/helm/helm-release';
import type {
  AGENT_NETWORK_POLICIES_PROPS,
  AgentNetworkPoliciesProps,
  CENTRAL_NETWORK_POLICIES_PROPS,
  CentralNetworkPoliciesProps,
} from '../../lib/security/network-policies';
import type { SameShape } from './props-schemas';

function check<T extends true>(): T | undefined {
  return undefined;
}

check<SameShape<CentralThanosProps, z.output<typeof CENTRAL_THANOS_PROPS>>>();
check<SameShape<KarmaProps, z.output<typeof KARMA_PROPS>>>();
check<SameShape<CentralGrafanaProps, z.output<typeof CENTRAL_GRAFANA_PROPS>>>();
check<SameShape<ClusterDatasourceOptions, z.output<typeof CLUSTER_DATASOURCE>>>();
check<SameShape<ArgoCdApplicationsProps, z.output<typeof ARGOCD_PROPS>>>();
check<SameShape<ClusterRulesProps, z.output<typeof CLUSTER_RULES_PROPS>>>();
check<SameShape<HelmControllerInstallProps, z.output<typeof HELM_CONTROLLER_INSTALL_PROPS>>>();
check<SameShape<HelmReleaseProps, z.output<typeof HELM_RELEASE_PROPS>>>();
check<SameShape<AgentNetworkPoliciesProps, z.output<typeof AGENT_NETWORK_POLICIES_PROPS>>>();
check<SameShape<CentralNetworkPoliciesProps, z.output<typeof CENTRAL_NETWORK_POLICIES_PROPS>>>();
