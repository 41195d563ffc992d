/**
 * scripts/mutation-score.mjs: the score of lib/ added up over the runs' reports, newest report per file, equivalent
 * survivors listed in a file taken out of the adjusted score.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SCRIPT = path.join(__dirname, '..', 'scripts', 'mutation-score.mjs');
const SOURCE = 'export const a = x > 1;\nexport const b = "y";\n';
const at = (line: number, start: number, end: number) => ({
  start: { line, column: start },
  end: { line, column: end },
});

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mutation-score-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function report(run: string, files: Record<string, { status: string; mutator?: string; replacement?: string }[]>) {
  fs.mkdirSync(path.join(dir, 'reports', run), { recursive: true });
  const json = {
    schemaVersion: '1',
    thresholds: { high: 85, low: 70 },
    files: Object.fromEntries(
      Object.entries(files).map(([name, mutants]) => [
        name,
        {
          language: 'typescript',
          source: SOURCE,
          mutants: mutants.map((m, i) => ({
            id: `${name}-${i}`,
            mutatorName: m.mutator ?? 'EqualityOperator',
            replacement: m.replacement ?? 'x >= 1',
            location: at(1, 18, 23),
            status: m.status,
          })),
        },
      ]),
    ),
  };
  fs.writeFileSync(path.join(dir, 'reports', run, 'mutation.json'), JSON.stringify(json));
}

function score(equivalents: unknown[] = []) {
  fs.writeFileSync(path.join(dir, 'equivalents.json'), JSON.stringify(equivalents));
  const r = spawnSync(
    process.execPath,
    [SCRIPT, '--reports', path.join(dir, 'reports'), '--equivalents', path.join(dir, 'equivalents.json')],
    { encoding: 'utf8' },
  );
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** The table's row for `label`, its cells. */
function row(out: string, label: string): string[] {
  const line = out.split('\n').find((l) => l.startsWith(`${label} `));
  if (!line) throw new Error(`no row ${label} in:\n${out}`);
  return line.trim().split(/\s{2,}/);
}

test('counts each status once: killed and timed out over killed, timed out, survived and uncovered', () => {
  report('a', {
    'lib/x/one.ts': [
      { status: 'Killed' },
      { status: 'Killed' },
      { status: 'Timeout' },
      { status: 'Survived' },
      { status: 'NoCoverage' },
      { status: 'CompileError' },
      { status: 'Ignored' },
    ],
  });
  const { status, out } = score();
  expect(status).toBe(0);
  // label, mutants, killed, timeout, survived, no cov., equiv., tsc, static, score, adjusted
  expect(row(out, 'lib/x')).toEqual(['lib/x', '7', '2', '1', '1', '1', '0', '1', '1', '60.0%', '60.0%']);
  expect(row(out, 'measured')).toEqual(['measured', '7', '2', '1', '1', '1', '0', '1', '1', '60.0%', '60.0%']);
  expect(out).toContain('lib/x/one.ts:1:18 Survived EqualityOperator: "x > 1" -> "x >= 1"');
  expect(out).toContain('lib/x/one.ts:1:18 NoCoverage EqualityOperator: "x > 1" -> "x >= 1"');
});

test('a survivor listed as equivalent (file, mutator, original code, replacement) leaves the adjusted score', () => {
  report('a', { 'lib/x/one.ts': [{ status: 'Killed' }, { status: 'Survived' }] });
  const listed = { file: 'lib/x/one.ts', mutator: 'EqualityOperator', original: 'x > 1', replacement: 'x >= 1' };
  const { out } = score([{ ...listed, reason: 'x is never 1' }]);
  expect(row(out, 'lib/x')).toEqual(['lib/x', '2', '1', '0', '0', '0', '1', '0', '0', '50.0%', '100.0%']);
  expect(out).not.toContain('Survivors not listed');
  // Another replacement of the same code is not the listed mutant.
  const other = score([{ ...listed, replacement: 'x < 1', reason: 'x is never 1' }]).out;
  expect(row(other, 'lib/x')).toEqual(['lib/x', '2', '1', '0', '1', '0', '0', '0', '0', '50.0%', '50.0%']);
  expect(other).toContain('stale');
});

test('the newest report of a file wins; files from different runs add up', () => {
  report('old', { 'lib/x/one.ts': [{ status: 'Survived' }], 'lib/y/two.ts': [{ status: 'Killed' }] });
  // Made later: its result for one.ts replaces the old one's.
  const later = new Date(Date.now() + 5000);
  report('new', { 'lib/x/one.ts': [{ status: 'Killed' }] });
  fs.utimesSync(path.join(dir, 'reports', 'new', 'mutation.json'), later, later);
  const { out } = score();
  expect(row(out, 'lib/x')).toEqual(['lib/x', '1', '1', '0', '0', '0', '0', '0', '0', '100.0%', '100.0%']);
  expect(row(out, 'lib/y')).toEqual(['lib/y', '1', '1', '0', '0', '0', '0', '0', '0', '100.0%', '100.0%']);
  expect(row(out, 'measured')).toEqual(['measured', '2', '2', '0', '0', '0', '0', '0', '0', '100.0%', '100.0%']);
});

test('no report: an error saying how to make one, exit code 1', () => {
  const { status, err } = score();
  expect(status).toBe(1);
  expect(err).toContain('run npm run mutation first');
});
