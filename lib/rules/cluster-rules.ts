import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { toYaml } from '../output/yaml';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import { applyStage, Stage } from '../output/stages';
import * as z from 'zod';
import { clusterConfigShape, promqlExpectation, rulesSettings, templateExpectation } from '../inventory/schema';
import { formatPath, invalid, validate } from '../inventory/errors';
import { isPrevalidated, namespaceProp } from '../inventory/props';
import { builtInRuleGroups, type RulePacksOptions, type RuleSelectors } from './packs';
import { isAlertRule, type Rule, type RuleGroup } from './types';
import { compareStrings } from '../compare';

/** Template checks, by text: a fleet repeats the same annotations in every cluster. */
const templateChecks = new Map<string, string | undefined>();
function checkTemplate(text: string): string | undefined {
  if (templateChecks.has(text)) return templateChecks.get(text);
  const expected = templateExpectation(text);
  templateChecks.set(text, expected);
  return expected;
}

/** A rule group as added by a user: rules and an optional interval. */
export interface RuleGroupOptions {
  /** @default - the Prometheus evaluation interval */
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

export interface ClusterRulesProps {
  readonly clusterName: string;
  /** Namespace of the PrometheusRule objects. */
  readonly namespace: string;
  /** Settings of the built-in packs. @default - every pack on, with its defaults */
  readonly packs?: RulePacksOptions;
  /** @default - kube-prometheus-stack's job selectors */
  readonly selectors?: RuleSelectors;
  /** @default 'https://runbooks.prometheus-operator.dev/runbooks' */
  readonly runbookBaseUrl?: string;
  /** Whether the cluster runs kube-state-metrics (packs that need it are left out without it). */
  readonly kubeStateMetrics: boolean;
  /** Whether the cluster runs node-exporter. */
  readonly nodeExporter: boolean;
  /** Your own rule groups, by name. More with `addGroup()`. @default - none */
  readonly groups?: Readonly<Record<string, RuleGroupOptions>>;
}

/** Name of the PrometheusRule holding the built-in packs. */
export const BUILTIN_RULES_NAME = 'cmm-builtin-rules';
/** Name of the PrometheusRule holding the user's groups. */
export const CUSTOM_RULES_NAME = 'cmm-custom-rules';

/** The props' schema: a cluster's `rules` (the inventory's), and what its ClusterAgent hands on. */
export const CLUSTER_RULES_PROPS = rulesSettings.extend({
  clusterName: clusterConfigShape.shape.name,
  namespace: namespaceProp,
  kubeStateMetrics: z.boolean(),
  nodeExporter: z.boolean(),
});

/**
 * A cluster's Prometheus rules, as PrometheusRule objects: the built-in packs (`cmm-builtin-rules`) and the user's
 * groups (`cmm-custom-rules`). Every rule gets the label `cluster`, and every expression is parsed at synth time: an
 * invalid one fails the synth with the construct path, the rule, the expression and the parser's message.
 */
export class ClusterRules extends Construct {
  public readonly clusterName: string;
  /** The built-in groups, as evaluated. */
  public readonly builtInGroups: readonly RuleGroup[];
  private readonly custom = new Map<string, RuleGroup>();
  private readonly namespace: string;
  private customResource?: PrometheusRule;

  constructor(scope: Construct, id: string, props: ClusterRulesProps) {
    super(scope, id);
    // A ClusterAgent hands on props it validated (as its `rules`).
    if (!isPrevalidated(props))
      validate(CLUSTER_RULES_PROPS, props, `ClusterRules "${props.clusterName}"`, { prefix: 'props.' });
    this.clusterName = props.clusterName;
    this.namespace = props.namespace;
    this.builtInGroups = builtInRuleGroups(props.packs ?? {}, {
      clusterName: props.clusterName,
      kubeStateMetrics: props.kubeStateMetrics,
      nodeExporter: props.nodeExporter,
      runbookBaseUrl: props.runbookBaseUrl,
      selectors: props.selectors,
    }).map((g) => this.checked(g, `built-in rule group ${JSON.stringify(g.name)}`));
    if (this.builtInGroups.length > 0) {
      const builtIn = new PrometheusRule(this, 'BuiltIn', {
        metadata: {
          name: BUILTIN_RULES_NAME,
          namespace: this.namespace,
          labels: { 'app.kubernetes.io/managed-by': 'cmm' },
        },
        spec: { groups: this.builtInGroups.map((g) => this.toSpec(g)) },
      });
      applyStage(builtIn, Stage.CUSTOM_RESOURCES);
    }
    for (const [name, group] of Object.entries(props.groups ?? {})) {
      const at = formatPath([name], 'props.groups');
      this.add(name, group, { name: at, group: at });
    }
  }

  /**
   * Adds a rule group. Throws on a duplicate name, invalid PromQL, or an alert label or annotation Prometheus cannot
   * expand (a Go template that does not parse).
   */
  public addGroup(name: string, options: RuleGroupOptions): RuleGroup {
    return this.add(name, options, { name: 'addGroup(name)', group: `addGroup(${JSON.stringify(name)}, options)` });
  }

  /** {@link addGroup}; `at` is where the name and the group were given, for errors. */
  private add(name: string, options: RuleGroupOptions, at: { name: string; group: string }): RuleGroup {
    if (this.custom.has(name) || this.builtInGroups.some((g) => g.name === name)) {
      throw invalid(this.subject, at.name, name, 'a name no other rule group of the cluster has (built-in or added)');
    }
    const group = this.checked(
      {
        name,
        ...(options.interval ? { interval: options.interval } : {}),
        rules: options.rules,
      },
      at.group,
    );
    this.custom.set(name, group);
    if (!this.customResource) {
      this.customResource = new PrometheusRule(this, 'Custom', {
        metadata: {
          name: CUSTOM_RULES_NAME,
          namespace: this.namespace,
          labels: { 'app.kubernetes.io/managed-by': 'cmm' },
        },
        spec: { groups: Lazy.any({ produce: () => this.customGroups.map((g) => this.toSpec(g)) }) },
      });
      applyStage(this.customResource, Stage.CUSTOM_RESOURCES);
    }
    return group;
  }

  /** The user's groups, sorted by name. */
  public get customGroups(): RuleGroup[] {
    return [...this.custom.values()].sort((a, b) => compareStrings(a.name, b.name));
  }

  /** Every group as it is deployed (with the `cluster` label), e.g. to write a rule file for promtool. */
  public get allGroups(): RuleGroup[] {
    return [...this.builtInGroups, ...this.customGroups].map((g) => ({
      ...g,
      rules: g.rules.map((r) => this.labelled(r)),
    }));
  }

  /** The groups as a Prometheus rule file (what `promtool check rules` reads). */
  public toRuleFile(): string {
    return renderRuleFile(this.allGroups);
  }

  private labelled(rule: Rule): Rule {
    return { ...rule, labels: { ...(rule.labels ?? {}), cluster: this.clusterName } };
  }

  /** `ClusterRules "<cluster>"`: what its errors start with. */
  private get subject(): string {
    return `ClusterRules ${JSON.stringify(this.clusterName)}`;
  }

  /** Checks a group's rules; `at` is where the group was given (`addGroup("app", options)`), for errors. */
  private checked(group: RuleGroup, at: string): RuleGroup {
    group.rules.forEach((rule, i) => {
      const where = `${at}.rules[${i}]`;
      // The inventory's messages: the field, the value and what was expected.
      const expr = promqlExpectation(rule.expr);
      if (expr) throw invalid(this.subject, `${where}.expr`, rule.expr, expr);
      if (!isAlertRule(rule)) return;
      // Prometheus expands an alert's labels and annotations as Go templates; one that does not parse drops the group.
      for (const [field, map] of [
        ['labels', rule.labels],
        ['annotations', rule.annotations],
      ] as const) {
        for (const [key, text] of Object.entries(map ?? {})) {
          const template = checkTemplate(text);
          if (template) throw invalid(this.subject, formatPath([field, key], where), text, template);
        }
      }
    });
    return group;
  }

  private toSpec(group: RuleGroup) {
    return {
      name: group.name,
      ...(group.interval ? { interval: group.interval } : {}),
      rules: group.rules.map((r) => {
        const rule = this.labelled(r);
        return isAlertRule(rule)
          ? {
              alert: rule.alert,
              expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr),
              ...(rule.for ? { for: rule.for } : {}),
              labels: rule.labels,
              ...(rule.annotations ? { annotations: rule.annotations } : {}),
            }
          : { record: rule.record, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr), labels: rule.labels };
      }),
    };
  }
}

/** A Prometheus rule file (`groups:`) for the given groups. */
export function renderRuleFile(groups: readonly RuleGroup[]): string {
  return toYaml({ groups });
}
