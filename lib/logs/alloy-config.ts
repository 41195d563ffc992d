/**
 * Grafana Alloy configuration, built as data and rendered to Alloy's configuration syntax. Components reference
 * each other's exports (`loki.write.central.receiver`) through {@link ref}, so the test suite can check that every
 * reference points to a component that exists.
 */

/** An Alloy expression written as is (a reference, a function call). */
export class AlloyExpr {
  constructor(public readonly text: string) {}
}

export type AlloyValue =
  string | number | boolean | AlloyExpr | readonly AlloyValue[] | { readonly [key: string]: AlloyValue };

/** A block: a component (`loki.write "central" { ... }`) or a nested block (`endpoint { ... }`). */
export interface AlloyBlock {
  readonly name: string;
  /** The component label; nested blocks have none. */
  readonly label?: string;
  /** Attributes, in order. */
  readonly attributes?: readonly (readonly [string, AlloyValue])[];
  /** Nested blocks, after the attributes. */
  readonly blocks?: readonly AlloyBlock[];
}

/** A reference to an export of another component, e.g. `ref('loki.write', 'central', 'receiver')`. */
export function ref(component: string, label: string, exportName: string): AlloyExpr {
  return new AlloyExpr(`${component}.${label}.${exportName}`);
}

/** `sys.env("NAME")`: a value from the Alloy container's environment (where Secret values arrive). */
export function env(name: string): AlloyExpr {
  return new AlloyExpr(`sys.env(${JSON.stringify(name)})`);
}

function renderValue(v: AlloyValue, indent: string): string {
  if (v instanceof AlloyExpr) return v.text;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => renderValue(x, indent)).join(', ')}]`;
  const entries = Object.entries(v as Record<string, AlloyValue>);
  if (entries.length === 0) return '{}';
  const inner = `${indent}  `;
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)} = ${renderValue(x, inner)},`).join('\n')}\n${indent}}`;
}

function renderBlock(b: AlloyBlock, indent: string): string {
  const head = `${indent}${b.name}${b.label !== undefined ? ` ${JSON.stringify(b.label)}` : ''} {`;
  const inner = `${indent}  `;
  const attrs = b.attributes ?? [];
  const width = Math.max(0, ...attrs.map(([k]) => k.length));
  const lines = [
    ...attrs.map(([k, v]) => `${inner}${k.padEnd(width)} = ${renderValue(v, inner)}`),
    ...(b.blocks ?? []).map((nested) => renderBlock(nested, inner)),
  ];
  return lines.length === 0 ? `${head}}` : `${head}\n${lines.join('\n')}\n${indent}}`;
}

/** The configuration file: components separated by blank lines, each preceded by its comment if any. */
export function renderAlloyConfig(components: readonly (AlloyBlock & { readonly comment?: string })[]): string {
  return `${components
    .map(
      (c) =>
        `${
          c.comment
            ? `${c.comment
                .split('\n')
                .map((l) => `// ${l}`)
                .join('\n')}\n`
            : ''
        }${renderBlock(c, '')}`,
    )
    .join('\n\n')}\n`;
}
