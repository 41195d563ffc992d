/**
 * `npm run synth`: reads the inventory, builds the fleet and writes `dist/<cluster>/`.
 *
 *   --inventory <file>  (or CMM_INVENTORY)  default: cmm.yaml
 *   --outdir <dir>      (or CDK8S_OUTDIR)   default: dist
 *   --render            then render every HelmChart with helm template into rendered/ and check it (render.ts)
 *   --charts <dir>      chart archives (<chart>-<version>.tgz): those of the charts whose airgap.charts.source is
 *                       embedded go into their HelmChart; with --render, every chart is rendered from them
 *   --cluster <name>    write only that cluster's folder (and README.md); the other folders stay as they are
 *   --check             write nothing; list the files that differ from what the inventory gives; exit 1 if any
 *   --quiet             no summary table (the one-line result and warnings still go out)
 *   --cdk8s-output <d>  set in cdk8s.yaml: the `output` folder of `cdk8s synth`, which the cdk8s CLI deletes before
 *                       it runs the app. When CDK8S_OUTDIR names it, the synth writes the real output folder
 *                       (--outdir, default dist) and makes <d> a symbolic link to it, for the CLI's listing.
 *
 * Exit code 0 on success; 1 with one line per problem on invalid input, in which case the output folder is
 * untouched. The output folder must be absent, empty or an earlier CMM output (see lib/output/outdir.ts).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
// Each module by its own path, not through lib/index.ts: the index loads every construct, and the synth should load
// only what the fleet uses (cdk8s-plus, for the central Thanos and Karma, only when the inventory has them).
import { Fleet } from './lib/fleet';
import { showValue } from './lib/inventory/errors';
import { parseJson } from './lib/inventory/json';
import { parseInventory } from './lib/inventory/load';
import type { Inventory } from './lib/inventory/schema';
import { compareOutput, mergeClusterOutput, readOutputFolder } from './lib/output/check';
import { checkOutputFolder, OutputFolderError, type OutputFolderOptions } from './lib/output/outdir';
import { fleetSummary, outputReadme, summaryTable } from './lib/output/summary';
import { renderApp, writeOutput } from './lib/output/writer';
import { vendoredDashboardFile, VENDORED_DASHBOARDS_FOLDER } from './lib/dashboards/vendored';

const OPTIONS = ['--inventory', '--outdir', '--cdk8s-output', '--charts', '--cluster'] as const;
const FLAGS = ['--render', '--check', '--quiet'] as const;
type Option = (typeof OPTIONS)[number] | (typeof FLAGS)[number];

/** Largest inventory read: far beyond a fleet of thousands of clusters. */
const INVENTORY_SIZE_LIMIT = 64 * 1024 * 1024;
/** Largest dashboard file read: what one ConfigMap can hold. */
const DASHBOARD_SIZE_LIMIT = 900 * 1024;
/** Largest chart archive read for `embedded`: well past what a HelmChart can carry (the synth says so). */
const CHART_ARCHIVE_SIZE_LIMIT = 16 * 1024 * 1024;

/** `--inventory FILE --outdir DIR --render --charts DIR`; anything else is an error. */
function parseArgs(args: string[]): Partial<Record<Option, string>> {
  const out: Partial<Record<Option, string>> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if ((FLAGS as readonly string[]).includes(a)) {
      out[a as Option] = 'true';
      continue;
    }
    if (!(OPTIONS as readonly string[]).includes(a)) {
      throw new UsageError(a.startsWith('-') ? `unknown option ${a}` : `unexpected argument ${a}`);
    }
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${a} needs a value`);
    out[a as Option] = value;
    i++;
  }
  return out;
}

/** A problem with the command line or a file the inventory names. */
class UsageError extends Error {}

/** `open()`'s result, or a {@link UsageError}: `<what> cannot be read (ENOENT)<expected>`. */
function readable<T>(what: string, expected: string, open: () => T): T {
  try {
    return open();
  } catch (e) {
    throw new UsageError(
      `${what} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})${expected}`,
    );
  }
}

/**
 * Reads a file CMM is told to read: a regular file (not a FIFO or a device, which could block or never end) of
 * at most `limit` bytes. `what` names it in messages; the file's content is never quoted.
 */
function readTextFile(file: string, limit: number, what: string): string {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below as not a regular file.
  const fd = readable(what, '', () => fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`${what} is not a regular file`);
    if (stat.size > limit) throw new UsageError(`${what} is ${stat.size} bytes; expected at most ${limit}`);
    const buf = Buffer.alloc(limit + 1);
    let n = 0;
    for (let r = -1; r !== 0 && n <= limit; n += r) r = fs.readSync(fd, buf, n, buf.length - n, null);
    if (n > limit) throw new UsageError(`${what} is more than ${limit} bytes`);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The archives of `--charts DIR`, read when a chart is embedded: `<chart>-<version>.tgz`, a regular file in the
 * folder; undefined when it is not there.
 */
function chartArchiveReader(dir: string): (file: string) => Uint8Array | undefined {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`--charts ${dir} is not a folder; expected a folder of chart archives (helm pull)`);
  }
  return (file) => {
    if (!/^[A-Za-z0-9._-]+\.tgz$/.test(file)) return undefined;
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) return undefined;
    const stat = fs.statSync(full);
    const where = `--charts ${dir}: ${file}`;
    if (!stat.isFile()) throw new UsageError(`${where} is not a regular file`);
    if (stat.size > CHART_ARCHIVE_SIZE_LIMIT) {
      throw new UsageError(`${where} is ${stat.size} bytes; expected at most ${CHART_ARCHIVE_SIZE_LIMIT}`);
    }
    return fs.readFileSync(full);
  };
}

/**
 * The dashboard files the inventory lists, parsed. Each must be a regular file inside the inventory's folder
 * (a symbolic link may not lead out of it), at most a ConfigMap's size, and hold a JSON object.
 */
function readDashboards(
  inventory: Inventory,
  inventoryPath: string,
): { json: Record<string, unknown>; paths: string[] } {
  const dir = fs.realpathSync(path.dirname(path.resolve(inventoryPath)));
  const json: Record<string, unknown> = {};
  const paths: string[] = [];
  (inventory.central.dashboards?.files ?? []).forEach((file, i) => {
    const where = `central.dashboards.files[${i}]: ${JSON.stringify(file)}`;
    const full = path.resolve(dir, file);
    const real = readable(where, "; expected a dashboard JSON file inside the inventory's folder", () =>
      fs.realpathSync(full),
    );
    const rel = path.relative(dir, real);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new UsageError(
        `${where} leads outside the inventory's folder (a symbolic link); expected a dashboard JSON file inside it`,
      );
    }
    paths.push(full);
    const parsed = parseJson(readTextFile(real, DASHBOARD_SIZE_LIMIT, where));
    if ('problem' in parsed) {
      const at =
        parsed.problem.line !== undefined ? ` at line ${parsed.problem.line}, column ${parsed.problem.col}` : '';
      throw new UsageError(
        `${where} is not valid JSON${at} (${parsed.problem.message}); expected a Grafana dashboard JSON model`,
      );
    }
    const value = parsed.value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new UsageError(`${where} holds ${showValue(value)}; expected a Grafana dashboard JSON object`);
    }
    json[file] = value;
  });
  return { json, paths };
}

/** `sources.json` of the vendored dashboards (what `npm run vendor-dashboards` fetched), or nothing. */
function vendoredSources(dir: string): Record<string, { sha256?: unknown } | undefined> {
  const file = path.join(dir, 'sources.json');
  if (!fs.existsSync(file)) return {};
  const parsed = parseJson(readTextFile(file, DASHBOARD_SIZE_LIMIT, `${VENDORED_DASHBOARDS_FOLDER}/sources.json`));
  if ('problem' in parsed || parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    throw new UsageError(
      `${VENDORED_DASHBOARDS_FOLDER}/sources.json is not a JSON object; expected what npm run vendor-dashboards writes`,
    );
  }
  return parsed.value as Record<string, { sha256?: unknown } | undefined>;
}

/**
 * The vendored grafana.com dashboards (`central.dashboards.vendored`): `dashboards/vendor/grafana-com-<id>-r<rev>.json`
 * beside the inventory, each a regular file of JSON; one missing is an error that says how to fetch it, and one whose
 * SHA-256 is not the one `sources.json` recorded when it was fetched (edited, or replaced) is an error too.
 */
function readVendoredDashboards(
  inventory: Inventory,
  inventoryPath: string,
): { text: Record<string, string>; paths: string[] } {
  const text: Record<string, string> = {};
  const paths: string[] = [];
  if (!inventory.central.dashboards?.vendored) return { text, paths };
  const dir = path.join(path.dirname(path.resolve(inventoryPath)), VENDORED_DASHBOARDS_FOLDER);
  const sources = vendoredSources(dir);
  (inventory.central.dashboards.grafanaCom ?? []).forEach((d, i) => {
    const file = vendoredDashboardFile(d.id, d.revision);
    const shown = `${VENDORED_DASHBOARDS_FOLDER}/${file}`;
    const where = `central.dashboards.grafanaCom[${i}] (${d.name}, ${d.id} revision ${d.revision})`;
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) {
      throw new UsageError(
        `${where}: ${shown} is missing, and central.dashboards.vendored is true; run npm run vendor-dashboards (it needs the network to grafana.com) and commit the file`,
      );
    }
    const rel = path.relative(fs.realpathSync(path.dirname(path.resolve(inventoryPath))), fs.realpathSync(full));
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new UsageError(`${where}: ${shown} leads outside the inventory's folder (a symbolic link)`);
    }
    const content = readTextFile(full, DASHBOARD_SIZE_LIMIT, `${where}: ${shown}`);
    const recorded = sources[file]?.sha256;
    const actual = createHash('sha256').update(content).digest('hex');
    if (typeof recorded === 'string' && recorded !== actual) {
      throw new UsageError(
        `${where}: ${shown} has SHA-256 ${actual}, not the ${recorded} ${VENDORED_DASHBOARDS_FOLDER}/sources.json recorded when it was fetched; restore it (git checkout), or fetch it again with npm run vendor-dashboards -- --force`,
      );
    }
    const parsed = parseJson(content);
    if ('problem' in parsed || parsed.value === null || typeof parsed.value !== 'object') {
      throw new UsageError(`${where}: ${shown} is not a JSON object; expected the dashboard grafana.com serves`);
    }
    text[file] = content;
    paths.push(full);
  });
  return { text, paths };
}

function main(args: string[]): number {
  const started = process.hrtime.bigint();
  const opts = parseArgs(args);
  const inventoryPath = opts['--inventory'] ?? process.env.CMM_INVENTORY ?? 'cmm.yaml';
  // Run by `cdk8s synth` with its scratch output folder: write the real one, and link the scratch name to it.
  const cdk8sScratch = opts['--cdk8s-output'];
  const viaCdk8sScratch =
    cdk8sScratch !== undefined &&
    process.env.CDK8S_OUTDIR !== undefined &&
    path.resolve(process.env.CDK8S_OUTDIR) === path.resolve(cdk8sScratch);
  const outdir = opts['--outdir'] ?? (viaCdk8sScratch ? undefined : process.env.CDK8S_OUTDIR) ?? 'dist';
  const folder: OutputFolderOptions = { protect: [inventoryPath], cwd: process.cwd(), home: os.homedir() };
  // A wrong output folder is reported before any work.
  checkOutputFolder(outdir, folder);

  const text = readTextFile(inventoryPath, INVENTORY_SIZE_LIMIT, `the inventory ${inventoryPath}`);
  const inventory = parseInventory(text, inventoryPath);
  const dashboards = readDashboards(inventory, inventoryPath);
  const vendored = readVendoredDashboards(inventory, inventoryPath);

  const app = new App({ outdir });
  const charts = opts['--charts'];
  const fleet = new Fleet(app, 'Fleet', {
    inventory,
    dashboardFiles: dashboards.json,
    vendoredDashboards: vendored.text,
    ...(charts !== undefined ? { chartArchive: chartArchiveReader(charts) } : {}),
  });
  const files = renderApp(app);
  const rows = fleetSummary(fleet, files);
  files.set('README.md', outputReadme(rows, fleet));
  const cluster = opts['--cluster'];
  if (cluster !== undefined && !rows.some((r) => r.name === cluster)) {
    throw new UsageError(
      `--cluster ${JSON.stringify(cluster)} is not a folder of this fleet; expected one of ${rows.map((r) => r.name).join(', ')}`,
    );
  }
  if (opts['--check'] !== undefined) {
    if (opts['--render'] !== undefined) throw new UsageError('--check writes nothing; it cannot --render');
    const diff = compareOutput(readOutputFolder(outdir), files, cluster);
    const lines = [
      ...diff.changed.map((f) => `changed  ${f}`),
      ...diff.missing.map((f) => `missing  ${f}`),
      ...diff.extra.map((f) => `extra    ${f}`),
    ];
    for (const l of lines) process.stdout.write(`${l}\n`);
    const where = `${outdir}/${cluster ? `${cluster}/` : ''}`;
    process.stdout.write(
      lines.length === 0
        ? `cmm: ${where} is what the inventory gives\n`
        : `cmm: ${where} differs from what the inventory gives in ${lines.length} file${lines.length === 1 ? '' : 's'}; run the synth\n`,
    );
    return lines.length === 0 ? 0 : 1;
  }
  const toWrite = cluster === undefined ? files : mergeClusterOutput(readOutputFolder(outdir), files, cluster);
  const report = writeOutput(outdir, toWrite, {
    ...folder,
    protect: [inventoryPath, ...dashboards.paths, ...vendored.paths],
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(
    `cmm: ${fleet.clusterCharts.length} clusters, ${cluster === undefined ? `${files.size} files written to ${outdir}/` : `${[...toWrite.keys()].filter((f) => f.startsWith(`${cluster}/`)).length} files of ${cluster} written to ${outdir}/${cluster}/`} in ${ms.toFixed(0)} ms\n`,
  );
  if (opts['--quiet'] === undefined) process.stdout.write(summaryTable(rows));
  for (const w of report.warnings) process.stderr.write(`cmm: warning: ${w}\n`);
  for (const c of fleet.unroutedClusters) {
    process.stderr.write(
      `cmm: warning: the alerts of ${c} reach nobody: it has no Alertmanager (alertmanager.enabled with a receiver), and the central Grafana does not deliver them (central.alerting, with the cluster reachable: prometheus.exposure, or central.metrics: thanos)\n`,
    );
  }
  if (viaCdk8sScratch) linkForCdk8s(cdk8sScratch, report.folder);
  if (opts['--render'] !== undefined) return render(files, fleet, outdir, opts['--charts'], folder);
  return 0;
}

/** A path relative to the working directory when it is inside it, else absolute. */
function shownPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
}

/** `--render`: renders the releases of `files` with Helm and checks them; 1 if a check finds a problem. */
function render(
  files: ReadonlyMap<string, string>,
  fleet: Fleet,
  outdir: string,
  charts: string | undefined,
  folder: OutputFolderOptions,
): number {
  const started = process.hrtime.bigint();
  const crdDir = [path.join(__dirname, '..', 'upstream', 'crds'), path.join(process.cwd(), 'upstream', 'crds')].find(
    (d) => fs.existsSync(d),
  );
  const crdFiles = crdDir
    ? fs
        .readdirSync(crdDir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => path.join(crdDir, f))
    : [];
  // Loaded only for a render (Helm, the CRD schemas and their validator are not needed by a synth).
  const { renderAndCheck, RenderError } = require('./render') as typeof import('./render');
  let result: { problems: string[]; folder: string };
  try {
    result = renderAndCheck(files, {
      outdir,
      charts,
      facts: fleet.renderFacts(),
      kubeVersions: fleet.kubernetesVersions(),
      forwarded: fleet.forwardedClusters(),
      crdFiles,
      folder,
    });
  } catch (e) {
    if (e instanceof RenderError) {
      process.stderr.write(`cmm: render: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  for (const p of result.problems) process.stderr.write(`cmm: ${p}\n`);
  process.stdout.write(
    `cmm: rendered into ${shownPath(result.folder)}/ in ${ms.toFixed(0)} ms; ${result.problems.length === 0 ? 'no problem found' : `${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`}\n`,
  );
  return result.problems.length === 0 ? 0 : 1;
}

/**
 * Makes `scratch` (the cdk8s CLI's output folder, which it deleted before running the synth) a symbolic link to the
 * output folder, so the CLI finds and lists the manifests. Only a link or nothing is ever replaced there.
 */
function linkForCdk8s(scratch: string, folder: string): void {
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(scratch);
  } catch {
    existing = undefined;
  }
  if (existing && !existing.isSymbolicLink()) {
    process.stderr.write(
      `cmm: warning: ${scratch} exists and is not a link; cdk8s synth will not list the manifests\n`,
    );
    return;
  }
  if (existing) fs.unlinkSync(scratch);
  fs.symlinkSync(path.relative(path.dirname(path.resolve(scratch)), folder), scratch);
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`cmm: ${(e as Error).message ?? String(e)}\n`);
  if (!(e instanceof OutputFolderError && e.changed)) {
    process.stderr.write('cmm: nothing was written; the output folder is unchanged\n');
  }
  process.exitCode = 1;
}
