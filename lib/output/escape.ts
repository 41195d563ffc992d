/**
 * Escaping for the languages that CMM's output passes through after it leaves CMM: one function per target
 * language, applied where a string from the inventory or the props lands in it. Each is tested with hostile input
 * through the real tool (test/escaping.test.ts).
 */

/**
 * A string that Helm's `tpl` gives back unchanged: every `{{` becomes the template action `` {{`{{`}} ``, which
 * renders `{{`. For a value that a chart passes through `tpl` once (kube-prometheus-stack's
 * `prometheus.prometheusSpec.externalLabels` and `grafana.additionalDataSources`, the grafana chart's `grafana.ini`,
 * the alloy chart's `alloy.configMap.content`). The escape holds no quote, so it survives `toYaml` before `tpl`.
 */
export function helmTplLiteral(text: string): string {
  return text.split('{{').join('{{`{{`}}');
}

/** {@link helmTplLiteral} applied to every string (not the keys) of a JSON-like value. */
export function helmTplLiterals<T>(value: T): T {
  if (typeof value === 'string') return helmTplLiteral(value) as T;
  if (Array.isArray(value)) return value.map((v) => helmTplLiterals(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, helmTplLiterals(v)])) as T;
  }
  return value;
}

/**
 * A string that Grafana's provisioning gives back unchanged: Grafana expands `$VAR`, `${VAR}` and `$__file{...}` in
 * every value of a provisioning file (datasources, contact points) and reads `$$` as `$`.
 */
export function grafanaProvisioningLiteral(text: string): string {
  return text.split('$').join('$$');
}

/**
 * Why a string cannot be a `grafana.ini` value, or undefined if it can: the grafana chart writes each value
 * unquoted on its own line (a line break would add lines of its own), and Grafana expands `${VAR}`,
 * `$__env{...}`, `$__file{...}` and `$__vault{...}` in them, with no escape.
 */
export function grafanaIniProblem(text: string): string | undefined {
  if (/[\u0000-\u001f\u007f]/.test(text)) return 'a single line without control characters';
  if (/\$(__\w+)?\{/.test(text)) return 'no ${...} or $__...{...}: Grafana would replace it with a variable or a file';
  return undefined;
}
