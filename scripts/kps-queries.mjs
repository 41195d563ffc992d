// `node scripts/kps-queries.mjs --charts DIR`: the PromQL of kube-prometheus-stack's default rules and dashboards,
// written to test/data/kube-prometheus-stack-<version>-queries.json for test/cardinality.test.ts (which checks that
// CMM's default drop lists keep every metric they query). CI has no chart archive, hence the committed copy.
//
// The chart (DIR/kube-prometheus-stack-<version>.tgz) is rendered with `helm template` and the values below: every
// rule group and dashboard the chart can deploy where CMM installs it (etcd, kube-proxy, the controller manager and
// the scheduler switched on, as a cluster may choose; Windows off, as CMM never enables it). A superset of what
// any CMM cluster gets, so the check errs on the side of keeping a metric.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { toolPath } from './tools.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = '88.5.3';
const args = process.argv.slice(2);
const charts = args[args.indexOf('--charts') + 1];
if (!args.includes('--charts') || !charts) {
  console.error(
    'usage: node scripts/kps-queries.mjs --charts DIR (DIR holds kube-prometheus-stack-' + VERSION + '.tgz)',
  );
  process.exit(2);
}
const archive = path.join(charts, `kube-prometheus-stack-${VERSION}.tgz`);
const values = {
  defaultRules: { create: true },
  kubeEtcd: { enabled: true },
  kubeProxy: { enabled: true },
  kubeControllerManager: { enabled: true },
  kubeScheduler: { enabled: true },
  coreDns: { enabled: true },
  windowsMonitoring: { enabled: false },
  grafana: {
    enabled: true,
    defaultDashboardsEnabled: true,
    sidecar: { dashboards: { enabled: true, multicluster: { global: { enabled: true }, etcd: { enabled: true } } } },
  },
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-kps-queries-'));
const valuesFile = path.join(tmp, 'values.json');
fs.writeFileSync(valuesFile, JSON.stringify(values));
const out = execFileSync(
  toolPath('helm'),
  ['template', 'cmm-agent', archive, '--namespace', 'monitoring', '--kube-version', '1.33.0', '-f', valuesFile],
  { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
);
fs.rmSync(tmp, { recursive: true, force: true });

const rules = [];
const dashboards = [];
for (const doc of parseAllDocuments(out)) {
  const m = doc.toJS();
  if (!m) continue;
  if (m.kind === 'PrometheusRule') {
    for (const g of m.spec.groups) {
      for (const r of g.rules)
        rules.push({ group: g.name, ...(r.record ? { record: r.record } : { alert: r.alert }), expr: r.expr });
    }
  } else if (m.kind === 'ConfigMap' && m.metadata.labels?.grafana_dashboard) {
    for (const [file, text] of Object.entries(m.data ?? {})) {
      const d = JSON.parse(text);
      const queries = [];
      const walk = (panels) => {
        for (const p of panels ?? []) {
          for (const t of p.targets ?? []) if (typeof t.expr === 'string' && t.expr !== '') queries.push(t.expr);
          walk(p.panels);
        }
      };
      walk(d.panels);
      for (const row of d.rows ?? []) walk(row.panels);
      const variables = [];
      for (const v of d.templating?.list ?? []) {
        if (v.type !== 'query') continue;
        const q = typeof v.query === 'string' ? v.query : v.query?.query;
        if (q) variables.push(q);
      }
      dashboards.push({ file, title: d.title, queries, variables });
    }
  }
}
const byName = (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
const data = {
  source: `kube-prometheus-stack ${VERSION} (prometheus-community/helm-charts, charts/kube-prometheus-stack), rendered with helm template by scripts/kps-queries.mjs`,
  licence: 'Apache-2.0',
  values,
  rules,
  dashboards: dashboards.sort(byName),
};
const target = path.join(ROOT, 'test', 'data', `kube-prometheus-stack-${VERSION}-queries.json`);
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, `${JSON.stringify(data, null, 2)}\n`);
console.log(`${path.relative(ROOT, target)}: ${rules.length} rules, ${dashboards.length} dashboards`);
