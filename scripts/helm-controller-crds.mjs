// Writes lib/platforms/helm-controller-crds.json: the helm-controller's two CRDs (upstream/crds/helm.cattle.io_*.yaml,
// v0.17.7, byte-identical upstream copies) as JSON, which the synth installs where the platform has no helm-controller.
// Run after bumping the helm-controller: `node scripts/helm-controller-crds.mjs`. test/platforms.test.ts checks that
// the JSON is what the upstream files say.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FILES = ['helm.cattle.io_helmchartconfigs.yaml', 'helm.cattle.io_helmcharts.yaml'];
const crds = FILES.map((f) => parse(fs.readFileSync(path.join(ROOT, 'upstream', 'crds', f), 'utf8')));
const out = path.join(ROOT, 'lib', 'platforms', 'helm-controller-crds.json');
fs.writeFileSync(out, `${JSON.stringify(crds)}\n`);
console.log(`wrote ${path.relative(ROOT, out)}`);
