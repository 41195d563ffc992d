import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  AGENT_RELEASE_NAME,
  alertmanagerConfig,
  alertRules,
  checkPromQL,
  contactPoints,
  fleetOverviewDashboard,
  CENTRAL_RELEASE_NAME,
  CentralGrafana,
  ClusterAgent,
  filesystemAlert,
  grafanaUid,
  parseInventory,
  resolveClusters,
  type CentralAlertingOptions,
} from '../lib';
import { buildFleet, byKindName, helmValues, inventoryProblems } from './support/example';

describe('Alertmanager', () => {
  test('is off by default', () => {
    const chart = Testing.chart();
    new ClusterAgent(chart, 'Agent', { clusterName: 'c' });
    expect(helmValues(byKindName(chart).get(`HelmChart/${AGENT_RELEASE_NAME}`)!).alertmanager).toEqual({
      enabled: false,
    });
  });

  test('routes by severity to one Slack webhook per destination, from a mounted Secret', () => {
    const chart = Testing.chart();
    new ClusterAgent(chart, 'Agent', {
      clusterName: 'c',
      alertmanager: {
        enabled: true,
        slack: { secretName: 'am-slack', key: 'warn-webhook', criticalKey: 'page-webhook' },
        storage: { size: '2Gi' },
      },
    });
    const am = helmValues(byKindName(chart).get(`HelmChart/${AGENT_RELEASE_NAME}`)!).alertmanager;
    expect(am.enabled).toBe(true);
    expect(am.alertmanagerSpec.secrets).toEqual(['am-slack']);
    expect(am.alertmanagerSpec.storage.volumeClaimTemplate.spec.resources).toEqual({ requests: { storage: '2Gi' } });
    const cfg = am.config;
    expect(cfg.route.group_by).toEqual(['alertname', 'cluster']);
    expect(cfg.route.receiver).toBe('slack-warning');
    expect(cfg.route.routes).toEqual([
      { receiver: 'null', matchers: ['alertname = "Watchdog"'] },
      { receiver: 'null', matchers: ['severity =~ "info|none"'] },
      { receiver: 'slack-critical', matchers: ['severity = "critical"'] },
      { receiver: 'slack-warning', matchers: ['severity = "warning"'] },
    ]);
    expect(cfg.inhibit_rules).toEqual([
      {
        source_matchers: ['severity = "critical"'],
        target_matchers: ['severity = "warning"'],
        equal: ['alertname', 'cluster'],
      },
    ]);
    const byName = Object.fromEntries(cfg.receivers.map((r: { name: string }) => [r.name, r]));
    expect(byName['slack-critical'].slack_configs[0]).toMatchObject({
      api_url_file: '/etc/alertmanager/secrets/am-slack/page-webhook',
      send_resolved: true,
    });
    expect(byName['slack-warning'].slack_configs[0]).toMatchObject({
      api_url_file: '/etc/alertmanager/secrets/am-slack/warn-webhook',
    });
    // A Slack app's webhook ignores `channel`: none is written.
    expect(JSON.stringify(cfg)).not.toContain('"channel"');
    expect(byName['null']).toEqual({ name: 'null' });
    expect(byName.heartbeat).toBeUndefined();
  });

  test('one webhook for both severities when criticalKey is not set', () => {
    const cfg = alertmanagerConfig({ secretName: 's', key: 'hook' }) as {
      receivers: { name: string; slack_configs?: { api_url_file: string }[] }[];
    };
    const files = cfg.receivers.filter((r) => r.slack_configs).map((r) => [r.name, r.slack_configs![0].api_url_file]);
    expect(files).toEqual([
      ['slack-critical', '/etc/alertmanager/secrets/s/hook'],
      ['slack-warning', '/etc/alertmanager/secrets/s/hook'],
    ]);
  });

  test('can send the Watchdog to a heartbeat URL from a Secret', () => {
    const chart = Testing.chart();
    new ClusterAgent(chart, 'Agent', {
      clusterName: 'c',
      alertmanager: {
        enabled: true,
        slack: { secretName: 'am-slack' },
        heartbeat: { secretName: 'am-heartbeat', key: 'ping-url', interval: '2m' },
      },
    });
    const am = helmValues(byKindName(chart).get(`HelmChart/${AGENT_RELEASE_NAME}`)!).alertmanager;
    expect(am.alertmanagerSpec.secrets).toEqual(['am-slack', 'am-heartbeat']);
    expect(am.config.route.routes[0]).toEqual({
      receiver: 'heartbeat',
      matchers: ['alertname = "Watchdog"'],
      group_by: ['alertname', 'cluster'],
      group_wait: '0s',
      group_interval: '2m',
      repeat_interval: '2m',
    });
    expect(am.config.receivers.find((r: { name: string }) => r.name === 'heartbeat')).toEqual({
      name: 'heartbeat',
      webhook_configs: [{ url_file: '/etc/alertmanager/secrets/am-heartbeat/ping-url', send_resolved: false }],
    });
  });

  test('fails on a Slack channel setting, which a Slack app webhook ignores', () => {
    expect(
      () =>
        new ClusterAgent(Testing.chart(), 'Agent', {
          clusterName: 'c',
          alertmanager: { enabled: true, slack: { secretName: 's', channel: '#page' } as never },
        }),
    ).toThrow(
      `props.alertmanager.slack.channel: "#page" is not valid; expected one Slack webhook per destination instead: a Slack app's webhook ignores channel; put each channel's webhook URL in the Secret and name its key in key (warnings) and criticalKey`,
    );
  });

  test('never holds the webhook URL', () => {
    const text = JSON.stringify(alertmanagerConfig({ secretName: 's' }));
    expect(text).not.toMatch(/hooks\.slack\.com|api_url"/);
    expect(text).toContain('"api_url_file":"/etc/alertmanager/secrets/s/url"');
  });

  test('fails when enabled without a receiver', () => {
    expect(
      () => new ClusterAgent(Testing.chart(), 'Agent', { clusterName: 'c', alertmanager: { enabled: true } }),
    ).toThrow(
      'props.alertmanager.slack: is required; expected a slack receiver, or receivers and routes, when Alertmanager is enabled',
    );
  });
});

describe('central Grafana alerting', () => {
  const full: CentralAlertingOptions = {
    slack: { secretName: 'alerting', key: 'slack-url' },
    teams: { secretName: 'alerting', key: 'teams-url' },
    email: {
      addresses: ['a@example.com', 'b@example.com'],
      smtp: { host: 'smtp.example.com:587', fromAddress: 'grafana@example.com', secretName: 'smtp' },
    },
  };

  function central(alerting: CentralAlertingOptions | undefined) {
    const chart = Testing.chart();
    new CentralGrafana(chart, 'Central', {
      clusterName: 'hub',
      alerting,
      datasources: [
        { clusterName: 'hub', url: 'http://p:9090' },
        {
          clusterName: 'edge-1',
          url: 'https://p.example.com',
          filesystem: filesystemAlert({
            warningPercent: 85,
            criticalPercent: 95,
            for: '30m',
            selector: 'fstype="ext4"',
          }),
          kubeStateMetrics: false,
        },
      ],
    });
    const objects = byKindName(chart);
    const cm = objects.get('ConfigMap/cmm-alerting');
    const files = cm ? Object.fromEntries(Object.entries(cm.data!).map(([k, v]) => [k, parse(v)])) : undefined;
    return { grafana: helmValues(objects.get(`HelmChart/${CENTRAL_RELEASE_NAME}`)!).grafana, files, cm };
  }

  test('is off by default', () => {
    const { grafana, cm } = central(undefined);
    expect(cm).toBeUndefined();
    expect(grafana.sidecar.alerts).toBeUndefined();
  });

  test('contact points for Slack, Teams and e-mail, with secrets by reference only', () => {
    const { grafana, files, cm } = central(full);
    expect(cm!.metadata.labels).toMatchObject({ grafana_alert: '1' });
    expect(grafana.sidecar.alerts).toEqual({
      enabled: true,
      label: 'grafana_alert',
      labelValue: '1',
      searchNamespace: 'monitoring',
    });
    expect(files!['cmm-contactpoints.yaml'].contactPoints).toEqual([
      {
        orgId: 1,
        name: 'cmm-critical',
        receivers: [
          { uid: 'cmm-critical-slack', type: 'slack', settings: { url: '$CMM_ALERTING_SLACK_URL' } },
          { uid: 'cmm-critical-teams', type: 'teams', settings: { url: '$CMM_ALERTING_TEAMS_URL' } },
          {
            uid: 'cmm-critical-email',
            type: 'email',
            settings: { addresses: 'a@example.com;b@example.com', singleEmail: true },
          },
        ],
      },
      {
        orgId: 1,
        name: 'cmm-warning',
        receivers: [{ uid: 'cmm-warning-slack', type: 'slack', settings: { url: '$CMM_ALERTING_SLACK_URL' } }],
      },
    ]);
    expect(grafana.envValueFrom).toMatchObject({
      CMM_ALERTING_SLACK_URL: { secretKeyRef: { name: 'alerting', key: 'slack-url' } },
      CMM_ALERTING_TEAMS_URL: { secretKeyRef: { name: 'alerting', key: 'teams-url' } },
    });
    expect(grafana.smtp).toEqual({ existingSecret: 'smtp', userKey: 'user', passwordKey: 'password' });
    expect(grafana['grafana.ini'].smtp).toEqual({
      enabled: true,
      host: 'smtp.example.com:587',
      from_address: 'grafana@example.com',
      from_name: 'Grafana',
      startTLS_policy: 'MandatoryStartTLS',
    });
    expect(JSON.stringify(grafana['grafana.ini'])).not.toMatch(/password/);
  });

  test('a notification policy tree by severity, grouped by cluster', () => {
    const { files } = central(full);
    expect(files!['cmm-policies.yaml'].policies).toEqual([
      {
        orgId: 1,
        receiver: 'cmm-warning',
        group_by: ['grafana_folder', 'alertname', 'source_alertname', 'cluster'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
        routes: [
          { receiver: 'cmm-critical', object_matchers: [['severity', '=', 'critical']] },
          { receiver: 'cmm-warning', object_matchers: [['severity', '=', 'warning']] },
        ],
      },
    ]);
  });

  test('rules over every cluster datasource, including one for a cluster that stops answering', () => {
    const { files } = central(full);
    const groups = files!['cmm-rules.yaml'].groups;
    expect(groups.map((g: { name: string }) => g.name)).toEqual(['cmm-edge-1', 'cmm-hub']);
    const edge = groups[0];
    expect(edge.rules.map((r: { title: string }) => r.title)).toEqual([
      'ClusterUnreachable',
      'NodeFilesystemUsageHigh',
    ]);
    const down = edge.rules[0];
    expect(down).toMatchObject({
      uid: 'cmm-edge-1-unreachable',
      condition: 'C',
      noDataState: 'Alerting',
      execErrState: 'Alerting',
      for: '5m',
      labels: { severity: 'critical', cluster: 'edge-1' },
    });
    expect(down.data[0]).toMatchObject({
      refId: 'A',
      datasourceUid: 'cmm-prom-edge-1',
      model: { expr: 'count(up == 1)', instant: true },
    });
    expect(down.data[1].model).toMatchObject({
      type: 'threshold',
      expression: 'A',
      conditions: [{ evaluator: { type: 'lt', params: [1] } }],
    });
    // The cluster's own filesystem selector, warning threshold and `for`, as its pack has them.
    expect(edge.rules[1].data[0].model.expr).toBe(
      'max by (cluster, instance, mountpoint) ((100 * (1 - node_filesystem_avail_bytes{job="node-exporter", fstype="ext4"} / node_filesystem_size_bytes{job="node-exporter", fstype="ext4"})) and node_filesystem_readonly{job="node-exporter", fstype="ext4"} == 0)',
    );
    expect(edge.rules[1].data[1].model.conditions[0].evaluator).toEqual({ type: 'gt', params: [85] });
    expect([edge.rules[1].uid, edge.rules[1].for, edge.rules[1].labels]).toEqual([
      'cmm-edge-1-filesystem',
      '30m',
      { severity: 'warning', cluster: 'edge-1' },
    ]);
    // A cluster that sets nothing: the pack's defaults, 80% for 10m over the pack's default selector.
    const hubFs = groups[1].rules[1];
    expect(hubFs.data[0].model.expr).toBe(
      'max by (cluster, instance, mountpoint) ((100 * (1 - node_filesystem_avail_bytes{job="node-exporter", fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs|fuse.lxcfs", mountpoint!=""} / node_filesystem_size_bytes{job="node-exporter", fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs|fuse.lxcfs", mountpoint!=""})) and node_filesystem_readonly{job="node-exporter", fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs|fuse.lxcfs", mountpoint!=""} == 0)',
    );
    expect(hubFs.data[1].model.conditions[0].evaluator).toEqual({ type: 'gt', params: [80] });
    expect(hubFs.for).toBe('10m');
    expect(groups[1].rules.map((r: { title: string }) => r.title)).toEqual([
      'ClusterUnreachable',
      'NodeFilesystemUsageHigh',
      'KubePodCrashLooping',
    ]);
  });

  test('can route warnings and critical alerts to chosen receivers', () => {
    const { files } = central({ ...full, criticalReceivers: ['teams'], warningReceivers: ['email'] });
    const points = files!['cmm-contactpoints.yaml'].contactPoints;
    expect(points[0].receivers.map((r: { type: string }) => r.type)).toEqual(['teams']);
    expect(points[1].receivers.map((r: { type: string }) => r.type)).toEqual(['email']);
  });

  test('fails without a receiver, or routed to one that is not configured', () => {
    expect(() => central({})).toThrow(
      'props.alerting: {} is not valid; expected at least one receiver: slack, teams or email',
    );
    expect(() => central({ slack: full.slack, criticalReceivers: ['teams'] })).toThrow(
      'props.alerting.criticalReceivers[0]: "teams" is not valid; expected a configured receiver (slack)',
    );
  });

  test("uids stay within Grafana's 40 characters", () => {
    expect(grafanaUid('cmm-short')).toBe('cmm-short');
    expect(grafanaUid(`cmm-${'x'.repeat(63)}-unreachable`)).toHaveLength(40);
  });

  test('a datasource uid is cmm-prom-<cluster> up to 40 characters (31-character names), hashed past it', () => {
    // 9 + 31 = 40 characters: kept as written, so a 31-character cluster keeps its readable uid.
    expect(CentralGrafana.datasourceUid('a'.repeat(31))).toBe(`cmm-prom-${'a'.repeat(31)}`);
    // 41: the first 31 characters, "-" and the first 8 hex digits of the SHA-256 of the whole text.
    expect(CentralGrafana.datasourceUid('a'.repeat(32))).toBe('cmm-prom-aaaaaaaaaaaaaaaaaaaaaa-9cc62525');
  });
});

describe('inventory', () => {
  const base = 'central:\n  cluster: a\nclusters:\n  - name: a\n';
  const problems = (text: string) => inventoryProblems(text);

  test("a PromQL error names the rule's path, the expression and the parser's message", () => {
    const text = `${base}    rules:\n      groups:\n        app:\n          rules:\n            - alert: AppDown\n              expr: up{job="app" == 0\n`;
    expect(problems(text)).toEqual([
      'inv.yaml:10:21: clusters[0].rules.groups.app.rules[0].expr: "up{job=\\"app\\" == 0" is not valid; expected valid PromQL; the parser says 1:14: unexpected "="',
    ]);
  });

  test('a rule is an alert or a record, not both', () => {
    const text = `${base}    rules:\n      groups:\n        app:\n          rules:\n            - alert: A\n              record: b\n              expr: up\n`;
    expect(problems(text)).toEqual([
      'inv.yaml:9:15: clusters[0].rules.groups.app.rules[0]: {"alert":"A","record":"b","expr":"up"} is not valid; expected exactly one of alert or record',
    ]);
  });

  test('thresholds and selectors are checked', () => {
    const text = `${base}    rules:\n      packs:\n        filesystem:\n          warningPercent: 120\n          selector: fstype=~"ext4\n`;
    expect(problems(text)).toEqual([
      'inv.yaml:8:27: clusters[0].rules.packs.filesystem.warningPercent: 120 is not valid; expected a percentage, between 0 and 100',
      'inv.yaml:9:21: clusters[0].rules.packs.filesystem.selector: "fstype=~\\"ext4" is not valid; expected PromQL label matchers such as job="node-exporter", fstype!~"tmpfs|overlay"',
    ]);
  });

  test('thresholds set for all clusters can be changed for one', () => {
    const inv = parseInventory(
      'central: { cluster: a }\ndefaults:\n  rules: { packs: { filesystem: { warningPercent: 75, criticalPercent: 85 } } }\nclusters:\n  - name: a\n  - name: b\n    rules: { packs: { filesystem: { warningPercent: 60 } } }\n',
    );
    const merged = resolveClusters(inv);
    expect(merged[0].rules?.packs?.filesystem).toEqual({ warningPercent: 75, criticalPercent: 85 });
    expect(merged[1].rules?.packs?.filesystem).toEqual({ warningPercent: 60, criticalPercent: 85 });
  });
});

test('every PromQL CMM writes into Grafana (alert rules, dashboards) parses', () => {
  const cluster = { clusterName: 'a', datasourceUid: 'u', filesystem: filesystemAlert(), kubeStateMetrics: true };
  const exprs: string[] = [];
  for (const g of (
    alertRules([cluster], { slack: { secretName: 's' } }) as {
      groups: { rules: { data: { model: { expr?: string } }[] }[] }[];
    }
  ).groups) {
    for (const r of g.rules) for (const d of r.data) if (d.model.expr) exprs.push(d.model.expr);
  }
  for (const p of fleetOverviewDashboard().build().panels as { targets: { expr: string }[] }[]) {
    for (const t of p.targets) exprs.push(t.expr);
  }
  expect(exprs.length).toBeGreaterThan(5);
  expect(exprs.map((e) => [e, checkPromQL(e)]).filter(([, p]) => (p as unknown[]).length > 0)).toEqual([]);
});

describe('the filesystem alert, one definition', () => {
  test("the defaults: warning at 80%, critical at 90%, for 10m, node-exporter's real filesystems", () => {
    expect(filesystemAlert()).toEqual({
      selector: 'job="node-exporter", fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs|fuse.lxcfs", mountpoint!=""',
      warningPercent: 80,
      criticalPercent: 90,
      for: '10m',
    });
  });

  test("a cluster's selector, job selector, warning threshold and `for` from the inventory reach its central rule", () => {
    const { fleet } = buildFleet(
      [
        'central:\n  cluster: a\n  alerting: { slack: { secretName: s } }\nclusters:\n  - name: a',
        '    rules:',
        '      selectors: { nodeExporter: \'job="node"\' }',
        '      packs:',
        '        filesystem: { warningPercent: 70, criticalPercent: 95, for: 20m, selector: \'fstype=~"ext4|xfs"\' }',
        '',
      ].join('\n'),
    );
    const chart = fleet.clusterCharts.find((c) => c.node.id === 'a')!;
    const groups = parse(byKindName(chart).get('ConfigMap/cmm-alerting')!.data!['cmm-rules.yaml']).groups;
    const rule = groups[0].rules.find((r: { title: string }) => r.title === 'NodeFilesystemUsageHigh');
    expect(rule.data[0].model.expr).toBe(
      'max by (cluster, instance, mountpoint) ((100 * (1 - node_filesystem_avail_bytes{job="node", fstype=~"ext4|xfs"} / node_filesystem_size_bytes{job="node", fstype=~"ext4|xfs"})) and node_filesystem_readonly{job="node", fstype=~"ext4|xfs"} == 0)',
    );
    expect(rule.data[1].model.conditions[0].evaluator).toEqual({ type: 'gt', params: [70] });
    expect([rule.uid, rule.for, rule.labels]).toEqual([
      'cmm-a-filesystem',
      '20m',
      { severity: 'warning', cluster: 'a' },
    ]);
    // The cluster's pack: the same selector, the same `for`, at 70 and 95.
    const pack = fleet.clusterCharts
      .flatMap((c) => [...byKindName(c).values()])
      .find((m) => m.kind === 'PrometheusRule' && JSON.stringify(m).includes('cmm-filesystem')) as any;
    const usage = pack.spec.groups
      .find((g: { name: string }) => g.name === 'cmm-filesystem')
      .rules.filter((r: { alert: string }) => r.alert === 'NodeFilesystemUsageHigh');
    expect(usage.map((r: { expr: string; for: string }) => [r.expr, r.for])).toEqual([
      [
        '(100 * (1 - node_filesystem_avail_bytes{job="node", fstype=~"ext4|xfs"} / node_filesystem_size_bytes{job="node", fstype=~"ext4|xfs"}) > 70) and node_filesystem_readonly{job="node", fstype=~"ext4|xfs"} == 0',
        '20m',
      ],
      [
        '(100 * (1 - node_filesystem_avail_bytes{job="node", fstype=~"ext4|xfs"} / node_filesystem_size_bytes{job="node", fstype=~"ext4|xfs"}) > 95) and node_filesystem_readonly{job="node", fstype=~"ext4|xfs"} == 0',
        '20m',
      ],
    ]);
  });
});

describe('every alert reaches a person', () => {
  test("the central Grafana delivers the alerts of the example's clusters without an Alertmanager", () => {
    const { fleet } = buildFleet();
    const cm = byKindName(fleet.clusterCharts.find((c) => c.node.id === 'central')!).get('ConfigMap/cmm-alerting')!;
    const groups = (parse(cm.data!['cmm-rules.yaml']) as { groups: { name: string; rules: Record<string, any>[] }[] })
      .groups;
    const forwarded = groups.flatMap((g) =>
      g.rules.filter((r) => r.title === 'ForwardedAlert').map((r) => [g.name, r]),
    );
    // central and edge-1 have no Alertmanager; kafka-prod has its own.
    expect(forwarded.map(([g]) => g)).toEqual(['cmm-central', 'cmm-edge-1']);
    const [, rule] = forwarded[1] as [string, Record<string, any>];
    expect(rule.data[0].model.expr).toBe(
      'label_replace(ALERTS{alertstate="firing", alertname!="Watchdog"}, "source_alertname", "$1", "alertname", "(.+)")',
    );
    expect(rule.data[0].datasourceUid).toBe('cmm-prom-edge-1');
    // No severity of its own: the forwarded alert keeps the one its rule set.
    expect(rule.labels).toEqual({ cluster: 'edge-1' });
    expect(rule.noDataState).toBe('OK');
    expect(fleet.forwardedClusters()).toEqual(new Set(['central', 'edge-1']));
    expect(fleet.unroutedClusters).toEqual([]);
  });

  test('a cluster without Alertmanager that the centre cannot query is reported, and nobody forwards its alerts', () => {
    const { fleet } = buildFleet(
      'central:\n  cluster: a\n  alerting: { slack: { secretName: s } }\nclusters:\n  - name: a\n  - name: b\n',
    );
    expect(fleet.forwardedClusters()).toEqual(new Set(['a']));
    expect(fleet.unroutedClusters).toEqual(['b']);
  });
});

describe('log alert names', () => {
  const inventory = (names: string[]) =>
    `central:\n  cluster: a\n  alerting: { slack: { secretName: s } }\n  loki:\n    alerts:\n${names
      .map((n) => `      ${n}: { expr: 'sum(count_over_time({a="b"}[1m]))', threshold: 1 }\n`)
      .join('')}clusters: [{ name: a }]\n`;

  test('names that differ only in letter case are refused: they would be one Grafana rule uid', () => {
    expect(inventoryProblems(inventory(['diskErrors', 'DiskErrors', 'DISKERRORS', 'NetErrors']))).toEqual([
      'inv.yaml:7:19: central.loki.alerts.DiskErrors: "DiskErrors" is not valid; expected a name that differs from "diskErrors" in more than letter case (a log alert\'s Grafana uid is its name in lowercase)',
      'inv.yaml:8:19: central.loki.alerts.DISKERRORS: "DISKERRORS" is not valid; expected a name that differs from "diskErrors" in more than letter case (a log alert\'s Grafana uid is its name in lowercase)',
    ]);
  });

  test('names that differ in more than case are accepted', () => {
    expect(inventoryProblems(inventory(['DiskErrors', 'DiskErrors2', 'Disk_Errors']))).toEqual([]);
  });
});

describe("Grafana's alert rule files, value by value", () => {
  // Grafana's provisioning shape of one rule: query A on a datasource (an instant query over the last 10 minutes),
  // threshold C on it, the rule firing on C.
  const rule = (o: {
    uid: string;
    title: string;
    datasourceUid: string;
    query: Record<string, unknown>;
    evaluator: { type: 'gt' | 'lt'; params: number[] };
    for: string;
    noDataState?: string;
    execErrState?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  }) => ({
    uid: o.uid,
    title: o.title,
    condition: 'C',
    data: [
      {
        refId: 'A',
        relativeTimeRange: { from: 600, to: 0 },
        datasourceUid: o.datasourceUid,
        model: { refId: 'A', ...o.query, intervalMs: 1000, maxDataPoints: 43200 },
      },
      {
        refId: 'C',
        datasourceUid: '__expr__',
        model: {
          refId: 'C',
          type: 'threshold',
          expression: 'A',
          datasource: { type: '__expr__', uid: '__expr__' },
          conditions: [{ evaluator: o.evaluator }],
        },
      },
    ],
    noDataState: o.noDataState ?? 'OK',
    execErrState: o.execErrState ?? 'Error',
    for: o.for,
    isPaused: false,
    labels: o.labels,
    annotations: o.annotations,
  });
  const prom = (expr: string) => ({ expr, instant: true, range: false });
  const FS = 'job="node-exporter", fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs|fuse.lxcfs", mountpoint!=""';

  test("a cluster's group (unreachable, filesystem, crash loop, forwarded alerts) and the log alerts, sorted by name", () => {
    const file = alertRules(
      [
        {
          clusterName: 'a',
          datasourceUid: 'ds-a',
          filesystem: filesystemAlert(),
          kubeStateMetrics: true,
          forwardAlerts: true,
        },
      ],
      { slack: { secretName: 's' } },
      {
        lokiUid: 'loki',
        alerts: {
          ZErr: { expr: 'sum(count_over_time({a="b"}[1m]))', threshold: 5 },
          AErr: {
            expr: 'sum(count_over_time({a="c"}[1m]))',
            threshold: 1,
            for: '2m',
            severity: 'critical',
            summary: 'S',
            description: 'D',
          },
        },
      },
    );
    expect(file).toEqual({
      apiVersion: 1,
      groups: [
        {
          orgId: 1,
          name: 'cmm-a',
          folder: 'CMM',
          interval: '1m',
          rules: [
            rule({
              uid: 'cmm-a-unreachable',
              title: 'ClusterUnreachable',
              datasourceUid: 'ds-a',
              query: prom('count(up == 1)'),
              evaluator: { type: 'lt', params: [1] },
              for: '5m',
              noDataState: 'Alerting',
              execErrState: 'Alerting',
              labels: { severity: 'critical', cluster: 'a' },
              annotations: {
                summary: 'Cluster a does not answer, or sends no data.',
                description:
                  'The central Grafana cannot query the Prometheus of cluster a, or it has no target up: nothing in that cluster is being watched.',
              },
            }),
            rule({
              uid: 'cmm-a-filesystem',
              title: 'NodeFilesystemUsageHigh',
              datasourceUid: 'ds-a',
              query: prom(
                `max by (cluster, instance, mountpoint) ((100 * (1 - node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}})) and node_filesystem_readonly{${FS}} == 0)`,
              ),
              evaluator: { type: 'gt', params: [80] },
              for: '10m',
              labels: { severity: 'warning', cluster: 'a' },
              annotations: {
                summary:
                  'Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} in {{ $labels.cluster }} is {{ humanize $values.A.Value }}% full.',
                description: 'Used space is above 80%, the warning threshold of cluster a.',
              },
            }),
            rule({
              uid: 'cmm-a-crashloop',
              title: 'KubePodCrashLooping',
              datasourceUid: 'ds-a',
              query: prom(
                'max by (cluster, namespace, pod, container) (max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]))',
              ),
              evaluator: { type: 'gt', params: [0] },
              for: '15m',
              labels: { severity: 'warning', cluster: 'a' },
              annotations: {
                summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} in {{ $labels.cluster }} is crash looping.',
                description: 'Container {{ $labels.container }} keeps restarting (CrashLoopBackOff).',
              },
            }),
            rule({
              uid: 'cmm-a-alerts',
              title: 'ForwardedAlert',
              datasourceUid: 'ds-a',
              query: prom(
                'label_replace(ALERTS{alertstate="firing", alertname!="Watchdog"}, "source_alertname", "$1", "alertname", "(.+)")',
              ),
              evaluator: { type: 'gt', params: [0] },
              for: '0s',
              // No severity of its own: the forwarded alert's labels carry it.
              labels: { cluster: 'a' },
              annotations: {
                summary: '{{ $labels.source_alertname }} is firing in {{ $labels.cluster }}.',
                description:
                  "An alert of the Prometheus of cluster a, which has no Alertmanager; the central Grafana delivers it. Its summary and description are on that Prometheus's Alerts page.",
              },
            }),
          ],
        },
        {
          orgId: 1,
          name: 'cmm-logs',
          folder: 'CMM',
          interval: '1m',
          rules: [
            rule({
              uid: 'cmm-logs-aerr',
              title: 'AErr',
              datasourceUid: 'loki',
              query: { expr: 'sum(count_over_time({a="c"}[1m]))', queryType: 'instant' },
              evaluator: { type: 'gt', params: [1] },
              for: '2m',
              labels: { severity: 'critical' },
              annotations: { summary: 'S', description: 'D' },
            }),
            rule({
              uid: 'cmm-logs-zerr',
              title: 'ZErr',
              datasourceUid: 'loki',
              query: { expr: 'sum(count_over_time({a="b"}[1m]))', queryType: 'instant' },
              evaluator: { type: 'gt', params: [5] },
              // The log alerts' defaults: 5m, warning, a summary with the name and threshold.
              for: '5m',
              labels: { severity: 'warning' },
              annotations: { summary: 'ZErr: {{ humanize $values.A.Value }}, above 5.' },
            }),
          ],
        },
      ],
    });
  });

  test('no log group without log alerts; contact points of the configured receivers only', () => {
    expect(alertRules([], { slack: { secretName: 's' } }, { lokiUid: 'loki', alerts: {} })).toEqual({
      apiVersion: 1,
      groups: [],
    });
    expect(contactPoints({ teams: { secretName: 't' } })).toEqual({
      apiVersion: 1,
      contactPoints: [
        {
          orgId: 1,
          name: 'cmm-critical',
          receivers: [{ uid: 'cmm-critical-teams', type: 'teams', settings: { url: '$CMM_ALERTING_TEAMS_URL' } }],
        },
        {
          orgId: 1,
          name: 'cmm-warning',
          receivers: [{ uid: 'cmm-warning-teams', type: 'teams', settings: { url: '$CMM_ALERTING_TEAMS_URL' } }],
        },
      ],
    });
  });
});
