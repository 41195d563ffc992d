import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { checkPromQL, ClusterAgent, toYaml } from '../lib';
import { inventoryProblems } from './support/example';
import { describeWithTool } from './support/tools';

/**
 * What Prometheus would refuse is refused at synth: Go templates in alert labels and annotations (a port of Go's
 * text/template parser, which agrees with promtool: test/go-template.test.ts), and regular expressions in Go's RE2
 * syntax (a port of Go's regexp/syntax parser, which agrees with promtool: test/re2.test.ts).
 */

const rules = (...ruleLines: string[]) =>
  `central: { cluster: a }\nclusters:\n  - name: a\n    rules:\n      groups:\n        app:\n          rules:\n${ruleLines.map((l) => `            ${l}`).join('\n')}\n`;

describe('Go templates in alerts', () => {
  test('fails on an annotation or alert label that is not a valid template, with the parser position', () => {
    expect(
      inventoryProblems(
        rules(
          '- alert: AppDown',
          '  expr: up == 0',
          '  labels: { severity: warning, team: "{{ $labels.team" }',
          '  annotations: { summary: "{{ $labels.instance }} is {{ $value | humanise }}", description: "{{ $lables.x }}" }',
        ),
      ),
    ).toEqual([
      'inv.yaml:11:39: clusters[0].rules.groups.app.rules[0].annotations.summary: "{{ $labels.instance }} is {{ $value | humanise }}" is not valid; expected a Go template Prometheus can expand; the parser says 1:39: function "humanise" not defined',
      'inv.yaml:11:105: clusters[0].rules.groups.app.rules[0].annotations.description: "{{ $lables.x }}" is not valid; expected a Go template Prometheus can expand; the parser says 1:4: undefined variable "$lables"',
      'inv.yaml:10:50: clusters[0].rules.groups.app.rules[0].labels.team: "{{ $labels.team" is not valid; expected a Go template Prometheus can expand; the parser says 1:1: unclosed action',
    ]);
  });

  test("a recording rule's labels are not templates", () => {
    expect(
      inventoryProblems(rules('- record: app:up', '  expr: up', '  labels: { note: "{{ not a template" }')),
    ).toEqual([]);
  });

  test('valid templates pass', () => {
    expect(
      inventoryProblems(
        rules(
          '- alert: AppDown',
          '  expr: up == 0',
          '  labels: { severity: "{{ if gt $value 1.0 }}critical{{ else }}warning{{ end }}" }',
          '  annotations: { summary: "{{ $labels.instance }}: {{ $value | humanizePercentage }} {{ with $externalLabels.cluster }}{{ . }}{{ end }}" }',
        ),
      ),
    ).toEqual([]);
  });

  test('a rule added in TypeScript is checked too', () => {
    const agent = new ClusterAgent(Testing.chart(), 'A', { clusterName: 'a' });
    expect(() =>
      agent.rules!.addGroup('app', {
        rules: [{ alert: 'X', expr: 'up == 0', annotations: { summary: '{{ range $labels }}' } }],
      }),
    ).toThrow(
      'ClusterRules "a" is invalid:\n  addGroup("app", options).rules[0].annotations.summary: "{{ range $labels }}" is not valid; expected a Go template Prometheus can expand; the parser says 1:1: unexpected EOF',
    );
  });
});

describe('regular expressions', () => {
  test('fails on a regex Prometheus would refuse, in a rule, a selector or a namespace pattern', () => {
    const text = `central: { cluster: a }
clusters:
  - name: a
    rules:
      selectors: { nodeExporter: 'job=~"node-(?!exporter)"' }
      packs: { pods: { namespaces: 'kafka|(?<team>web)-.*' }, workloads: { namespaces: '(a)\\1' } }
      groups:
        app:
          rules:
            - { record: "app:up", expr: 'up{job=~"api(?=-v2)"}' }
`;
    expect(inventoryProblems(text)).toEqual([
      'inv.yaml:5:34: clusters[0].rules.selectors.nodeExporter: "job=~\\"node-(?!exporter)\\"" is not valid; expected PromQL label matchers such as job="node-exporter", fstype!~"tmpfs|overlay"; the parser says 1:6: invalid regular expression \"node-(?!exporter)\": invalid or unsupported Perl syntax: `(?!`',
      'inv.yaml:6:36: clusters[0].rules.packs.pods.namespaces: "kafka|(?<team>web)-.*" is not valid; expected a regular expression in Go\'s RE2 syntax, such as "kafka|web-.*"; Go says invalid or unsupported Perl syntax: `(?<`; (?<name>...) needs Go 1.22+ (Prometheus 3); write (?P<team>...)',
      'inv.yaml:6:88: clusters[0].rules.packs.workloads.namespaces: "(a)\\\\1" is not valid; expected a regular expression in Go\'s RE2 syntax, such as "kafka|web-.*"; Go says invalid escape sequence: `\\1`',
      'inv.yaml:10:41: clusters[0].rules.groups.app.rules[0].expr: "up{job=~\\"api(?=-v2)\\"}" is not valid; expected valid PromQL; the parser says 1:9: invalid regular expression "api(?=-v2)": invalid or unsupported Perl syntax: `(?=`',
    ]);
  });

  test('fails on a regex Loki would refuse, in a saved query or a log alert', () => {
    const text = `central:
  cluster: a
  loki:
    savedQueries:
      errors: { query: '{namespace="kafka"} |~ "(?i)error(?=:)"' }
clusters:
  - name: a
`;
    expect(inventoryProblems(text)).toEqual([
      'inv.yaml:5:24: central.loki.savedQueries.errors.query: "{namespace=\\"kafka\\"} |~ \\"(?i)error(?=:)\\"" is not valid; expected valid LogQL; the parser says 1:24: invalid regular expression "(?i)error(?=:)": invalid or unsupported Perl syntax: `(?=`',
    ]);
  });

  test("Go's own syntax that JavaScript lacks is accepted", () => {
    const text = `central: { cluster: a }
clusters:
  - name: a
    rules:
      packs: { pods: { namespaces: '(?i)kafka|\\Qweb.app\\E|[[:alpha:]]+\\z' } }
      groups:
        app:
          rules:
            - { record: "app:up", expr: 'up{job=~"(?P<n>api)-\\\\pL+"}' }
`;
    expect(inventoryProblems(text)).toEqual([]);
  });
});

describe('long expressions', () => {
  /** `up <op> up <op> ...` with `n` terms. */
  const chain = (op: string, n: number, term = 'up') => Array.from({ length: n }, () => term).join(` ${op} `);
  const OPERATORS = ['+', '-', '*', '/', '%', 'atan2', '== bool', '!= bool', '> bool', '< bool', 'and', 'or', 'unless'];
  const MATCHING = ['+ on (job)', '* ignoring (instance)', '/ on (job) group_left', 'or on (job)'];
  const tooDeep = (expr: string) => [
    {
      from: 0,
      message: `the expression nests too deeply to check (${expr.length} characters); split it, e.g. with recording rules`,
    },
  ];

  test('a chain of 5000 binary operations is valid PromQL (Prometheus parses it; lezer alone gave up at about 550)', () => {
    for (const op of [...OPERATORS, ...MATCHING]) expect([op, checkPromQL(chain(op, 5000))]).toEqual([op, []]);
  });

  test('so are long chains of scalars, of mixed operators, within calls, over lines', () => {
    const mixed = Array.from(
      { length: 5000 },
      (_, i) => (i ? [' + ', ' * ', ' or ', ' and ', ' > bool '][i % 5] : '') + 'up',
    );
    for (const expr of [
      chain('+', 5000, '1'),
      mixed.join(''),
      `sum(${chain('+', 5000)})`,
      `(${chain('+', 3000)}) / on (job) (${chain('-', 3000)})`,
      chain('# a comment\n  or', 3000),
      chain('+', 20_000),
    ]) {
      expect(checkPromQL(expr)).toEqual([]);
    }
  });

  test('an error in a long chain is still found where it is', () => {
    const text = chain('+', 5000);
    expect(checkPromQL(`${text} +`)).toEqual([{ from: text.length + 2, message: 'unexpected end of expression' }]);
    expect(checkPromQL(`${text} + rate(up)`)).toEqual([
      { from: text.length + 8, message: 'expected type matrix in call to function "rate", got vector' },
    ]);
    const inside = `${chain('or', 2500)} or (up[5m]) or ${chain('or', 2500)}`;
    expect(checkPromQL(inside)).toEqual([
      {
        from: inside.indexOf('(up[5m])'),
        message: 'binary expression must contain only scalar and instant vector types',
      },
    ]);
    const early = `${chain('+', 10)} + rate(up) + ${text}`;
    expect(checkPromQL(early)[0]).toEqual({
      from: early.indexOf('rate(up)') + 5,
      message: 'expected type matrix in call to function "rate", got vector',
    });
    expect(checkPromQL(chain('==', 3000, '1'))[0]).toEqual({
      from: 0,
      message: 'comparisons between scalars must use BOOL modifier',
    });
    const dollar = `${chain('+', 3000)} + $x + ${chain('+', 10)}`;
    expect(checkPromQL(dollar)).toEqual([{ from: dollar.indexOf('$'), message: 'unexpected "$"' }]);
    const regex = `${chain('+', 3000)} + up{job=~"a(?!b)"} + up`;
    expect(checkPromQL(regex)).toEqual([
      {
        from: regex.indexOf('"a(?!b)"'),
        message: 'invalid regular expression "a(?!b)": invalid or unsupported Perl syntax: `(?!`',
      },
    ]);
  });

  test('beyond what can be checked (nesting; lezer regroups 935 `^`), the synth says so', () => {
    expect(checkPromQL(chain('^', 500))).toEqual([]);
    expect(checkPromQL('('.repeat(200) + 'up' + ')'.repeat(200))).toEqual([]);
    for (const expr of [
      chain('^', 1000),
      '('.repeat(3000) + 'up' + ')'.repeat(3000),
      'sum('.repeat(1000) + 'up' + ')'.repeat(1000),
    ]) {
      expect(checkPromQL(expr)).toEqual(tooDeep(expr));
    }
  });
});

describeWithTool('promtool', 'prometheus', 'long expressions, as promtool reads them', (promtool) => {
  test('promtool accepts the chains the synth accepts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-long-'));
    try {
      const ops = ['+', 'or', '/ on (job) group_left', '== bool'];
      const groups = [
        {
          name: 'long',
          rules: ops.map((op, i) => ({
            record: `long:${i}`,
            expr: Array.from({ length: 1000 }, () => 'up').join(` ${op} `),
          })),
        },
      ];
      fs.writeFileSync(path.join(dir, 'rules.yaml'), toYaml({ groups }));
      const r = spawnSync(promtool, ['check', 'rules', 'rules.yaml'], { cwd: dir, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS: 4 rules found');
      for (const g of groups[0].rules) expect(checkPromQL(g.expr)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
