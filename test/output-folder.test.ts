import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { checkOutputFolder, markerContent, OutputFolderError, writeOutputFolder } from '../lib';

/**
 * The output folder: CMM writes only where it may, replaces the folder whole, survives being killed at any step,
 * and serializes concurrent runs. Real processes are killed with SIGKILL (test/support/write-driver.ts).
 */

let tmp: string;
let driver: string;

beforeAll(() => {
  driver = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-driver-')), 'write-driver.js');
  buildSync({
    entryPoints: [path.join(__dirname, 'support', 'write-driver.ts')],
    outfile: driver,
    bundle: true,
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
});
afterAll(() => fs.rmSync(path.dirname(driver), { recursive: true, force: true }));

beforeEach(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-outdir-')));
});
afterEach(() => {
  spawnSync('chmod', ['-R', 'u+w', tmp]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const V1 = new Map([
  ['a/setup/namespace-monitoring.yaml', 'kind: Namespace # v1\n'],
  ['a/prometheusrule-x.yaml', 'kind: PrometheusRule # v1\n'],
  ['b/setup/helmchart-cmm-agent.yaml', 'kind: HelmChart # v1\n'],
]);
const V2 = new Map([
  ['a/setup/namespace-monitoring.yaml', 'kind: Namespace # v2\n'],
  ['c/setup/helmchart-cmm-agent.yaml', 'kind: HelmChart # v2\n'],
]);

/** Every file (and empty folder, as `dir/`) under `dir` by relative path, with its content. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    if (entries.length === 0 && rel !== '') out[`${rel}/`] = '';
    for (const e of entries) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isSymbolicLink()) out[p] = `-> ${fs.readlinkSync(path.join(dir, p))}`;
      else if (e.isDirectory()) walk(p);
      else out[p] = fs.readFileSync(path.join(dir, p), 'utf8');
    }
  };
  walk('');
  return out;
}

/** What a folder written with `files` holds: the files and the marker listing them. */
function expected(files: ReadonlyMap<string, string>): Record<string, string> {
  return { ...Object.fromEntries(files), '.cmm-output': markerContent(files.keys()) };
}

const opts = () => ({ cwd: tmp, home: path.join(tmp, 'home') });

/** The message of the OutputFolderError `fn` throws. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OutputFolderError);
    expect((e as OutputFolderError).changed).toBe(false);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

function runDriver(outdir: string, files: ReadonlyMap<string, string>, killAt?: string) {
  return spawnSync(
    process.execPath,
    [driver, outdir, JSON.stringify(Object.fromEntries(files)), ...(killAt ? [killAt] : [])],
    {
      encoding: 'utf8',
      cwd: tmp,
    },
  );
}

describe('writeOutputFolder', () => {
  test('defaults: creates the folder and its parents, with the marker listing every file', () => {
    const out = path.join(tmp, 'x', 'y', 'dist');
    const report = writeOutputFolder(out, V1, opts());
    expect(report).toEqual({ folder: out, warnings: [] });
    expect(tree(out)).toEqual(expected(V1));
    expect(fs.readFileSync(path.join(out, '.cmm-output'), 'utf8')).toBe(
      '# Written by CMM: this folder is its output, replaced whole by every synth.\n' +
        '# CMM writes only into a folder that holds nothing but the files listed here.\n' +
        'a/prometheusrule-x.yaml\na/setup/namespace-monitoring.yaml\nb/setup/helmchart-cmm-agent.yaml\n',
    );
    expect(fs.readdirSync(path.join(tmp, 'x', 'y'))).toEqual(['dist']);
  });

  test('replaces an earlier output whole: files it no longer has are gone', () => {
    const out = path.join(tmp, 'dist');
    writeOutputFolder(out, V1, opts());
    writeOutputFolder(out, V2, opts());
    expect(tree(out)).toEqual(expected(V2));
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  test('writes into an empty folder', () => {
    const out = path.join(tmp, 'dist');
    fs.mkdirSync(out);
    writeOutputFolder(out, V1, opts());
    expect(tree(out)).toEqual(expected(V1));
  });

  test('takes over the output of CMM versions before the marker', () => {
    const out = path.join(tmp, 'dist');
    fs.mkdirSync(path.join(out, 'edge-1', 'setup'), { recursive: true });
    const manifest = (kind: string) =>
      `apiVersion: v1\nkind: ${kind}\nmetadata:\n  annotations:\n    argocd.argoproj.io/sync-wave: "-1"\n  name: x\n`;
    fs.writeFileSync(path.join(out, 'edge-1', 'setup', 'namespace-monitoring.yaml'), manifest('Namespace'));
    fs.writeFileSync(path.join(out, 'edge-1', 'setup', 'configmap-x.yaml'), manifest('ConfigMap'));
    writeOutputFolder(out, V1, opts());
    expect(tree(out)).toEqual(expected(V1));
  });

  test('a symbolic link to the output folder stays a link, and its target gets the new version', () => {
    const real = path.join(tmp, 'real-dist');
    const link = path.join(tmp, 'dist');
    writeOutputFolder(real, V1, opts());
    fs.symlinkSync(real, link);
    const report = writeOutputFolder(link, V2, opts());
    expect(report.folder).toBe(real);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(tree(real)).toEqual(expected(V2));
    expect(fs.readdirSync(tmp).sort()).toEqual(['dist', 'real-dist']);
  });

  test('removes what killed runs of earlier CMM versions left beside the folder', () => {
    const out = path.join(tmp, 'dist');
    writeOutputFolder(out, V1, opts());
    for (const left of ['.dist.new-AbC123', '.dist.new-AbC123.old', '.dist.new-zz9XyZ']) {
      fs.mkdirSync(path.join(tmp, left, 'edge-1'), { recursive: true });
      fs.writeFileSync(path.join(tmp, left, 'edge-1', 'big.yaml'), 'x'.repeat(1000));
    }
    fs.mkdirSync(path.join(tmp, '.other.new-AbC123'));
    writeOutputFolder(out, V2, opts());
    expect(fs.readdirSync(tmp).sort()).toEqual(['.other.new-AbC123', 'dist']);
  });

  describe('refuses, and changes nothing', () => {
    /** Runs `fn` expecting a refusal, and checks that nothing in the temporary folder changed. */
    function refused(fn: () => unknown): string {
      const before = tree(tmp);
      const message = refusal(fn);
      expect(tree(tmp)).toEqual(before);
      return message;
    }

    test('fails if the folder is "" (empty)', () => {
      expect(refused(() => writeOutputFolder('', V1, opts()))).toBe(
        'cannot use "" as the output folder: it is empty; give a folder of its own, e.g. --outdir dist',
      );
      expect(refused(() => writeOutputFolder('  ', V1, opts()))).toMatch(
        /^cannot use " {2}" as the output folder: it is empty;/,
      );
    });

    test('fails if the folder is the current directory, or holds it', () => {
      fs.writeFileSync(path.join(tmp, 'keep.txt'), 'mine\n');
      expect(refused(() => writeOutputFolder(tmp, V1, opts()))).toBe(
        `cannot use ${tmp} as the output folder: it is the current directory; CMM replaces the whole output folder, so give a folder of its own, e.g. --outdir dist`,
      );
      const work = path.join(tmp, 'work');
      fs.mkdirSync(work);
      expect(refused(() => writeOutputFolder(tmp, V1, { cwd: work, home: '/nonexistent' }))).toMatch(
        /: it holds the current directory; /,
      );
    });

    test('fails if the folder is / or the home folder', () => {
      expect(refused(() => writeOutputFolder('/', V1, opts()))).toMatch(
        /^cannot use \/ as the output folder: it is the root folder;/,
      );
      const home = path.join(tmp, 'home');
      fs.mkdirSync(home);
      expect(refused(() => writeOutputFolder(home, V1, opts()))).toMatch(/: it is your home folder;/);
    });

    test('fails if the folder is a file', () => {
      const file = path.join(tmp, 'cmm.yaml');
      fs.writeFileSync(file, 'central: {}\n');
      expect(refused(() => writeOutputFolder(file, V1, opts()))).toBe(
        `cannot use ${file} as the output folder: it is a file, not a folder; CMM replaces the whole output folder, so give a folder of its own, e.g. --outdir dist`,
      );
    });

    test('fails if the folder is or holds a file CMM reads (the inventory, a dashboard)', () => {
      const project = path.join(tmp, 'fleet');
      fs.mkdirSync(path.join(project, 'dashboards'), { recursive: true });
      fs.writeFileSync(path.join(project, 'cmm.yaml'), 'central: {}\n');
      const protect = [path.join(project, 'cmm.yaml')];
      expect(refused(() => writeOutputFolder(project, V1, { ...opts(), protect }))).toMatch(
        new RegExp(`: it holds ${protect[0].replace(/[.]/g, '\\.')}, which CMM reads;`),
      );
      // Even when the folder is otherwise an earlier CMM output.
      const out = path.join(tmp, 'dist');
      writeOutputFolder(out, V1, opts());
      const inside = path.join(out, 'a', 'setup', 'namespace-monitoring.yaml');
      expect(refused(() => writeOutputFolder(out, V2, { ...opts(), protect: [inside] }))).toMatch(/, which CMM reads;/);
    });

    test('fails if the folder holds .git or package.json', () => {
      for (const project of ['.git', 'package.json']) {
        const dir = path.join(tmp, `p-${project}`);
        writeOutputFolder(dir, V1, opts()); // even an earlier output with the marker
        fs.writeFileSync(path.join(dir, project), '');
        expect(refused(() => writeOutputFolder(dir, V2, opts()))).toMatch(
          new RegExp(`: it holds ${project.replace('.', '\\.')}: it is a project folder;`),
        );
      }
    });

    test('fails if the folder holds files CMM did not write, naming them', () => {
      const lib = path.join(tmp, 'lib');
      fs.mkdirSync(path.join(lib, 'agent'), { recursive: true });
      for (const f of ['index.ts', 'agent/values.ts', 'agent/props.ts', 'fleet.ts'])
        fs.writeFileSync(path.join(lib, f), '//\n');
      expect(refused(() => writeOutputFolder(lib, V1, opts()))).toBe(
        `cannot use ${lib} as the output folder: it holds files CMM did not write ("agent/props.ts", "agent/values.ts", "fleet.ts" and 1 more); CMM replaces the whole output folder, so move them out or give another folder, e.g. --outdir dist`,
      );
      // A file put by hand into an earlier output, and a symbolic link.
      const out = path.join(tmp, 'dist');
      writeOutputFolder(out, V1, opts());
      fs.writeFileSync(path.join(out, 'a', 'notes.md'), 'mine\n');
      expect(refused(() => writeOutputFolder(out, V2, opts()))).toMatch(
        /it holds files CMM did not write \("a\/notes\.md"\)/,
      );
      fs.rmSync(path.join(out, 'a', 'notes.md'));
      fs.symlinkSync('/etc', path.join(out, 'etc'));
      expect(refused(() => writeOutputFolder(out, V2, opts()))).toMatch(/it holds files CMM did not write \("etc"\)/);
    });

    test('fails if the folder is read-only', () => {
      const out = path.join(tmp, 'dist');
      writeOutputFolder(out, V1, opts());
      fs.chmodSync(out, 0o555);
      expect(refused(() => writeOutputFolder(out, V2, opts()))).toBe(
        `cannot use ${out} as the output folder: it is read-only; make it writable (chmod u+w) or give another folder`,
      );
    });

    test('checkOutputFolder says the same before any work', () => {
      fs.writeFileSync(path.join(tmp, 'notes.md'), 'mine\n');
      const out = path.join(tmp, 'dist');
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, 'x.txt'), '');
      expect(refused(() => checkOutputFolder(out, opts()))).toMatch(/it holds files CMM did not write \("x\.txt"\)/);
      expect(refused(() => checkOutputFolder(tmp, opts()))).toMatch(/it is the current directory/);
      expect(() => checkOutputFolder(path.join(tmp, 'new'), opts())).not.toThrow();
      expect(fs.existsSync(path.join(tmp, 'new'))).toBe(false);
    });
  });

  describe('killed at any step', () => {
    const STEPS = ['staged', 'journal', 'out:dist', 'in:dist', 'done'];

    test.each(STEPS)(
      'killed at %s: the folder is the old or the new version, and the next run finishes or cleans up',
      (step) => {
        const out = path.join(tmp, 'dist');
        writeOutputFolder(out, V1, opts());
        const killed = runDriver(out, V2, step);
        expect(killed.signal).toBe('SIGKILL');
        // Right after the kill: the old version, the new one, or (between the two renames) a journal to finish it.
        const journal = path.join(tmp, '.dist.cmm-journal');
        if (fs.existsSync(out)) {
          expect([expected(V1), expected(V2)]).toContainEqual(tree(out));
        } else {
          expect(step).toBe('out:dist');
          expect(fs.existsSync(journal)).toBe(true);
        }
        // The next run, killed once its own new version is staged, shows what recovery made of the killed one...
        const V3 = new Map([['z/setup/configmap-z.yaml', 'kind: ConfigMap # v3\n']]);
        expect(runDriver(out, V3, 'staged').signal).toBe('SIGKILL');
        const afterRecovery = step === 'staged' ? expected(V1) : expected(V2);
        expect(tree(out)).toEqual(afterRecovery);
        // ...and a run to the end leaves the newest version and nothing else.
        const done = runDriver(out, V3);
        expect(done.stderr).toBe('');
        expect(done.status).toBe(0);
        expect(tree(out)).toEqual(expected(V3));
        expect(fs.readdirSync(tmp)).toEqual(['dist']);
      },
    );
  });

  test('concurrent runs into one folder are serialized: every run succeeds, the folder is one whole version', async () => {
    const out = path.join(tmp, 'dist');
    const versions = [V1, V2, new Map([['q/setup/x.yaml', 'q\n']]), new Map([['r/s.yaml', 'r\n']])];
    const run = (files: ReadonlyMap<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [driver, out, JSON.stringify(Object.fromEntries(files))], { cwd: tmp });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(versions.map(run));
      expect(results).toEqual(versions.map(() => ({ code: 0, stderr: '' })));
      expect(versions.map(expected)).toContainEqual(tree(out));
      expect(fs.readdirSync(tmp)).toEqual(['dist']);
    }
  }, 60_000);

  test('a stale lock of a killed run is taken over; a live one is waited for, then reported', () => {
    const out = path.join(tmp, 'dist');
    writeOutputFolder(out, V1, opts());
    const lock = path.join(tmp, '.dist.cmm-lock');
    // A process that has exited: its lock is stale.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(lock, JSON.stringify({ pid: Number(gone.stdout), host: os.hostname() }));
    writeOutputFolder(out, V2, opts());
    expect(tree(out)).toEqual(expected(V2));
    expect(fs.existsSync(lock)).toBe(false);
    // A live process (this one's parent) holds it: wait, then give up with a message naming the lock.
    fs.writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: os.hostname() }));
    const message = refusal(() => writeOutputFolder(out, V1, { ...opts(), lockTimeoutMs: 200 }));
    expect(message).toBe(
      `another synth (process ${process.ppid} on ${os.hostname()}) is writing ${out}; wait for it to finish, or if no synth runs, delete ${lock}`,
    );
    expect(tree(out)).toEqual(expected(V2));
  });

  const canMount = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
  (canMount ? test : test.skip)(
    'a mount point stays mounted: its entries are swapped inside it, even when killed',
    () => {
      const out = path.join(tmp, 'dist');
      fs.mkdirSync(out);
      const v1 = JSON.stringify(Object.fromEntries(V1));
      const v2 = JSON.stringify(Object.fromEntries(V2));
      // In a private mount namespace: mount a tmpfs on the folder, write, write again killed mid-swap, then finish.
      const script = [
        `mount -t tmpfs cmm-test ${out}`,
        `${process.execPath} ${driver} ${out} '${v1}'`,
        `${process.execPath} ${driver} ${out} '${v2}' in:a; echo killed=$?`,
        `${process.execPath} ${driver} ${out} '${v2}'`,
        `findmnt -n -o SOURCE ${out}`,
        `cd ${out} && find . | sort`,
      ].join(' && ');
      const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8', cwd: tmp });
      expect(r.stderr.replace(/^Killed\n/m, '')).toBe('');
      const lines = r.stdout.trim().split('\n');
      expect(lines).toContain('killed=137');
      expect(lines).toContain('cmm-test');
      expect(lines.filter((l) => l.startsWith('./'))).toEqual(
        [
          './.cmm-output',
          './a',
          './a/setup',
          './a/setup/namespace-monitoring.yaml',
          './c',
          './c/setup',
          './c/setup/helmchart-cmm-agent.yaml',
        ].sort(),
      );
    },
  );
});
