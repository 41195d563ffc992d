// Jest's TypeScript transform: esbuild (already the synth's bundler), which installs from the lock file on every
// platform. Type checking is tsc's job (`npm test` runs `tsc -p .` first); this only strips the types.
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { transformSync, version } = require('esbuild');

const self = fs.readFileSync(__filename);

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'node20',
      sourcefile: filename,
      sourcemap: 'external',
      sourcesContent: false,
    });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return createHash('sha256').update(version).update(self).update(filename).update(source).digest('hex');
  },
};
