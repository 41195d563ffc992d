// Jest global setup: every test run gets a temporary folder of its own as TMPDIR (the workers inherit it), so
// whatever a test or a library leaves in the temporary folder (cdk8s's Testing.app() makes one `cdk8s.outdir.*`
// folder per app) is removed with it by global-teardown.cjs.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-jest-'));
  process.env.CMM_JEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
};
