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

function synth(args: readonly string[], env: Record<string, string> = {}, cwd = ROOT): Run {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/synth.mjs'), ...args], {
    cwd,
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

/**
 * Central monitored too, a dashboard file, a ServiceMonitor, and a second cluster. Every alert reaches someone: the
 * central Grafana delivers the central cluster's, edge-1 has an Alertmanager.
 */
const SMALL = `central:
  cluster: central
  alerting:
    slack: { secretName: grafana-alerting }
  dashboards:
    files: [dashboards/hello.json]
clusters:
  - name: central
    serviceMonitors:
      nginx: { selector: { app: nginx }, port: metrics }
  - name: edge-1
    alertmanager: { enabled: true, slack: { secretName: alertmanager-slack } }
`;

const SMALL_FILES = [
  'README.md',
  'central/Kustomization',
  'central/prometheusrule-cmm-builtin-rules.yaml',
  'central/servicemonitor-cmm-central-grafana.yaml',
  'central/servicemonitor-nginx.yaml',
  'central/setup/00-namespace-monitoring-host.yaml',
  'central/setup/00-namespace-monitoring.yaml',
  'central/setup/03-networkpolicy-cmm-grafana.yaml',
  'central/setup/03-networkpolicy-cmm-kube-state-metrics.yaml',
  'central/setup/03-networkpolicy-cmm-prometheus-operator.yaml',
  'central/setup/03-networkpolicy-cmm-prometheus.yaml',
  'central/setup/20-configmap-cmm-alerting.yaml',
  'central/setup/20-configmap-cmm-dashboard-fleet-overview.yaml',
  'central/setup/20-configmap-cmm-dashboard-hello.yaml',
  'central/setup/50-helmchart-cmm-agent.yaml',
  'central/setup/50-helmchart-cmm-central.yaml',
  'edge-1/Kustomization',
  'edge-1/prometheusrule-cmm-builtin-rules.yaml',
  'edge-1/setup/00-namespace-monitoring-host.yaml',
  'edge-1/setup/00-namespace-monitoring.yaml',
  'edge-1/setup/03-networkpolicy-cmm-alertmanager.yaml',
  'edge-1/setup/03-networkpolicy-cmm-kube-state-metrics.yaml',
  'edge-1/setup/03-networkpolicy-cmm-prometheus-operator.yaml',
  'edge-1/setup/03-networkpolicy-cmm-prometheus.yaml',
  'edge-1/setup/50-helmchart-cmm-agent.yaml',
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
    expect(run.stdout).toMatch(new RegExp(`^cmm: 2 clusters, 25 files written to ${outPattern}/ in \\d+ ms\\n`));
    // The summary: a line per cluster.
    expect(run.stdout.split('\n').slice(1, 4)).toEqual([
      expect.stringMatching(/^cluster +role +platform +objects +files +alerts +metrics +alerts go to +charts$/),
      expect.stringMatching(
        /^central +central, monitored +k3s +\d+ +\d+ +\d+ +Prometheus, in the cluster +central Grafana +kube-prometheus-stack 88\.5\.3 ×2$/,
      ),
      expect.stringMatching(
        /^edge-1 +monitored +k3s +\d+ +9 +\d+ +not reached +its Alertmanager +kube-prometheus-stack 88\.5\.3$/,
      ),
    ]);
    expect(Object.keys(readTree(out)).sort()).toEqual(['.cmm-output', ...SMALL_FILES]);
    expect(fs.readdirSync(tmp).sort()).toEqual(['dashboards', 'inventory.yaml', 'out']);
  });

  test('can take the inventory and the output folder from CMM_INVENTORY and CDK8S_OUTDIR', () => {
    const inventory = writeInventory(SMALL);
    const out = path.join(tmp, 'from-env');
    const run = synth([], { CMM_INVENTORY: inventory, CDK8S_OUTDIR: out });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(Object.keys(readTree(out)).sort()).toEqual(['.cmm-output', ...SMALL_FILES]);
  });

  test('gives byte-identical output for the same inventory', () => {
    const inventory = writeInventory(SMALL);
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    expect(synth(['--inventory', inventory, '--outdir', a]).code).toBe(0);
    expect(synth(['--inventory', inventory, '--outdir', b]).code).toBe(0);
    const treeA = readTree(a);
    expect(Object.keys(treeA).sort()).toEqual(['.cmm-output', ...SMALL_FILES]);
    expect(readTree(b)).toEqual(treeA);
  });

  test('replaces the whole output folder, so files of an earlier run do not stay behind', () => {
    const inventory = writeInventory(BIGGER);
    const out = path.join(tmp, 'out');
    expect(synth(['--inventory', inventory, '--outdir', out]).code).toBe(0);
    expect(fs.existsSync(path.join(out, 'edge-2', 'setup', '50-helmchart-cmm-agent.yaml'))).toBe(true);

    writeInventory(SMALL);
    const run = synth(['--inventory', inventory, '--outdir', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(Object.keys(readTree(out)).sort()).toEqual(['.cmm-output', ...SMALL_FILES]);
    expect(fs.existsSync(path.join(out, 'edge-2'))).toBe(false);
    // The same bytes as a run into a new folder, and no temporary folder left beside the output.
    expect(synth(['--inventory', inventory, '--outdir', path.join(tmp, 'fresh')]).code).toBe(0);
    expect(readTree(out)).toEqual(readTree(path.join(tmp, 'fresh')));
    expect(fs.readdirSync(tmp).sort()).toEqual(['dashboards', 'fresh', 'inventory.yaml', 'out']);
  });

  test('warns about a cluster whose alerts reach nobody', () => {
    const inventory = writeInventory(
      'central: { cluster: central }\nclusters:\n  - name: central\n  - name: edge-1\n',
      null,
    );
    const run = synth(['--inventory', inventory, '--outdir', path.join(tmp, 'out')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      ['central', 'edge-1']
        .map(
          (c) =>
            `cmm: warning: the alerts of ${c} reach nobody: it has no Alertmanager (alertmanager.enabled with a receiver), and the central Grafana does not deliver them (central.alerting, with the cluster reachable: prometheus.exposure, or central.metrics: thanos)\n`,
        )
        .join(''),
    );
  });

  test('fails on an invalid inventory and leaves the output folder untouched', () => {
    const out = path.join(tmp, 'out');
    expect(synth(['--inventory', writeInventory(SMALL), '--outdir', out]).code).toBe(0);
    const inventory = writeInventory(INVALID);
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

  test('fails if the inventory is missing', () => {
    const out = path.join(tmp, 'out');
    const run = synth(['--inventory', path.join(tmp, 'none.yaml'), '--outdir', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `cmm: the inventory ${path.join(tmp, 'none.yaml')} cannot be read (ENOENT)\n` + NOTHING_WRITTEN,
    );
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  test('fails if a dashboard file is missing', () => {
    const inventory = writeInventory(SMALL, null);
    const out = path.join(tmp, 'out');
    const run = synth(['--inventory', inventory, '--outdir', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'cmm: central.dashboards.files[0]: "dashboards/hello.json" cannot be read (ENOENT); ' +
        "expected a dashboard JSON file inside the inventory's folder\n" +
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
    expect(run.stderr).toBe(
      'cmm: central.dashboards.files[0]: "dashboards/hello.json" is not valid JSON at line 1, column 21 ' +
        `(expected a property name in double quotes); expected a Grafana dashboard JSON model\n${NOTHING_WRITTEN}`,
    );
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

  test('--quiet leaves out the summary table', () => {
    const inventory = writeInventory(SMALL);
    const run = synth(['--inventory', inventory, '--outdir', path.join(tmp, 'out'), '--quiet']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^cmm: 2 clusters, 25 files written to .* in \d+ ms\n$/);
  });

  test('--check writes nothing, lists what differs, and exits 1 until the folder is what the inventory gives', () => {
    const inventory = writeInventory(SMALL);
    const out = path.join(tmp, 'out');
    // No output yet: every file is missing, and nothing is created.
    const none = synth(['--inventory', inventory, '--outdir', out, '--check']);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('missing  edge-1/setup/50-helmchart-cmm-agent.yaml\n');
    expect(fs.existsSync(out)).toBe(false);
    expect(synth(['--inventory', inventory, '--outdir', out]).code).toBe(0);
    const clean = synth(['--inventory', inventory, '--outdir', out, '--check']);
    expect([clean.code, clean.stdout]).toEqual([0, `cmm: ${out}/ is what the inventory gives\n`]);
    // A hand edit, and a cluster added to the inventory.
    fs.appendFileSync(path.join(out, 'edge-1', 'setup', '00-namespace-monitoring.yaml'), '# edited\n');
    const before = readTree(out);
    fs.writeFileSync(inventory, BIGGER);
    const dirty = synth(['--inventory', inventory, '--outdir', out, '--check']);
    expect(dirty.code).toBe(1);
    expect(dirty.stdout).toContain('changed  edge-1/setup/00-namespace-monitoring.yaml\n');
    expect(dirty.stdout).toContain('missing  edge-2/setup/50-helmchart-cmm-agent.yaml\n');
    expect(dirty.stdout).toContain('changed  README.md\n');
    expect(dirty.stdout).toMatch(/differs from what the inventory gives in \d+ files; run the synth\n$/);
    expect(readTree(out)).toEqual(before);
    // Limited to one cluster.
    const one = synth(['--inventory', inventory, '--outdir', out, '--check', '--cluster', 'central']);
    expect([one.code, one.stdout]).toEqual([0, `cmm: ${out}/central/ is what the inventory gives\n`]);
  });

  test('--cluster writes that folder only; the others stay as they were', () => {
    const inventory = writeInventory(SMALL);
    const out = path.join(tmp, 'out');
    expect(synth(['--inventory', inventory, '--outdir', out]).code).toBe(0);
    // The inventory changes both clusters; only edge-1 is synthesized.
    fs.writeFileSync(
      inventory,
      SMALL.replace('    alertmanager:', '    prometheus: { retention: 3d }\n    alertmanager:').replace(
        '  - name: central\n',
        '  - name: central\n    prometheus: { retention: 4d }\n',
      ),
    );
    const centralBefore = Object.fromEntries(Object.entries(readTree(out)).filter(([f]) => f.startsWith('central/')));
    const run = synth(['--inventory', inventory, '--outdir', out, '--cluster', 'edge-1']);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/^cmm: 2 clusters, 9 files of edge-1 written to .*\/edge-1\/ in \d+ ms\n/);
    const after = readTree(out);
    expect(after['edge-1/setup/50-helmchart-cmm-agent.yaml'].toString()).toContain('retention: 3d');
    expect(Object.fromEntries(Object.entries(after).filter(([f]) => f.startsWith('central/')))).toEqual(centralBefore);
    expect(Object.keys(after).sort()).toEqual(['.cmm-output', ...SMALL_FILES]);
    const unknown = synth(['--inventory', inventory, '--outdir', out, '--cluster', 'edge-9']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      `cmm: --cluster "edge-9" is not a folder of this fleet; expected one of central, edge-1\n${NOTHING_WRITTEN}`,
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

  describe('never writes where it must not', () => {
    /** A project folder: .git, package.json, the inventory, code and a dashboard. */
    function project(): string {
      const dir = path.join(tmp, 'project');
      for (const d of ['.git', 'lib', 'dashboards']) fs.mkdirSync(path.join(dir, d), { recursive: true });
      fs.writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
      fs.writeFileSync(path.join(dir, 'package.json'), '{}\n');
      fs.writeFileSync(path.join(dir, 'cmm.yaml'), SMALL);
      fs.writeFileSync(path.join(dir, 'dashboards', 'hello.json'), DASHBOARD);
      fs.writeFileSync(path.join(dir, 'lib', 'fleet.ts'), 'export {};\n');
      return dir;
    }

    test.each([
      ['.', 'it is the current directory'],
      ['', 'it is empty'],
      ['..', 'it holds the current directory'],
      ['cmm.yaml', 'it is cmm.yaml, which CMM reads'],
      ['lib', 'it holds files CMM did not write ("fleet.ts")'],
      ['dashboards', 'it holds files CMM did not write ("hello.json")'],
      ['dashboards/hello.json', 'it is a file, not a folder'],
    ])('fails for --outdir %j and changes nothing', (outdir, why) => {
      const dir = project();
      const before = readTree(tmp);
      const run = synth(['--outdir', outdir], {}, dir);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      const lines = run.stderr.split('\n');
      expect(lines[0]).toContain(`cmm: cannot use ${outdir === '' ? '""' : outdir} as the output folder: ${why}`);
      expect(lines.slice(1)).toEqual([NOTHING_WRITTEN.trim(), '']);
      expect(readTree(tmp)).toEqual(before);
    });

    test('fails for CDK8S_OUTDIR="" and changes nothing', () => {
      const dir = project();
      const before = readTree(tmp);
      const run = synth([], { CDK8S_OUTDIR: '' }, dir);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `cmm: cannot use "" as the output folder: it is empty; give a folder of its own, e.g. --outdir dist\n${NOTHING_WRITTEN}`,
      );
      expect(readTree(tmp)).toEqual(before);
    });

    test('fails if the output folder is the project root or holds the inventory', () => {
      const dir = project();
      const before = readTree(tmp);
      const sub = path.join(dir, 'sub');
      fs.mkdirSync(sub);
      const fromSub = synth(['--inventory', '../cmm.yaml', '--outdir', '..'], {}, sub);
      expect(fromSub.code).toBe(1);
      expect(fromSub.stderr.split('\n')[0]).toBe(
        'cmm: cannot use .. as the output folder: it holds the current directory; CMM replaces the whole output folder, so give a folder of its own, e.g. --outdir dist',
      );
      fs.rmdirSync(sub);
      const root = synth(['--inventory', path.join(dir, 'cmm.yaml'), '--outdir', dir]);
      expect(root.code).toBe(1);
      expect(root.stderr.split('\n')[0]).toMatch(/: it holds .*cmm\.yaml, which CMM reads;/);
      expect(readTree(tmp)).toEqual(before);
    });

    test('the default dist/ of a project is written, and written again', () => {
      const dir = project();
      expect(synth([], {}, dir).code).toBe(0);
      const first = readTree(path.join(dir, 'dist'));
      expect(Object.keys(first).sort()).toEqual(['.cmm-output', ...SMALL_FILES]);
      const again = synth([], {}, dir);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      expect(readTree(path.join(dir, 'dist'))).toEqual(first);
      expect(fs.readdirSync(dir).sort()).toEqual(['.git', 'cmm.yaml', 'dashboards', 'dist', 'lib', 'package.json']);
    });

    test('fails if the output folder holds a file CMM did not write, and keeps it', () => {
      const inventory = writeInventory(SMALL);
      const out = path.join(tmp, 'out');
      expect(synth(['--inventory', inventory, '--outdir', out]).code).toBe(0);
      fs.writeFileSync(path.join(out, 'central', 'notes.md'), 'mine\n');
      const before = readTree(out);
      const run = synth(['--inventory', inventory, '--outdir', out]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `cmm: cannot use ${out} as the output folder: it holds files CMM did not write ("central/notes.md"); CMM replaces the whole output folder, so move them out or give another folder, e.g. --outdir dist\n${NOTHING_WRITTEN}`,
      );
      expect(readTree(out)).toEqual(before);
    });
  });

  describe('reads dashboard files safely', () => {
    /** A run with `dashboards/hello.json` replaced by what `make` puts there. */
    function withDashboard(make: (file: string) => void): Run {
      const inventory = writeInventory(SMALL, null);
      fs.mkdirSync(path.join(tmp, 'dashboards'));
      make(path.join(tmp, 'dashboards', 'hello.json'));
      return synth(['--inventory', inventory, '--outdir', path.join(tmp, 'out')]);
    }
    const where = 'cmm: central.dashboards.files[0]: "dashboards/hello.json"';

    test('fails if a symbolic link leads outside the inventory folder, and quotes nothing of the target', () => {
      const run = withDashboard((f) => fs.symlinkSync('/etc/passwd', f));
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `${where} leads outside the inventory's folder (a symbolic link); expected a dashboard JSON file inside it\n${NOTHING_WRITTEN}`,
      );
    });

    test('a symbolic link inside the folder is followed', () => {
      const run = withDashboard((f) => {
        fs.writeFileSync(path.join(path.dirname(f), 'real.json'), DASHBOARD);
        fs.symlinkSync('real.json', f);
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    });

    test('fails at once if the file is a FIFO (it would block) or a device', () => {
      const started = Date.now();
      const run = withDashboard((f) => spawnSync('mkfifo', [f]));
      expect(run.stderr).toBe(`${where} is not a regular file\n${NOTHING_WRITTEN}`);
      expect(Date.now() - started).toBeLessThan(20_000);
    });

    test('fails if the file is larger than a ConfigMap can hold', () => {
      const run = withDashboard((f) => fs.writeFileSync(f, `{"title": "${'x'.repeat(1024 * 1024)}"}`));
      expect(run.stderr).toBe(`${where} is 1048589 bytes; expected at most 921600\n${NOTHING_WRITTEN}`);
    });

    test('fails on invalid JSON without quoting the content', () => {
      const run = withDashboard((f) => fs.writeFileSync(f, 'root:x:0:0:root:/root:/bin/bash\n'));
      expect(run.stderr).toBe(
        `${where} is not valid JSON at line 1, column 1 (expected a value (an object, array, string, number, true, false or null)); expected a Grafana dashboard JSON model\n${NOTHING_WRITTEN}`,
      );
      expect(run.stderr).not.toContain('root:x');
    });

    test('fails on JSON nested absurdly deep, naming the file', () => {
      const run = withDashboard((f) => fs.writeFileSync(f, `{"panels": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`));
      expect(run.stderr).toBe(
        `${where} is not valid JSON (nested more than 100 levels deep, at panels${'[0]'.repeat(99)}); expected a Grafana dashboard JSON model\n${NOTHING_WRITTEN}`,
      );
    });
  });

  describe('cdk8s synth', () => {
    /** `cdk8s synth` in a project whose cdk8s.yaml is the repository's, with the app run from this checkout. */
    function cdk8sSynth(dir: string, args: string[] = []): Run {
      const config = fs
        .readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')
        .replace('node scripts/synth.mjs', `node ${path.join(ROOT, 'scripts', 'synth.mjs')}`);
      fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), config);
      const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', ...args], {
        cwd: dir,
        env: { ...cleanEnv(), CDK8S_CHECK_UPGRADE: 'false' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    test('writes dist/ and lists it; a failed synth leaves dist/ as it was', () => {
      writeInventory(SMALL);
      fs.renameSync(path.join(tmp, 'inventory.yaml'), path.join(tmp, 'cmm.yaml'));
      const ok = cdk8sSynth(tmp);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('  - .cdk8s/central/setup/50-helmchart-cmm-central.yaml');
      expect(fs.readlinkSync(path.join(tmp, '.cdk8s'))).toBe('dist');
      const before = readTree(path.join(tmp, 'dist'));
      expect(Object.keys(before).sort()).toEqual(['.cmm-output', ...SMALL_FILES]);
      // The cdk8s CLI deletes its output folder first: with dist/ as that folder, a failed synth would lose it.
      fs.writeFileSync(path.join(tmp, 'cmm.yaml'), INVALID);
      const failed = cdk8sSynth(tmp);
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toContain('clusters[1].name: "Edge_1" is not valid');
      expect(readTree(path.join(tmp, 'dist'))).toEqual(before);
    });

    test('cdk8s synth --output names the output folder (which the cdk8s CLI deletes first)', () => {
      writeInventory(SMALL);
      fs.renameSync(path.join(tmp, 'inventory.yaml'), path.join(tmp, 'cmm.yaml'));
      const run = cdk8sSynth(tmp, ['--output', 'elsewhere']);
      expect(run.code).toBe(0);
      expect(Object.keys(readTree(path.join(tmp, 'elsewhere'))).sort()).toEqual(['.cmm-output', ...SMALL_FILES]);
      expect(fs.existsSync(path.join(tmp, 'dist'))).toBe(false);
    });
  });
});
