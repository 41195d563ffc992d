// When the synth bundle (build/main.js) is out of date: one rule, shared by scripts/synth.mjs and scripts/bench.mjs.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What the bundle is built from, relative to the project root. */
export const SOURCES = ['main.ts', 'render.ts', 'lib', 'imports', 'package-lock.json', 'scripts/build.mjs'];

/** The newest modification time under `p` (a file or a folder), or 0 if it does not exist. */
export function newestMtime(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

/** Whether a source under `root` is newer than the bundle (or the bundle is missing). */
export function bundleIsStale(root, bundle) {
  const built = newestMtime(bundle);
  return SOURCES.some((s) => newestMtime(path.join(root, s)) > built);
}
