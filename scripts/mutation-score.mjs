#!/usr/bin/env node
// The mutation score of lib/, added up over the runs in reports/mutation/<run>/mutation.json (`npm run mutation`, or
// one part of lib/ with CMM_MUTATION_RUN=<run> and --mutate): for each source file the newest report that has it.
//
//   npm run -s mutation-score             # a table by folder of lib/, the total, every survivor not listed
//   npm run -s mutation-score -- --files  # a table by file
//
// Score: (killed + timed out) / (killed + timed out + survived + no coverage), Stryker's. Mutants tsc rejects and
// static mutants left out (ignored) are not counted. A survivor listed in test/mutation-equivalents.json (the file, the
// mutator, the original code and the replacement, with the reason it cannot change behaviour) is shown as
// equivalent and taken out of the "adjusted" score; a listed mutant no report has any more is reported as stale.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const option = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? path.resolve(process.argv[i + 1]) : fallback;
};
// --reports and --equivalents: other places, for the script's own test.
const REPORTS = option('--reports', path.join(ROOT, 'reports', 'mutation'));
const EQUIVALENTS = option('--equivalents', path.join(ROOT, 'test', 'mutation-equivalents.json'));
const byFile = process.argv.includes('--files');

/** The source text a mutant replaces, from the report's copy of the file. */
function original(source, { start, end }) {
  const lines = source.split('\n');
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  return [
    lines[start.line - 1].slice(start.column - 1),
    ...lines.slice(start.line, end.line - 1),
    lines[end.line - 1].slice(0, end.column - 1),
  ].join('\n');
}

const reports = fs.existsSync(REPORTS)
  ? fs
      .readdirSync(REPORTS)
      .map((run) => path.join(REPORTS, run, 'mutation.json'))
      .filter((f) => fs.existsSync(f))
      .map((f) => ({ file: f, mtime: fs.statSync(f).mtimeMs, report: JSON.parse(fs.readFileSync(f, 'utf8')) }))
      .sort((a, b) => a.mtime - b.mtime)
  : [];
if (reports.length === 0) {
  console.error(
    `no mutation report in ${path.relative(ROOT, REPORTS)}/<run>/mutation.json: run npm run mutation first`,
  );
  process.exit(1);
}
// The newest report of each source file wins.
const files = new Map();
for (const { file, report } of reports) {
  for (const [name, f] of Object.entries(report.files))
    files.set(name, { ...f, run: path.basename(path.dirname(file)) });
}

const equivalents = fs.existsSync(EQUIVALENTS) ? JSON.parse(fs.readFileSync(EQUIVALENTS, 'utf8')) : [];
const used = new Set();
const isEquivalent = (name, m, code) => {
  const i = equivalents.findIndex(
    (e) => e.file === name && e.mutator === m.mutatorName && e.original === code && e.replacement === m.replacement,
  );
  if (i >= 0) used.add(i);
  return i >= 0;
};

const blank = () => ({
  mutants: 0,
  killed: 0,
  timeout: 0,
  survived: 0,
  noCoverage: 0,
  equivalent: 0,
  invalid: 0,
  ignored: 0,
});
const groups = new Map();
const total = blank();
const survivors = [];
for (const [name, f] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
  const key = byFile ? name : path.dirname(name);
  const g = groups.get(key) ?? blank();
  groups.set(key, g);
  for (const m of f.mutants) {
    for (const t of [g, total]) t.mutants++;
    const add = (k) => {
      g[k]++;
      total[k]++;
    };
    switch (m.status) {
      case 'Killed':
        add('killed');
        break;
      case 'Timeout':
        add('timeout');
        break;
      case 'NoCoverage':
      case 'Survived': {
        const code = original(f.source, m.location);
        if (isEquivalent(name, m, code)) add('equivalent');
        else {
          add(m.status === 'Survived' ? 'survived' : 'noCoverage');
          survivors.push(
            `${name}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName}: ${JSON.stringify(code)} -> ${JSON.stringify(m.replacement)}`,
          );
        }
        break;
      }
      case 'CompileError':
      case 'RuntimeError':
        add('invalid');
        break;
      default:
        add('ignored');
    }
  }
}

const pct = (n, d) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`);
const score = (t) => pct(t.killed + t.timeout, t.killed + t.timeout + t.survived + t.noCoverage + t.equivalent);
const adjusted = (t) => pct(t.killed + t.timeout, t.killed + t.timeout + t.survived + t.noCoverage);
const header = [
  '',
  'mutants',
  'killed',
  'timeout',
  'survived',
  'no cov.',
  'equiv.',
  'tsc',
  'static',
  'score',
  'adjusted',
];
const row = (label, t) => [
  label,
  t.mutants,
  t.killed,
  t.timeout,
  t.survived,
  t.noCoverage,
  t.equivalent,
  t.invalid,
  t.ignored,
  score(t),
  adjusted(t),
];
const rows = [header, ...[...groups].map(([k, t]) => row(k, t)), row('measured', total)];
const widths = header.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
for (const r of rows)
  console.log(r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  '));

const measured = new Set(files.keys());
const all = [];
(function walk(dir) {
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) walk(rel);
    else if (e.name.endsWith('.ts')) all.push(rel);
  }
})('lib');
const unmeasured = all.filter((f) => !measured.has(f)).sort();
console.log(`\n${measured.size} of ${all.length} files of lib/ measured; not yet: ${unmeasured.join(', ') || 'none'}`);
console.log(`runs: ${reports.map((r) => path.relative(ROOT, r.file)).join(', ')}`);
if (survivors.length > 0)
  console.log(`\nSurvivors not listed as equivalent (${survivors.length}):\n${survivors.join('\n')}`);
const stale = equivalents.filter((_, i) => !used.has(i));
if (stale.length > 0) {
  console.log(`\nListed as equivalent but in no report (stale: remove or update):`);
  for (const e of stale)
    console.log(`  ${e.file} ${e.mutator}: ${JSON.stringify(e.original)} -> ${JSON.stringify(e.replacement)}`);
}
