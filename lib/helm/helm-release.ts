import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { toYaml } from '../output/yaml';
import { HelmChart, HelmChartSpecFailurePolicy } from '../../imports/helm.cattle.io';
import { type ChartRef } from '../versions';
import { applyStage, Stage } from '../output/stages';
import { chartSource, type ChartSourceContext } from '../airgap/airgap';
import * as z from 'zod';
import { validate } from '../inventory/errors';
import { isPrevalidated, namespaceProp } from '../inventory/props';
import { chartRepository, chartVersion, defaultIs, DNS1123_SUBDOMAIN, dnsLabel } from '../inventory/schema';

export interface HelmReleaseProps {
  /** The chart to install: name, repository and exact version. */
  readonly chart: ChartRef;
  /**
   * Helm release name, also the `HelmChart` object's name. Charts derive their object names from it.
   */
  readonly releaseName: string;
  /** Namespace the release installs into (it must exist or be created by another object of the same folder). */
  readonly targetNamespace: string;
  /**
   * Chart values. Rendered to `spec.valuesContent` (a YAML string, accepted by every helm-controller version;
   * structured `spec.values` needs v0.16.20+), keys sorted so the output is stable. A function is called at
   * synth time, so values can depend on what is added after construction.
   */
  readonly values: Record<string, unknown> | (() => Record<string, unknown>);
  /**
   * Namespace of the `HelmChart` object itself, where the helm-controller runs the install Job.
   * @default 'kube-system'
   */
  readonly namespace?: string;
  /**
   * What the helm-controller does when an upgrade fails.
   * @default 'abort' (`HelmChartSpecFailurePolicy.ABORT`) - a failed upgrade is left for a person; the controller's own
   * default (`reinstall`) uninstalls and reinstalls, which loses a monitoring stack's state.
   */
  readonly failurePolicy?: HelmChartSpecFailurePolicy;
  /**
   * How long a Helm operation may take.
   * @default 600 seconds (`Duration.minutes(10)`)
   */
  readonly timeout?: Duration;
  /**
   * How many times the helm-controller retries a failed install Job before it marks the HelmChart `Failed`.
   * @default 10 - the controller's own default, 1000, keeps a broken install "in progress" for days
   */
  readonly backOffLimit?: number;
  /**
   * Whether the HelmChart kind is defined only during the sync (by a helm-controller CMM installs): ArgoCD's dry
   * run then skips it. @default false
   */
  readonly kindDefinedLater?: boolean;
  /**
   * Where the chart comes from on an air-gapped cluster: a mirror repository with its CA and credentials, the
   * archive itself (`chartContent`), or the k3s/RKE2 static folder (lib/airgap/airgap.ts).
   * @default - none: `chart.repo`
   */
  readonly airgap?: ChartSourceContext;
}

/** The defaults of a HelmRelease: the one place of each value, used by the construct and its schema's descriptions. */
export const HELM_RELEASE_DEFAULTS = {
  namespace: 'kube-system',
  failurePolicy: HelmChartSpecFailurePolicy.ABORT,
  timeoutSeconds: 600,
  backOffLimit: 10,
  kindDefinedLater: false,
} as const;

/** Helm's rule for a release name: a DNS-1123 subdomain of at most 53 characters (it prefixes the chart's objects). */
const RELEASE_NAME_EXPECTED =
  'a Helm release name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 53 characters';

/** The props' schema. The chart values and the air-gap context are CMM's own (built from a validated inventory). */
export const HELM_RELEASE_PROPS = z.strictObject({
  chart: z.strictObject({
    // The chart's name is also the HelmChart's `app.kubernetes.io/name` label.
    chart: dnsLabel(),
    repo: chartRepository(),
    version: chartVersion(),
  }),
  releaseName: z
    .string()
    .max(53, { error: RELEASE_NAME_EXPECTED })
    .regex(DNS1123_SUBDOMAIN, { error: RELEASE_NAME_EXPECTED }),
  targetNamespace: namespaceProp,
  values: z.custom<Record<string, unknown> | (() => Record<string, unknown>)>(
    (v) => typeof v === 'function' || (typeof v === 'object' && v !== null && !Array.isArray(v)),
    { error: 'a mapping of chart values, or a function returning one' },
  ),
  namespace: namespaceProp
    .optional()
    .describe(`Namespace of the HelmChart object itself. ${defaultIs(HELM_RELEASE_DEFAULTS.namespace)}`),
  failurePolicy: z
    .enum(HelmChartSpecFailurePolicy)
    .optional()
    .describe(`What the helm-controller does when an upgrade fails. ${defaultIs(HELM_RELEASE_DEFAULTS.failurePolicy)}`),
  timeout: z
    .custom<Duration>()
    .superRefine((v, ctx) => {
      if (v instanceof Duration && wholeSeconds(v) >= 1) return;
      ctx.addIssue({
        code: 'custom',
        // A Duration reads as its amount ("1 second 500 millis"), not as its fields.
        input: v instanceof Duration ? v.toHumanString() : v,
        message: 'a cdk8s Duration of at least one second, in whole seconds',
      });
    })
    .optional()
    .describe(`How long a Helm operation may take. Default: ${HELM_RELEASE_DEFAULTS.timeoutSeconds} seconds.`),
  backOffLimit: z
    .int()
    .min(0)
    .optional()
    .describe(`Retries of a failed install Job. ${defaultIs(HELM_RELEASE_DEFAULTS.backOffLimit)}`),
  kindDefinedLater: z
    .boolean()
    .optional()
    .describe(
      `Whether the HelmChart kind is defined only during the sync. ${defaultIs(HELM_RELEASE_DEFAULTS.kindDefinedLater)}`,
    ),
  airgap: z
    .custom<ChartSourceContext>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
      error: "a chart source context (the cluster's airgap.charts)",
    })
    .optional(),
});

/** The whole seconds of a Duration; NaN if it is not a whole number of seconds. */
function wholeSeconds(d: Duration): number {
  try {
    return d.toSeconds();
  } catch {
    return NaN;
  }
}

/**
 * A Helm release installed by the k3s/RKE2 helm-controller: one `HelmChart` (helm.cattle.io/v1) object.
 *
 * No Helm binary runs at synth time; the cluster's helm-controller installs and upgrades the chart.
 */
export class HelmRelease extends Construct {
  /** The `HelmChart` object. */
  public readonly resource: HelmChart;
  public readonly releaseName: string;
  public readonly targetNamespace: string;
  public readonly chart: ChartRef;

  constructor(scope: Construct, id: string, props: HelmReleaseProps) {
    super(scope, id);
    // The library's constructs hand on props built from a validated inventory or their own validated props.
    if (!isPrevalidated(props))
      validate(HELM_RELEASE_PROPS, props, `HelmRelease ${JSON.stringify(props.releaseName)}`, { prefix: 'props.' });
    this.releaseName = props.releaseName;
    this.targetNamespace = props.targetNamespace;
    this.chart = props.chart;
    const source = props.airgap ? chartSource(props.chart, props.airgap) : props.chart;
    this.resource = new HelmChart(this, 'Resource', {
      metadata: {
        name: props.releaseName,
        namespace: props.namespace ?? HELM_RELEASE_DEFAULTS.namespace,
        labels: {
          'app.kubernetes.io/name': props.chart.chart,
          'app.kubernetes.io/instance': props.releaseName,
          'app.kubernetes.io/managed-by': 'cmm',
        },
      },
      spec: {
        ...sourceSpec(source),
        targetNamespace: props.targetNamespace,
        failurePolicy: props.failurePolicy ?? HELM_RELEASE_DEFAULTS.failurePolicy,
        backOffLimit: props.backOffLimit ?? HELM_RELEASE_DEFAULTS.backOffLimit,
        timeout: `${props.timeout?.toSeconds() ?? HELM_RELEASE_DEFAULTS.timeoutSeconds}s`,
        valuesContent: Lazy.any({
          produce: () => renderValues(typeof props.values === 'function' ? props.values() : props.values),
        }),
      },
    });
    applyStage(this.resource, Stage.SETUP, { kindDefinedLater: props.kindDefinedLater });
  }
}

/** The HelmChart spec fields of a chart source, in a stable order (chart, repo, version, then the references). */
function sourceSpec(s: {
  chart: string;
  version: string;
  repo?: string;
  chartContent?: string;
  repoCaConfigMap?: { name: string };
  authSecret?: { name: string };
  dockerRegistrySecret?: { name: string };
}) {
  return {
    chart: s.chart,
    ...(s.repo ? { repo: s.repo } : {}),
    version: s.version,
    ...(s.repoCaConfigMap ? { repoCaConfigMap: { ...s.repoCaConfigMap } } : {}),
    ...(s.authSecret ? { authSecret: { ...s.authSecret } } : {}),
    ...(s.dockerRegistrySecret ? { dockerRegistrySecret: { ...s.dockerRegistrySecret } } : {}),
    ...(s.chartContent ? { chartContent: s.chartContent } : {}),
  };
}

/** Chart values as a YAML document with sorted keys (stable across runs and key insertion orders). */
export function renderValues(values: Record<string, unknown>): string {
  return toYaml(values, { sortKeys: true });
}
