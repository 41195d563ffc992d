import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { IConstruct } from 'constructs';
import { writeOutputFolder, type OutputFolderOptions, type WriteReport } from './outdir';
import { setupRank, stageFolder, stageOf } from './stages';
import { toYaml } from './yaml';

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
 * Renders every chart of `app` to files: `<chart>/setup/<rank>-<kind>-<name>.yaml` for objects that need nothing but
 * Kubernetes (Namespace, HelmChart, ConfigMap), `<chart>/<kind>-<name>.yaml` for custom resources whose CRDs
 * the charts install. Returns relative path → content, sorted by path. Runs the constructs' validations first and
 * throws with all their messages.
 */
export function renderApp(app: App): Map<string, string> {
  const constructs = app.node.findAll();
  const errors = constructs.flatMap((c: IConstruct) => c.node.validate());
  if (errors.length > 0) throw new Error(`validation failed:\n${errors.map((e) => `  ${e}`).join('\n')}`);
  // `chart.toJson()` resolves the dependencies and validates the whole app again for every chart, which makes a
  // fleet's synth quadratic. CMM's constructs declare no dependencies, so each chart's objects are taken in the
  // same order cdk8s uses (the chart's dependency topology) after one validation; should any construct declare a
  // dependency, the charts go through cdk8s's own path.
  const plain = constructs.every((c) => c.node.dependencies.length === 0);
  const files = new Map<string, string>();
  for (const chart of app.node.children.filter((c): c is Chart => c instanceof Chart)) {
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
        file = `${dir}/${prefix}${manifest.kind.toLowerCase()}-${manifest.metadata.namespace}-${manifest.metadata.name}.yaml`;
      }
      if (files.has(file)) throw new Error(`two objects would be written to ${file}`);
      files.set(file, toYaml(manifest));
    }
  }
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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
