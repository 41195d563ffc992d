/**
 * The defaults a props interface documents (`@default` in its JSDoc, read with the TypeScript compiler API) and the
 * defaults its zod schema describes (`Default: ...` in a field's description, which cmm.schema.json shows), field by
 * field, for test/defaults.test.ts.
 */
import * as path from 'node:path';
import * as ts from 'typescript';
import type * as z from 'zod';

export const ROOT = path.resolve(__dirname, '..', '..');

/** A field of a props interface and its schema's counterpart. */
export interface FieldDefault {
  /** `ClusterAgentProps.prometheus.retention`. */
  readonly field: string;
  /** The `@default` tag's text, if any. */
  readonly jsdoc?: string;
  /** The schema's descriptions of the field (the wrapper's and the inner schema's), if any. */
  readonly schema?: string;
  /** Whether the schema has the field at all. */
  readonly inSchema: boolean;
  /** Whether the interface's field is optional (`?`). */
  readonly optional?: boolean;
}

/** Between a field's descriptions (its wrapper's, then its inner schema's). */
const DESCRIPTIONS = ' | ';

let program: ts.Program | undefined;
function checker(): { program: ts.Program; checker: ts.TypeChecker } {
  if (!program) {
    const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile).config;
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
    program = ts.createProgram([path.join(ROOT, 'lib', 'index.ts')], parsed.options);
  }
  return { program, checker: program.getTypeChecker() };
}

/** The declared type of an exported interface or type alias of lib/. */
function declaredType(name: string): ts.Type {
  const { program, checker: c } = checker();
  for (const sf of program.getSourceFiles()) {
    if (!sf.fileName.startsWith(path.join(ROOT, 'lib'))) continue;
    for (const st of sf.statements) {
      if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name.text === name) {
        return c.getTypeAtLocation(st.name);
      }
    }
  }
  throw new Error(`no interface or type ${name} in lib/`);
}

type Def = { type: string; [k: string]: any };
const def = (s: z.ZodType): Def => (s as any)._zod.def as Def;

/** The schema's descriptions along its wrappers (optional, nullable, lazy, pipe), outermost first. */
function unwrap(s: z.ZodType): { inner: z.ZodType; descriptions: string[] } {
  const descriptions: string[] = [];
  let cur: z.ZodType = s;
  for (;;) {
    const d = (cur as any).description as string | undefined;
    if (d && !descriptions.includes(d)) descriptions.push(d);
    const k = def(cur);
    if (k.type === 'optional' || k.type === 'nullable' || k.type === 'readonly') cur = k.innerType;
    else if (k.type === 'lazy') cur = k.getter();
    else if (k.type === 'pipe') cur = k.in;
    else return { inner: cur, descriptions };
  }
}

/** The schemas a value of `s` may be an object of (through unions, intersections). */
function objectShapes(s: z.ZodType): Record<string, z.ZodType>[] {
  const { inner } = unwrap(s);
  const k = def(inner);
  if (k.type === 'object') return [k.shape];
  if (k.type === 'union') return (k.options as z.ZodType[]).flatMap(objectShapes);
  if (k.type === 'intersection') return [...objectShapes(k.left), ...objectShapes(k.right)];
  return [];
}

/** The schema of the elements (arrays) or values (records) of `s`. */
function elementSchemas(s: z.ZodType): z.ZodType[] {
  const { inner } = unwrap(s);
  const k = def(inner);
  if (k.type === 'array') return [k.element];
  if (k.type === 'record') return [k.valueType];
  if (k.type === 'union') return (k.options as z.ZodType[]).flatMap(elementSchemas);
  return [];
}

const isObjectLike = (c: ts.TypeChecker, t: ts.Type) =>
  (t.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) !== 0 &&
  c.getSignaturesOfType(t, ts.SignatureKind.Call).length === 0;

/**
 * Every field of the interface `name` (nested options too, through arrays, records and unions) with its `@default`
 * and the descriptions of the same field in `schema`.
 */
export function fieldDefaults(name: string, schema: z.ZodType): FieldDefault[] {
  const { checker: c } = checker();
  const out = new Map<string, FieldDefault>();
  const seen = new Set<ts.Type>();
  const walk = (type: ts.Type, schemas: z.ZodType[], prefix: string, depth: number) => {
    if (depth > 10) return;
    const t = c.getNonNullableType(type);
    const members = t.isUnion() ? t.types : [t];
    for (const m of members) {
      if (!isObjectLike(c, m) || seen.has(m)) continue;
      if (c.isArrayType(m) || c.isTupleType(m)) {
        const [el] = c.getTypeArguments(m as ts.TypeReference);
        if (el) walk(el, schemas.flatMap(elementSchemas), `${prefix}[]`, depth + 1);
        continue;
      }
      const index = c.getIndexInfoOfType(m, ts.IndexKind.String);
      if (index && c.getPropertiesOfType(m).length === 0) {
        walk(index.type, schemas.flatMap(elementSchemas), `${prefix}{}`, depth + 1);
        continue;
      }
      seen.add(m);
      const shapes = schemas.flatMap(objectShapes);
      for (const p of c.getPropertiesOfType(m)) {
        const field = `${prefix}.${p.name}`;
        const tag = p.getJsDocTags(c).find((x) => x.name === 'default');
        const jsdoc = tag ? ts.displayPartsToString(tag.text).trim() : undefined;
        const fieldSchemas = shapes.map((sh) => sh[p.name]).filter((x): x is z.ZodType => x !== undefined);
        const descriptions = [...new Set(fieldSchemas.flatMap((x) => unwrap(x).descriptions))];
        const prev = out.get(field);
        out.set(field, {
          field,
          jsdoc: prev?.jsdoc ?? jsdoc,
          schema: prev?.schema ?? (descriptions.length > 0 ? descriptions.join(DESCRIPTIONS) : undefined),
          inSchema: (prev?.inSchema ?? false) || fieldSchemas.length > 0,
          // A field written in an interface (not a key of a mapped Record, whose parent documents its entries).
          optional:
            (prev?.optional ?? false) ||
            ((p.flags & ts.SymbolFlags.Optional) !== 0 &&
              p.valueDeclaration !== undefined &&
              ts.isPropertySignature(p.valueDeclaration)),
        });
        const decl = p.valueDeclaration ?? p.declarations?.[0];
        const pt = decl ? c.getTypeOfSymbolAtLocation(p, decl) : c.getTypeOfSymbol(p);
        walk(pt, fieldSchemas, field, depth + 1);
      }
      seen.delete(m);
    }
  };
  walk(declaredType(name), [schema], name, 0);
  return [...out.values()];
}

/** A JSDoc default that is a literal value (`'10d'`, `30`, `true`, `['a']`, `{ size: '10Gi' }`), maybe with prose after. */
const LITERAL = /^(['"[{]|-?\d|true\b|false\b)/;
/**
 * A prose default that says the field is simply unset, or refers to the defaults of its nested fields (`- see ...`):
 * the schema may leave it unsaid.
 */
const ABSENCE = /^- (none|no|not|any|every|see)\b/;

/**
 * The text of the `Default: ...` sentence of a field's descriptions (the outermost that has one; in it, the last, so
 * that a parenthesis about another field does not count), if any.
 */
export function schemaDefault(description: string | undefined): string | undefined {
  for (const d of (description ?? '').split(DESCRIPTIONS)) {
    const all = [...d.matchAll(/\bDefault: (.*?)(?:\.(?:\s|$)|\)|$)/gs)].filter((m) => d[m.index - 1] !== '(');
    if (all.length > 0) return all[all.length - 1][1].trim();
  }
  return undefined;
}

/** The leading literal of a JSDoc default (`'10d' (prose)` → `'10d'`), balanced brackets and quotes. */
function leadingLiteral(text: string): string {
  const open = text[0];
  if (open === "'" || open === '"') return text.slice(0, text.indexOf(open, 1) + 1);
  if (open === '[' || open === '{') {
    let depth = 0;
    let quote: string | undefined;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (quote) {
        if (ch === quote) quote = undefined;
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === '[' || ch === '{') depth++;
      else if ((ch === ']' || ch === '}') && --depth === 0) return text.slice(0, i + 1);
    }
    return text;
  }
  return /^\S+/.exec(text)![0];
}

/** The values of a literal, in order: `{ requests: { cpu: '100m' } }` → `['100m']`, `'10d'` → `['10d']`. */
export function literalValues(text: string): string[] {
  const literal = leadingLiteral(text);
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(?<![\w.])(-?\d+(?:\.\d+)?|true|false)(?![\w.])/g;
  for (let m = re.exec(literal); m; m = re.exec(literal)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

const WORD = /[A-Za-z0-9_]/;
/** Whether `needles` appear in `text` in this order, each as a whole word (no letter or digit touching it). */
export function wordsInOrder(text: string, needles: readonly string[]): boolean {
  let from = 0;
  for (const needle of needles) {
    let at = text.indexOf(needle, from);
    const whole = (i: number) =>
      !(i > 0 && WORD.test(text[i - 1]) && WORD.test(needle[0])) &&
      !(WORD.test(text[i + needle.length] ?? '') && WORD.test(needle[needle.length - 1]));
    while (at >= 0 && !whole(at)) at = text.indexOf(needle, at + 1);
    if (at < 0) return false;
    from = at + needle.length;
  }
  return true;
}

/**
 * The problems of one field, by the rule: an optional field has a `@default`; a literal default is the same literal in both (its values, in order, as
 * whole words in the schema's `Default:`, which a single value begins: `'kube-dns'` is not the default
 * `the platform's: kube-dns, or rke2-coredns-rke2-coredns on RKE2`); a default the schema states is documented by a JSDoc `@default` (the same
 * value when the schema's is a single value); a prose default is present in both, unless it only says the field is
 * unset (`- none`, `- no ...`, `- not ...`, `- any ...`, `- every ...`) or refers to its nested fields' defaults
 * (`- see ...`), which the schema may leave unsaid.
 */
export function defaultProblem(f: FieldDefault): string | undefined {
  if (!f.inSchema) return undefined;
  const said = schemaDefault(f.schema);
  const both = `JSDoc @default: ${f.jsdoc ?? '(none)'}; schema: ${f.schema ?? '(no description)'}`;
  if (f.optional && f.jsdoc === undefined) {
    return `${f.field}: an optional field without @default (\`- none\` when unset means nothing). ${both}`;
  }
  if (f.jsdoc !== undefined && LITERAL.test(f.jsdoc)) {
    const values = literalValues(f.jsdoc);
    if (said === undefined || !wordsInOrder(said, values)) {
      return `${f.field}: the literal default ${JSON.stringify(values)} is not the schema's. ${both}`;
    }
    // One value is the schema's default itself, not one among others ("the platform's: kube-dns, or ... on RKE2").
    if (!/^[[{]/.test(f.jsdoc) && !wordsInOrder(said.slice(0, values[0].length + 1), values.slice(0, 1))) {
      return `${f.field}: the literal default ${JSON.stringify(values[0])} does not begin the schema's default, which says more. ${both}`;
    }
    return undefined;
  }
  if (said !== undefined) {
    if (f.jsdoc === undefined) return `${f.field}: the schema states a default, the JSDoc has no @default. ${both}`;
    if (/^[^\s,]+$/.test(said) && !wordsInOrder(f.jsdoc, [said])) {
      return `${f.field}: the schema's default ${JSON.stringify(said)} is not the JSDoc's. ${both}`;
    }
    return undefined;
  }
  if (f.jsdoc !== undefined && !ABSENCE.test(f.jsdoc)) {
    return `${f.field}: the JSDoc states a default the schema does not. ${both}`;
  }
  return undefined;
}
