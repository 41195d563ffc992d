/**
 * Test helper: loads the CRD YAML files of a folder (upstream/crds) and builds the validators of
 * lib/render/crd-schema.ts from them. The validation itself lives in the library.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { crdValidators, type CrdValidators } from '../../lib/render/crd-schema';

export { UnknownKindError, validateMetadata, type CrdKind, type CrdValidators } from '../../lib/render/crd-schema';

/**
 * Loads every CRD (`kind: CustomResourceDefinition`, `apiextensions.k8s.io/v1`) from the YAML files in a directory
 * (or from one file) and returns validators for all their served versions; each kind's `source` is its file.
 *
 * @param dir a directory of `*.yaml` / `*.yml` CRD files (multi-document files are fine), or one file.
 * @returns validators; schemas are compiled lazily, on first use or via `compile`.
 * @throws Error if no CRD is found, a file cannot be parsed, or two files define the same `apiVersion` and `kind`.
 */
export function loadCrdValidators(dir: string): CrdValidators {
  const files = fs.statSync(dir).isDirectory()
    ? fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(dir, f))
    : [dir];
  if (files.length === 0) {
    throw new Error(`no CustomResourceDefinition found in ${dir}: it has no *.yaml or *.yml file`);
  }
  const crds: unknown[] = [];
  const sources: string[] = [];
  for (const file of files) {
    for (const doc of readYamlDocuments(file)) {
      crds.push(doc);
      sources.push(file);
    }
  }
  return crdValidators(crds, { sources });
}

function readYamlDocuments(file: string): unknown[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) {
      throw new Error(`cannot parse ${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    return doc.toJS({ maxAliasCount: -1 }) as unknown;
  });
}
