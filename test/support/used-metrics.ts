import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { metricNamesOf } from '../../lib/promql/metric-names';
import { ROOT, buildFleet, exampleInventories, manifestsOf, type Manifest } from './example';

/** Where a metric name is queried: the file or object, and the query. */
export interface MetricUse {
  readonly name: string;
  readonly where: string;
  readonly query: string;
}

/** The queries of kube-prometheus-stack's rules and dashboards (test/data, made by scripts/kps-queries.mjs). */
export const KPS_QUERIES = path.join(ROOT, 'test', 'data', 'kube-prometheus-stack-88.5.3-queries.json');

interface KpsQueries {
  rules: { group: string; record?: string; alert?: string; expr: string }[];
  dashboards: { file: string; title: string; queries: string[]; variables: string[] }[];
}

/**
 * A Grafana query as PromQL: its variables replaced by values of their kind (`$__rate_interval` and other
 * durations by `5m`, any other `$var` by a name), and a `label_values(selector, label)` or `query_result(expr)`
 * variable query reduced to its selector or expression.
 */
export function grafanaQueryToPromQL(query: string): string | undefined {
  let q = query.trim();
  const labelValues = /^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/s.exec(q);
  if (labelValues) q = labelValues[1];
  else if (/^label_values\(\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/.test(q))
    return undefined; // every series' label
  else if (/^(label_names|metrics)\(/.test(q)) return undefined;
  const queryResult = /^query_result\((.*)\)$/s.exec(q);
  if (queryResult) q = queryResult[1];
  return q
    .replace(/\[\s*\$\{?__(rate_interval|interval|range|auto)\}?\s*\]/g, '[5m]')
    .replace(/\[\s*\$\{?[A-Za-z_][A-Za-z0-9_]*(:[a-z]+)?\}?\s*\]/g, '[5m]')
    .replace(/\$\{?__(rate_interval|interval|range|auto)(_ms|_s)?\}?/g, '300')
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:[a-z]+)?\}/g, 'v_$1')
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, 'v_$1');
}

function uses(expr: string, where: string, out: MetricUse[]): void {
  let names: readonly string[];
  try {
    const found = metricNamesOf(expr);
    if (found.patterns.length > 0) {
      throw new Error(`${where}: a __name__ regular expression (${found.patterns.join(', ')}) is not checked`);
    }
    names = found.names;
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  for (const name of names) out.push({ name, where, query: expr });
}

/** kube-prometheus-stack 88.5.3's default rules (recording and alerting). */
export function kubePrometheusStackRules(): KpsQueries['rules'] {
  return (JSON.parse(fs.readFileSync(KPS_QUERIES, 'utf8')) as KpsQueries).rules;
}

/** Every metric name kube-prometheus-stack 88.5.3's default rules and dashboards query. */
export function kubePrometheusStackUses(): MetricUse[] {
  const data = JSON.parse(fs.readFileSync(KPS_QUERIES, 'utf8')) as KpsQueries;
  const out: MetricUse[] = [];
  for (const r of data.rules) uses(r.expr, `kube-prometheus-stack rule ${r.group}/${r.record ?? r.alert}`, out);
  for (const d of data.dashboards) {
    for (const q of [...d.queries, ...d.variables]) {
      const promql = grafanaQueryToPromQL(q);
      if (promql !== undefined) uses(promql, `kube-prometheus-stack dashboard ${d.file}`, out);
    }
  }
  return out;
}

/** Whether a Grafana datasource reference (or uid) is a Loki one. */
function isLoki(ds: unknown): boolean {
  if (typeof ds === 'string') return /loki/i.test(ds);
  if (typeof ds === 'object' && ds !== null) {
    const { type, uid } = ds as { type?: string; uid?: string };
    return type === 'loki' || (typeof uid === 'string' && /loki/i.test(uid));
  }
  return false;
}

/** Every PromQL query of a Grafana dashboard (panels, nested rows, query variables), Loki's left out. */
export function dashboardQueries(dashboard: Record<string, any>): string[] {
  const out: string[] = [];
  const walk = (panels: any[] | undefined) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) {
        if (typeof t.expr !== 'string' || t.expr === '' || isLoki(t.datasource ?? p.datasource)) continue;
        out.push(t.expr);
      }
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  for (const row of dashboard.rows ?? []) walk(row.panels);
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== 'query' || isLoki(v.datasource)) continue;
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    if (typeof q === 'string' && q !== '') out.push(q);
  }
  return out;
}

/** Every metric name CMM's own manifests query: PrometheusRules, dashboards and Grafana alert rules. */
export function manifestUses(manifests: readonly Manifest[], source: string): MetricUse[] {
  const out: MetricUse[] = [];
  for (const m of manifests) {
    const where = `${source} ${m.kind}/${m.metadata.name}`;
    if (m.kind === 'PrometheusRule') {
      for (const g of (m.spec as any).groups) for (const r of g.rules) uses(r.expr, `${where} ${g.name}`, out);
    } else if (m.kind === 'ConfigMap') {
      for (const [key, text] of Object.entries(m.data ?? {})) {
        if (m.metadata.labels?.grafana_dashboard !== undefined) {
          for (const q of dashboardQueries(JSON.parse(text))) {
            const promql = grafanaQueryToPromQL(q);
            if (promql !== undefined) uses(promql, `${where} ${key}`, out);
          }
        } else if (m.metadata.labels?.grafana_alert !== undefined) {
          const doc = parse(text) as { groups?: { rules: { title: string; data: any[] }[] }[] };
          for (const g of doc.groups ?? []) {
            for (const r of g.rules) {
              for (const q of r.data) {
                if (q.datasourceUid === '__expr__' || isLoki(q.datasourceUid) || typeof q.model?.expr !== 'string')
                  continue;
                uses(q.model.expr, `${where} ${key} ${r.title}`, out);
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/** Every metric name queried by what CMM synthesizes for each example inventory (cmm.yaml, examples/*.yaml). */
export function exampleUses(): MetricUse[] {
  return exampleInventories().flatMap((file) => {
    const { app } = buildFleet(fs.readFileSync(file, 'utf8'), path.dirname(file));
    return manifestUses(manifestsOf(app), path.relative(ROOT, file));
  });
}

/** Every metric name of the dashboards in dashboards/ (provisioned from files). */
export function dashboardFileUses(): MetricUse[] {
  const dir = path.join(ROOT, 'dashboards');
  const out: MetricUse[] = [];
  for (const f of fs
    .readdirSync(dir)
    .filter((x) => x.endsWith('.json'))
    .sort()) {
    for (const q of dashboardQueries(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')))) {
      const promql = grafanaQueryToPromQL(q);
      if (promql !== undefined) uses(promql, `dashboards/${f}`, out);
    }
  }
  return out;
}
