// Writes cmm.schema.json, the JSON Schema of the inventory, from lib/inventory/schema.ts.
import { build } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = await build({
  entryPoints: [path.join(ROOT, 'lib/inventory/json-schema.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  write: false,
  logLevel: 'warning',
});
const mod = { exports: {} };
new Function('module', 'exports', 'require', out.outputFiles[0].text)(mod, mod.exports, createRequire(import.meta.url));
fs.writeFileSync(path.join(ROOT, 'cmm.schema.json'), mod.exports.inventoryJsonSchemaText());
console.log('wrote cmm.schema.json');
