/** Prometheus rules as data: what a rule file's `groups[].rules[]` holds. */

/** Alert severities, in the order Alertmanager routes and inhibits them. */
export type Severity = 'critical' | 'warning' | 'info' | 'none';

/** An alerting rule. */
export interface AlertRule {
  /** Alert name, e.g. `KubePodCrashLooping`. */
  readonly alert: string;
  /** PromQL expression; every series it returns is an alert. */
  readonly expr: string;
  /** How long the expression must hold before the alert fires, e.g. `'15m'`. @default - fires at once */
  readonly for?: string;
  /** Labels added to the alert; `severity` is expected by the Alertmanager routes. @default - none */
  readonly labels?: Record<string, string>;
  /** `summary`, `description` and `runbook_url` at least, for the built-in alerts. @default - none */
  readonly annotations?: Record<string, string>;
}

/** A recording rule. */
export interface RecordingRule {
  /** Name of the recorded series, e.g. `job:http_requests:rate5m`. */
  readonly record: string;
  readonly expr: string;
  /** @default - none */
  readonly labels?: Record<string, string>;
}

export type Rule = AlertRule | RecordingRule;

/** A rule group: rules evaluated together, at one interval. */
export interface RuleGroup {
  readonly name: string;
  /** @default - the Prometheus evaluation interval */
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

export function isAlertRule(rule: Rule): rule is AlertRule {
  return (rule as AlertRule).alert !== undefined;
}
