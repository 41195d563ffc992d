/**
 * Proof with the real tools: Prometheus' `promtool` checks and unit-tests the generated rules, Alertmanager's
 * `amtool` checks the generated Alertmanager configuration. Debian's `prometheus` (promtool) and
 * `prometheus-alertmanager` (amtool) packages provide them. Without them the suites are skipped with a warning on a
 * workstation, and fail in CI (`CI` set), which must install both packages.
 *
 * The rule files are always generated here, from the real code; the hand-written `promtool test rules` files are
 * next to this one (`<pack>.test.yaml`), and are copied into a temporary directory with `rule_files` pointing at the
 * generated file.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { parse, stringify } from 'yaml';
import {
  AGENT_RELEASE_NAME,
  alertmanagerConfig,
  BUILTIN_RULES_NAME,
  ClusterAgent,
  ClusterRules,
  isAlertRule,
  PACK_NAMES,
  type ClusterAgentProps,
} from '../../lib';
import { buildFleet, byKindName, helmValues, manifestsOf, ROOT, type Manifest } from '../support/example';
import { describeWithAmtool, describeWithTool } from '../support/tools';

const HERE = __dirname;
/** Time limit of one promtool/amtool run. */
const TOOL_TIMEOUT_MS = 20_000;

// ---------------------------------------------------------------------------------------------------------------
// Running them

interface ToolRun {
  readonly command: string;
  readonly status: number | null;
  /** stdout and stderr. */
  readonly output: string;
}

function run(bin: string, args: string[], cwd?: string): ToolRun {
  const r = spawnSync(bin, args, {
    cwd,
    encoding: 'utf8',
    timeout: TOOL_TIMEOUT_MS,
    env: { ...process.env, LANG: 'C' },
  });
  if (r.error) throw new Error(`${bin} ${args.join(' ')}: ${r.error.message}`);
  return { command: [bin, ...args].join(' '), status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Fails with the tool's output unless it exited 0. */
function expectSuccess(r: ToolRun): void {
  if (r.status !== 0) {
    throw new Error(`\`${r.command}\` exited ${r.status}; its output:\n${r.output}`);
  }
}

/** Fails with the tool's output unless it exited non-zero. */
function expectFailure(r: ToolRun): void {
  if (r.status === 0) {
    throw new Error(`\`${r.command}\` exited 0, but should have failed; its output:\n${r.output}`);
  }
}

/** YAML as the tools read it: nothing folded, no anchors. */
function yamlText(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

let tmpRoot: string | undefined;
function tmpDir(name: string): string {
  tmpRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-rules-'));
  return fs.mkdtempSync(path.join(tmpRoot, `${name}-`));
}
afterAll(() => {
  if (tmpRoot) fs.rmSync(tmpRoot, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// What is checked

/** The rule count of a `groups:` document. */
function ruleCount(spec: { groups: { rules: unknown[] }[] }): number {
  return spec.groups.reduce((n, g) => n + g.rules.length, 0);
}

/** The PrometheusRule objects among some manifests. */
function prometheusRules(manifests: Manifest[]): Manifest[] {
  return manifests.filter((m) => m.kind === 'PrometheusRule');
}

/**
 * The deployed built-in rules of a ClusterAgent for cluster `test` (kube-state-metrics and node-exporter on, as by
 * default): the `spec` of its `cmm-builtin-rules` PrometheusRule, which is a Prometheus rule file.
 */
function agentRuleFile(props: Partial<ClusterAgentProps> = {}): { spec: Record<string, unknown>; rules: ClusterRules } {
  const chart = Testing.chart();
  const agent = new ClusterAgent(chart, 'Agent', { clusterName: 'test', ...props });
  const rule = byKindName(chart).get(`PrometheusRule/${BUILTIN_RULES_NAME}`);
  if (!rule?.spec) throw new Error(`ClusterAgent "test" made no PrometheusRule/${BUILTIN_RULES_NAME}`);
  return { spec: rule.spec, rules: agent.rules! };
}

/** Every built-in alert, as `<alert>/<severity>`, of a ClusterRules with every pack on. */
function builtInAlerts(): string[] {
  const rules = new ClusterRules(Testing.chart(), 'Rules', {
    clusterName: 'test',
    namespace: 'monitoring',
    kubeStateMetrics: true,
    nodeExporter: true,
  });
  return rules.allGroups.flatMap((g) =>
    g.rules.filter(isAlertRule).map((r) => `${r.alert}/${r.labels?.severity ?? '(no severity)'}`),
  );
}

/** The hand-written unit-test files, and the rule packs they need (each runs against its own generated file). */
const UNIT_TESTS: Record<string, { readonly props?: Partial<ClusterAgentProps>; readonly about: string }> = {
  'watchdog.test.yaml': { about: 'default packs' },
  'watchdog-disabled.test.yaml': {
    props: { rules: { packs: { watchdog: { enabled: false } } } },
    about: 'watchdog off',
  },
  'targets.test.yaml': { about: 'default packs' },
  'nodes.test.yaml': { about: 'default packs' },
  'filesystem.test.yaml': { about: 'default packs' },
  'filesystem-thresholds.test.yaml': {
    props: { rules: { packs: { filesystem: { warningPercent: 70 } } } },
    about: 'filesystem.warningPercent 70',
  },
  'pods.test.yaml': { about: 'default packs' },
  'workloads.test.yaml': { about: 'default packs' },
  'volumes.test.yaml': { about: 'default packs' },
};

interface UnitTestFile {
  rule_files: string[];
  tests: {
    name?: string;
    alert_rule_test?: { alertname: string; exp_alerts?: { exp_labels?: Record<string, string> }[] }[];
  }[];
}

function readUnitTests(file: string): UnitTestFile {
  return parse(fs.readFileSync(path.join(HERE, file), 'utf8')) as UnitTestFile;
}

/**
 * Generates the rule file for `file` into a fresh temporary directory, copies `file` next to it with `rule_files`
 * pointing at it, and runs `promtool test rules`.
 */
function promtoolTestRules(promtool: string, file: string, props?: Partial<ClusterAgentProps>): ToolRun {
  const dir = tmpDir(path.basename(file, '.test.yaml'));
  const ruleFile = path.join(dir, `${BUILTIN_RULES_NAME}.yaml`);
  fs.writeFileSync(ruleFile, yamlText(agentRuleFile(props).spec));
  const unitTests = readUnitTests(file);
  unitTests.rule_files = [path.basename(ruleFile)];
  const testFile = path.join(dir, file);
  fs.writeFileSync(testFile, yamlText(unitTests));
  return run(promtool, ['test', 'rules', path.basename(testFile)], dir);
}

// ---------------------------------------------------------------------------------------------------------------

describe('the promtool unit-test files', () => {
  test('every built-in alert (each severity) has a case where it fires and one where it must not', () => {
    const fires = new Set<string>();
    const silent = new Set<string>();
    const onFile = fs.readdirSync(HERE).filter((f) => f.endsWith('.test.yaml'));
    expect(onFile.sort()).toEqual(Object.keys(UNIT_TESTS).sort());
    for (const file of onFile) {
      for (const group of readUnitTests(file).tests) {
        expect(group.name).toEqual(expect.any(String));
        for (const t of group.alert_rule_test ?? []) {
          const exp = t.exp_alerts ?? [];
          if (exp.length === 0) silent.add(t.alertname);
          for (const a of exp) fires.add(`${t.alertname}/${a.exp_labels?.severity}`);
        }
      }
    }
    const alerts = builtInAlerts();
    expect(alerts).toHaveLength(13);
    expect([...fires].sort()).toEqual(expect.arrayContaining(alerts));
    expect([...silent].sort()).toEqual([...new Set(alerts.map((a) => a.split('/')[0]))].sort());
    // Every pack has its file (the Watchdog's "does not fire" is its disabled pack).
    for (const pack of PACK_NAMES) expect(onFile).toContain(`${pack}.test.yaml`);
  });

  test('the generated rule file is the deployed PrometheusRule spec', () => {
    const { spec, rules } = agentRuleFile();
    expect(parse(rules.toRuleFile())).toEqual(spec);
  });
});

describeWithTool('promtool', 'prometheus', 'promtool check rules', (promtool) => {
  function checkRules(name: string, spec: unknown): ToolRun {
    const file = path.join(tmpDir('check'), `${name}.yaml`);
    fs.writeFileSync(file, yamlText(spec));
    // --lint-fatal: a duplicate rule fails too.
    return run(promtool, ['check', 'rules', '--lint=all', '--lint-fatal', file]);
  }

  const { app, fleet } = buildFleet();
  const exampleRules = fleet.clusterCharts.flatMap((chart: Chart) =>
    prometheusRules(chart.toJson() as Manifest[]).map((m) => ({ cluster: chart.node.id, manifest: m })),
  );

  test('the example fleet has PrometheusRules to check', () => {
    expect(exampleRules.map((r) => `${r.cluster}/${r.manifest.metadata.name}`)).toEqual(
      expect.arrayContaining([
        'central/cmm-builtin-rules',
        'edge-1/cmm-builtin-rules',
        'kafka-prod/cmm-builtin-rules',
        'kafka-prod/cmm-custom-rules',
      ]),
    );
    expect(exampleRules).toHaveLength(prometheusRules(manifestsOf(app)).length);
  });

  test.each(exampleRules.map((r) => [`${r.cluster}/${r.manifest.metadata.name}`, r.manifest] as const))(
    'example fleet %s',
    (name, manifest) => {
      const spec = manifest.spec as { groups: { rules: unknown[] }[] };
      const r = checkRules(name.replace('/', '-'), spec);
      expectSuccess(r);
      expect(r.output).toContain(`SUCCESS: ${ruleCount(spec)} rules found`);
    },
  );

  test('dist/*/prometheusrule-*.yaml (the committed output)', () => {
    const files = fs
      .readdirSync(path.join(ROOT, 'dist'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .flatMap((cluster) =>
        fs
          .readdirSync(path.join(ROOT, 'dist', cluster))
          .filter((f) => /^prometheusrule-.*\.yaml$/.test(f))
          .map((f) => path.join(ROOT, 'dist', cluster, f)),
      );
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const spec = (parse(fs.readFileSync(file, 'utf8')) as Manifest).spec as { groups: { rules: unknown[] }[] };
      const r = checkRules(path.relative(ROOT, file).replace(/\W+/g, '-'), spec);
      expectSuccess(r);
      expect(r.output).toContain(`SUCCESS: ${ruleCount(spec)} rules found`);
    }
  });

  test('every pack on, defaults (kube-state-metrics and node-exporter): 13 rules', () => {
    const rules = new ClusterRules(Testing.chart(), 'Rules', {
      clusterName: 'test',
      namespace: 'monitoring',
      kubeStateMetrics: true,
      nodeExporter: true,
    });
    const file = path.join(tmpDir('all-packs'), 'rules.yaml');
    fs.writeFileSync(file, rules.toRuleFile());
    const r = run(promtool, ['check', 'rules', '--lint=all', '--lint-fatal', file]);
    expectSuccess(r);
    expect(r.output).toContain('SUCCESS: 13 rules found');
  });

  test('negative control: an invalid expression fails', () => {
    const r = checkRules('invalid', {
      groups: [{ name: 'bad', rules: [{ alert: 'Bad', expr: 'sum by (job) (up', labels: { severity: 'warning' } }] }],
    });
    expectFailure(r);
  });
});

describeWithTool('promtool', 'prometheus', 'promtool test rules', (promtool) => {
  test.each(Object.entries(UNIT_TESTS).map(([file, { props, about }]) => [file, about, props] as const))(
    '%s (rules generated for cluster test, %s)',
    (file, _about, props) => {
      const r = promtoolTestRules(promtool, file, props);
      expectSuccess(r);
      expect(r.output).toContain('SUCCESS');
    },
  );

  test('negative control: a wrong expectation fails', () => {
    const dir = tmpDir('control');
    fs.writeFileSync(path.join(dir, 'rules.yaml'), yamlText(agentRuleFile().spec));
    const unitTests = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          name: 'Watchdog with a wrong severity',
          interval: '1m',
          input_series: [],
          alert_rule_test: [
            {
              eval_time: '1m',
              alertname: 'Watchdog',
              exp_alerts: [{ exp_labels: { cluster: 'test', severity: 'critical' } }],
            },
          ],
        },
      ],
    };
    fs.writeFileSync(path.join(dir, 'control.test.yaml'), yamlText(unitTests));
    const r = run(promtool, ['test', 'rules', 'control.test.yaml'], dir);
    expectFailure(r);
    expect(r.output).toContain('FAILED');
  });
});

describeWithAmtool('amtool check-config', (amtool) => {
  // amtool does not open the `*_file` credentials (Alertmanager reads them when it sends), nor require the template
  // glob to match: the configurations are checked exactly as generated, with their in-cluster paths.
  function checkConfig(name: string, config: unknown): ToolRun {
    const file = path.join(tmpDir('amtool'), `${name}.yaml`);
    fs.writeFileSync(file, yamlText(config));
    return run(amtool, ['check-config', file]);
  }

  test('the example fleet: kafka-prod', () => {
    const { fleet } = buildFleet();
    const chart = fleet.clusterCharts.find((c) => c.node.id === 'kafka-prod');
    if (!chart) throw new Error('the example fleet has no kafka-prod cluster');
    const helm = byKindName(chart).get(`HelmChart/${AGENT_RELEASE_NAME}`);
    if (!helm) throw new Error(`kafka-prod has no HelmChart/${AGENT_RELEASE_NAME}`);
    const config = helmValues(helm).alertmanager?.config;
    expect(config).toEqual(expect.objectContaining({ route: expect.any(Object), receivers: expect.any(Array) }));
    const r = checkConfig('kafka-prod', config);
    expectSuccess(r);
    expect(r.output).toContain('SUCCESS');
    expect(r.output).toContain('7 receivers');
    expect(r.output).toContain('2 inhibit rules');
  });

  test("alertmanagerConfig({ secretName: 's' })", () => {
    const r = checkConfig('minimal', alertmanagerConfig({ secretName: 's' }));
    expectSuccess(r);
    expect(r.output).toContain('SUCCESS');
  });

  test('with a critical webhook of its own and a heartbeat', () => {
    const r = checkConfig(
      'heartbeat',
      alertmanagerConfig({ secretName: 's', key: 'warn', criticalKey: 'page' }, { secretName: 'hb', interval: '1m' }),
    );
    expectSuccess(r);
    expect(r.output).toContain('4 receivers');
    expectSuccess(r);
    expect(r.output).toContain('SUCCESS');
  });

  test('negative control: a route to an undefined receiver fails', () => {
    const config = alertmanagerConfig({ secretName: 's' }) as { route: Record<string, unknown> };
    const r = checkConfig('undefined-receiver', { ...config, route: { ...config.route, receiver: 'nobody' } });
    expectFailure(r);
    expect(r.output).toContain('undefined receiver "nobody"');
  });
});
