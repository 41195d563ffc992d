/** The error messages the README shows are what the synth prints for the bundled example, changed as described. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inventoryProblems, ROOT } from './support/example';

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const example = fs.readFileSync(path.join(ROOT, 'cmm.yaml'), 'utf8');

function problems(text: string): readonly string[] {
  const lines = inventoryProblems(text, 'cmm.yaml');
  if (lines.length === 0) throw new Error('the changed example is valid');
  return lines;
}

function changed(from: string, to: string): string {
  expect(example).toContain(from);
  return example.replace(from, to);
}

test.each([
  [
    'a bad cluster name and a misspelt key',
    changed('  - name: edge-1\n', '  - name: Edge_1\n').replace('      retention: 3d\n', '      retension: 3d\n'),
  ],
  [
    'invalid PromQL',
    changed('expr: sum by (cluster, topic) (kafka_consumergroup_lag)', 'expr: rate(kafka_consumergroup_lag)'),
  ],
  [
    'invalid LogQL',
    changed(
      `query: '{cluster="$cluster", namespace="kafka"} |= "controller" |~ "(?i)error"'`,
      `query: '{namespace="kafka"'`,
    ),
  ],
])('the README shows the error for %s', (_what, text) => {
  const lines = problems(text);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(readme).toContain(line);
});

test('the README shows the error for a remote-write cluster without credentials in examples/thanos.yaml', () => {
  const file = 'examples/thanos.yaml';
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const from = '      agent: true\n      credentialsSecret: thanos-receive-credentials\n';
  expect(text).toContain(from);
  const lines = inventoryProblems(text.replace(from, '      agent: true\n'), file);
  expect(lines).toHaveLength(1);
  expect(readme).toContain(lines[0]);
});
