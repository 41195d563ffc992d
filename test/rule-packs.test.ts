import { Testing } from 'cdk8s';
import {
  AGENT_RELEASE_NAME,
  builtInRuleGroups,
  checkPromQL,
  ClusterAgent,
  ClusterRules,
  DEFAULT_RUNBOOK_BASE_URL,
  isAlertRule,
  PACK_NAMES,
  replacedChartAlerts,
  type AlertRule,
  type RulePackContext,
  type RulePacksOptions,
} from '../lib';
import { byKindName, helmValues, inventoryProblems, thrownMessage as message } from './support/example';
import { markPrevalidated } from '../lib/inventory/props';

const ctx: RulePackContext = { clusterName: 'c', kubeStateMetrics: true, nodeExporter: true };

function alerts(packs: RulePacksOptions = {}, context = ctx): AlertRule[] {
  return builtInRuleGroups(packs, context).flatMap((g) => g.rules.filter(isAlertRule));
}

function find(list: AlertRule[], name: string, severity?: string): AlertRule {
  const found = list.find((a) => a.alert === name && (severity === undefined || a.labels?.severity === severity));
  if (!found) throw new Error(`no ${name} ${severity ?? ''}`);
  return found;
}

describe('built-in rule packs', () => {
  test('defaults: every pack, every alert, each with severity, summary, description and runbook_url', () => {
    const groups = builtInRuleGroups({}, ctx);
    expect(groups.map((g) => g.name)).toEqual(PACK_NAMES.map((p) => `cmm-${p}`));
    expect(groups.flatMap((g) => g.rules.filter(isAlertRule).map((a) => `${a.alert}/${a.labels?.severity}`))).toEqual([
      'Watchdog/none',
      'TargetDown/warning',
      'NodeDown/critical',
      'NodeMemoryHighUtilization/warning',
      'NodeCPUHighUsage/warning',
      'KubeNodeNotReady/warning',
      'NodeFilesystemUsageHigh/warning',
      'NodeFilesystemUsageHigh/critical',
      'NodeFilesystemFillingUp/warning',
      'KubePodCrashLooping/warning',
      'KubeDeploymentReplicasMismatch/warning',
      'KubePersistentVolumeFillingUp/warning',
      'KubePersistentVolumeFillingUp/critical',
    ]);
    for (const a of alerts()) {
      expect(Object.keys(a.annotations ?? {}).sort()).toEqual(['description', 'runbook_url', 'summary']);
      expect(a.annotations?.runbook_url.startsWith(`${DEFAULT_RUNBOOK_BASE_URL}/`)).toBe(true);
      expect(checkPromQL(a.expr)).toEqual([]);
    }
  });

  test("the filesystem pack warns at 80% used and is critical at 90% (the seed's thresholds)", () => {
    const list = alerts();
    expect(find(list, 'NodeFilesystemUsageHigh', 'warning').expr).toContain('> 80)');
    expect(find(list, 'NodeFilesystemUsageHigh', 'critical').expr).toContain('> 90)');
    expect(find(list, 'NodeFilesystemUsageHigh', 'warning').for).toBe('10m');
    expect(find(list, 'NodeFilesystemFillingUp').expr).toContain('predict_linear(node_filesystem_avail_bytes{');
    expect(find(list, 'NodeFilesystemFillingUp').expr).toContain('[6h], 24 * 3600) < 0');
  });

  test('can change thresholds, durations and selectors', () => {
    const list = alerts({
      filesystem: { warningPercent: 70, criticalPercent: 95, for: '30m', predictHours: 48, selector: 'fstype="ext4"' },
      nodes: { memoryPercent: 85, cpuPercent: 95, downFor: '2m', for: '30m' },
      targets: { downPercent: 50, for: '1h' },
      pods: { namespaces: 'kafka|web', for: '5m' },
      volumes: { warningPercent: 80, criticalPercent: 95 },
    });
    expect(find(list, 'NodeFilesystemUsageHigh', 'warning').expr).toBe(
      '(100 * (1 - node_filesystem_avail_bytes{job="node-exporter", fstype="ext4"} / node_filesystem_size_bytes{job="node-exporter", fstype="ext4"}) > 70) and node_filesystem_readonly{job="node-exporter", fstype="ext4"} == 0',
    );
    expect(find(list, 'NodeFilesystemUsageHigh', 'critical').for).toBe('30m');
    expect(find(list, 'NodeFilesystemFillingUp').annotations?.summary).toContain('within 48 hours');
    expect(find(list, 'NodeMemoryHighUtilization').expr).toMatch(/> 85$/);
    expect(find(list, 'NodeCPUHighUsage').expr).toMatch(/> 95$/);
    expect(find(list, 'NodeDown').for).toBe('2m');
    expect(find(list, 'TargetDown')).toMatchObject({ for: '1h' });
    expect(find(list, 'TargetDown').expr).toMatch(/> 50$/);
    expect(find(list, 'KubePodCrashLooping').expr).toContain('namespace=~"kafka|web"');
    expect(find(list, 'KubePersistentVolumeFillingUp', 'critical').expr).toMatch(/> 95$/);
  });

  test('can switch packs off, and the chart keeps its own versions of those alerts', () => {
    const packs = { watchdog: { enabled: false }, filesystem: { enabled: false } };
    const names = alerts(packs).map((a) => a.alert);
    expect(names).not.toContain('Watchdog');
    expect(names).not.toContain('NodeFilesystemUsageHigh');
    expect(replacedChartAlerts(packs)).not.toContain('Watchdog');
    expect(replacedChartAlerts(packs)).not.toContain('NodeFilesystemAlmostOutOfSpace');
    expect(replacedChartAlerts({})).toEqual(
      expect.arrayContaining(['Watchdog', 'KubePodCrashLooping', 'NodeFilesystemAlmostOutOfSpace']),
    );
  });

  test('leaves out what the cluster cannot evaluate', () => {
    const noKsm = alerts({}, { ...ctx, kubeStateMetrics: false }).map((a) => a.alert);
    expect(noKsm).not.toContain('KubePodCrashLooping');
    expect(noKsm).not.toContain('KubeDeploymentReplicasMismatch');
    expect(noKsm).not.toContain('KubeNodeNotReady');
    expect(noKsm).toContain('NodeFilesystemUsageHigh');
    const noNodeExporter = alerts({}, { ...ctx, nodeExporter: false }).map((a) => a.alert);
    expect(noNodeExporter).not.toContain('NodeFilesystemUsageHigh');
    expect(noNodeExporter).not.toContain('NodeDown');
    expect(noNodeExporter).toContain('KubeNodeNotReady');
  });

  test('can point runbooks elsewhere', () => {
    const list = alerts({}, { ...ctx, runbookBaseUrl: 'https://runbooks.example.com/ops/' });
    expect(find(list, 'Watchdog').annotations?.runbook_url).toBe('https://runbooks.example.com/ops/general/watchdog');
  });
});

describe('built-in rule packs: each value that matters', () => {
  const groupNames = (packs: RulePacksOptions, context = ctx) => builtInRuleGroups(packs, context).map((g) => g.name);

  test('each pack switches off alone; the nodes pack needs node-exporter or kube-state-metrics', () => {
    for (const pack of PACK_NAMES) {
      expect(groupNames({ [pack]: { enabled: false } })).toEqual(
        PACK_NAMES.filter((p) => p !== pack).map((p) => `cmm-${p}`),
      );
    }
    expect(groupNames({}, { ...ctx, nodeExporter: false, kubeStateMetrics: false })).toEqual([
      'cmm-watchdog',
      'cmm-targets',
      'cmm-volumes',
    ]);
  });

  test('the chart alerts each enabled pack replaces, all of them by default', () => {
    expect(replacedChartAlerts({})).toEqual([
      'Watchdog',
      'TargetDown',
      'KubeNodeNotReady',
      'NodeMemoryHighUtilization',
      'NodeCPUHighUsage',
      'NodeFilesystemAlmostOutOfSpace',
      'NodeFilesystemSpaceFillingUp',
      'KubePodCrashLooping',
      'KubeDeploymentReplicasMismatch',
      'KubePersistentVolumeFillingUp',
    ]);
  });

  test("the default runbooks and the kube-state-metrics job, in the alerts' text", () => {
    const list = alerts();
    expect(find(list, 'Watchdog').annotations?.runbook_url).toBe(
      'https://runbooks.prometheus-operator.dev/runbooks/general/watchdog',
    );
    expect(find(list, 'KubeNodeNotReady').expr).toBe(
      'kube_node_status_condition{job="kube-state-metrics", condition="Ready", status="true"} == 0',
    );
    expect(find(list, 'KubePodCrashLooping').expr).toBe(
      'max_over_time(kube_pod_container_status_waiting_reason{job="kube-state-metrics", reason="CrashLoopBackOff", namespace=~".*"}[5m]) >= 1',
    );
  });

  test('the workloads pack watches only the namespaces given', () => {
    expect(find(alerts({ workloads: { namespaces: 'team-.*' } }), 'KubeDeploymentReplicasMismatch').expr).toBe(
      '(kube_deployment_spec_replicas{job="kube-state-metrics", namespace=~"team-.*"} > kube_deployment_status_replicas_available{job="kube-state-metrics", namespace=~"team-.*"}) and (changes(kube_deployment_status_replicas_updated{job="kube-state-metrics", namespace=~"team-.*"}[10m]) == 0)',
    );
  });

  test('an empty or blank selector part adds no matcher', () => {
    for (const selector of ['', '   ']) {
      expect(find(alerts({ filesystem: { selector } }), 'NodeFilesystemUsageHigh', 'warning').expr).toBe(
        '(100 * (1 - node_filesystem_avail_bytes{job="node-exporter"} / node_filesystem_size_bytes{job="node-exporter"}) > 80) and node_filesystem_readonly{job="node-exporter"} == 0',
      );
    }
  });

  test('every trailing slash of the runbook base URL goes', () => {
    const list = alerts({}, { ...ctx, runbookBaseUrl: 'https://runbooks.example.com/ops//' });
    expect(find(list, 'Watchdog').annotations?.runbook_url).toBe('https://runbooks.example.com/ops/general/watchdog');
  });
});

describe('ClusterRules', () => {
  const props = { clusterName: 'edge-1', namespace: 'monitoring', kubeStateMetrics: true, nodeExporter: true };

  test('defaults: one PrometheusRule of built-in packs, every rule labelled with the cluster', () => {
    const chart = Testing.chart();
    const rules = new ClusterRules(chart, 'Rules', props);
    const objects = byKindName(chart);
    expect([...objects.keys()]).toEqual(['PrometheusRule/cmm-builtin-rules']);
    const groups = (
      objects.get('PrometheusRule/cmm-builtin-rules')!.spec as {
        groups: { rules: { labels: Record<string, string> }[] }[];
      }
    ).groups;
    for (const g of groups) for (const r of g.rules) expect(r.labels.cluster).toBe('edge-1');
    expect(rules.customGroups).toEqual([]);
  });

  test('can add alerting and recording rules', () => {
    const chart = Testing.chart();
    const rules = new ClusterRules(chart, 'Rules', props);
    rules.addGroup('app', {
      interval: '1m',
      rules: [
        { record: 'job:http_requests:rate5m', expr: 'sum by (job) (rate(http_requests_total[5m]))' },
        {
          alert: 'AppDown',
          expr: 'up{job="app"} == 0',
          for: '5m',
          labels: { severity: 'critical' },
          annotations: { summary: 'x' },
        },
      ],
    });
    const custom = byKindName(chart).get('PrometheusRule/cmm-custom-rules')!;
    expect(custom.spec).toEqual({
      groups: [
        {
          name: 'app',
          interval: '1m',
          rules: [
            {
              record: 'job:http_requests:rate5m',
              expr: 'sum by (job) (rate(http_requests_total[5m]))',
              labels: { cluster: 'edge-1' },
            },
            {
              alert: 'AppDown',
              expr: 'up{job="app"} == 0',
              for: '5m',
              labels: { severity: 'critical', cluster: 'edge-1' },
              annotations: { summary: 'x' },
            },
          ],
        },
      ],
    });
    expect(rules.toRuleFile()).toContain('alert: AppDown');
  });

  test("fails on invalid PromQL, naming the construct, its cluster, the rule's path, the expression and the parser's message", () => {
    const rules = new ClusterRules(Testing.chart(), 'Rules', props);
    expect(() => rules.addGroup('app', { rules: [{ alert: 'Bad', expr: 'rate(http_requests_total)' }] })).toThrow(
      'ClusterRules "edge-1" is invalid:\n  addGroup("app", options).rules[0].expr: "rate(http_requests_total)" is not valid; expected valid PromQL; the parser says 1:6: expected type matrix in call to function "rate", got vector',
    );
    expect(() => rules.addGroup('app2', { rules: [{ record: 'x', expr: 'sum(up' }] })).toThrow(
      'ClusterRules "edge-1" is invalid:\n  addGroup("app2", options).rules[0].expr: "sum(up" is not valid; expected valid PromQL; the parser says 1:7: unexpected end of expression',
    );
  });

  test('the inventory says the same of the same expression, after the field path', () => {
    const text = `central: { cluster: a }\nclusters:\n  - name: a\n    rules: { groups: { app: { rules: [{ alert: Bad, expr: 'rate(http_requests_total)' }] } } }\n`;
    expect(inventoryProblems(text)).toEqual([
      'inv.yaml:4:59: clusters[0].rules.groups.app.rules[0].expr: "rate(http_requests_total)" is not valid; expected valid PromQL; the parser says 1:6: expected type matrix in call to function "rate", got vector',
    ]);
  });

  test('fails on a pack selector that is not label matchers, as the inventory does', () => {
    expect(
      () =>
        new ClusterRules(Testing.chart(), 'Rules', { ...props, packs: { filesystem: { selector: 'fstype=~"ext4' } } }),
    ).toThrow(
      'ClusterRules "edge-1" is invalid:\n  props.packs.filesystem.selector: "fstype=~\\"ext4" is not valid; expected PromQL label matchers such as job="node-exporter", fstype!~"tmpfs|overlay"',
    );
  });

  test('fails on a built-in pack made invalid by a selector (props that skipped validation: the built groups are checked)', () => {
    expect(
      () =>
        new ClusterRules(
          Testing.chart(),
          'Rules',
          markPrevalidated({ ...props, packs: { filesystem: { selector: 'fstype=~"ext4' } } }),
        ),
    ).toThrow(
      /^ClusterRules "edge-1" is invalid:\n {2}built-in rule group "cmm-filesystem"\.rules\[0\]\.expr: .* is not valid; expected valid PromQL; the parser says/,
    );
  });

  test('both PrometheusRules are named and labelled as managed by CMM', () => {
    const chart = Testing.chart();
    new ClusterRules(chart, 'Rules', {
      ...props,
      groups: { app: { rules: [{ record: 'x', expr: 'up' }] } },
    });
    expect(Testing.synth(chart).map((o) => [o.kind, o.metadata.name, o.metadata.namespace, o.metadata.labels])).toEqual(
      [
        ['PrometheusRule', 'cmm-builtin-rules', 'monitoring', { 'app.kubernetes.io/managed-by': 'cmm' }],
        ['PrometheusRule', 'cmm-custom-rules', 'monitoring', { 'app.kubernetes.io/managed-by': 'cmm' }],
      ],
    );
  });

  test("a props group's invalid rule is reported at its props path (props that skipped validation)", () => {
    expect(
      message(
        () =>
          new ClusterRules(
            Testing.chart(),
            'Rules',
            markPrevalidated({ ...props, groups: { app: { rules: [{ record: 'x', expr: 'sum(up' }] } } }),
          ),
      ),
    ).toBe(
      'ClusterRules "edge-1" is invalid:\n  props.groups.app.rules[0].expr: "sum(up" is not valid; expected valid PromQL; the parser says 1:7: unexpected end of expression',
    );
  });

  test('fails on a duplicate group', () => {
    const rules = new ClusterRules(Testing.chart(), 'Rules', props);
    rules.addGroup('a', { rules: [{ record: 'x', expr: 'up' }] });
    expect(() => rules.addGroup('a', { rules: [{ record: 'y', expr: 'up' }] })).toThrow(
      'ClusterRules "edge-1" is invalid:\n  addGroup(name): "a" is not valid; expected a name no other rule group of the cluster has (built-in or added)',
    );
    expect(() => rules.addGroup('cmm-watchdog', { rules: [{ record: 'y', expr: 'up' }] })).toThrow(
      'ClusterRules "edge-1" is invalid:\n  addGroup(name): "cmm-watchdog" is not valid; expected a name no other rule group of the cluster has (built-in or added)',
    );
  });

  test('the agent switches off the chart alerts its packs replace', () => {
    const chart = Testing.chart();
    new ClusterAgent(chart, 'Agent', { clusterName: 'c', rules: { packs: { watchdog: { enabled: false } } } });
    const values = helmValues(byKindName(chart).get(`HelmChart/${AGENT_RELEASE_NAME}`)!);
    expect(values.defaultRules.disabled.KubePodCrashLooping).toBe(true);
    expect(values.defaultRules.disabled.Watchdog).toBeUndefined();
  });
});

describe('warning and critical thresholds', () => {
  test('the inventory refuses a warning threshold above the critical one, given or defaulted', () => {
    const text = `central: { cluster: edge }
clusters:
  - name: edge
    rules:
      packs:
        filesystem: { warningPercent: 95, criticalPercent: 85 }
        volumes: { warningPercent: 98 }
  - name: edge-2
    rules: { packs: { filesystem: { criticalPercent: 70 } } }
`;
    expect(inventoryProblems(text)).toEqual([
      'inv.yaml:6:39: clusters[0].rules.packs.filesystem.warningPercent: 95 is not valid; expected at most criticalPercent (85)',
      'inv.yaml:7:36: clusters[0].rules.packs.volumes.warningPercent: 98 is not valid; expected at most criticalPercent (97, its default)',
      'inv.yaml:9:54: clusters[1].rules.packs.filesystem.criticalPercent: 70 is not valid; expected at least warningPercent (80, its default)',
    ]);
  });

  test('the inventory accepts equal thresholds', () => {
    const text = `central: { cluster: edge }
clusters:
  - name: edge
    rules: { packs: { filesystem: { warningPercent: 90, criticalPercent: 90 } } }
`;
    expect(inventoryProblems(text)).toEqual([]);
  });

  test('ClusterAgent refuses the same props with the same message', () => {
    const chart = Testing.chart();
    expect(
      () =>
        new ClusterAgent(chart, 'Agent', {
          clusterName: 'c',
          rules: { packs: { filesystem: { warningPercent: 95, criticalPercent: 85 } } },
        }),
    ).toThrow(
      'ClusterAgent "c" is invalid:\n  props.rules.packs.filesystem.warningPercent: 95 is not valid; expected at most criticalPercent (85)',
    );
  });
});
