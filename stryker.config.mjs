// Mutation testing of lib/ (`npm run mutation`; one file: `npm run mutation -- --mutate lib/output/yaml.ts`).
// Stryker puts small deliberate bugs (mutants) into lib/ and runs the Jest tests that cover each one: a mutant no
// test notices is a behaviour the tests do not pin down. See the README's "Mutation testing".
//
// Stryker works in a sandbox copy of the checkout (.stryker-tmp/, ignored by git), not in place: the tests spawn the
// CLI and rebuild build/main.js from lib/ when a source is newer, and a killed or crashed run in place could leave
// lib/ mutated. In the sandbox, a crash leaves at most a stale .stryker-tmp/ behind, removed by the next run.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

// The real tools (helm, kubectl, amtool, alertmanager) stay in the checkout's .tools/ (not copied into every
// sandbox): scripts/tools.mjs honours CMM_<TOOL>, which the test processes inherit.
for (const tool of ['helm', 'kubectl', 'amtool', 'alertmanager']) {
  const name = `CMM_${tool.toUpperCase()}`;
  if (process.env[name]) continue;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'tools.mjs'), tool], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status === 0) process.env[name] = r.stdout.trim();
}

// A run's name (CMM_MUTATION_RUN, default `all`) names its folder, reports/mutation/<run>/: its reports and its
// incremental file. A run of part of lib/ (`--mutate`) keeps the results of that part only, so each part gets its own
// folder and `npm run mutation-score` adds up the newest result of every file across the folders.
const RUN = process.env.CMM_MUTATION_RUN ?? 'all';
if (!/^[a-z0-9][a-z0-9-]*$/.test(RUN)) {
  throw new Error(`CMM_MUTATION_RUN: ${JSON.stringify(RUN)} is not valid; expected a folder name (a-z, 0-9, "-")`);
}
const OUT = `reports/mutation/${RUN}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: ['lib/**/*.ts'],
  testRunner: 'jest',
  // Only behavioural tests count: fleet.test.ts (the whole-fleet snapshots, the one root-level test file) is left
  // out, so a mutant that only changes a snapshot line survives (a reviewer would not recognise the line as wrong). It
  // also builds every example inventory when it loads, the slowest file to run against a mutant.
  jest: {
    projectType: 'custom',
    configFile: 'package.json',
    enableFindRelatedTests: true,
    config: { testMatch: ['<rootDir>/test/**/*.test.ts'] },
  },
  // Only the tests that cover a mutant run against it.
  coverageAnalysis: 'perTest',
  // A static mutant (in code run when a module loads: the zod schema, constant tables) is covered by every test, so
  // each one costs a run of the whole suite (about 100 s here). They are left out (reported as ignored) unless
  // CMM_MUTATION_STATIC=1.
  ignoreStatic: process.env.CMM_MUTATION_STATIC !== '1',
  // A mutant that does not compile is not a test gap: tsc (the project's tsconfig) discards it before any test.
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // Re-runs reuse the results of unchanged code and tests (the file is under reports/, ignored by git).
  incremental: true,
  incrementalFile: `${OUT}/stryker-incremental.json`,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: `${OUT}/mutation.html` },
  jsonReporter: { fileName: `${OUT}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  // Not copied into the sandbox: the tools are reached through CMM_* above, the rest is output.
  ignorePatterns: ['.tools', 'reports', 'coverage', 'rendered'],
  // Two CPUs are the most CI and the workstation give; several tests run helm, promtool or Alertmanager.
  concurrency: 2,
  timeoutMS: 20_000,
  timeoutFactor: 2,
  thresholds: { high: 85, low: 70, break: null },
};
