import { Chart, Testing } from 'cdk8s';
import { CentralGrafana, ClusterAgent, dashboardNameOf, parseInventory, ValidationError } from '../lib';
import { inventoryProblems } from './support/example';

/**
 * Inventory text written carelessly or with intent: credentials in URLs, strings that another language would run,
 * file names that escape the inventory's folder, absurd nesting. Each is refused with the field path, the value
 * (a password never) and what was expected.
 */

/** An inventory: the central cluster `a`, then `lines` (indented as written). */
const inv = (...lines: string[]) => `central:\n  cluster: a\n${lines.join('\n')}\n`;

describe('URLs', () => {
  test('fails if a URL holds a user name or password, without showing the password', () => {
    const problems = inventoryProblems(
      inv(
        'clusters:',
        '  - name: a',
        '    kubePrometheusStackRepo: https://deploy:s3cr3t-Pa55@charts.example.com/stable',
        '    rules: { runbookBaseUrl: "https://ghp_TOKEN1234567890@runbooks.example.com/" }',
      ),
    );
    expect(problems).toEqual([
      'inv.yaml:5:30: clusters[0].kubePrometheusStackRepo: "https://deploy:***@charts.example.com/stable" is not valid; expected a URL without a user name or password (they would be written into dist/ and Git; keep them in a Kubernetes Secret)',
      'inv.yaml:6:30: clusters[0].rules.runbookBaseUrl: "https://***@runbooks.example.com/" is not valid; expected a URL without a user name or password (they would be written into dist/ and Git; runbooks are for people: serve them without credentials)',
    ]);
    expect(problems.join('\n')).not.toMatch(/s3cr3t|ghp_TOKEN/);
  });

  test('fails if a URL holds characters a shell or a template would read', () => {
    for (const url of ['https://x.example.com/{{ .Release.Name }}', 'https://x.example.com/$(id)', "https://x/'a'"]) {
      expect(
        inventoryProblems(inv('clusters:', '  - name: a', `    kubePrometheusStackRepo: ${JSON.stringify(url)}`)),
      ).toEqual([
        `inv.yaml:5:30: clusters[0].kubePrometheusStackRepo: ${JSON.stringify(url)} is not valid; expected a URL of letters, digits and -._~:/?#[]@!&()*+,;=% only (no spaces, quotes, $, { or }; percent-encode them)`,
      ]);
    }
  });

  test('constructs refuse credentials in URLs too', () => {
    const chart = Testing.chart();
    expect(
      () =>
        new ClusterAgent(chart, 'A', {
          clusterName: 'a',
          logs: { endpoint: { pushUrl: 'https://edge:pw@loki.example.com/loki/api/v1/push' } },
        }),
    ).toThrow(
      'props.logs.endpoint.pushUrl: "https://edge:***@loki.example.com/loki/api/v1/push" is not valid; expected a URL without a user name or password (they would be written into dist/ and Git; the push credentials come from logs.credentialsSecret)',
    );
    const grafana = new CentralGrafana(new Chart(Testing.app(), 'c'), 'G', { clusterName: 'c' });
    expect(() => grafana.addClusterDatasource({ clusterName: 'x', url: 'https://admin:pw@prom.example.com' })).toThrow(
      'CentralGrafana "c" is invalid:\n  addClusterDatasource(options).url: "https://admin:***@prom.example.com" is not valid; expected a URL without a user name or password (they would be written into dist/ and Git; give them as basicAuth.secretName)',
    );
  });
});

describe('strings that another language would read', () => {
  const smtp = (fromName: string) =>
    inv(
      '  alerting:',
      '    email:',
      '      addresses: [oncall@example.com]',
      `      smtp: { host: "smtp.example.com:587", fromAddress: g@example.com, secretName: smtp, fromName: ${JSON.stringify(fromName)} }`,
      'clusters:',
      '  - name: a',
    );

  test('fails if the e-mail sender name would add lines to grafana.ini or be expanded by Grafana', () => {
    expect(inventoryProblems(smtp('Grafana\n[auth.anonymous]\nenabled = true'))).toEqual([
      'inv.yaml:6:101: central.alerting.email.smtp.fromName: "Grafana\\n[auth.anonymous]\\nenabled = true" is not valid; expected a single line without control characters',
    ]);
    for (const name of ['${GF_SECURITY_ADMIN_PASSWORD}', '$__file{/etc/passwd}']) {
      expect(inventoryProblems(smtp(name))).toEqual([
        `inv.yaml:6:101: central.alerting.email.smtp.fromName: ${JSON.stringify(name)} is not valid; expected no \${...} or $__...{...}: Grafana would replace it with a variable or a file`,
      ]);
    }
    // Go template text is fine: it is escaped where the chart runs tpl (test/escaping.test.ts).
    expect(inventoryProblems(smtp('Ops {{ .Values }} $5 team'))).toEqual([]);
  });

  test('fails on a Slack channel (a Slack app webhook ignores it), a Loki region or toleration that is not a plain name', () => {
    const problems = inventoryProblems(
      inv(
        '  loki:',
        '    mode: distributed',
        '    objectStorage: { endpoint: s3.example.com, chunksBucket: chunks, rulerBucket: ruler, credentialsSecret: s3, region: "eu{{ .Values }}" }',
        'clusters:',
        '  - name: a',
        '    alertmanager: { enabled: true, slack: { secretName: s, channel: "{{ template \\"x\\" }}" } }',
        '    logs: { tolerations: [{ key: "a b", value: "x\\ny" }] }',
      ),
    );
    expect(problems).toEqual([
      'inv.yaml:5:121: central.loki.objectStorage.region: "eu{{ .Values }}" is not valid; expected a region name such as "eu-west-1"',
      `inv.yaml:8:69: clusters[0].alertmanager.slack.channel: "{{ template \\"x\\" }}" is not valid; expected one Slack webhook per destination instead: a Slack app's webhook ignores channel; put each channel's webhook URL in the Secret and name its key in key (warnings) and criticalKey`,
      'inv.yaml:9:34: clusters[0].logs.tolerations[0].key: "a b" is not valid; expected a Kubernetes label key such as "app" or "example.com/role"',
      'inv.yaml:9:48: clusters[0].logs.tolerations[0].value: "x\\ny" is not valid; expected a Kubernetes label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
    ]);
  });
});

describe('dashboard files', () => {
  const files = (...names: string[]) =>
    inv('  dashboards:', `    files: [${names.map((n) => JSON.stringify(n)).join(', ')}]`, 'clusters:', '  - name: a');

  test('a file name with "_", spaces or capitals gives a valid dashboard name', () => {
    expect(inventoryProblems(files('dashboards/My_Team Board.json', 'x.y.json'))).toEqual([]);
    expect(dashboardNameOf('dashboards/My_Team Board.json')).toBe('my-team-board');
    expect(dashboardNameOf('x.y.json')).toBe('x-y');
    expect(dashboardNameOf('a\\b\\__Kafka__.json')).toBe('kafka');
  });

  test('fails if a file is outside the inventory folder, named with no letter or digit, or clashes', () => {
    expect(
      inventoryProblems(
        files(
          '../../etc/passwd.json',
          '/etc/x.json',
          'C:\\x.json',
          '_.json',
          'a_b.json',
          'a-b.json',
          'Fleet Overview.json',
          'logs-edge.json',
          'x.yaml',
        ),
      ),
    ).toEqual([
      `inv.yaml:4:13: central.dashboards.files[0]: "../../etc/passwd.json" is not valid; expected a path inside the inventory's folder: relative, without ".."`,
      `inv.yaml:4:38: central.dashboards.files[1]: "/etc/x.json" is not valid; expected a path inside the inventory's folder: relative, without ".."`,
      `inv.yaml:4:53: central.dashboards.files[2]: "C:\\\\x.json" is not valid; expected a path inside the inventory's folder: relative, without ".."`,
      'inv.yaml:4:67: central.dashboards.files[3]: "_.json" is not valid; expected a file name with at least one letter or digit',
      'inv.yaml:4:142: central.dashboards.files[8]: "x.yaml" is not valid; expected a path to a .json file, relative to the inventory',
      'inv.yaml:4:89: central.dashboards.files[5]: "a-b.json" is not valid; expected a file whose dashboard name differs from the others (files[4] gives the same name, "a-b")',
      `inv.yaml:4:101: central.dashboards.files[6]: "Fleet Overview.json" is not valid; expected a file name other than CMM's own dashboards ("fleet-overview", "logs-<cluster>")`,
      `inv.yaml:4:124: central.dashboards.files[7]: "logs-edge.json" is not valid; expected a file name other than CMM's own dashboards ("fleet-overview", "logs-<cluster>")`,
    ]);
  });
});

describe('the shape of the file', () => {
  test('fails on nesting deeper than 100 levels, with the position, without overflowing the stack', () => {
    const flow = `central: { cluster: a }\nclusters: [{ name: a, prometheus: { externalLabels: { x: ${'['.repeat(5000)}${']'.repeat(5000)} } } }]\n`;
    expect(inventoryProblems(flow)).toEqual([
      'inv.yaml:2:153: nested more than 100 levels deep; expected at most 100 (an inventory needs about 10)',
    ]);
    let block = 'central:\n  cluster: a\nclusters:\n  - name: a\n    prometheus:\n      externalLabels:\n';
    for (let i = 0; i < 150; i++) block += `${' '.repeat(8 + 2 * i)}k${i}:\n`;
    const problems = inventoryProblems(block);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^inv\.yaml:\d+:\d+: nested more than 100 levels deep;/);
    // A realistic depth is fine (the schema then says what is wrong with it).
    const ok = inventoryProblems(
      `central: { cluster: a }\nclusters: [{ name: a, prometheus: { externalLabels: { x: ${'['.repeat(50)}${']'.repeat(50)} } } }]\n`,
    );
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatch(/externalLabels\.x: .* is a list; expected a string$/);
  });

  test('fails if the file holds more than one YAML document', () => {
    expect(inventoryProblems('central: { cluster: a }\nclusters: [{ name: a }]\n---\nclusters: []\n')).toEqual([
      'inv.yaml:3:1: a second YAML document (after "---"); expected one document',
    ]);
  });

  test('an error message never quotes more than a short piece of a value', () => {
    const long = 'x'.repeat(10_000);
    try {
      parseInventory(inv('clusters:', `  - name: ${long}`), 'inv.yaml');
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as Error).message.length).toBeLessThan(400);
    }
  });
});
