/**
 * Receivers, routes, time intervals, inhibition and namespace owners of a cluster's Alertmanager: the configuration
 * CMM writes for the bundled example's kafka-prod, checked by the real amtool (0.28 or newer, as the clusters' 0.34 reads it)
 * and routed by `amtool config routes test`; each receiver's fields; the errors for what cannot work.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { Testing } from 'cdk8s';
import { alertmanagerConfig, ClusterAgent, namespaceOwnerRelabelings } from '../lib';
import { parseMatcher } from '../lib/alerting/matchers';
import { buildFleet, byKindName, helmValues, inventoryProblems, ROOT } from './support/example';
import { describeWithAmtool } from './support/tools';

const example = fs.readFileSync(path.join(ROOT, 'cmm.yaml'), 'utf8');
const { fleet } = buildFleet();
const kafka = fleet.agents.find((a) => a.clusterName === 'kafka-prod')!;
const values = helmValues(byKindName(kafka.node.scope as never).get('HelmChart/cmm-agent')!);
const config = values.alertmanager.config;

describe('the example routing tree (kafka-prod)', () => {
  test('every credential is a mounted file of a listed Secret', () => {
    const receivers = Object.fromEntries(config.receivers.map((r: any) => [r.name, r]));
    expect(receivers['team-data'].msteamsv2_configs).toEqual([
      expect.objectContaining({
        webhook_url_file: '/etc/alertmanager/secrets/alertmanager-teams/data-workflow-url',
        send_resolved: true,
      }),
    ]);
    expect(receivers['team-data'].email_configs).toEqual([
      expect.objectContaining({
        to: 'data-team@example.com',
        from: 'alertmanager@example.com',
        smarthost: 'smtp.example.com:587',
        auth_username: 'alertmanager',
        auth_password_file: '/etc/alertmanager/secrets/alertmanager-smtp/password',
        require_tls: true,
      }),
    ]);
    expect(receivers.oncall.pagerduty_configs).toEqual([
      expect.objectContaining({ routing_key_file: '/etc/alertmanager/secrets/alertmanager-pagerduty/routing-key' }),
    ]);
    expect(receivers['team-web'].slack_configs).toEqual([
      expect.objectContaining({ api_url_file: '/etc/alertmanager/secrets/alertmanager-slack/web-alerts-url' }),
    ]);
    expect(values.alertmanager.alertmanagerSpec.secrets).toEqual([
      'alertmanager-slack',
      'alertmanager-heartbeat',
      'alertmanager-teams',
      'alertmanager-smtp',
      'alertmanager-pagerduty',
    ]);
  });

  test('time intervals and inhibition rules are written as Alertmanager reads them', () => {
    expect(config.time_intervals).toEqual([
      {
        name: 'working-hours',
        time_intervals: [
          {
            times: [{ start_time: '08:00', end_time: '18:00' }],
            weekdays: ['monday:friday'],
            location: 'Europe/Berlin',
          },
        ],
      },
      {
        name: 'maintenance',
        time_intervals: [
          { times: [{ start_time: '02:00', end_time: '04:00' }], weekdays: ['sunday'], location: 'Europe/Berlin' },
        ],
      },
    ]);
    expect(config.inhibit_rules[1]).toEqual({
      source_matchers: ['alertname = "KubeAPIDown"'],
      target_matchers: ['severity = "warning"'],
      equal: ['cluster'],
    });
  });

  test('namespace owners label the alerts of their namespaces that have no team, the first owner winning', () => {
    expect(values.prometheus.prometheusSpec.additionalAlertRelabelConfigs).toEqual(
      namespaceOwnerRelabelings({ kafka: 'data', 'schema-registry|zookeeper': 'data', 'web-.*': 'web' }),
    );
    expect(namespaceOwnerRelabelings({ 'web-.*': 'web' })).toEqual([
      {
        source_labels: ['team', 'namespace'],
        separator: ';',
        regex: ';(?:web-.*)',
        target_label: 'team',
        replacement: 'web',
        action: 'replace',
      },
    ]);
  });
});

describeWithAmtool('the example routing tree in amtool', (bin) => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-am-routing-'));
    fs.writeFileSync(path.join(dir, 'alertmanager.yaml'), stringify(config));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) => {
    const r = spawnSync(bin, args, { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    return { status: r.status, output: `${r.stdout}${r.stderr}`, stdout: r.stdout };
  };

  test('amtool check-config accepts it', () => {
    const r = run('check-config', 'alertmanager.yaml');
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  test.each([
    ['severity=critical team=data', 'oncall,team-data'],
    ['severity=warning team=data', 'team-data'],
    ['severity=critical team=web', 'oncall,team-web'],
    ['severity=warning team=web', 'team-web'],
    ['severity=warning', 'slack-warning'],
    ['severity=critical', 'oncall,slack-critical'],
    ['alertname=Watchdog severity=none', 'heartbeat'],
    // The chart's InfoInhibitor always fires; an owned namespace gives it a team, and still nobody is told.
    ['alertname=InfoInhibitor severity=none team=data', 'null'],
    ['alertname=Other', 'slack-warning'],
  ])('an alert %s goes to %s', (labels, receivers) => {
    const r = run('config', 'routes', 'test', '--config.file=alertmanager.yaml', ...labels.split(' '));
    expect([r.stdout.trim(), r.status]).toEqual([receivers, 0]);
  });
});

describe('routing errors', () => {
  const kafkaAt = example.indexOf('  - name: kafka-prod');
  const withKafka = (yaml: string) =>
    `${example.slice(0, kafkaAt)}${example.slice(kafkaAt).replace('    alertmanager:\n      enabled: true\n', `    alertmanager:\n      enabled: true\n${yaml}`)}`;

  test('a route to a receiver that does not exist, named with the receivers there are', () => {
    const problems = inventoryProblems(
      withKafka('      routes:\n        db:\n          receiver: team-db\n          matchers: [\'team="db"\']\n'),
      'cmm.yaml',
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /clusters\[2\]\.alertmanager\.routes\.db\.receiver: "team-db" is not a receiver; expected one of "null", "slack-critical", "slack-warning", "team-data", "team-web", "oncall" \(kafka-prod, after merging defaults\)$/,
      ),
    ]);
  });

  test('a time interval that does not exist', () => {
    const problems = inventoryProblems(
      withKafka('      routes:\n        db:\n          receiver: oncall\n          muteTimeIntervals: [holidays]\n'),
      'cmm.yaml',
    );
    expect(problems.join('\n')).toMatch(
      /clusters\[2\]\.alertmanager\.routes\.db\.muteTimeIntervals\[0\]: "holidays" is not a time interval; expected one of "working-hours", "maintenance"/,
    );
  });

  test('a receiver without the key of its Secret, and one with no destination', () => {
    const problems = inventoryProblems(
      withKafka(
        '      receivers:\n        db:\n          webhook:\n            - { secretName: db-hook }\n        empty: {}\n',
      ),
      'cmm.yaml',
    ).join('\n');
    expect(problems).toMatch(/clusters\[2\]\.alertmanager\.receivers\.db\.webhook\[0\]\.key: is required/);
    expect(problems).toMatch(
      /clusters\[2\]\.alertmanager\.receivers\.empty: .*expected at least one of slack, msteams, email, pagerduty, webhook/,
    );
  });

  test('a bad matcher, and a matcher with a bad regular expression', () => {
    const problems = inventoryProblems(
      withKafka(
        '      routes:\n        db:\n          receiver: oncall\n          matchers: [\'team=="db"\', \'namespace=~"kafka("\']\n',
      ),
      'cmm.yaml',
    ).join('\n');
    expect(problems).toMatch(
      /routes\.db\.matchers\[0\]: "team==\\"db\\"" is not valid; expected a matcher: a label name, one of = != =~ !~/,
    );
    expect(problems).toMatch(
      /routes\.db\.matchers\[1\]: .* is not valid; expected a matcher with a valid regular expression; "kafka\(": missing closing \)/,
    );
  });

  test('without Slack, a default receiver is required; SMTP user name and password come together', () => {
    const noSlack = example.replace(
      /      slack:\n        secretName: alertmanager-slack\n        key: kafka-alerts-url\n        criticalKey: kafka-oncall-url\n/,
      '',
    );
    expect(noSlack).not.toBe(example);
    expect(inventoryProblems(noSlack, 'cmm.yaml').join('\n')).toMatch(
      /clusters\[2\]\.alertmanager\.defaultReceiver: is required; expected the receiver of the alerts no route takes \(a key of receivers\), as there is no slack receiver \(kafka-prod, after merging defaults\)/,
    );
    expect(
      inventoryProblems(example.replace('            username: alertmanager\n', ''), 'cmm.yaml').join('\n'),
    ).toMatch(
      /alertmanager\.receivers\.team-data\.email\[0\]\.username: .*expected username and passwordSecret together/,
    );
  });

  test('the matcher parser reads what Alertmanager reads', () => {
    expect(parseMatcher('severity="critical"').matcher).toEqual({ name: 'severity', op: '=', value: 'critical' });
    expect(parseMatcher(' team = db ').matcher).toEqual({ name: 'team', op: '=', value: 'db' });
    expect(parseMatcher('namespace!~"kube-.*|default"').matcher).toEqual({
      name: 'namespace',
      op: '!~',
      value: 'kube-.*|default',
    });
    expect(parseMatcher('summary="a \\"quoted\\" word"').matcher?.value).toBe('a "quoted" word');
    expect(parseMatcher('1team="x"').problem).toBeDefined();
    expect(parseMatcher('team="x').problem).toBeDefined();
  });

  test('an e-mail address with a template in it is refused (Alertmanager would expand it)', () => {
    expect(
      inventoryProblems(
        example.replace('to: [data-team@example.com]', 'to: ["{{ .CommonLabels.team }}@example.com"]'),
        'cmm.yaml',
      ).join('\n'),
    ).toMatch(/alertmanager\.receivers\.team-data\.email\[0\]\.to\[0\]: .* is not valid; expected an e-mail address/);
  });

  test('the TypeScript API refuses a route to an unknown receiver too', () => {
    expect(() =>
      alertmanagerConfig({
        enabled: true,
        receivers: { a: { webhook: [{ secretName: 's', key: 'k' }] } },
        routes: { r: { receiver: 'b' } },
        defaultReceiver: 'a',
      }),
    ).toThrow(/alertmanager\.routes\.r\.receiver: "b" is not a receiver; expected one of "null", "a"/);
  });
});

describe('one message for a reference to nothing', () => {
  const options = {
    enabled: true,
    receivers: { a: { webhook: [{ secretName: 's', key: 'k' }] } },
    routes: { r: { receiver: 'a', muteTimeIntervals: ['night'] } },
    defaultReceiver: 'a',
  };
  const message =
    'alertmanager.routes.r.muteTimeIntervals[0]: "night" is not a time interval; expected a key of alertmanager.timeIntervals';

  test('alertmanagerConfig, ClusterAgent and the inventory say the same after the field path', () => {
    expect(() => alertmanagerConfig(options)).toThrow(`alertmanager is invalid:\n  ${message}`);
    expect(() => new ClusterAgent(Testing.chart(), 'Agent', { clusterName: 'c', alertmanager: options })).toThrow(
      `ClusterAgent "c" is invalid:\n  props.${message}`,
    );
    const text = `central: { cluster: a }
clusters:
  - name: a
    alertmanager:
      enabled: true
      receivers: { a: { webhook: [{ secretName: s, key: k }] } }
      routes: { r: { receiver: a, muteTimeIntervals: [night] } }
      defaultReceiver: a
`;
    expect(inventoryProblems(text)).toEqual([`inv.yaml:7:55: clusters[0].${message} (a, after merging defaults)`]);
  });
});
