import type { Resources, StorageOptions } from './props';
import { volumeClaimTemplate } from './storage';
import { podScheduling, type NodePoolOptions, type SchedulingOptions } from '../scheduling';

/**
 * Slack receiver: one incoming webhook per destination (a Slack app's webhook posts to its own channel and ignores
 * any other), their URLs in an existing Secret, mounted into Alertmanager and read from files.
 */
export interface SlackReceiverOptions {
  /** Existing Secret in the agent's namespace with the webhook URLs. */
  readonly secretName: string;
  /** Key of the webhook URL for warnings. @default 'url' */
  readonly key?: string;
  /** Key of the webhook URL for critical alerts, e.g. the on-call channel's. @default - `key` */
  readonly criticalKey?: string;
}

/**
 * A heartbeat: the Watchdog, which always fires, is sent to this webhook every `interval`, so that a service such as
 * healthchecks.io, Dead Man's Snitch or a PagerDuty heartbeat pages someone when it stops arriving.
 */
export interface HeartbeatOptions {
  /** Existing Secret in the agent's namespace with the heartbeat URL. */
  readonly secretName: string;
  /** @default 'url' */
  readonly key?: string;
  /** How often the Watchdog is sent. @default '1m' */
  readonly interval?: string;
}

/** Alertmanager in a monitored cluster. */
export interface AlertmanagerOptions extends SchedulingOptions {
  /** @default false */
  readonly enabled?: boolean;
  /** Required when enabled. */
  readonly slack?: SlackReceiverOptions;
  /** Where the Watchdog goes. @default - nowhere: a dead pipeline pages nobody */
  readonly heartbeat?: HeartbeatOptions;
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
 * The Alertmanager configuration: alerts grouped by `alertname` and `cluster`; critical alerts to the critical
 * Slack webhook, warnings to the other; the Watchdog to the heartbeat (or, without one, to a receiver that does
 * nothing); `info`/`none` alerts to nobody; a critical alert mutes the warning of the same alert in the same cluster.
 * It holds no secret: the URLs are read from the mounted Secrets (`api_url_file`, `url_file`). Every top-level key of
 * the chart's default configuration is set, so Helm's merge with the chart defaults changes nothing and what
 * `amtool check-config` checks is what runs.
 */
export function alertmanagerConfig(slack: SlackReceiverOptions, heartbeat?: HeartbeatOptions): Record<string, unknown> {
  const file = (secret: string, key: string) => `${ALERTMANAGER_SECRETS_DIR}/${secret}/${key}`;
  const slackReceiver = (name: string, key: string) => ({
    name,
    slack_configs: [
      {
        api_url_file: file(slack.secretName, key),
        send_resolved: true,
        title: SLACK_TITLE,
        text: SLACK_TEXT,
      },
    ],
  });
  const warningKey = slack.key ?? 'url';
  const watchdog = heartbeat
    ? {
        receiver: 'heartbeat',
        matchers: ['alertname = "Watchdog"'],
        group_by: ['alertname', 'cluster'],
        group_wait: '0s',
        group_interval: heartbeat.interval ?? '1m',
        repeat_interval: heartbeat.interval ?? '1m',
      }
    : { receiver: 'null', matchers: ['alertname = "Watchdog"'] };
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: 'slack-warning',
      group_by: GROUP_BY,
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        watchdog,
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
      slackReceiver('slack-critical', slack.criticalKey ?? warningKey),
      slackReceiver('slack-warning', warningKey),
      ...(heartbeat
        ? [
            {
              name: 'heartbeat',
              webhook_configs: [{ url_file: file(heartbeat.secretName, heartbeat.key ?? 'url'), send_resolved: false }],
            },
          ]
        : []),
    ],
    templates: ['/etc/alertmanager/config/*.tmpl'],
  };
}

/** The kube-prometheus-stack `alertmanager` values for these options. */
export function alertmanagerValues(
  options: AlertmanagerOptions | undefined,
  pools: Readonly<Record<string, NodePoolOptions>> = {},
): Record<string, unknown> {
  if (!options?.enabled || !options.slack) return { enabled: false };
  const secrets = [
    ...new Set([options.slack.secretName, ...(options.heartbeat ? [options.heartbeat.secretName] : [])]),
  ];
  const spec: Record<string, unknown> = { secrets, ...podScheduling(options, pools) };
  if (options.storage) spec.storage = volumeClaimTemplate(options.storage);
  if (options.resources) spec.resources = { ...options.resources };
  return { enabled: true, config: alertmanagerConfig(options.slack, options.heartbeat), alertmanagerSpec: spec };
}
