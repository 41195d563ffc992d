import type { Resources, StorageOptions } from './props';
import { volumeClaimTemplate } from './storage';

/** Slack receiver; the webhook URL stays in an existing Secret, mounted into Alertmanager and read from a file. */
export interface SlackReceiverOptions {
  /** Existing Secret in the agent's namespace with the webhook URL. */
  readonly secretName: string;
  /** Key of the URL in the Secret. @default 'url' */
  readonly key?: string;
  /** Channel for warnings. @default - the webhook's own channel */
  readonly channel?: string;
  /** Channel for critical alerts. @default - `channel` */
  readonly criticalChannel?: string;
}

/** Alertmanager in a monitored cluster. */
export interface AlertmanagerOptions {
  /** @default false */
  readonly enabled?: boolean;
  /** Required when enabled. */
  readonly slack?: SlackReceiverOptions;
  /** @default - none (emptyDir: silences are lost when the pod moves) */
  readonly storage?: StorageOptions;
  /** @default - the chart's */
  readonly resources?: Resources;
}

/** Where the operator mounts a Secret listed in `alertmanagerSpec.secrets`. */
export const ALERTMANAGER_SECRETS_DIR = '/etc/alertmanager/secrets';

/** Labels alerts are grouped by, and that inhibition compares. */
export const GROUP_BY = ['alertname', 'cluster'];

const SLACK_TITLE =
  '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} in {{ .CommonLabels.cluster }}';
const SLACK_TEXT =
  '{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n{{ if .Annotations.runbook_url }}Runbook: {{ .Annotations.runbook_url }}\n{{ end }}{{ end }}';

/**
 * The Alertmanager configuration: alerts grouped by `alertname` and `cluster`; critical and warning alerts to
 * Slack; the Watchdog (and `info`/`none` alerts) to a receiver that does nothing, so it never pages; a critical alert
 * mutes the warning of the same alert in the same cluster. It holds no secret: the Slack URL is read from
 * `api_url_file`. Every top-level key of the chart's default configuration is set, so Helm's merge with the chart
 * defaults changes nothing and what `amtool check-config` checks is what runs.
 */
export function alertmanagerConfig(slack: SlackReceiverOptions): Record<string, unknown> {
  const urlFile = `${ALERTMANAGER_SECRETS_DIR}/${slack.secretName}/${slack.key ?? 'url'}`;
  const slackReceiver = (name: string, channel: string | undefined) => ({
    name,
    slack_configs: [
      {
        api_url_file: urlFile,
        ...(channel ? { channel } : {}),
        send_resolved: true,
        title: SLACK_TITLE,
        text: SLACK_TEXT,
      },
    ],
  });
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: 'slack-warning',
      group_by: GROUP_BY,
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { receiver: 'null', matchers: ['alertname = "Watchdog"'] },
        { receiver: 'slack-critical', matchers: ['severity = "critical"'] },
        { receiver: 'slack-warning', matchers: ['severity = "warning"'] },
        { receiver: 'null', matchers: ['severity =~ "info|none"'] },
      ],
    },
    inhibit_rules: [
      { source_matchers: ['severity = "critical"'], target_matchers: ['severity = "warning"'], equal: GROUP_BY },
    ],
    receivers: [
      { name: 'null' },
      slackReceiver('slack-critical', slack.criticalChannel ?? slack.channel),
      slackReceiver('slack-warning', slack.channel),
    ],
    templates: ['/etc/alertmanager/config/*.tmpl'],
  };
}

/** The kube-prometheus-stack `alertmanager` values for these options. */
export function alertmanagerValues(options: AlertmanagerOptions | undefined): Record<string, unknown> {
  if (!options?.enabled || !options.slack) return { enabled: false };
  const spec: Record<string, unknown> = { secrets: [options.slack.secretName] };
  if (options.storage) spec.storage = volumeClaimTemplate(options.storage);
  if (options.resources) spec.resources = { ...options.resources };
  return { enabled: true, config: alertmanagerConfig(options.slack), alertmanagerSpec: spec };
}
