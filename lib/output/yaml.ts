import { stringify } from 'yaml';

/**
 * YAML as CMM writes it everywhere: long lines kept whole (no folding that would make diffs noisy), repeated
 * objects written out in full (no `&anchor`/`*alias`, which Helm values and Kubernetes reviewers read badly), and
 * optionally keys sorted. Strings are quoted by YAML 1.1 rules, because Kubernetes and Helm read YAML 1.1-style:
 * unquoted, `2024-04-01` would become a timestamp and `on` or `yes` a boolean.
 */
export function toYaml(value: unknown, opts: { sortKeys?: boolean } = {}): string {
  return stringify(value, {
    version: '1.1',
    lineWidth: 0,
    aliasDuplicateObjects: false,
    sortMapEntries: opts.sortKeys ?? false,
  });
}
