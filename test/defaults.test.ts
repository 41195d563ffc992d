import { AGENT_PROPS } from '../lib/agent/cluster-agent';
import { GRAFANA_LOKI } from '../lib/central/central-grafana';
import { centralAlerting, centralThanos } from '../lib/inventory/schema';
import {
  AGENT_NETWORK_POLICIES_PROPS,
  ARGOCD_PROPS,
  CENTRAL_GRAFANA_PROPS,
  CENTRAL_NETWORK_POLICIES_PROPS,
  CENTRAL_THANOS_PROPS,
  CLUSTER_RULES_PROPS,
  HELM_CONTROLLER_INSTALL_PROPS,
  HELM_RELEASE_PROPS,
  KARMA_PROPS,
} from '../lib';
import { CENTRAL_LOKI_PROPS } from '../lib/logs/central-loki';
import { LOG_AGENT_PROPS } from '../lib/logs/log-agent';
import { defaultProblem, fieldDefaults, literalValues, schemaDefault, wordsInOrder } from './support/defaults';

/**
 * Each default is written once in code (a named constant, interpolated into the schema's description, so
 * cmm.schema.json derives from it) and documented twice: the props interface's JSDoc `@default` and the schema's
 * `Default:`. This test reads both and holds them to one rule (see defaultProblem): a literal is the same literal, a
 * prose default is present in both.
 */
const PAIRS = [
  ['ClusterAgentProps', AGENT_PROPS],
  ['LogAgentProps', LOG_AGENT_PROPS],
  ['CentralLokiProps', CENTRAL_LOKI_PROPS],
  ['GrafanaLokiOptions', GRAFANA_LOKI],
  ['CentralThanosOptions', centralThanos],
  ['CentralAlertingOptions', centralAlerting],
  ['KarmaProps', KARMA_PROPS],
  ['CentralGrafanaProps', CENTRAL_GRAFANA_PROPS],
  ['CentralThanosProps', CENTRAL_THANOS_PROPS],
  ['ClusterRulesProps', CLUSTER_RULES_PROPS],
  ['ArgoCdApplicationsProps', ARGOCD_PROPS],
  ['HelmControllerInstallProps', HELM_CONTROLLER_INSTALL_PROPS],
  ['HelmReleaseProps', HELM_RELEASE_PROPS],
  ['AgentNetworkPoliciesProps', AGENT_NETWORK_POLICIES_PROPS],
  ['CentralNetworkPoliciesProps', CENTRAL_NETWORK_POLICIES_PROPS],
] as const;

/**
 * Fields whose construct default differs from the inventory's on purpose, with why; the test fails when one of them
 * no longer differs (the entry is stale).
 */
const DIFFERENT: Record<string, string> = {
  // Construct-only fields: the schema has them for the construct (no inventory field, no description of a default).
  'LogAgentProps.profile': "the cluster's platform facts, handed on by ClusterAgent; not in the inventory",
  'LogAgentProps.podNamespace': 'the namespace for host-access pods, handed on by ClusterAgent; not in the inventory',
  'CentralLokiProps.cluster': "the central cluster's name, for messages; the inventory's central.cluster is required",
};

describe('defaults: the JSDoc and the schema say the same', () => {
  const rows = PAIRS.flatMap(([name, schema]) => fieldDefaults(name, schema));

  test('the walk finds the fields of every interface, with their defaults on both sides', () => {
    const retention = rows.find((r) => r.field === 'ClusterAgentProps.prometheus.retention')!;
    expect(retention.jsdoc).toBe("'10d'");
    expect(schemaDefault(retention.schema)).toBe('10d');
    for (const [name] of PAIRS) expect(rows.filter((r) => r.field.startsWith(`${name}.`)).length).toBeGreaterThan(3);
  });

  test('every field follows the rule', () => {
    const problems = rows.flatMap((r) => {
      const p = defaultProblem(r);
      return p && !(r.field in DIFFERENT) ? [p] : [];
    });
    expect(problems).toEqual([]);
  });

  test('every listed difference is still one', () => {
    const stale = Object.keys(DIFFERENT).filter((field) => {
      const row = rows.find((r) => r.field === field);
      return !row || defaultProblem(row) === undefined;
    });
    expect(stale).toEqual([]);
  });
});

describe('the rule', () => {
  test('literal values, in order, as whole words', () => {
    expect(literalValues("{ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } }")).toEqual([
      '100m',
      '128Mi',
      '512Mi',
    ]);
    expect(literalValues("'slack-warning' (required without slack)")).toEqual(['slack-warning']);
    expect(literalValues('80 (the seed\'s; "less than 5% free")')).toEqual(['80']);
    expect(wordsInOrder('requests 100m CPU and 128Mi, a 512Mi memory limit', ['100m', '128Mi', '512Mi'])).toBe(true);
    expect(wordsInOrder('110d', ['10d'])).toBe(false);
    expect(wordsInOrder('10dd', ['10d'])).toBe(false);
    expect(wordsInOrder('a 512Mi limit, requests 100m', ['100m', '512Mi'])).toBe(false);
    expect(schemaDefault('How long. Default: 1.33.0. More.')).toBe('1.33.0');
    expect(schemaDefault('Default: https://a.example.com/x.')).toBe('https://a.example.com/x');
  });

  const row = (jsdoc: string | undefined, schema: string | undefined) => ({
    field: 'X.f',
    jsdoc,
    schema,
    inSchema: true,
  });
  test('fails if a literal differs, with both texts', () => {
    expect(defaultProblem(row("'10d'", 'How long. Default: 15d.'))).toBe(
      `X.f: the literal default ["10d"] is not the schema's. JSDoc @default: '10d'; schema: How long. Default: 15d.`,
    );
    expect(defaultProblem(row("'10d'", 'How long.'))).toMatch(/the literal default \["10d"\] is not the schema's/);
    expect(defaultProblem(row("'10d'", 'How long. Default: 10d.'))).toBeUndefined();
  });
  test('fails if a single literal is one value of a default that says more', () => {
    const dns = "Default: the platform's: kube-dns, or rke2-coredns-rke2-coredns on RKE2.";
    expect(defaultProblem(row("'kube-dns'", dns))).toBe(
      `X.f: the literal default "kube-dns" does not begin the schema's default, which says more. JSDoc @default: 'kube-dns'; schema: ${dns}`,
    );
    expect(defaultProblem(row("'k3s'", "Platform. Default: its clusters[] entry's, else k3s."))).toMatch(
      /does not begin the schema's default/,
    );
    expect(defaultProblem(row('true on kOps', 'Default: true on kOps.'))).toBeUndefined();
    expect(defaultProblem(row("'ingress'", 'Default: ingress, through the ingress controller.'))).toBeUndefined();
    expect(defaultProblem(row("['alertname', 'cluster']", 'Default: alertname, cluster.'))).toBeUndefined();
  });
  test('fails if an optional field has no @default, whatever the schema says', () => {
    expect(defaultProblem({ ...row(undefined, 'Labels.'), optional: true })).toBe(
      'X.f: an optional field without @default (`- none` when unset means nothing). JSDoc @default: (none); schema: Labels.',
    );
    expect(defaultProblem({ ...row('- none', 'Labels.'), optional: true })).toBeUndefined();
    expect(defaultProblem({ ...row(undefined, 'Its name.'), optional: false })).toBeUndefined();
  });
  test('fails if the schema states a default the JSDoc does not, or another value', () => {
    expect(defaultProblem(row(undefined, 'Replicas. Default: 2.'))).toMatch(/the JSDoc has no @default/);
    expect(defaultProblem(row('- the platform', 'Default: k3s.'))).toMatch(/the schema's default "k3s" is not/);
    expect(defaultProblem(row("- the platform's", "Default: the platform's (traefik on k3s)."))).toBeUndefined();
  });
  test('fails if a prose default is in the JSDoc only, unless it says the field is unset', () => {
    expect(defaultProblem(row("- CMM's requests", 'Resources.'))).toMatch(/the JSDoc states a default the schema/);
    expect(defaultProblem(row('- none', 'Labels.'))).toBeUndefined();
  });
});
