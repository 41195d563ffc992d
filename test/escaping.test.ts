import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments, parseDocument, type Scalar, type YAMLMap } from 'yaml';
import { grafanaProvisioningLiteral, helmTplLiteral, helmTplLiterals, mayReadAsNonString, toYaml } from '../lib';
import { buildFleet, helmValues, manifestsOf } from './support/example';
import { describeWithHelm } from './support/tools';

/**
 * Input must not become code. Charts pass some values through Helm's `tpl` (test/support: the patterns below are
 * the upstream charts' own), and Go's YAML reader turns some plain strings into numbers or booleans. Hostile and
 * ambiguous strings go through the real Helm (v4, from scripts/tools.mjs) and must come out verbatim.
 */

/** Strings that Helm's template engine would act on, or choke on, if they reached `tpl` as they are. */
const HOSTILE = [
  '{{ .Release.Name }}',
  '{{- .Chart.Name -}}',
  '{{/* a comment */}}',
  '{{ lookup "v1" "Secret" "kube-system" "" }}',
  '{{ fail "boom" }}',
  '{{ printf "%s" "x" }}',
  '{{ define "x" }}y{{ end }}',
  '{{ template "x" }}',
  '}}{{',
  '{{{{',
  'a{{',
  '{{`{{`}}',
  '{{ "{{" }}',
  'x }} y',
  '`{{`',
  "it's {{ 'quoted' }}",
  'x: {{ .Values }}',
  '{{\t.Capabilities.KubeVersion }}',
];

/** Strings that go-yaml (Helm, kubectl) reads as another type when written plain. */
const AMBIGUOUS = [
  '0o17',
  '0O17',
  '0X1f',
  '0x1F',
  '0b101',
  '0B11',
  '-0b1',
  '017',
  '09',
  '1_000',
  '0x_1f',
  '1e3',
  '1E3',
  '-1',
  '+1',
  '.5',
  '1.',
  '12e-3',
  '+.inf',
  '-.Inf',
  '.NaN',
  '.nan',
  '2024-04-01',
  '2024-4-1',
  '2024-04-01T10:00:00Z',
  '2024-04-01 10:00:00',
  'on',
  'Off',
  'y',
  'N',
  'Yes',
  'NO',
  'true',
  'False',
  '~',
  'null',
  'Null',
  '<<',
  '=',
  '1:30',
  '0',
  '00',
  '-0',
  '1__0',
  '0.0.1',
  '88.5.3',
  '30s',
  '1h30m',
  '20Gi',
];

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-escaping-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The templates of the charts CMM drives, reduced to how they read the values at issue. */
const TEMPLATES: Record<string, string> = {
  // kube-prometheus-stack templates/prometheus/prometheus.yaml
  'external-labels.yaml': `kind: ExternalLabels
externalLabels:
{{ tpl (toYaml .Values.prometheus.prometheusSpec.externalLabels | indent 2) . }}
`,
  // kube-prometheus-stack templates/grafana/configmaps-datasources.yaml
  'datasources.yaml': `kind: Datasources
datasources:
{{ tpl (toYaml .Values.grafana.additionalDataSources | indent 2) . }}
`,
  // grafana chart templates/_config.tpl (sections only)
  'grafana-ini.yaml': `kind: GrafanaIni
grafana.ini: |
{{- range $key, $value := index .Values.grafana "grafana.ini" }}
  [{{ $key }}]
  {{- range $elem, $elemVal := $value }}
  {{- if kindIs "string" $elemVal }}
  {{ $elem }} = {{ tpl $elemVal $ }}
  {{- else }}
  {{ $elem }} = {{ $elemVal }}
  {{- end }}
  {{- end }}
{{- end }}
`,
  // alloy chart templates/configmap.yaml
  'alloy.yaml': `kind: Alloy
content: |-
  {{- tpl .Values.alloy.configMap.content . | nindent 2 }}
`,
  // How Helm reads the keys of a mapping.
  'keys.yaml': `kind: Keys
keys: {{ keys .Values.keyed | sortAlpha | toJson }}
`,
  // How Helm reads a value: its Go type and its JSON form.
  'types.yaml': `kind: Types
types:
{{- range $k, $v := .Values.corpus }}
  {{ $k }}: {{ printf "%s %s" (kindOf $v) (toJson $v) | quote }}
{{- end }}
`,
};

/** Renders the test chart with `values` (a values file written with CMM's toYaml); returns the objects by kind. */
function render(helm: string, values: Record<string, unknown>, templates: readonly string[]): Record<string, any> {
  const chart = fs.mkdtempSync(path.join(tmp, 'chart-'));
  fs.mkdirSync(path.join(chart, 'templates'));
  fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: escaping\nversion: 0.1.0\n');
  for (const t of templates) fs.writeFileSync(path.join(chart, 'templates', t), TEMPLATES[t]);
  const valuesFile = path.join(chart, 'values.cmm.yaml');
  fs.writeFileSync(valuesFile, typeof values === 'string' ? values : toYaml(values));
  const r = spawnSync(helm, ['template', 'cmm-agent', chart, '-f', valuesFile], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return Object.fromEntries(
    parseAllDocuments(r.stdout)
      .map((d) => d.toJS())
      .filter((o) => o)
      .map((o) => [o.kind, o]),
  );
}

const corpusValues = (strings: readonly string[]) => Object.fromEntries(strings.map((s, i) => [`s${i}`, s]));

describeWithHelm('through the real Helm', (helm) => {
  test('a value that a chart passes through tpl comes out verbatim, escaped once', () => {
    const labels = corpusValues(HOSTILE);
    const out = render(
      helm,
      {
        prometheus: { prometheusSpec: { externalLabels: helmTplLiterals(labels) } },
        grafana: {
          additionalDataSources: helmTplLiterals(HOSTILE.map((s) => ({ name: s, jsonData: { x: [s] } }))),
          'grafana.ini': { smtp: Object.fromEntries(HOSTILE.map((s, i) => [`k${i}`, helmTplLiteral(s)])) },
        },
        alloy: { configMap: { content: helmTplLiteral(HOSTILE.join('\n')) } },
      },
      ['external-labels.yaml', 'datasources.yaml', 'grafana-ini.yaml', 'alloy.yaml'],
    );
    expect(out.ExternalLabels.externalLabels).toEqual(labels);
    expect(out.Datasources.datasources).toEqual(HOSTILE.map((s) => ({ name: s, jsonData: { x: [s] } })));
    expect(out.GrafanaIni['grafana.ini']).toBe(
      `[smtp]\n${HOSTILE.map((s, i) => [`k${i}`, s] as const)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, s]) => `${k} = ${s}`)
        .join('\n')}\n`,
    );
    expect(out.Alloy.content).toBe(HOSTILE.join('\n'));
  });

  test('without the escape, the same strings are executed (the check can fail)', () => {
    const out = render(
      helm,
      { prometheus: { prometheusSpec: { externalLabels: { a: '{{ .Release.Name }}', b: '{{ printf "%s" "x" }}' } } } },
      ['external-labels.yaml'],
    );
    expect(out.ExternalLabels.externalLabels).toEqual({ a: 'cmm-agent', b: 'x' });
  });

  test("the fleet's own values: hostile inventory strings reach the charts verbatim", () => {
    const fromName = 'Ops {{ lookup "v1" "Secret" "monitoring" "grafana-admin" }} team';
    const { app } = buildFleet(`central:
  cluster: central
  alerting:
    email:
      addresses: [oncall@example.com]
      smtp: { host: "smtp.example.com:587", fromAddress: grafana@example.com, fromName: ${JSON.stringify(fromName)}, secretName: smtp }
clusters:
  - name: central
    prometheus:
      externalLabels: { team: "{{ .Release.Name }}", region: "0o17", zone: "}}{{" }
`);
    const charts = manifestsOf(app).filter((m) => m.kind === 'HelmChart');
    const agent = helmValues(charts.find((m) => m.metadata.name === 'cmm-agent')!);
    const central = helmValues(charts.find((m) => m.metadata.name === 'cmm-central')!);
    const agentOut = render(helm, agent, ['external-labels.yaml']);
    expect(agentOut.ExternalLabels.externalLabels).toEqual({
      team: '{{ .Release.Name }}',
      region: '0o17',
      zone: '}}{{',
      cluster: 'central',
    });
    const centralOut = render(helm, central, ['grafana-ini.yaml', 'datasources.yaml']);
    expect(centralOut.GrafanaIni['grafana.ini']).toContain(`\nfrom_name = ${fromName}\n`);
    expect(centralOut.Datasources.datasources.map((d: { uid: string }) => d.uid)).toEqual(['cmm-prom-central']);
  });

  /** Each `types` entry of the test chart as [Go kind, value]. */
  const types = (out: Record<string, any>) =>
    Object.fromEntries(
      Object.entries(out.Types.types as Record<string, string>).map(([k, v]) => {
        const space = v.indexOf(' ');
        return [k, [v.slice(0, space), JSON.parse(v.slice(space + 1))]];
      }),
    );

  test('strings that Go could read as numbers, booleans or dates are written so that Helm reads strings', () => {
    const out = render(helm, { corpus: corpusValues(AMBIGUOUS) }, ['types.yaml']);
    expect(types(out)).toEqual(Object.fromEntries(AMBIGUOUS.map((s, i) => [`s${i}`, ['string', s]])));
  });

  test('keys that Go could read as numbers, booleans or dates are written so that Helm reads them unchanged', () => {
    // go-yaml takes a key "<<" for a merge key even when quoted; no key CMM writes can be "<<" (label names).
    const keys = AMBIGUOUS.filter((k) => k !== '<<');
    const keyed = Object.fromEntries(keys.map((s) => [s, 'x']));
    const out = render(helm, { keyed }, ['keys.yaml']);
    expect(out.Keys.keys).toEqual([...keys].sort());
    // Sorted as CMM sorts chart values, too.
    const written = parseDocument(toYaml({ keyed }, { sortKeys: true })).get('keyed') as YAMLMap<Scalar<string>>;
    expect(written.items.map((p) => p.key.value)).toEqual([...keys].sort());
  });

  test('the quoting is needed: written plain, Helm reads these as numbers, booleans or null, or fails', () => {
    const misread = [
      '0o17',
      '0O17',
      '0X1f',
      '0x1F',
      '0b101',
      '0B11',
      '-0b1',
      '017',
      '09',
      '1_000',
      '0x_1f',
      '1e3',
      '1E3',
      '-1',
      '+1',
      '.5',
      '1.',
      '12e-3',
      'on',
      'Off',
      'y',
      'N',
      'Yes',
      'NO',
      'true',
      'False',
      '~',
      'null',
      'Null',
      '0',
      '00',
      '-0',
      '1__0',
    ];
    const plain = `corpus:\n${misread.map((s, i) => `  s${i}: ${s}`).join('\n')}\n`;
    const out = render(helm, plain as unknown as Record<string, unknown>, ['types.yaml']);
    expect(Object.values(types(out)).filter(([kind]) => kind === 'string')).toEqual([]);
    for (const s of ['+.inf', '-.Inf', '.NaN', '.nan']) {
      expect(() => render(helm, `corpus:\n  s: ${s}\n` as unknown as Record<string, unknown>, ['types.yaml'])).toThrow(
        /unsupported value/,
      );
    }
  });
});

describe('escaping functions', () => {
  test('helmTplLiteral turns every {{ into an action that renders {{', () => {
    expect(helmTplLiteral('a {{ b }} {{{{ c')).toBe('a {{`{{`}} b }} {{`{{`}}{{`{{`}} c');
    expect(helmTplLiteral('no braces } { here')).toBe('no braces } { here');
  });

  test('grafanaProvisioningLiteral doubles every $', () => {
    expect(grafanaProvisioningLiteral('https://x/$HOME/${A}/$$')).toBe('https://x/$$HOME/$${A}/$$$$');
  });

  test('mayReadAsNonString: strings that start with a digit, a sign or a dot only when Go reads a number or date', () => {
    for (const s of ['0o17', '0X1f', '1_000', '1e3', '2024-04-01', '.5', '-1', 'on', 'Y', '~', '=', '+.inf']) {
      expect([s, mayReadAsNonString(s)]).toEqual([s, true]);
    }
    for (const s of [
      '30s',
      '1h30m',
      '20Gi',
      '88.5.3',
      '100 * (up == 0) > 10',
      '-foo',
      '0.0.1',
      'online',
      'yes please',
    ]) {
      expect([s, mayReadAsNonString(s)]).toEqual([s, false]);
    }
  });
});
