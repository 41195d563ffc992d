import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { inventoryJsonSchema, inventoryJsonSchemaText } from '../lib/inventory/json-schema';
import { ROOT } from './support/example';

test('cmm.schema.json is up to date (run `npm run schema`)', () => {
  expect(fs.readFileSync(path.join(ROOT, 'cmm.schema.json'), 'utf8')).toBe(inventoryJsonSchemaText());
});

test('the example inventory points to the schema and validates against it', () => {
  const text = fs.readFileSync(path.join(ROOT, 'cmm.yaml'), 'utf8');
  expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./cmm.schema.json');
  // Formats (uri, email) are the editor's business; the test checks structure.
  const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(
    inventoryJsonSchema(),
  );
  expect(validate(parse(text))).toBe(true);
  expect(validate({ central: { cluster: 'x' }, clusters: [{ name: 'a', prometeus: {} }] })).toBe(false);
});
