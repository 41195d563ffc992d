import { KUBECTL_IMAGE, type ChartRef } from '../versions';
import type { PlatformProfile } from '../platforms/profiles';

/**
 * Air-gapped clusters: where a cluster's charts and images come from when it cannot reach the internet. One record
 * per cluster (the inventory's `airgap`, merged from `defaults:`), asked two questions by the constructs: "what does
 * the HelmChart of this chart say?" ({@link chartSource}) and "what image does a pod pull?" ({@link mirroredImage}).
 */

/** The charts CMM installs, by name. */
export const CHART_NAMES = ['kube-prometheus-stack', 'alloy', 'loki'] as const;
export type ChartName = (typeof CHART_NAMES)[number];

/**
 * How a chart reaches the cluster: `repository` (a Helm repository or OCI registry, the default), `embedded` (the
 * archive inside the HelmChart, `spec.chartContent`, from `--charts DIR`), `static` (the k3s server's static
 * folder, `https://%{KUBERNETES_API}%/static/charts/<chart>-<version>.tgz`).
 */
export type ChartSourceKind = 'repository' | 'embedded' | 'static';

/** Where a cluster's charts come from. */
export interface AirgapChartOptions {
  /** A Helm repository (`https://`) or an OCI registry path (`oci://`) holding every chart. @default - each chart's upstream repository */
  readonly repository?: string;
  /** Per chart, a repository that overrides `repository`. @default - none */
  readonly repositories?: Readonly<Partial<Record<ChartName, string>>>;
  /**
   * Existing ConfigMap in the HelmCharts' namespace whose every key is a PEM CA bundle the install Job trusts for
   * the repository (`spec.repoCAConfigMap`). @default - the install image's CAs
   */
  readonly caConfigMap?: string;
  /**
   * Existing `kubernetes.io/basic-auth` Secret in the HelmCharts' namespace (keys `username`, `password`) for an
   * `https://` repository (`spec.authSecret`). @default - no credentials
   */
  readonly authSecret?: string;
  /**
   * Existing `kubernetes.io/dockerconfigjson` Secret in the HelmCharts' namespace for an `oci://` repository
   * (`spec.dockerRegistrySecret`). @default - no credentials
   */
  readonly registrySecret?: string;
  /** Per chart, how it reaches the cluster. @default - 'repository' for every chart */
  readonly source?: Readonly<Partial<Record<ChartName, ChartSourceKind>>>;
}

/** Where a cluster's images come from. */
export interface AirgapImageOptions {
  /**
   * The registry (and optional path) every image is pulled from instead of its own: `quay.io/thanos/thanos:v0.42.4`
   * becomes `<registry>/thanos/thanos:v0.42.4` (the charts' `global.imageRegistry`: the repository path is kept).
   * @default - each image's own registry
   */
  readonly registry?: string;
  /** Existing `kubernetes.io/dockerconfigjson` Secrets, in each namespace where CMM runs pods. @default - none */
  readonly pullSecrets?: readonly string[];
}

/** A cluster's air-gap settings. */
export interface AirgapOptions {
  /** Where the charts come from. @default - see its fields (each chart's upstream repository) */
  readonly charts?: AirgapChartOptions;
  /** Where the images come from. @default - see its fields (each image's own registry) */
  readonly images?: AirgapImageOptions;
}

/** Returns a chart archive (`<chart>-<version>.tgz`) from the folder given with `--charts`, or undefined. */
export type ChartArchiveReader = (file: string) => Uint8Array | undefined;

/**
 * The largest `chartContent`, in base64 characters: helm-controller v0.17.7 copies it into a ConfigMap
 * (`chart-content-<name>`, key `<name>.tgz.base64`) that the install Job mounts, and a ConfigMap holds at most 1 MiB
 * of data (the API server's `MaxSecretSize`).
 */
export const CHART_CONTENT_LIMIT = 1024 * 1024;

/** Why a platform cannot take `source: static` (the inventory's check and the props' say it alike). */
export function noStaticFolder(platform: PlatformProfile): string {
  return `${platform.title} has no static charts folder (only k3s serves one to its install Jobs)`;
}

/** The k3s static charts URL of a chart; the install Job replaces `%{KUBERNETES_API}%` with the API server. */
export function staticChartUrl(chart: ChartRef): string {
  return `https://%{KUBERNETES_API}%/static/charts/${chart.chart}-${chart.version}.tgz`;
}

/** The HelmChart `spec` fields that say where a chart comes from. */
export interface ChartSourceSpec {
  readonly chart: string;
  readonly version: string;
  readonly repo?: string;
  readonly chartContent?: string;
  readonly repoCaConfigMap?: { readonly name: string };
  readonly authSecret?: { readonly name: string };
  readonly dockerRegistrySecret?: { readonly name: string };
}

/** What {@link chartSource} needs besides the chart: the cluster's settings and the archives of `--charts`. */
export interface ChartSourceContext {
  /** The cluster's `airgap.charts`. @default - the upstream repository */
  readonly charts?: AirgapChartOptions;
  /** The archives of `--charts DIR`, for `embedded`. @default - none */
  readonly archive?: ChartArchiveReader;
  /** Which cluster, for messages. */
  readonly cluster: string;
  /**
   * A repository set for this chart alone by an older setting (`kubePrometheusStackRepo`): after
   * `airgap.charts.repositories`, before `airgap.charts.repository`. @default - none
   */
  readonly chartRepository?: string;
  /** The cluster's platform: `static` needs one with a static charts folder (k3s). @default - any */
  readonly platform?: PlatformProfile;
}

/** An air-gap setting that cannot be honoured (a missing or too large archive). */
export class AirgapError extends Error {}

/**
 * Where the HelmChart of `chart` takes its chart from: its repository is `airgap.charts.repositories.<chart>`, else
 * the chart's own older setting (`kubePrometheusStackRepo`), else `airgap.charts.repository`, else the upstream one.
 */
export function chartSource(chart: ChartRef, ctx: ChartSourceContext): ChartSourceSpec {
  const o = ctx.charts ?? {};
  const name = chart.chart as ChartName;
  const kind = o.source?.[name] ?? 'repository';
  const field = `airgap.charts.source.${name}`;
  if (kind === 'embedded') {
    const file = `${chart.chart}-${chart.version}.tgz`;
    if (!ctx.archive) {
      throw new AirgapError(
        `cluster ${ctx.cluster}: ${field} is embedded, which needs the chart archive ${file}; give --charts DIR with the archives that helm pull gives`,
      );
    }
    const archive = ctx.archive(file);
    if (!archive) {
      throw new AirgapError(
        `cluster ${ctx.cluster}: ${field} is embedded, but ${file} is not in --charts; expected the archive that helm pull gives (helm pull ${chart.chart} --repo ${chart.repo} --version ${chart.version})`,
      );
    }
    const content = Buffer.from(archive).toString('base64');
    if (content.length > CHART_CONTENT_LIMIT) {
      throw new AirgapError(
        `cluster ${ctx.cluster}: ${field}: ${file} is ${archive.length} bytes, ${content.length} in base64 (spec.chartContent); helm-controller copies chartContent into a ConfigMap, which holds at most ${CHART_CONTENT_LIMIT} bytes. Install it from a repository (airgap.charts.repository) or, on k3s, from the server's static folder (source: static)`,
      );
    }
    return { chart: chart.chart, version: chart.version, chartContent: content };
  }
  if (kind === 'static' && ctx.platform && ctx.platform.staticChartsFolder === undefined) {
    throw new AirgapError(
      `cluster ${ctx.cluster}: ${field} is static, but ${noStaticFolder(ctx.platform)}; expected repository or embedded`,
    );
  }
  if (kind === 'static') return { chart: staticChartUrl(chart), version: chart.version };
  const repo = o.repositories?.[name] ?? ctx.chartRepository ?? o.repository ?? chart.repo;
  const ca = o.caConfigMap ? { repoCaConfigMap: { name: o.caConfigMap } } : {};
  if (repo.startsWith('oci://')) {
    // helm-controller installs `spec.chart` as written when there is no `spec.repo`: Helm pulls the OCI reference.
    return {
      chart: `${repo.replace(/\/+$/, '')}/${chart.chart}`,
      version: chart.version,
      ...ca,
      ...(o.registrySecret ? { dockerRegistrySecret: { name: o.registrySecret } } : {}),
    };
  }
  return {
    chart: chart.chart,
    version: chart.version,
    repo,
    ...ca,
    ...(o.authSecret ? { authSecret: { name: o.authSecret } } : {}),
  };
}

/**
 * The image a pod pulls: `image` with its registry replaced by `registry` (a host, optionally with a path). Docker
 * Hub images keep their repository as written (`busybox` → `<registry>/busybox`), as the charts' own
 * `global.imageRegistry` does.
 */
export function mirroredImage(image: string, registry: string | undefined): string {
  if (!registry) return image;
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  const repository = hasRegistry ? image.slice(slash + 1) : image;
  return `${registry.replace(/\/+$/, '')}/${repository}`;
}

/** The `imagePullSecrets` of a pod spec, or nothing. */
export function imagePullSecrets(images: AirgapImageOptions | undefined): { name: string }[] | undefined {
  const secrets = images?.pullSecrets ?? [];
  return secrets.length > 0 ? secrets.map((name) => ({ name })) : undefined;
}

/** kube-prometheus-stack's values for the images: every subchart follows `global.imageRegistry`. */
export function kubePrometheusStackImageValues(
  images: AirgapImageOptions | undefined,
  options: { readonly crdUpgradeJob?: boolean } = {},
): Record<string, unknown> {
  const secrets = imagePullSecrets(images);
  const global: Record<string, unknown> = {
    ...(images?.registry ? { imageRegistry: images.registry } : {}),
    ...(secrets ? { imagePullSecrets: secrets } : {}),
  };
  const values: Record<string, unknown> = Object.keys(global).length > 0 ? { global } : {};
  if (images?.registry && options.crdUpgradeJob) {
    // The CRD upgrade Job's kubectl tag follows the live cluster's version unless set: after a Kubernetes upgrade the
    // next chart upgrade would pull a tag the mirror lacks. The kubectl CMM pins (ArgoCD's wait hook) instead.
    values.crds = {
      upgradeJob: { image: { kubectl: { tag: KUBECTL_IMAGE.slice(KUBECTL_IMAGE.lastIndexOf(':') + 1) } } },
    };
  }
  return values;
}

/** The alloy chart's values for the images (Alloy and its config reloader). */
export function alloyImageValues(images: AirgapImageOptions | undefined): Record<string, unknown> {
  const secrets = imagePullSecrets(images);
  const image: Record<string, unknown> = {
    ...(images?.registry ? { registry: images.registry } : {}),
    ...(secrets ? { pullSecrets: secrets } : {}),
  };
  return Object.keys(image).length > 0 ? { global: { image } } : {};
}

/** The loki chart's values for the images (every component, the gateway, the caches and the sidecar). */
export function lokiImageValues(images: AirgapImageOptions | undefined): Record<string, unknown> {
  const secrets = imagePullSecrets(images);
  return {
    ...(images?.registry ? { global: { imageRegistry: images.registry } } : {}),
    ...(secrets ? { imagePullSecrets: secrets } : {}),
  };
}

/** `values` with `extra` merged in: objects key by key, anything else replaced. */
export function mergeValues(values: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values };
  for (const [k, v] of Object.entries(extra)) {
    const cur = out[k];
    out[k] =
      isObject(cur) && isObject(v) ? mergeValues(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An image reference found in an object, with where it is. */
export interface ImageUse {
  /** A JSON-path-like location inside the object, e.g. `spec.template.spec.containers[0].image`. */
  readonly path: string;
  readonly image: string;
}

/**
 * Every image an object makes a node pull: each `image` string (containers, init containers, the operator's
 * Prometheus and Alertmanager `image`), each environment variable or flag that names an image for something that
 * creates pods later (helm-controller's `DEFAULT_JOB_IMAGE`, the operator's `--prometheus-config-reloader=` and
 * `--thanos-default-base-image=`), and a HelmChart's `jobImage`.
 */
export function imagesIn(obj: unknown): ImageUse[] {
  const found: ImageUse[] = [];
  const walk = (v: unknown, path: string, key: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`, key));
      return;
    }
    if (typeof v === 'string') {
      if (key === 'image' || key === 'jobImage') found.push({ path, image: v });
      const flag = /^--(prometheus-config-reloader|thanos-default-base-image|[a-z-]*-image)=(.+)$/.exec(v);
      if (flag && (key === 'args' || key === 'command')) found.push({ path, image: flag[2] });
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    // An environment variable that names an image (helm-controller's DEFAULT_JOB_IMAGE).
    if (typeof o.name === 'string' && /IMAGE$/.test(o.name) && typeof o.value === 'string' && key === 'env') {
      found.push({ path: `${path}.value`, image: o.value });
    }
    for (const [k, x] of Object.entries(o)) walk(x, path === '' ? k : `${path}.${k}`, k);
  };
  walk(obj, '', '');
  return found;
}

/** The images of `obj` that do not come from `registry` (`<registry>/...`). */
export function imagesOutside(obj: unknown, registry: string): ImageUse[] {
  const prefix = `${registry.replace(/\/+$/, '')}/`;
  return imagesIn(obj).filter((u) => !u.image.startsWith(prefix));
}
