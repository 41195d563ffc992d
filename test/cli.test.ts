import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** End-to-end tests of `npm run synth` (scripts/synth.mjs → build/main.js → main.ts). */

const ROOT = path.join(__dirname, '..');
const NOTHING_WRITTEN = 'cmm: nothing was written; the output folder is unchanged\n';

/** The environment of the tests' process without the synth's own variables, so only what a test sets applies. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('CMM_INVENTORY' in extra)) delete env.CMM_INVENTORY;
  if (!('CDK8S_OUTDIR' in extra)) delete env.CDK8S_OUTDIR;
  return env;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function synth(args: readonly string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, ['scripts/synth.mjs', ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir` (dot files included) by relative path, with its bytes. */
function readTree(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(p);
      else out[p] = fs.readFileSync(path.join(dir, p));
    }
  };
  walk('');
  return out;
}

/** The name `main.ts` uses for the inventory in messages: its path relative to the synth's working directory. */
/** Messages name the inventory by the path it was given as. */
function shown(file: string): string {
  return file;
}

const DASHBOARD = '{"title":"Hello","panels":[]}\n';

/** Central monitored too, a dashboard file, a ServiceMonitor, and a second cluster. */
const SMALL = `central:
  cluster: central
  dashboards:
    files: [dashboards/hello.json]
clusters:
  - name: central
    serviceMonitors:
      nginx: { selector: { app: nginx }, port: metrics }
  - name: edge-1
`;

const SMALL_FILES = [
  'central/prometheusrule-cmm-builtin-rules.yaml',
  'central/servicemonitor-nginx.yaml',
  'central/setup/configmap-cmm-dashboard-fleet-overview.yaml',
  'central/setup/configmap-cmm-dashboard-hello.yaml',
  'central/setup/helmchart-cmm-agent.yaml',
  'central/setup/helmchart-cmm-central.yaml',
  'central/setup/namespace-monitoring.yaml',
  'edge-1/prometheusrule-cmm-builtin-rules.yaml',
  'edge-1/setup/helmchart-cmm-agent.yaml',
  'edge-1/setup/namespace-monitoring.yaml',
];

/** SMALL plus a cluster edge-2. */
const BIGGER = `${SMALL}  - name: edge-2\n`;

/** The second cluster's name is not a DNS-1123 label (line 7, column 11). */
const INVALID = `central:
  cluster: central
  dashboards:
    files: [dashboards/hello.json]
clusters:
  - name: central
  - name: Edge_1
`;

let tmp: string;

/** Writes `inventory.yaml` (and the dashboard it lists, unless null) into the test's temporary folder; returns its path. */
function writeInventory(text: string, dashboard: string | null = DASHBOARD): string {
  const file = path.join(tmp, 'inventory.yaml');
  fs.writeFileSync(file, text);
  if (dashboard !== null) {
    fs.mkdirSync(path.join(tmp, 'dashboards'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'dashboards', 'hello.json'), dashboard);
  }
  return file;
}

beforeAll(() => {
  // The first run may bundle main.ts (scripts/build.mjs) when a source is newer than build/main.js.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-cli-warmup-'));
  try {
    synth(['--inventory', path.join(ROOT, 'cmm.yaml'), '--outdir', path.join(dir, 'out')]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-cli-'));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('synth', () => {
  test('defaults', () => {
    const inventory = writeInventory(SMALL);
    const out = path.join(tmp, 'out');
    const run = synth(['--inventory', inventory, '--outdir', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const outPattern = out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(run.stdout).toMatch(new RegExp(`^cmm: 2 clusters, 10 files written to ${outPattern}/ in \\d+ ms\\n$`));
    expect(Object.keys(readTree(out)).sort()).toEqual(SMALL_FILES);
    expect(fs.readdirSync(tmp).sort()).toEqual(['dashboards', 'inventory.yaml', 'out']);
  });

  test('can take the inventory and the output folder from CMM_INVENTORY and CDK8S_OUTDIR', () => {
    const inventory = writeInventory(SMALL);
    const out = path.join(tmp, 'from-env');
    const run = synth([], { CMM_INVENTORY: inventory, CDK8S_OUTDIR: out });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(Object.keys(readTree(out)).sort()).toEqual(SMALL_FILES);
  });

  test('gives byte-identical output for the same inventory', () => {
    const inventory = writeInventory(SMALL);
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    expect(synth(['--inventory', inventory, '--outdir', a]).code).toBe(0);
    expect(synth(['--inventory', inventory, '--outdir', b]).code).toBe(0);
    const treeA = readTree(a);
    expect(Object.keys(treeA).sort()).toEqual(SMALL_FILES);
    expect(readTree(b)).toEqual(treeA);
  });

  test('replaces the whole output folder, so files of an earlier run do not stay behind', () => {
    const inventory = writeInventory(BIGGER);
    const out = path.join(tmp, 'out');
    expect(synth(['--inventory', inventory, '--outdir', out]).code).toBe(0);
    expect(fs.existsSync(path.join(out, 'edge-2', 'setup', 'helmchart-cmm-agent.yaml'))).toBe(true);
    fs.writeFileSync(path.join(out, 'stale.txt'), 'left by hand\n');

    writeInventory(SMALL);
    const run = synth(['--inventory', inventory, '--outdir', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(Object.keys(readTree(out)).sort()).toEqual(SMALL_FILES);
    expect(fs.existsSync(path.join(out, 'edge-2'))).toBe(false);
    // The same bytes as a run into a new folder, and no temporary folder left beside the output.
    expect(synth(['--inventory', inventory, '--outdir', path.join(tmp, 'fresh')]).code).toBe(0);
    expect(readTree(out)).toEqual(readTree(path.join(tmp, 'fresh')));
    expect(fs.readdirSync(tmp).sort()).toEqual(['dashboards', 'fresh', 'inventory.yaml', 'out']);
  });

  test('fails on an invalid inventory and leaves the output folder untouched', () => {
    const inventory = writeInventory(INVALID);
    const out = path.join(tmp, 'out');
    fs.mkdirSync(path.join(out, 'central'), { recursive: true });
    fs.writeFileSync(path.join(out, 'MARKER'), 'from an earlier run\n');
    fs.writeFileSync(path.join(out, 'central', 'namespace-monitoring.yaml'), 'kind: Namespace\n');
    const before = readTree(out);
    const inode = fs.statSync(out).ino;

    const run = synth(['--inventory', inventory, '--outdir', out]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `cmm: ${shown(inventory)} is invalid:\n` +
        `  ${shown(inventory)}:7:11: clusters[1].name: "Edge_1" is not valid; expected a DNS-1123 label: lowercase ` +
        'letters, digits and "-", starting and ending with a letter or digit, at most 63 characters\n' +
        NOTHING_WRITTEN,
    );
    expect(readTree(out)).toEqual(before);
    expect(fs.statSync(out).ino).toBe(inode);
    expect(fs.readdirSync(tmp).sort()).toEqual(['dashboards', 'inventory.yaml', 'out']);
  });

  test('fails if a dashboard file is missing', () => {
    const inventory = writeInventory(SMALL, null);
    const out = path.join(tmp, 'out');
    const run = synth(['--inventory', inventory, '--outdir', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'cmm: central.dashboards.files[0]: "dashboards/hello.json" cannot be read (ENOENT); ' +
        'expected a dashboard JSON file relative to the inventory\n' +
        NOTHING_WRITTEN,
    );
    expect(fs.readdirSync(tmp)).toEqual(['inventory.yaml']);
  });

  test('fails if a dashboard file is not valid JSON', () => {
    const inventory = writeInventory(SMALL, '{ "title": "Hello", }\n');
    const out = path.join(tmp, 'out');
    const run = synth(['--inventory', inventory, '--outdir', out]);
    expect(run.code).toBe(1);
    // The parser's own reason (between the parentheses) depends on the Node.js version.
    expect(run.stderr).toMatch(
      /^cmm: central\.dashboards\.files\[0\]: "dashboards\/hello\.json" is not valid JSON \(.+\); expected a Grafana dashboard JSON model\n/,
    );
    expect(run.stderr.endsWith(`; expected a Grafana dashboard JSON model\n${NOTHING_WRITTEN}`)).toBe(true);
    expect(fs.readdirSync(tmp).sort()).toEqual(['dashboards', 'inventory.yaml']);
  });

  test('fails if a dashboard file holds JSON that is not an object', () => {
    const inventory = writeInventory(SMALL, '[]\n');
    const run = synth(['--inventory', inventory, '--outdir', path.join(tmp, 'out')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `cmm: central.dashboards.files[0]: "dashboards/hello.json" holds []; expected a Grafana dashboard JSON object\n${NOTHING_WRITTEN}`,
    );
  });

  test('fails on an unknown option', () => {
    const inventory = writeInventory(SMALL);
    const out = path.join(tmp, 'out');
    const run = synth(['--inventroy', inventory, '--outdir', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`cmm: unknown option --inventroy\n${NOTHING_WRITTEN}`);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('fails if an option has no value', () => {
    const out = path.join(tmp, 'out');
    const run = synth(['--outdir', out, '--inventory']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`cmm: --inventory needs a value\n${NOTHING_WRITTEN}`);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('fails on an argument that is not an option', () => {
    // `npm run synth -- inventory.yaml` must not silently synthesize the default cmm.yaml instead.
    const inventory = writeInventory(SMALL);
    const out = path.join(tmp, 'out');
    const run = synth([inventory, '--outdir', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`cmm: unexpected argument ${inventory}\n${NOTHING_WRITTEN}`);
    expect(fs.existsSync(out)).toBe(false);
  });
});
