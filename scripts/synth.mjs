// `npm run synth`: runs the bundled synth (build/main.js), rebuilding it first only when a source is newer.
// The bundle is compiled with a V8 code cache kept beside it (build/main.js.cache), which halves start-up.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { createRequire, Module } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundleIsStale } from './staleness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = path.join(ROOT, 'build', 'main.js');
const CACHE = `${BUNDLE}.cache`;
if (bundleIsStale(ROOT, BUNDLE)) {
  const { bundle } = await import('./build.mjs');
  await bundle();
  fs.rmSync(CACHE, { force: true });
}

const code = fs.readFileSync(BUNDLE, 'utf8');
let cachedData;
try {
  cachedData = fs.readFileSync(CACHE);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(code), { filename: BUNDLE, cachedData });
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(BUNDLE), mod, BUNDLE, path.dirname(BUNDLE));
if (cachedData === undefined || script.cachedDataRejected) {
  // After the run, so the functions compiled lazily during the synth are in the cache too.
  try {
    fs.writeFileSync(CACHE, script.createCachedData());
  } catch {
    // A read-only checkout still synthesizes, only without the cache.
  }
}
