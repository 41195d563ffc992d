import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { IConstruct } from 'constructs';
import { writeOutputFolder, type OutputFolderOptions, type WriteReport } from './outdir';
import { OutputFile } from './output-file';
import { setupRank, stageFolder, stageOf, SYNC_OPTIONS_ANNOTATION } from './stages';
import { toYaml } from './yaml';
import { compareStrings } from '../compare';

/** A synthesized manifest. */
interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly annotations?: Record<string, string>;
  };
}

/**
 * Renders every chart of `app`, wherever it is in the construct tree (a `Fleet` holds its cluster charts, and a
 * `Fleet` may sit under any construct), to files in a folder named by the chart's id: `<chart>/setup/<rank>-<kind>-<name>.yaml` for objects that need nothing but
 * Kubernetes (Namespace, HelmChart, ConfigMap), `<chart>/<kind>-<name>.yaml` for custom resources whose CRDs
 * the charts install. Returns relative path → content, sorted by path. Runs the constructs' validations first and
 * throws with all their messages. Two charts with one id would share a folder: an error.
 */
export function renderApp(app: App): Map<string, string> {
  const constructs = app.node.findAll();
  const errors = constructs.flatMap((c: IConstruct) => c.node.validate());
  if (errors.length > 0) throw new Error(`validation failed:\n${errors.map((e) => `  ${e}`).join('\n')}`);
  // `chart.toJson()` resolves the dependencies and validates the whole app again for every chart, which makes a
  // fleet's synth quadratic. When no dependency crosses a chart (CMM's constructs declare none between clusters;
  // cdk8s-plus's workloads declare some inside the central chart), the dependencies are resolved once here as cdk8s
  // does (a construct's dependency becomes one between their ApiObjects) and each chart's objects are taken in
  // cdk8s's order (the chart's dependency topology); otherwise the charts go through cdk8s's own path.
  const deps = constructs.flatMap((c) => c.node.dependencies.map((d) => [c, d] as const));
  const plain = deps.every(([c, d]) => Chart.of(c) === Chart.of(d));
  if (plain) {
    const apiObjects = (c: IConstruct) => c.node.findAll().filter((x): x is ApiObject => x instanceof ApiObject);
    for (const [source, target] of deps) {
      for (const t of apiObjects(target)) for (const s of apiObjects(source)) if (t !== s) s.node.addDependency(t);
    }
  }
  const files = new Map<string, string>();
  const folders = new Map<string, Chart>();
  for (const chart of constructs.filter((c): c is Chart => c instanceof Chart)) {
    const other = folders.get(chart.node.id);
    if (other) {
      throw new Error(
        `two charts would be written to the folder ${chart.node.id}/ (${other.node.path} and ${chart.node.path}); expected one chart per folder name`,
      );
    }
    folders.set(chart.node.id, chart);
    const manifests = (
      plain
        ? new DependencyGraph(chart.node)
            .topology()
            .filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart)
            .map((o) => o.toJson())
        : chart.toJson()
    ) as Manifest[];
    for (const manifest of manifests) {
      const folder = stageFolder(stageOf(manifest));
      const dir = folder === '' ? chart.node.id : `${chart.node.id}/${folder}`;
      // In the install folders the name starts with the kind's rank: kubectl applies a folder in file-name order.
      const prefix = folder === '' ? '' : `${String(setupRank(manifest.kind)).padStart(2, '0')}-`;
      let file = `${dir}/${prefix}${manifest.kind.toLowerCase()}-${manifest.metadata.name}.yaml`;
      if (files.has(file)) {
        // Two objects of one kind and name: namespaced ones in two namespaces get the namespace in the name; a
        // cluster-scoped one (a Namespace) has none, and two of one name are one object written twice.
        if (manifest.metadata.namespace === undefined) {
          throw new Error(
            `two ${manifest.kind} objects named "${manifest.metadata.name}" in ${chart.node.id}: a ${manifest.kind} has no namespace, so both would be one object; expected one`,
          );
        }
        file = `${dir}/${prefix}${manifest.kind.toLowerCase()}-${manifest.metadata.namespace}-${manifest.metadata.name}.yaml`;
      }
      if (files.has(file)) throw new Error(`two objects would be written to ${file}`);
      files.set(file, toYaml(withServerSideApply(manifest)));
    }
    // A chart nested in this one writes its own files.
    for (const f of chart.node
      .findAll()
      .filter((c): c is OutputFile => c instanceof OutputFile && Chart.of(c) === chart)) {
      files.set(`${chart.node.id}/${f.path}`, f.content);
    }
  }
  // Each folder's files, gathered once (asking every file for every folder grew with the square of the fleet).
  const byFolder = new Map<string, string[]>();
  for (const f of files.keys()) {
    const slash = f.indexOf('/');
    const folder = slash < 0 ? f : f.slice(0, slash);
    const list = byFolder.get(folder);
    if (list) list.push(f);
    else byFolder.set(folder, [f]);
  }
  for (const [folder, list] of byFolder) {
    files.set(`${folder}/${KUSTOMIZATION}`, kustomization(folder, list, files));
  }
  return new Map([...files.entries()].sort(([a], [b]) => compareStrings(a, b)));
}

/** Objects larger than this are applied server-side by ArgoCD (client-side apply keeps a copy in an annotation). */
const SERVER_SIDE_APPLY_BYTES = 128 * 1024;

/**
 * A manifest too large for client-side apply, whose `last-applied-configuration` annotation must stay under 256 KiB
 * (a dashboard, the alert rules of a large fleet), marked for server-side apply in ArgoCD.
 */
function withServerSideApply(manifest: Manifest): Manifest {
  if (JSON.stringify(manifest).length <= SERVER_SIDE_APPLY_BYTES) return manifest;
  const annotations = { ...(manifest.metadata.annotations ?? {}) };
  const options = annotations[SYNC_OPTIONS_ANNOTATION];
  annotations[SYNC_OPTIONS_ANNOTATION] = options ? `${options},ServerSideApply=true` : 'ServerSideApply=true';
  return { ...manifest, metadata: { ...manifest.metadata, annotations } };
}

/**
 * The name of each folder's kustomization: `Kustomization` (a name kustomize reads) rather than
 * `kustomization.yaml`, which `kubectl apply -f <folder>/` would take for a manifest.
 */
export const KUSTOMIZATION = 'Kustomization';

/**
 * `kubectl apply -k dist/<cluster>`: every manifest of the folder, in install order (the helm-controller, then the
 * setup folder, then the custom resources; kustomize orders by kind within).
 */
function kustomization(folder: string, inFolder: readonly string[], files: ReadonlyMap<string, string>): string {
  const rank = (f: string) => (f.startsWith('helm-controller/') ? 0 : f.startsWith('setup/') ? 1 : 2);
  // A sub-folder with its own kustomization (an ArgoCD overlay) is not part of this one.
  const own = (f: string) => !files.has(`${folder}/${f.split('/')[0]}/${KUSTOMIZATION}`);
  const resources = inFolder
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(folder.length + 1))
    .filter(own)
    .sort((a, b) => rank(a) - rank(b) || compareStrings(a, b));
  return toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources });
}

/**
 * Writes `files` as the whole content of `outdir`, safely: see {@link writeOutputFolder} (the folder must be absent,
 * empty or an earlier CMM output; the new version is swapped in whole; runs into one folder are serialized).
 */
export function writeOutput(
  outdir: string,
  files: ReadonlyMap<string, string>,
  options: OutputFolderOptions = {},
): WriteReport {
  return writeOutputFolder(outdir, files, options);
}
