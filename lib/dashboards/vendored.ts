/**
 * grafana.com dashboards kept in the repository (`npm run vendor-dashboards`, scripts/vendor-dashboards.mjs), so the
 * central Grafana provisions them from ConfigMaps like CMM's own instead of downloading them when its pod starts.
 */

/** The folder of the vendored dashboards, relative to the inventory's folder. */
export const VENDORED_DASHBOARDS_FOLDER = 'dashboards/vendor';

/** The file of one grafana.com dashboard revision: `grafana-com-<id>-r<revision>.json`. */
export function vendoredDashboardFile(id: number, revision: number): string {
  return `grafana-com-${id}-r${revision}.json`;
}

/** A dashboard input (`${DS_PROMETHEUS}`) and what it becomes. */
export interface DashboardInput {
  readonly name: string;
  readonly value: string;
}

/**
 * A grafana.com dashboard's inputs replaced as the grafana chart's download does it (its `_config.tpl`, one `sed -E
 * '/-- .* --/! s/\$\{?NAME\}?/VALUE/g'` per input): on every line that has no `-- … --`, each `$NAME`, `${NAME}`,
 * `${NAME` or `$NAME}` becomes the value.
 */
export function substituteDashboardInputs(text: string, inputs: readonly DashboardInput[]): string {
  let out = text;
  for (const { name, value } of inputs) {
    const pattern = new RegExp(`\\$\\{?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\}?`, 'g');
    out = out
      .split('\n')
      .map((line) => (/-- .* --/.test(line) ? line : line.replace(pattern, () => value)))
      .join('\n');
  }
  return out;
}
