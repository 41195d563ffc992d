import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { CentralGrafana, substituteDashboardInputs } from '../lib';
import { ROOT } from './support/example';
import { close, listen } from './support/servers';

/**
 * `npm run vendor-dashboards` (scripts/vendor-dashboards.mjs) against a grafana.com API served on loopback (never
 * the internet), and the synth provisioning the vendored files (`central.dashboards.vendored`).
 */

/** A grafana.com download as exported dashboards are: an input, and the `${DS_PROMETHEUS}` references to it. */
const DOWNLOAD = `{
  "__inputs": [
    { "name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus" }
  ],
  "title": "Node Exporter Full",
  "templating": { "list": [{ "name": "job", "datasource": { "type": "prometheus", "uid": "\${DS_PROMETHEUS}" } }] },
  "panels": [
    {
      "id": 1,
      "datasource": "$DS_PROMETHEUS",
      "description": "-- keep \${DS_PROMETHEUS} here --"
    }
  ]
}
`;

let tmp: string;
let server: http.Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-vendor-'));
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/api/dashboards/1860/revisions/37/download') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(DOWNLOAD);
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  base = `http://127.0.0.1:${await listen(server)}`;
});
afterAll(async () => {
  await close(server);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs the script (asynchronously: the server answers from this process). */
function vendor(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'vendor-dashboards.mjs'), ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const INVENTORY = (vendored: boolean, revision = 37) => `central:
  cluster: c
  dashboards:
    grafanaCom: [{ name: node-exporter-full, id: 1860, revision: ${revision} }]
${vendored ? '    vendored: true\n' : ''}clusters: [{ name: c, alertmanager: { enabled: true, slack: { secretName: s } } }]
`;

function synth(cwd: string) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'synth.mjs'), '--outdir', 'dist', '--quiet'], {
    cwd,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('fetches each revision once into dashboards/vendor/, records its source, and the synth provisions it', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'p-'));
  fs.writeFileSync(path.join(dir, 'cmm.yaml'), INVENTORY(true));
  const first = await vendor(dir, ['--base-url', base]);
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  const file = path.join(dir, 'dashboards/vendor/grafana-com-1860-r37.json');
  // As served, byte for byte.
  expect(fs.readFileSync(file, 'utf8')).toBe(DOWNLOAD);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'dashboards/vendor/sources.json'), 'utf8'))).toEqual({
    'grafana-com-1860-r37.json': {
      name: 'node-exporter-full',
      id: 1860,
      revision: 37,
      url: 'https://grafana.com/api/dashboards/1860/revisions/37/download',
      fetchedFrom: `${base}/api/dashboards/1860/revisions/37/download`,
      sha256: createHash('sha256').update(DOWNLOAD).digest('hex'),
    },
  });
  // Once: a second run keeps the file and asks nothing.
  const count = requests.length;
  const second = await vendor(dir, ['--base-url', base]);
  expect(second.code).toBe(0);
  expect(second.stdout).toContain('grafana-com-1860-r37.json is there already (node-exporter-full)');
  expect(requests.length).toBe(count);

  const run = synth(dir);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const cm = parse(
    fs.readFileSync(path.join(dir, 'dist/c/setup/20-configmap-cmm-dashboard-node-exporter-full.yaml'), 'utf8'),
  );
  expect(cm.metadata.labels).toEqual({ grafana_dashboard: '1', 'app.kubernetes.io/managed-by': 'cmm' });
  expect(cm.metadata.annotations.grafana_folder).toBe('grafana.com');
  const json = JSON.parse(cm.data['node-exporter-full.json']);
  expect(json.templating.list[0].datasource).toEqual({ type: 'prometheus', uid: 'cmm-prom-c' });
  expect(json.panels[0].datasource).toBe('cmm-prom-c');
  // The chart's sed leaves lines with "-- … --" alone.
  expect(json.panels[0].description).toBe('-- keep ${DS_PROMETHEUS} here --');
  // Grafana downloads nothing: no provider, no gnetId, no download init container.
  const helmChart = parse(fs.readFileSync(path.join(dir, 'dist/c/setup/50-helmchart-cmm-central.yaml'), 'utf8'));
  const values = parse(helmChart.spec.valuesContent);
  expect(values.grafana.dashboards).toBeUndefined();
  expect(values.grafana.dashboardProviders).toBeUndefined();
});

test('the synth refuses a vendored dashboard that is not the file fetched (its SHA-256 in sources.json)', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'p-'));
  fs.writeFileSync(path.join(dir, 'cmm.yaml'), INVENTORY(true));
  expect((await vendor(dir, ['--base-url', base])).code).toBe(0);
  const file = path.join(dir, 'dashboards/vendor/grafana-com-1860-r37.json');
  const edited = DOWNLOAD.replace('}', ', "edited": true}');
  fs.writeFileSync(file, edited);
  const r = synth(dir);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(
    `cmm: central.dashboards.grafanaCom[0] (node-exporter-full, 1860 revision 37): dashboards/vendor/grafana-com-1860-r37.json has SHA-256 ${createHash('sha256').update(edited).digest('hex')}, not the ${createHash('sha256').update(DOWNLOAD).digest('hex')} dashboards/vendor/sources.json recorded when it was fetched; restore it (git checkout), or fetch it again with npm run vendor-dashboards -- --force\ncmm: nothing was written; the output folder is unchanged\n`,
  );
  // Restored, it synthesizes.
  fs.writeFileSync(file, DOWNLOAD);
  expect(synth(dir).code).toBe(0);
});

test('fails for a revision the server does not have, naming it and the address', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'p-'));
  fs.writeFileSync(path.join(dir, 'cmm.yaml'), INVENTORY(true, 99));
  const r = await vendor(dir, ['--base-url', base]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(
    `vendor-dashboards: node-exporter-full (1860 revision 99): ${base}/api/dashboards/1860/revisions/99/download: HTTP 404\n`,
  );
  expect(fs.existsSync(path.join(dir, 'dashboards/vendor/grafana-com-1860-r99.json'))).toBe(false);
});

test('the synth fails when a vendored dashboard is missing, and says how to fetch it', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'p-'));
  fs.writeFileSync(path.join(dir, 'cmm.yaml'), INVENTORY(true));
  const r = synth(dir);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(
    'cmm: central.dashboards.grafanaCom[0] (node-exporter-full, 1860 revision 37): dashboards/vendor/grafana-com-1860-r37.json is missing, and central.dashboards.vendored is true; run npm run vendor-dashboards (it needs the network to grafana.com) and commit the file\ncmm: nothing was written; the output folder is unchanged\n',
  );
});

test('defaults: without vendored, Grafana downloads the dashboard as before', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'p-'));
  fs.writeFileSync(path.join(dir, 'cmm.yaml'), INVENTORY(false));
  expect(synth(dir).code).toBe(0);
  const helmChart = parse(fs.readFileSync(path.join(dir, 'dist/c/setup/50-helmchart-cmm-central.yaml'), 'utf8'));
  expect(parse(helmChart.spec.valuesContent).grafana.dashboards['grafana-com']['node-exporter-full'].gnetId).toBe(1860);
  expect(fs.readdirSync(path.join(dir, 'dist/c/setup')).filter((f) => f.includes('node-exporter-full'))).toEqual([]);
});

test('the substitution is the chart sed: every $NAME form, lines with -- … -- left alone', () => {
  const text = 'a ${DS_X} b $DS_X c ${DS_X\nd $DS_X} -- not -- ${DS_X}\n"$DS_Y"';
  expect(substituteDashboardInputs(text, [{ name: 'DS_X', value: 'uid-1' }])).toBe(
    'a uid-1 b uid-1 c uid-1\nd $DS_X} -- not -- ${DS_X}\n"$DS_Y"',
  );
  // A value with $ and \ is written as it is (no replacement patterns).
  expect(substituteDashboardInputs('${DS_X}', [{ name: 'DS_X', value: '$&\\1' }])).toBe('$&\\1');
});

test('CentralGrafana: a grafana.com dashboard not among the vendored ones is an error', () => {
  expect(
    () =>
      new CentralGrafana(Testing.chart(), 'G', {
        clusterName: 'c',
        datasources: [{ clusterName: 'c', url: 'http://p:9090' }],
        vendoredDashboards: {},
        grafanaComDashboards: [{ name: 'n', id: 1, revision: 2 }],
      }),
  ).toThrow(
    'CentralGrafana "c" is invalid:\n  props.vendoredDashboards["grafana-com-1-r2.json"]: is required; expected the JSON of grafana.com dashboard "n" (1 revision 2), vendored in dashboards/vendor/grafana-com-1-r2.json by npm run vendor-dashboards',
  );
});
