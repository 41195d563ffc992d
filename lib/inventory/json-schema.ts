import * as z from 'zod';
import { inventory } from './schema';

/**
 * The JSON Schema (draft 2020-12) of the inventory, for editor completion and validation (`cmm.schema.json`,
 * written by `npm run schema`; a test fails when the committed file is out of date).
 */
export function inventoryJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(inventory, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    title: 'CMM inventory',
  };
}

/** The schema as the committed file's text. */
export function inventoryJsonSchemaText(): string {
  return `${JSON.stringify(inventoryJsonSchema(), null, 2)}\n`;
}
