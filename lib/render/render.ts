import { parse, parseAllDocuments } from 'yaml';
import { toYaml } from '../output/yaml';
import { compareStrings } from '../compare';

/**
 * Rendering the HelmCharts of a synthesized fleet as the helm-controller will install them: what `helm template` of
 * the pinned chart makes of CMM's values. The library finds the releases and turns the rendered text into objects
 * and files; running Helm and fetching charts is the caller's (main.ts), through {@link HelmTemplate}.
 */

/** A synthesized manifest, or an object a chart renders. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [key: string]: unknown;
}

/** A HelmChart object of the output: one Helm release. */
export interface Release {
  /** The cluster folder it is in. */
  readonly cluster: string;
  /** Its file, relative to the output folder. */
  readonly file: string;
  /** The release name (the HelmChart's name). */
  readonly name: string;
  /** The namespace the release installs into (`spec.targetNamespace`). */
  readonly namespace: string;
  readonly chart: string;
  readonly version: string;
  /** The chart repository, if any. */
  readonly repo?: string;
  /**
   * Where Helm takes the chart from when it is not `chart` in `repo`: an `oci://` reference or an archive URL (the
   * k3s/RKE2 static folder), as `spec.chart` says. @default - `chart` in `repo`
   */
  readonly reference?: string;
  /** The chart archive carried by the HelmChart (`spec.chartContent`, base64). @default - none */
  readonly chartContent?: string;
  /** The values (`spec.valuesContent`), as YAML. */
  readonly values: string;
  /** `spec.set`, as `--set` pairs. */
  readonly set: Readonly<Record<string, string>>;
}

/** The objects of one cluster after rendering: its own manifests and what each release renders. */
export interface RenderedCluster {
  readonly cluster: string;
  /** The cluster folder's manifests, by file. */
  readonly manifests: ReadonlyMap<string, K8sObject>;
  /** Each release and the objects it renders (CRDs included). */
  readonly releases: readonly { readonly release: Release; readonly objects: readonly K8sObject[] }[];
}

/** Runs `helm template` for a release and returns its output (multi-document YAML). */
export type HelmTemplate = (release: Release) => string;

/** The releases (HelmChart objects) of a set of output files, in file order. */
export function releasesIn(files: ReadonlyMap<string, string>): Release[] {
  const releases: Release[] = [];
  for (const [file, text] of files) {
    if (!file.endsWith('.yaml')) continue;
    const obj = parse(text) as K8sObject & {
      spec?: {
        chart?: string;
        version?: string;
        repo?: string;
        targetNamespace?: string;
        valuesContent?: string;
        set?: Record<string, unknown>;
        chartContent?: string;
      };
    };
    if (obj?.kind !== 'HelmChart' || !obj.apiVersion?.startsWith('helm.cattle.io/')) continue;
    const spec = obj.spec ?? {};
    const chart = spec.chart ?? '';
    const reference = chart.includes('/') ? chart : undefined;
    releases.push({
      cluster: file.split('/')[0],
      file,
      name: obj.metadata.name,
      namespace: spec.targetNamespace ?? obj.metadata.namespace ?? 'default',
      chart: helmChartName(obj),
      version: spec.version ?? '',
      ...(spec.repo ? { repo: spec.repo } : {}),
      ...(reference ? { reference } : {}),
      ...(spec.chartContent ? { chartContent: spec.chartContent } : {}),
      values: spec.valuesContent ?? '',
      set: Object.fromEntries(Object.entries(spec.set ?? {}).map(([k, v]) => [k, String(v)])),
    });
  }
  return releases;
}

/**
 * The chart a HelmChart installs, by name: `spec.chart`, or for an `oci://` reference or an archive URL (the k3s
 * static folder) CMM's `app.kubernetes.io/name` label, else the reference's last part without its version.
 */
export function helmChartName(obj: {
  metadata?: { labels?: Record<string, string> };
  spec?: { chart?: string };
}): string {
  const chart = obj.spec?.chart ?? '';
  if (!chart.includes('/')) return chart;
  return (
    obj.metadata?.labels?.['app.kubernetes.io/name'] ??
    chart
      .replace(/^.*\//, '')
      .replace(/\.tgz$/, '')
      .replace(/-[0-9][^-]*$/, '')
  );
}

/** Objects of a multi-document YAML text (empty documents left out). */
export function objectsOf(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === 'object' && typeof o.kind === 'string');
}

/** Renders every release of the output files, cluster by cluster. */
export function renderFleet(files: ReadonlyMap<string, string>, template: HelmTemplate): RenderedCluster[] {
  const clusters = new Map<
    string,
    { manifests: Map<string, K8sObject>; releases: RenderedCluster['releases'][number][] }
  >();
  const of = (cluster: string) => {
    let c = clusters.get(cluster);
    if (!c) {
      c = { manifests: new Map(), releases: [] };
      clusters.set(cluster, c);
    }
    return c;
  };
  for (const [file, text] of files) {
    if (!file.endsWith('.yaml') || !file.includes('/')) continue;
    of(file.split('/')[0]).manifests.set(file, parse(text) as K8sObject);
  }
  for (const release of releasesIn(files)) {
    of(release.cluster).releases.push({ release, objects: objectsOf(template(release)) });
  }
  return [...clusters.entries()].map(([cluster, c]) => ({ cluster, manifests: c.manifests, releases: c.releases }));
}

/**
 * The files of `rendered/`: `<cluster>/<release>/<kind>-[<namespace>-]<name>.yaml`, one object each, sorted and
 * byte-stable, so that a diff of two renders shows what a chart or a value changed.
 */
export function renderedFiles(clusters: readonly RenderedCluster[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const c of clusters) {
    for (const { release, objects } of c.releases) {
      for (const obj of objects) {
        const base = `${c.cluster}/${release.name}/${obj.kind.toLowerCase()}`;
        let file = `${base}-${obj.metadata.name}.yaml`;
        if (files.has(file)) file = `${base}-${obj.metadata.namespace ?? 'cluster'}-${obj.metadata.name}.yaml`;
        for (let i = 2; files.has(file); i++) file = `${base}-${obj.metadata.name}-${i}.yaml`;
        files.set(file, toYaml(obj, { sortKeys: true }));
      }
    }
  }
  return new Map([...files.entries()].sort(([a], [b]) => compareStrings(a, b)));
}
