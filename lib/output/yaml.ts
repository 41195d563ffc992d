import { stringify } from 'yaml';

/**
 * YAML as CMM writes it everywhere: long lines kept whole (no folding that would make diffs noisy), repeated
 * objects written out in full (no `&anchor`/`*alias`, which Helm values and Kubernetes reviewers read badly), and
 * optionally keys sorted.
 */
export function toYaml(value: unknown, opts: { sortKeys?: boolean } = {}): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false, sortMapEntries: opts.sortKeys ?? false });
}
