// Bundles main.ts (and lib/, imports/, the runtime packages) into one JavaScript file with esbuild, so the synth
// starts without TypeScript, a transpiler, or module resolution across node_modules.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE = path.join(ROOT, 'build', 'main.js');

export async function bundle() {
  await build({
    entryPoints: [path.join(ROOT, 'main.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    // cdk8s bundles its own copy of yaml; use the project's one (the same 2.x line) instead of loading both.
    alias: {
      yaml: path.join(ROOT, 'node_modules', 'yaml'),
      // codemirror-promql's PromQL analyser runs without an editor (see lib/promql/codemirror-language-shim.ts).
      '@codemirror/language': path.join(ROOT, 'lib', 'promql', 'codemirror-language-shim.ts'),
    },
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundle();
}
