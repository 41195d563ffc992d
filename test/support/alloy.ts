/**
 * A structural reading of Grafana Alloy configuration text, enough to check what CMM generates: the components
 * (`<kind> "<label>" { ... }` at the top level), the references between them (`<kind>.<label>.<export>`), the
 * `sys.env(...)` variables read, and the attributes of a component.
 */

export interface AlloyComponent {
  readonly kind: string;
  readonly label: string;
  /** The block's body, strings kept. */
  readonly body: string;
}

/** Exports each component kind that CMM uses provides (from the Alloy reference documentation). */
export const ALLOY_EXPORTS: Record<string, readonly string[]> = {
  'discovery.kubernetes': ['targets'],
  'discovery.relabel': ['output', 'rules'],
  'local.file_match': ['targets'],
  'loki.source.file': [],
  'loki.source.journal': [],
  'loki.source.kubernetes_events': [],
  'loki.process': ['receiver'],
  'loki.relabel': ['receiver', 'rules'],
  'loki.write': ['receiver'],
};

/** Top-level components, in order. Throws on unbalanced braces or text outside components and comments. */
export function alloyComponents(text: string): AlloyComponent[] {
  const out: AlloyComponent[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '' || line.startsWith('//')) {
      i++;
      continue;
    }
    const head = /^([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+) "([^"]+)" \{(\})?$/.exec(line);
    if (!head) throw new Error(`line ${i + 1} is not the start of a component: ${line}`);
    if (head[3]) {
      out.push({ kind: head[1], label: head[2], body: '' });
      i++;
      continue;
    }
    let depth = 1;
    const body: string[] = [];
    i++;
    for (; i < lines.length && depth > 0; i++) {
      const stripped = lines[i].replace(/"(?:[^"\\]|\\.)*"/g, '""');
      depth += (stripped.match(/[{[]/g) ?? []).length - (stripped.match(/[}\]]/g) ?? []).length;
      if (depth > 0) body.push(lines[i]);
    }
    if (depth !== 0) throw new Error(`component ${head[1]} "${head[2]}" is not closed`);
    out.push({ kind: head[1], label: head[2], body: body.join('\n') });
  }
  return out;
}

/** References to other components' exports in a body (outside strings). */
export function alloyReferences(body: string): { kind: string; label: string; export: string }[] {
  const code = body.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...code.matchAll(/\b([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+)\.([a-z0-9_]+)\.([a-z0-9_]+)\b/g)]
    .filter((m) => m[1] !== 'sys')
    .map((m) => ({ kind: m[1], label: m[2], export: m[3] }));
}

/** The environment variables a configuration reads. */
export function alloyEnvVars(text: string): string[] {
  return [...new Set([...text.matchAll(/sys\.env\("([^"]+)"\)/g)].map((m) => m[1]))].sort();
}

/** The string value of `name = "..."` in a body, if any. */
export function alloyStringAttribute(body: string, name: string): string | undefined {
  const m = new RegExp(`^\\s*${name}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"\\s*$`, 'm').exec(body);
  return m ? JSON.parse(`"${m[1]}"`) : undefined;
}
