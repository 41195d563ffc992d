// Jest global teardown: removes the run's temporary folder (see global-setup.cjs).
const fs = require('node:fs');

module.exports = async () => {
  const dir = process.env.CMM_JEST_TMPDIR;
  if (dir && /cmm-jest-/.test(dir)) fs.rmSync(dir, { recursive: true, force: true });
};
