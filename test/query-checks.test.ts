import { Testing } from 'cdk8s';
import { ClusterAgent } from '../lib';
import { inventoryProblems } from './support/example';

/**
 * What Prometheus would refuse is refused at synth: Go templates in alert labels and annotations (checked with a
 * port of Go's text/template parser, which agrees with promtool: test/go-template.test.ts).
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
      agent.rules.addGroup('app', {
        rules: [{ alert: 'X', expr: 'up == 0', annotations: { summary: '{{ range $labels }}' } }],
      }),
    ).toThrow(
      'rule group "app", rules[0] (alert X): annotations.summary: "{{ range $labels }}" is not a valid Go template; the parser says 1:1: unexpected EOF',
    );
  });
});
