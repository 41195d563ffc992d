import type { IngressExposure, Resources, StorageOptions } from './props';
import { volumeClaimTemplate } from './storage';
import { podScheduling, type NodePoolOptions, type SchedulingOptions } from '../scheduling';
import { normalizeMatcher } from '../alerting/matchers';
import { basicAuthAnnotations, type BasicAuthIngress } from '../ingress-auth';
import { formatPath, ValidationError } from '../inventory/errors';
import { AGENT_DEFAULTS } from './agent-defaults';

/** A credential in an existing Secret of the agent namespace, mounted into Alertmanager and read from the file. */
export interface SecretKeyOptions {
  readonly secretName: string;
  readonly key: string;
}

/** A receiver: where notifications go. At least one kind. */
export interface ReceiverOptions {
  /** Slack incoming webhooks, one per destination. @default - none */
  readonly slack?: readonly (SecretKeyOptions & {
    /** Also notify when the alert resolves. @default true */ readonly sendResolved?: boolean;
  })[];
  /** Microsoft Teams through a Workflows webhook (`msteamsv2_configs`). @default - none */
  readonly msteams?: readonly (SecretKeyOptions & {
    /** Also notify when the alert resolves. @default true */ readonly sendResolved?: boolean;
  })[];
  /** E-mail over SMTP. @default - none */
  readonly email?: readonly {
    readonly to: readonly string[];
    readonly from: string;
    readonly smarthost: string;
    /** SMTP user name (not secret). @default - no authentication */
    readonly username?: string;
    /** The SMTP password (required with `username`). @default - none */
    readonly passwordSecret?: SecretKeyOptions;
    /** @default true */
    readonly requireTls?: boolean;
    /** Also notify when the alert resolves. @default true */
    readonly sendResolved?: boolean;
  }[];
  /** PagerDuty Events API v2: the routing key. @default - none */
  readonly pagerduty?: readonly (SecretKeyOptions & {
    /** Also notify when the alert resolves. @default true */ readonly sendResolved?: boolean;
  })[];
  /** A generic webhook (Alertmanager's webhook JSON). @default - none */
  readonly webhook?: readonly (SecretKeyOptions & {
    /** At most this many alerts per message. @default - all */
    readonly maxAlerts?: number;
    /** Also notify when the alert resolves. @default true */ readonly sendResolved?: boolean;
  })[];
}

/** Alertmanager behind an Ingress with TLS and basic authentication, as Prometheus can be (for Karma). */
export type AlertmanagerExposure = Omit<IngressExposure, 'grafanaCredentialsSecret'> & {
  /** Secret in the central namespace with `username` and `password` for Karma. @default 'alertmanager-<cluster>-basic-auth' */
  readonly karmaCredentialsSecret?: string;
};

/** Name of the Traefik Middleware that enforces basic auth on the Alertmanager Ingress. */
export const ALERTMANAGER_BASIC_AUTH_MIDDLEWARE = 'cmm-alertmanager-basic-auth';

/** How the Alertmanager Ingress enforces basic auth (its annotations, and Traefik's Middleware). */
export function alertmanagerAuth(
  e: AlertmanagerExposure,
  namespace: string,
  platformController: 'traefik' | 'nginx',
): BasicAuthIngress {
  return {
    controller: e.controller ?? platformController,
    namespace,
    middleware: ALERTMANAGER_BASIC_AUTH_MIDDLEWARE,
    secretName: e.basicAuthSecretName,
    realm: 'Alertmanager',
  };
}

/** A route: alerts matching all `matchers` go to `receiver`. */
export interface RouteOptions {
  readonly receiver: string;
  /** Label matchers, all of which an alert must match, e.g. `team="db"`. @default - every alert */
  readonly matchers?: readonly string[];
  /** @default false */
  readonly continue?: boolean;
  /** Labels to group by. @default ['alertname', 'cluster'] */
  readonly groupBy?: readonly string[];
  /** @default '30s' */
  readonly groupWait?: string;
  /** @default '5m' */
  readonly groupInterval?: string;
  /** @default '4h' */
  readonly repeatInterval?: string;
  /** Time intervals (keys of `timeIntervals`) when the route is muted. @default - none: never muted */
  readonly muteTimeIntervals?: readonly string[];
  /** Time intervals (keys of `timeIntervals`) when the route is active. @default - always */
  readonly activeTimeIntervals?: readonly string[];
}

/** One period of a time interval. */
export interface TimeIntervalOptions {
  /** Times of day, e.g. `[{ startTime: '09:00', endTime: '17:00' }]`. @default - every time of day */
  readonly times?: readonly { readonly startTime: string; readonly endTime: string }[];
  /** Days of the week, e.g. `['monday:friday']`. @default - every day of the week */
  readonly weekdays?: readonly string[];
  /** Days of the month, e.g. `['1:7']`, `['-1']`. @default - every day of the month */
  readonly daysOfMonth?: readonly string[];
  /** Months, e.g. `['january:march']`. @default - every month */
  readonly months?: readonly string[];
  /** Years, e.g. `['2026']`. @default - every year */
  readonly years?: readonly string[];
  /** Time zone of `times`. @default 'UTC' */
  readonly location?: string;
}

export interface InhibitRuleOptions {
  readonly sourceMatchers: readonly string[];
  readonly targetMatchers: readonly string[];
  /** @default ['alertname', 'cluster'] */
  readonly equal?: readonly string[];
}

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
  /**
   * Not supported, refused: a Slack app's webhook ignores Alertmanager's `channel`. Put each channel's webhook URL in
   * the Secret and name its key in `key` (warnings) and `criticalKey`.
   * @default - not supported
   */
  readonly channel?: never;
  /** Not supported, refused, as `channel`. @default - not supported */
  readonly criticalChannel?: never;
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
  /**
   * Slack by severity (receivers `slack-critical`, `slack-warning`). Required when enabled without `receivers`.
   * @default - none: no Slack receivers
   */
  readonly slack?: SlackReceiverOptions;
  /** Receivers by name, for `routes`. @default - none */
  readonly receivers?: Readonly<Record<string, ReceiverOptions>>;
  /** Routes by name, tried in order before Slack's severity routes. @default - none */
  readonly routes?: Readonly<Record<string, RouteOptions>>;
  /** Where alerts no route takes go. @default 'slack-warning' (required without `slack`) */
  readonly defaultReceiver?: string;
  /** Named time intervals for routes' `muteTimeIntervals` and `activeTimeIntervals`. @default - none */
  readonly timeIntervals?: Readonly<Record<string, readonly TimeIntervalOptions[]>>;
  /** More inhibition rules, after the built-in one (critical mutes warning). @default - none */
  readonly inhibitRules?: readonly InhibitRuleOptions[];
  /** Where the Watchdog goes. @default - nowhere: a dead pipeline pages nobody */
  readonly heartbeat?: HeartbeatOptions;
  /** An Ingress with TLS and basic auth, for the central Karma. @default - in-cluster only */
  readonly exposure?: AlertmanagerExposure;
  /** @default - none (emptyDir: silences are lost when the pod moves) */
  readonly storage?: StorageOptions;
  /** @default - CMM's requests and memory limit (lib/resource-defaults.ts); replaced as a whole */
  readonly resources?: Resources;
}

/** Where the operator mounts a Secret listed in `alertmanagerSpec.secrets`. */
export const ALERTMANAGER_SECRETS_DIR = '/etc/alertmanager/secrets';

/** Labels alerts are grouped by, and that inhibition compares. */
export const GROUP_BY = [...AGENT_DEFAULTS.alertmanager.route.groupBy];

const SLACK_TITLE =
  '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} in {{ .CommonLabels.cluster }}';
const TEAMS_TEXT =
  '{{ range .Alerts }}**{{ .Annotations.summary }}**\n\n{{ .Annotations.description }}\n\n{{ if .Annotations.runbook_url }}Runbook: {{ .Annotations.runbook_url }}\n\n{{ end }}{{ end }}';
const SLACK_TEXT =
  '{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n{{ if .Annotations.runbook_url }}Runbook: {{ .Annotations.runbook_url }}\n{{ end }}{{ end }}';

/** Receivers that exist without being declared: nobody (`null`), and with Slack its two severity receivers. */
function builtInReceivers(o: AlertmanagerOptions): string[] {
  return ['null', ...(o.slack ? ['slack-critical', 'slack-warning'] : [])];
}

/**
 * Throws a {@link ValidationError} of `subject` listing {@link alertmanagerProblems}, each as
 * `<prefix>alertmanager.routes.r.muteTimeIntervals[0]: <message>` (the inventory's form).
 */
export function checkAlertmanager(o: AlertmanagerOptions, subject: string, prefix = ''): void {
  const problems = alertmanagerProblems(o);
  if (problems.length > 0) {
    throw new ValidationError(
      subject,
      problems.map(([p, m]) => `${prefix}${formatPath(['alertmanager', ...p])}: ${m}`),
    );
  }
}

/**
 * What a receiver, route or time interval refers to that does not exist, as `[path under alertmanager, message]`:
 * a route to an unknown receiver, an unknown time interval, a receiver name that shadows a built-in one.
 */
export function alertmanagerProblems(o: AlertmanagerOptions): [(string | number)[], string][] {
  const problems: [(string | number)[], string][] = [];
  if (o.enabled && !o.slack && !o.receivers) {
    problems.push([
      ['slack'],
      'is required; expected a slack receiver, or receivers and routes, when Alertmanager is enabled',
    ]);
  }
  if (o.enabled && !o.slack && o.receivers && !o.defaultReceiver) {
    problems.push([
      ['defaultReceiver'],
      'is required; expected the receiver of the alerts no route takes (a key of receivers), as there is no slack receiver',
    ]);
  }
  const builtIn = builtInReceivers(o);
  const receivers = new Set([...builtIn, ...Object.keys(o.receivers ?? {})]);
  const known = [...receivers].map((r) => JSON.stringify(r)).join(', ');
  for (const name of Object.keys(o.receivers ?? {})) {
    if (['null', 'slack-critical', 'slack-warning', 'heartbeat'].includes(name)) {
      problems.push([
        ['receivers', name],
        `${JSON.stringify(name)} is a built-in receiver's name; expected another name`,
      ]);
    }
  }
  for (const [name, route] of Object.entries(o.routes ?? {})) {
    if (!receivers.has(route.receiver)) {
      problems.push([
        ['routes', name, 'receiver'],
        `${JSON.stringify(route.receiver)} is not a receiver; expected one of ${known}`,
      ]);
    }
    for (const key of ['muteTimeIntervals', 'activeTimeIntervals'] as const) {
      (route[key] ?? []).forEach((interval, i) => {
        if (!o.timeIntervals?.[interval]) {
          const defined = Object.keys(o.timeIntervals ?? {});
          problems.push([
            ['routes', name, key, i],
            `${JSON.stringify(interval)} is not a time interval; expected ${defined.length > 0 ? `one of ${defined.map((d) => JSON.stringify(d)).join(', ')}` : 'a key of alertmanager.timeIntervals'}`,
          ]);
        }
      });
    }
  }
  if (o.defaultReceiver !== undefined && !receivers.has(o.defaultReceiver)) {
    problems.push([
      ['defaultReceiver'],
      `${JSON.stringify(o.defaultReceiver)} is not a receiver; expected one of ${known}`,
    ]);
  }
  return problems;
}

const file = (secret: string, key: string) => `${ALERTMANAGER_SECRETS_DIR}/${secret}/${key}`;

/** A receiver of the configuration: every credential read from its mounted Secret (`*_file`), never written. */
function receiverConfig(name: string, r: ReceiverOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { name };
  const resolved = (c: { sendResolved?: boolean }) => c.sendResolved ?? AGENT_DEFAULTS.alertmanager.sendResolved;
  if (r.slack?.length) {
    out.slack_configs = r.slack.map((c) => ({
      api_url_file: file(c.secretName, c.key),
      send_resolved: resolved(c),
      title: SLACK_TITLE,
      text: SLACK_TEXT,
    }));
  }
  if (r.msteams?.length) {
    out.msteamsv2_configs = r.msteams.map((c) => ({
      webhook_url_file: file(c.secretName, c.key),
      send_resolved: resolved(c),
      title: SLACK_TITLE,
      text: TEAMS_TEXT,
    }));
  }
  if (r.email?.length) {
    out.email_configs = r.email.map((c) => ({
      to: c.to.join(', '),
      from: c.from,
      smarthost: c.smarthost,
      ...(c.username && c.passwordSecret
        ? { auth_username: c.username, auth_password_file: file(c.passwordSecret.secretName, c.passwordSecret.key) }
        : {}),
      require_tls: c.requireTls ?? true,
      send_resolved: resolved(c),
      headers: { Subject: SLACK_TITLE },
    }));
  }
  if (r.pagerduty?.length) {
    out.pagerduty_configs = r.pagerduty.map((c) => ({
      routing_key_file: file(c.secretName, c.key),
      send_resolved: resolved(c),
      description: '{{ .CommonLabels.alertname }} in {{ .CommonLabels.cluster }}: {{ .CommonAnnotations.summary }}',
      severity: '{{ if eq .CommonLabels.severity "critical" }}critical{{ else }}warning{{ end }}',
    }));
  }
  if (r.webhook?.length) {
    out.webhook_configs = r.webhook.map((c) => ({
      url_file: file(c.secretName, c.key),
      send_resolved: resolved(c),
      ...(c.maxAlerts !== undefined ? { max_alerts: c.maxAlerts } : {}),
    }));
  }
  return out;
}

function routeConfig(r: RouteOptions): Record<string, unknown> {
  return {
    receiver: r.receiver,
    ...(r.matchers?.length ? { matchers: r.matchers.map(normalizeMatcher) } : {}),
    ...(r.groupBy ? { group_by: [...r.groupBy] } : {}),
    ...(r.groupWait ? { group_wait: r.groupWait } : {}),
    ...(r.groupInterval ? { group_interval: r.groupInterval } : {}),
    ...(r.repeatInterval ? { repeat_interval: r.repeatInterval } : {}),
    ...(r.muteTimeIntervals?.length ? { mute_time_intervals: [...r.muteTimeIntervals] } : {}),
    ...(r.activeTimeIntervals?.length ? { active_time_intervals: [...r.activeTimeIntervals] } : {}),
    ...(r.continue ? { continue: true } : {}),
  };
}

function timeIntervalConfig(t: TimeIntervalOptions): Record<string, unknown> {
  return {
    ...(t.times ? { times: t.times.map((x) => ({ start_time: x.startTime, end_time: x.endTime })) } : {}),
    ...(t.weekdays ? { weekdays: [...t.weekdays] } : {}),
    ...(t.daysOfMonth ? { days_of_month: [...t.daysOfMonth] } : {}),
    ...(t.months ? { months: [...t.months] } : {}),
    ...(t.years ? { years: [...t.years] } : {}),
    ...(t.location ? { location: t.location } : {}),
  };
}

/**
 * The Alertmanager configuration: alerts grouped by `alertname` and `cluster`. The Watchdog goes to the heartbeat
 * (or, without one, to a receiver that does nothing); `info`/`none` alerts to nobody; then the inventory's routes in
 * order; then, with Slack, critical alerts to the critical webhook and warnings to the other; the rest to
 * `defaultReceiver`. A critical alert mutes the warning of the same alert in the same cluster, and the inventory's
 * inhibition rules follow. It holds no secret: every credential is read from a mounted Secret (`*_file`). Every
 * top-level key of the chart's default configuration is set, so Helm's merge with the chart defaults changes nothing
 * and what `amtool check-config` checks is what runs.
 */
export function alertmanagerConfig(
  slackOrOptions: SlackReceiverOptions | AlertmanagerOptions,
  heartbeat?: HeartbeatOptions,
): Record<string, unknown> {
  const o: AlertmanagerOptions =
    'secretName' in slackOrOptions ? { enabled: true, slack: slackOrOptions, heartbeat } : slackOrOptions;
  checkAlertmanager(o, 'alertmanager');
  const slack = o.slack;
  const hb = o.heartbeat;
  const slackReceiver = (name: string, key: string) =>
    receiverConfig(name, { slack: [{ secretName: slack!.secretName, key }] });
  const warningKey = slack?.key ?? AGENT_DEFAULTS.alertmanager.slackKey;
  const watchdog = hb
    ? {
        receiver: 'heartbeat',
        matchers: ['alertname = "Watchdog"'],
        group_by: ['alertname', 'cluster'],
        group_wait: '0s',
        group_interval: hb.interval ?? AGENT_DEFAULTS.alertmanager.heartbeat.interval,
        repeat_interval: hb.interval ?? AGENT_DEFAULTS.alertmanager.heartbeat.interval,
      }
    : { receiver: 'null', matchers: ['alertname = "Watchdog"'] };
  const timeIntervals = Object.entries(o.timeIntervals ?? {});
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: o.defaultReceiver ?? AGENT_DEFAULTS.alertmanager.defaultReceiver,
      group_by: GROUP_BY,
      group_wait: AGENT_DEFAULTS.alertmanager.route.groupWait,
      group_interval: AGENT_DEFAULTS.alertmanager.route.groupInterval,
      repeat_interval: AGENT_DEFAULTS.alertmanager.route.repeatInterval,
      routes: [
        watchdog,
        // Info alerts (and the chart's InfoInhibitor, which always fires) reach nobody, whatever their team.
        { receiver: 'null', matchers: ['severity =~ "info|none"'] },
        ...Object.values(o.routes ?? {}).map(routeConfig),
        ...(slack
          ? [
              { receiver: 'slack-critical', matchers: ['severity = "critical"'] },
              { receiver: 'slack-warning', matchers: ['severity = "warning"'] },
            ]
          : []),
      ],
    },
    inhibit_rules: [
      { source_matchers: ['severity = "critical"'], target_matchers: ['severity = "warning"'], equal: GROUP_BY },
      ...(o.inhibitRules ?? []).map((r) => ({
        source_matchers: r.sourceMatchers.map(normalizeMatcher),
        target_matchers: r.targetMatchers.map(normalizeMatcher),
        equal: [...(r.equal ?? GROUP_BY)],
      })),
    ],
    receivers: [
      { name: 'null' },
      ...(slack
        ? [slackReceiver('slack-critical', slack.criticalKey ?? warningKey), slackReceiver('slack-warning', warningKey)]
        : []),
      ...(hb
        ? [
            {
              name: 'heartbeat',
              webhook_configs: [
                {
                  url_file: file(hb.secretName, hb.key ?? AGENT_DEFAULTS.alertmanager.heartbeat.key),
                  send_resolved: false,
                },
              ],
            },
          ]
        : []),
      ...Object.entries(o.receivers ?? {}).map(([name, r]) => receiverConfig(name, r)),
    ],
    ...(timeIntervals.length > 0
      ? {
          time_intervals: timeIntervals.map(([name, periods]) => ({
            name,
            time_intervals: periods.map(timeIntervalConfig),
          })),
        }
      : {}),
    templates: ['/etc/alertmanager/config/*.tmpl'],
  };
}

/** Every Secret an Alertmanager reads credentials from (mounted under {@link ALERTMANAGER_SECRETS_DIR}). */
export function alertmanagerSecrets(o: AlertmanagerOptions): string[] {
  const names = [
    ...(o.slack ? [o.slack.secretName] : []),
    ...(o.heartbeat ? [o.heartbeat.secretName] : []),
    ...Object.values(o.receivers ?? {}).flatMap((r) => [
      ...(r.slack ?? []).map((c) => c.secretName),
      ...(r.msteams ?? []).map((c) => c.secretName),
      ...(r.email ?? []).flatMap((c) => (c.passwordSecret ? [c.passwordSecret.secretName] : [])),
      ...(r.pagerduty ?? []).map((c) => c.secretName),
      ...(r.webhook ?? []).map((c) => c.secretName),
    ]),
  ];
  return [...new Set(names)];
}

/** The kube-prometheus-stack `alertmanager` values for these options. */
export function alertmanagerValues(
  options: AlertmanagerOptions | undefined,
  pools: Readonly<Record<string, NodePoolOptions>> = {},
  namespace: string = AGENT_DEFAULTS.namespace,
  platformController: 'traefik' | 'nginx' = 'traefik',
): Record<string, unknown> {
  if (!options?.enabled) return { enabled: false };
  const secrets = alertmanagerSecrets(options);
  const spec: Record<string, unknown> = { secrets, ...podScheduling(options, pools) };
  if (options.storage) spec.storage = volumeClaimTemplate(options.storage);
  if (options.resources) spec.resources = { ...options.resources };
  const e = options.exposure;
  if (!e) return { enabled: true, config: alertmanagerConfig(options), alertmanagerSpec: spec };
  // Links in notifications and Karma's point at the Ingress.
  spec.externalUrl = `https://${e.host}/`;
  const annotations = basicAuthAnnotations(alertmanagerAuth(e, namespace, platformController));
  return {
    enabled: true,
    config: alertmanagerConfig(options),
    alertmanagerSpec: spec,
    ingress: {
      enabled: true,
      ...(e.ingressClassName ? { ingressClassName: e.ingressClassName } : {}),
      annotations,
      hosts: [e.host],
      paths: ['/'],
      tls: [{ secretName: e.tlsSecretName, hosts: [e.host] }],
    },
  };
}
