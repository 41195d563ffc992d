import * as z from 'zod';
import { isIPv4, isIPv6 } from 'node:net';
import { grafanaIniProblem } from '../output/escape';
import { checkLogQL } from '../logql/check';
import { checkPromQL, describeQueryProblem } from '../promql/check';
import { checkGoTemplate } from '../rules/go-template';
import { checkRE2 } from '../regexp/re2';
import { parseMatcher } from '../alerting/matchers';
import { PLATFORMS, profileOf, type Platform } from '../platforms/profiles';
import { defaultHostNamespace, NAMESPACE_MAX_LENGTH, SYSTEM_NAMESPACES } from '../pod-security';
import { noStaticFolder } from '../airgap/airgap';
import { componentProblems, type KubernetesComponentsOptions } from '../agent/components';
import type { Rule } from '../rules/types';
import { PROMETHEUS_DEFAULTS } from '../agent/prometheus-defaults';
import { LOKI_DEFAULTS } from '../logs/loki-defaults';
import { THANOS_DEFAULTS } from '../thanos/thanos-defaults';
import { AGENT_DEFAULTS } from '../agent/agent-defaults';
import { GRAFANA_DEFAULTS } from '../central/grafana-defaults';
import { DEFAULT_KUBERNETES_VERSION } from '../versions';
import { RESOURCE_DEFAULTS } from '../resource-defaults';
import { ARGOCD_DEFAULTS } from '../argocd/argocd-defaults';
import {
  DEFAULT_FILESYSTEM_CRITICAL_PERCENT,
  DEFAULT_FILESYSTEM_WARNING_PERCENT,
  DEFAULT_VOLUMES_CRITICAL_PERCENT,
  DEFAULT_VOLUMES_WARNING_PERCENT,
  DEFAULT_RUNBOOK_BASE_URL,
  DEFAULT_SELECTORS,
  PACK_DEFAULTS,
} from '../rules/packs';

/**
 * A description's default sentence, `Default: <value>.`, from the constant the code uses: cmm.schema.json derives from
 * it, and test/defaults.test.ts compares it with the props' JSDoc.
 */
export const defaultIs = (value: string | number | boolean): string => `Default: ${value}.`;

/** A component's default resources (lib/resource-defaults.ts) as a description's default sentence. */
const resourcesDefault = (component: keyof typeof RESOURCE_DEFAULTS): string => {
  const r: { requests: { cpu: string; memory: string }; limits?: { memory: string } } =
    RESOURCE_DEFAULTS[component].resources;
  const limit = r.limits ? `a ${r.limits.memory} memory limit` : 'no limit';
  return `Default: requests ${r.requests.cpu} CPU and ${r.requests.memory}, ${limit}.`;
};

/**
 * The inventory: one YAML file (`cmm.yaml`) that describes the whole fleet.
 *
 * Every object is strict (an unknown key is an error, not silently ignored), every leaf says what it expects,
 * and `cmm.schema.json` is generated from these schemas (`npm run schema`) for editor completion.
 *
 * Settings a cluster can have live in {@link clusterSettings}; the `defaults:` section holds the ones every
 * cluster shares and each `clusters[]` entry overrides them (objects merge key by key, lists and scalars replace).
 * The inventory holds no defaults of its own: the constructs resolve them, so TypeScript users get the same ones.
 */

/** A DNS-1123 label, as Kubernetes requires for namespace and cluster names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain, as Kubernetes requires for most object names. */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Prometheus duration such as `30s`, `1h30m` or `15d` (the CRDs' own pattern, without the bare `0`). */
export const PROMETHEUS_DURATION =
  /^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$/;
/** A Prometheus byte size such as `50GB` or `512MiB` (the Prometheus CRD's `retentionSize` pattern). */
export const PROMETHEUS_BYTE_SIZE = /^(0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$/;
/** A Kubernetes quantity in the forms used for storage and memory, such as `20Gi`, `512Mi` or `1G`. */
export const STORAGE_QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
/** A Kubernetes CPU quantity such as `500m`, `0.5` or `2`. */
export const CPU_QUANTITY = /^([0-9]+(\.[0-9]+)?|[0-9]+m)$/;
/** A label name (the name part of a qualified name, optionally prefixed by a DNS subdomain and `/`). */
export const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A label value: empty, or up to 63 alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric. */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
/** A Prometheus label name. */
export const PROMETHEUS_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const EXPECT = {
  label:
    'a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
  subdomain: 'a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", at most 253 characters',
  duration: 'a Prometheus duration such as "30s", "5m", "1h30m" or "15d"',
  byteSize: 'a byte size such as "50GB" or "512MiB"',
  quantity: 'a Kubernetes quantity such as "20Gi", "512Mi" or "1G"',
  cpu: 'a CPU quantity such as "500m", "0.5" or "2"',
  labelKey: 'a Kubernetes label key such as "app" or "example.com/role"',
  labelValue:
    'a Kubernetes label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
  promLabel: 'a Prometheus label name: letters, digits and "_", not starting with a digit',
  url: 'an absolute http:// or https:// URL',
  path: 'an HTTP path starting with "/"',
};

/** Helpers so each leaf carries its "expected" text; the loader turns these into one-line errors. */
export const dnsLabel = () => z.string().max(63, { error: EXPECT.label }).regex(DNS1123_LABEL, { error: EXPECT.label });
/**
 * Whether a string is a CIDR range the API server takes: an IPv4 address (four decimal octets 0-255) with a prefix
 * length up to 32, or an IPv6 address (hex groups, `::` compression, an embedded IPv4 tail) with one up to 128.
 */
export function isCidr(v: string): boolean {
  const m = /^([^/]+)\/(0|[1-9][0-9]{0,2})$/.exec(v);
  if (!m) return false;
  const bits = Number(m[2]);
  if (isIPv4(m[1])) return bits <= 32;
  return !m[1].includes('%') && isIPv6(m[1]) && bits <= 128;
}
/** A CIDR range (see {@link isCidr}); `example` shows one in the error. */
const cidr = (example: string) =>
  z
    .string()
    .refine(isCidr, {
      error: `a CIDR range: an IPv4 address with a prefix length up to 32 (e.g. ${example}) or an IPv6 address with one up to 128 (e.g. fd00::/64)`,
    })
    // A hint for editors (the JSON schema); isCidr decides.
    .meta({ pattern: '^[0-9a-fA-F.:]+\\/[0-9]{1,3}$' });
const dnsSubdomain = () =>
  z.string().max(253, { error: EXPECT.subdomain }).regex(DNS1123_SUBDOMAIN, { error: EXPECT.subdomain });
const duration = () =>
  z.string().regex(PROMETHEUS_DURATION, { error: EXPECT.duration }).min(2, { error: EXPECT.duration });
const quantity = () => z.string().regex(STORAGE_QUANTITY, { error: EXPECT.quantity });
/** The characters of a URL (RFC 3986) less `$` and `'`, which shells and templates would read. */
const URL_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!&()*+,;=%]+$/;
/**
 * An absolute http(s) URL without credentials: a user name or password in a URL would be written into dist/ and the
 * Git history. `credentials` says where they go instead.
 */
export const url = (credentials = 'keep them in a Kubernetes Secret') =>
  z
    .string()
    .meta({ format: 'uri' })
    .superRefine((v, ctx) => {
      const problem = urlProblem(v, credentials);
      if (problem) ctx.addIssue({ code: 'custom', ...problem });
    });

/** Why a string is not an http(s) URL CMM accepts (see {@link url}), with the value to show; or undefined. */
function urlProblem(v: string, credentials: string): { input: string; message: string } | undefined {
  let parsed: URL | undefined;
  try {
    parsed = new URL(v);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.hostname === '') return { input: v, message: EXPECT.url };
  if (!URL_CHARACTERS.test(v)) {
    return {
      input: v,
      message:
        'a URL of letters, digits and -._~:/?#[]@!&()*+,;=% only (no spaces, quotes, $, { or }; percent-encode them)',
    };
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return {
      input: redactUrl(v),
      message: `a URL without a user name or password (they would be written into dist/ and Git; ${credentials})`,
    };
  }
  return undefined;
}

/** A URL with its password (or a lone user name, often a token) replaced by `***`. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i, (_m, scheme: string, userinfo: string) =>
    userinfo.includes(':') ? `${scheme}${userinfo.split(':')[0]}:***@` : `${scheme}***@`,
  );
}
const labels = (what: string) =>
  z
    .record(
      z.string().regex(LABEL_KEY, { error: EXPECT.labelKey }),
      z.string().regex(LABEL_VALUE, { error: EXPECT.labelValue }),
    )
    .describe(what);

/** A Kubernetes object name. */
export const objectName = dnsSubdomain();

/** A reference to keys of an existing Kubernetes Secret. CMM never holds the secret values themselves. */
export const secretRef = z
  .strictObject({
    name: dnsSubdomain().describe('Name of an existing Secret in the same namespace.'),
  })
  .describe('A reference to an existing Kubernetes Secret.');

export const resourceList = z
  .strictObject({
    cpu: z.string().regex(CPU_QUANTITY, { error: EXPECT.cpu }).optional(),
    memory: quantity().optional(),
  })
  .describe('CPU and memory quantities.');

export const resources = z
  .strictObject({
    requests: resourceList.optional(),
    limits: resourceList.optional(),
  })
  .describe(
    "Container resource requests and limits; they replace CMM's default (README, Secure defaults: requests and a memory limit) as a whole. Default: CMM's requests and memory limit.",
  );

export const storage = z
  .strictObject({
    size: quantity().describe('Size of the PersistentVolumeClaim, e.g. "50Gi".'),
    storageClass: dnsSubdomain()
      .optional()
      .describe("StorageClass of the claim. Default: the cluster's default StorageClass."),
  })
  .describe('A PersistentVolumeClaim.');

/**
 * The settings of an endpoint behind an Ingress with TLS and basic authentication (Prometheus, Alertmanager, Thanos
 * Receive, Karma): host, IngressClass, the controller that checks the password, and the two Secrets.
 */
const basicAuthIngressFields = (what: string, htpasswd = 'htpasswd lines') => ({
  host: dnsSubdomain().describe(`Host name the Ingress serves ${what} on.`),
  ingressClassName: dnsSubdomain().optional().describe("IngressClass. Default: the cluster's default class."),
  controller: z
    .enum(['traefik', 'nginx'])
    .optional()
    .describe(
      "Ingress controller that enforces basic auth: traefik (a Middleware) or nginx (ingress-nginx annotations). Default: the platform's (traefik on k3s and RKE2, nginx elsewhere).",
    ),
  tlsSecretName: dnsSubdomain().describe('Existing kubernetes.io/tls Secret with the certificate for host.'),
  basicAuthSecretName: dnsSubdomain().describe(
    `Existing Secret with ${htpasswd} (key "users" for traefik, "auth" for nginx).`,
  ),
});

export const ingressExposure = z
  .strictObject({
    type: z.literal('ingress'),
    ...basicAuthIngressFields('Prometheus', 'htpasswd lines, in the agent namespace'),
    grafanaCredentialsSecret: dnsSubdomain()
      .optional()
      .describe(
        'Existing Secret in the central Grafana\'s namespace with keys "username" and "password" for this cluster. Default: prometheus-<cluster>-basic-auth.',
      ),
  })
  .describe('Expose Prometheus through an Ingress with TLS and basic authentication.');

export const exposure = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('none') }).describe('Not reachable from outside the cluster.'),
    ingressExposure,
  ])
  .describe("How the central Grafana reaches this cluster's Prometheus. Default: none.");

export const toleration = z
  .strictObject({
    key: z.string().regex(LABEL_KEY, { error: EXPECT.labelKey }).optional(),
    operator: z.enum(['Equal', 'Exists']).optional().describe('Default: Equal.'),
    value: z.string().regex(LABEL_VALUE, { error: EXPECT.labelValue }).optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional().describe('Default: every effect.'),
  })
  .describe('A pod toleration.');

export const taint = z
  .strictObject({
    key: z.string().regex(LABEL_KEY, { error: EXPECT.labelKey }),
    value: z.string().regex(LABEL_VALUE, { error: EXPECT.labelValue }).optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
  })
  .describe('A node taint, as kubectl taint sets it.');

export const nodePool = z
  .strictObject({
    labels: labels('Labels every node of the pool has (its pods get them as nodeSelector).'),
    taints: z.array(taint).optional().describe('Taints every node of the pool carries. Default: none.'),
  })
  .describe('A group of nodes: the labels that select them and the taints they carry.');

/** The scheduling fields every workload CMM places has (lib/scheduling.ts). */
const scheduling = (what: string) => ({
  nodePool: dnsLabel()
    .optional()
    .describe(
      `A node pool of the cluster (nodePools): ${what} gets its labels as nodeSelector and tolerates its taints.`,
    ),
  nodeSelector: labels(`Node labels ${what} must run on (besides the node pool's).`).optional(),
  tolerations: z.array(toleration).optional().describe(`Tolerations of ${what} (besides the node pool's).`),
  affinity: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(`A Kubernetes affinity for ${what} (nodeAffinity, podAffinity, podAntiAffinity), as written.`),
});

export const prometheusSettings = z
  .strictObject({
    retention: duration()
      .optional()
      .describe(`How long samples are kept. ${defaultIs(PROMETHEUS_DEFAULTS.retention)}`),
    retentionSize: z
      .string()
      .regex(PROMETHEUS_BYTE_SIZE, { error: EXPECT.byteSize })
      .optional()
      .describe('Maximum bytes of storage blocks kept. Default: no limit.'),
    scrapeInterval: duration()
      .optional()
      .describe(`Default scrape interval. ${defaultIs(PROMETHEUS_DEFAULTS.scrapeInterval)}`),
    evaluationInterval: duration()
      .optional()
      .describe(`Rule evaluation interval. ${defaultIs(PROMETHEUS_DEFAULTS.evaluationInterval)}`),
    storage: storage.optional().describe('Persistent storage. Default: none (emptyDir, data lost when the pod moves).'),
    resources: resources
      .optional()
      .describe(
        `Requests and limits of the Prometheus container; they replace the default as a whole. Default: requests ${RESOURCE_DEFAULTS.prometheus.resources.requests.cpu} CPU and ${RESOURCE_DEFAULTS.prometheus.resources.requests.memory} memory, no limit.`,
      ),
    ...scheduling('the Prometheus pod'),
    externalLabels: z
      .record(z.string().regex(PROMETHEUS_LABEL_NAME, { error: EXPECT.promLabel }), z.string())
      .optional()
      .describe('Extra external labels (the "cluster" label is always set to the cluster name).'),
    exposure: exposure.optional(),
  })
  .describe("The cluster's Prometheus.");

export const operatorSettings = z
  .strictObject({
    ...scheduling('the prometheus-operator pod'),
    resources: resources.optional(),
  })
  .describe('The prometheus-operator.');

export const kubeStateMetricsSettings = z
  .union([
    z.boolean(),
    z.strictObject({
      enabled: z.boolean().optional().describe('Run kube-state-metrics. Default: true.'),
      ...scheduling('kube-state-metrics'),
      resources: resources.optional(),
    }),
  ])
  .describe('kube-state-metrics: true or false, or its settings. Default: true.');

/** A metric name pattern: a regular expression in Go's RE2 syntax that matches whole names. */
const metricNamePattern = () =>
  z.string().superRefine((v, ctx) => {
    const problem = v === '' ? { message: 'the pattern is empty' } : checkRE2(v, { anchored: true });
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        input: v,
        message: `a regular expression in Go's RE2 syntax matching whole metric names, such as "apiserver_request_duration_seconds_bucket" or "container_network_.*"; ${problem.message}`,
      });
    }
  });

/**
 * A kube-state-metrics filter pattern: the chart joins the list with "," into one unquoted container argument, so
 * neither "," nor white space.
 */
const ksmPattern = () =>
  metricNamePattern().refine((v) => !/[,\s]/.test(v), {
    error: 'a pattern without "," or white space (the chart joins the list with "," into one argument)',
  });

export const cardinalitySettings = z
  .strictObject({
    dropMetrics: z
      .array(metricNamePattern())
      .optional()
      .describe(
        "Metric names dropped from every scrape (regular expressions, RE2, each matching the whole name), through the default scrape class, before each monitor's own metricRelabelings. Default: none.",
      ),
    keepMetrics: z
      .array(metricNamePattern())
      .optional()
      .describe(
        'When set, only metrics whose names match one of these (RE2, whole name) are kept from every scrape; up and scrape_* always stay. Include what your rules and dashboards query. Default (or an empty list): every metric kept.',
      ),
    dropUnusedBuckets: z
      .boolean()
      .optional()
      .describe(
        "Drop the high-cardinality histogram buckets of the Kubernetes components that no rule or dashboard CMM deploys reads (the README's Cardinality section lists them; their _sum and _count stay). Default: true.",
      ),
    sampleLimit: z
      .number({ error: 'a whole number of samples, 1 or more' })
      .int({ error: 'a whole number of samples, 1 or more' })
      .min(1, { error: 'a whole number of samples, 1 or more' })
      .optional()
      .describe(
        "Most samples one scrape of one target may keep after the drops (Prometheus' enforcedSampleLimit, for every monitor). A target over it fails its whole scrape: up is 0, nothing of it is stored, PrometheusScrapeSampleLimitHit and TargetDown fire. Default: no limit.",
      ),
    kubeStateMetrics: z
      .strictObject({
        metricAllowlist: z
          .array(ksmPattern())
          .optional()
          .describe(
            'Only these kube-state-metrics metrics are made (RE2, whole name; the chart joins them with ","). Include what your rules and dashboards query. Default: all of them.',
          ),
        metricDenylist: z
          .array(ksmPattern())
          .optional()
          .describe('kube-state-metrics metrics not made (RE2, whole name). Default: none.'),
      })
      .optional()
      .describe(
        "kube-state-metrics' own filter: an allow-list or a deny-list of metric names, not both. Default: every metric.",
      ),
  })
  .describe(
    'What Prometheus keeps of what it scrapes: drop and keep lists, unused histogram buckets, a sample limit. Default: the unused buckets dropped, nothing else.',
  );

export const nodeExporterSettings = z
  .strictObject({
    enabled: z.boolean().optional().describe('Run the node-exporter DaemonSet. Default: true.'),
    hostRootFsMount: z
      .boolean()
      .optional()
      .describe('Mount the host root filesystem (off on WSL/Docker Desktop, where the mount fails). Default: true.'),
    resources: resources.optional(),
    tolerations: z
      .array(toleration)
      .optional()
      .describe("More tolerations of the DaemonSet. It tolerates every node pool's taints and every NoSchedule taint."),
  })
  .describe('node-exporter.');

const monitorCommon = {
  enabled: z.boolean().optional().describe('Set false to drop a monitor inherited from defaults. Default: true.'),
  selector: labels('Labels of the Services/Pods to scrape (matchLabels).'),
  namespaces: z.array(dnsLabel()).optional().describe("Namespaces to look in. Default: the agent's namespace."),
  port: z
    .union([
      z.string().min(1, { error: 'a port name or a port number' }),
      z
        .number()
        .int({ error: 'a port number from 1 to 65535' })
        .min(1, { error: 'a port number from 1 to 65535' })
        .max(65535, { error: 'a port number from 1 to 65535' }),
    ])
    .describe('Port name, or port number, of the metrics endpoint.'),
  path: z.string().startsWith('/', { error: EXPECT.path }).optional().describe('Metrics path. Default: /metrics.'),
  interval: duration().optional().describe('Scrape interval. Default: the Prometheus scrapeInterval.'),
  scheme: z.enum(['http', 'https']).optional().describe('Default: http.'),
};

export const serviceMonitor = z
  .strictObject(monitorCommon)
  .describe('A ServiceMonitor: scrape the endpoints of Services.');
export const podMonitor = z.strictObject(monitorCommon).describe('A PodMonitor: scrape Pods directly.');
/** In `defaults:` and cluster entries a monitor may be partial; the merged result must be complete. */
const monitorPart = z
  .strictObject(monitorCommon)
  .partial()
  .describe('A monitor, or the part of one that this entry sets or overrides.');

/**
 * The old `channel` settings: a Slack app's incoming webhook posts to the channel it was made for and ignores
 * Alertmanager's `channel`, so critical and warning alerts landed in one channel. Refused, pointing to the keys.
 */
const slackAppChannel = () =>
  z
    .unknown()
    // A type predicate: the field's type is `undefined` (the props interface's `never`).
    .refine((v): v is undefined => v === undefined, {
      message:
        "one Slack webhook per destination instead: a Slack app's webhook ignores channel; put each channel's webhook URL in the Secret and name its key in key (warnings) and criticalKey",
    })
    .optional()
    .describe('Not supported: use one webhook per destination (key, criticalKey).');

/** A key of a Secret. */
const secretKey = () => z.string().regex(/^[-._a-zA-Z0-9]+$/, { error: 'a Secret key' });

/**
 * What was expected of an invalid PromQL expression, with the parser's first problem; nothing when it is valid. One
 * message for the inventory and for `ClusterRules` (TypeScript).
 */
export function promqlExpectation(expr: string): string | undefined {
  const problems = checkPromQL(expr);
  return problems.length > 0 ? `valid PromQL; the parser says ${describeQueryProblem(expr, problems[0])}` : undefined;
}

/** A PromQL expression, parsed at synth time. */
const promql = () =>
  z.string().superRefine((expr, ctx) => {
    const expected = promqlExpectation(expr);
    if (expected) ctx.addIssue({ code: 'custom', input: expr, message: expected });
  });

/** Label matchers as written inside a selector's braces, e.g. `job="node-exporter", fstype!~"tmpfs"`. */
const labelMatchers = () =>
  z.string().superRefine((matchers, ctx) => {
    const expr = `x{${matchers}}`;
    const problems = checkPromQL(expr);
    if (problems.length > 0 || /[{}]/.test(matchers)) {
      // Offsets in the message count from the start of the matchers, not of the wrapping selector.
      const detail =
        problems.length > 0 && /^invalid regular expression/.test(problems[0].message)
          ? `; the parser says ${describeQueryProblem(matchers, { ...problems[0], from: problems[0].from - 2 })}`
          : '';
      ctx.addIssue({
        code: 'custom',
        input: matchers,
        message: `PromQL label matchers such as job="node-exporter", fstype!~"tmpfs|overlay"${detail}`,
      });
    }
  });

/**
 * A pack's warning threshold at most its critical one, each given or defaulted: a warning above the critical
 * threshold would fire after the critical alert, never before it.
 */
export const warningBelowCritical =
  (defaultWarning: number, defaultCritical: number) =>
  (p: { warningPercent?: number; criticalPercent?: number }, ctx: z.RefinementCtx) => {
    const warning = p.warningPercent ?? defaultWarning;
    const critical = p.criticalPercent ?? defaultCritical;
    // An invalid percentage is reported by itself.
    const valid = (v: unknown) => percent().safeParse(v).success;
    if (!valid(warning) || !valid(critical) || warning <= critical) return;
    const bound = `criticalPercent (${critical}${p.criticalPercent === undefined ? ', its default' : ''})`;
    if (p.warningPercent !== undefined) {
      ctx.addIssue({ code: 'custom', input: warning, path: ['warningPercent'], message: `at most ${bound}` });
    } else {
      ctx.addIssue({
        code: 'custom',
        input: critical,
        path: ['criticalPercent'],
        message: `at least warningPercent (${warning}, its default)`,
      });
    }
  };
const percent = () =>
  z
    .number({ error: 'a percentage, between 0 and 100' })
    .gt(0, { error: 'a percentage, between 0 and 100' })
    .lt(100, { error: 'a percentage, between 0 and 100' });
/** A regular expression that Prometheus puts in a label matcher (`namespace=~"..."`): Go's RE2 syntax, anchored. */
const regex = () =>
  z.string().superRefine((v, ctx) => {
    const problem = checkRE2(v, { anchored: true });
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        input: v,
        message: `a regular expression in Go's RE2 syntax, such as "kafka|web-.*"; Go says ${problem.message}`,
      });
    }
  });
const toggle = { enabled: z.boolean().optional().describe('Switch the pack off with false. Default: true.') };
const promLabels = (what: string) =>
  z.record(z.string().regex(PROMETHEUS_LABEL_NAME, { error: EXPECT.promLabel }), z.string()).describe(what);

/** A Go template as Prometheus expands it in an alert's labels and annotations, parsed at synth time. */
const alertTemplate = () => z.string().superRefine((text, ctx) => templateIssue(text, ctx));

/** What was expected of an alert's label or annotation that Prometheus cannot expand; nothing when it can. */
export function templateExpectation(text: string): string | undefined {
  const problems = checkGoTemplate(text);
  return problems.length > 0
    ? `a Go template Prometheus can expand; the parser says ${describeQueryProblem(text, problems[0])}`
    : undefined;
}

function templateIssue(text: string, ctx: z.RefinementCtx, path: PropertyKey[] = []): void {
  const expected = templateExpectation(text);
  if (expected) ctx.addIssue({ code: 'custom', input: text, path, message: expected });
}

export const rule = z
  .strictObject({
    alert: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an alert name such as MyAppDown' })
      .optional()
      .describe('Alert name (an alerting rule).'),
    record: z
      .string()
      .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: 'a metric name such as job:http_requests:rate5m' })
      .optional()
      .describe('Name of the recorded series (a recording rule).'),
    expr: promql().describe('PromQL expression, checked at synth time.'),
    for: duration()
      .optional()
      .describe('How long the condition must hold before the alert fires. Default: fires at once.'),
    labels: promLabels('Labels added to the alert or series; give alerts a severity.').optional(),
    annotations: z
      .record(z.string().regex(PROMETHEUS_LABEL_NAME, { error: EXPECT.promLabel }), alertTemplate())
      .describe('summary, description, runbook_url: Go templates ({{ $labels.instance }}, {{ $value | humanize }}).')
      .optional(),
  })
  // A type predicate: the schema's output is `Rule`, an alerting or a recording rule.
  .refine((r): r is Rule => (r.alert === undefined) !== (r.record === undefined), {
    message: 'exactly one of alert or record',
  })
  .superRefine((r, ctx) => {
    // An alert's labels are templates too (a recording rule's are not).
    if (r.alert !== undefined) {
      for (const [k, v] of Object.entries(r.labels ?? {})) templateIssue(v, ctx, ['labels', k]);
    }
    if (r.record !== undefined && (r.for !== undefined || r.annotations !== undefined)) {
      ctx.addIssue({ code: 'custom', input: r, message: 'no for or annotations on a recording rule', path: [] });
    }
  })
  .describe('An alerting rule (alert) or a recording rule (record).');

export const ruleGroup = z
  .strictObject({
    interval: duration().optional().describe('Evaluation interval. Default: the Prometheus evaluationInterval.'),
    rules: z.array(rule).min(1, { error: 'at least one rule' }),
  })
  .describe('A rule group.');

const T = PACK_DEFAULTS.targets;
const N = PACK_DEFAULTS.nodes;
const F = PACK_DEFAULTS.filesystem;
const V = PACK_DEFAULTS.volumes;

export const rulesSettings = z
  .strictObject({
    runbookBaseUrl: url('runbooks are for people: serve them without credentials')
      .optional()
      .describe(`Base URL of the runbooks. Default: ${DEFAULT_RUNBOOK_BASE_URL}`),
    selectors: z
      .strictObject({
        nodeExporter: labelMatchers().optional().describe(`Default: ${DEFAULT_SELECTORS.nodeExporter}`),
        kubeStateMetrics: labelMatchers().optional().describe(`Default: ${DEFAULT_SELECTORS.kubeStateMetrics}`),
        kubelet: labelMatchers().optional().describe(`Default: ${DEFAULT_SELECTORS.kubelet}`),
      })
      .optional()
      .describe("Selectors of the jobs the built-in packs query. Default: kube-prometheus-stack's job selectors."),
    packs: z
      .strictObject({
        watchdog: z.strictObject(toggle).optional().describe('Watchdog: always firing, proves the pipeline.'),
        targets: z
          .strictObject({
            ...toggle,
            downPercent: percent()
              .optional()
              .describe(`Share of a job's targets down, in percent. ${defaultIs(T.downPercent)}`),
            for: duration().optional().describe(defaultIs(T.for)),
          })
          .optional()
          .describe('TargetDown.'),
        nodes: z
          .strictObject({
            ...toggle,
            downFor: duration()
              .optional()
              .describe(`How long node-exporter must be unreachable for NodeDown. ${defaultIs(N.downFor)}`),
            memoryPercent: percent()
              .optional()
              .describe(`Memory in use, in percent. ${defaultIs(N.memoryPercent)}`),
            cpuPercent: percent()
              .optional()
              .describe(`CPU busy, in percent. ${defaultIs(N.cpuPercent)}`),
            for: duration()
              .optional()
              .describe(`How long pressure or not-ready must last. ${defaultIs(N.for)}`),
          })
          .optional()
          .describe('NodeDown, KubeNodeNotReady, NodeMemoryHighUtilization, NodeCPUHighUsage.'),
        filesystem: z
          .strictObject({
            ...toggle,
            warningPercent: percent()
              .optional()
              .describe(`Used space, in percent, for a warning. ${defaultIs(F.warningPercent)}`),
            criticalPercent: percent()
              .optional()
              .describe(`Used space, in percent, for a critical alert. ${defaultIs(F.criticalPercent)}`),
            for: duration().optional().describe(defaultIs(F.for)),
            predictHours: z
              .number()
              .int()
              .positive()
              .optional()
              .describe(`Warn when predicted full within this many hours. ${defaultIs(F.predictHours)}`),
            predictMinUsedPercent: percent()
              .optional()
              .describe(`...and already at least this full, in percent. ${defaultIs(F.predictMinUsedPercent)}`),
            selector: labelMatchers()
              .optional()
              .describe(`Label matchers choosing the filesystems. ${defaultIs(F.selector)}`),
          })
          .superRefine(warningBelowCritical(DEFAULT_FILESYSTEM_WARNING_PERCENT, DEFAULT_FILESYSTEM_CRITICAL_PERCENT))
          .optional()
          .describe('NodeFilesystemUsageHigh, NodeFilesystemFillingUp.'),
        pods: z
          .strictObject({
            ...toggle,
            for: duration().optional().describe(defaultIs(PACK_DEFAULTS.pods.for)),
            namespaces: regex()
              .optional()
              .describe(`Regular expression of the namespaces watched. ${defaultIs(PACK_DEFAULTS.pods.namespaces)}`),
          })
          .optional()
          .describe('KubePodCrashLooping.'),
        workloads: z
          .strictObject({
            ...toggle,
            for: duration().optional().describe(defaultIs(PACK_DEFAULTS.workloads.for)),
            namespaces: regex()
              .optional()
              .describe(
                `Regular expression of the namespaces watched. ${defaultIs(PACK_DEFAULTS.workloads.namespaces)}`,
              ),
          })
          .optional()
          .describe('KubeDeploymentReplicasMismatch.'),
        volumes: z
          .strictObject({
            ...toggle,
            warningPercent: percent()
              .optional()
              .describe(`Used space of a claim, in percent, for a warning. ${defaultIs(V.warningPercent)}`),
            criticalPercent: percent()
              .optional()
              .describe(`...and for a critical alert. ${defaultIs(V.criticalPercent)}`),
            for: duration().optional().describe(defaultIs(V.for)),
          })
          .superRefine(warningBelowCritical(DEFAULT_VOLUMES_WARNING_PERCENT, DEFAULT_VOLUMES_CRITICAL_PERCENT))
          .optional()
          .describe('KubePersistentVolumeFillingUp.'),
      })
      .optional()
      .describe('The built-in rule packs, all on by default.'),
    groups: z.record(dnsSubdomain(), ruleGroup).optional().describe('Your own rule groups, by name.'),
  })
  .describe('Prometheus alerting and recording rules.');

/** An Alertmanager matcher (`severity="critical"`), checked as Alertmanager parses it. */
const amMatcher = () =>
  z.string().superRefine((text, ctx) => {
    const { problem } = parseMatcher(text);
    if (problem) ctx.addIssue({ code: 'custom', input: text, message: problem });
  });
/** A name of a receiver, route or time interval. */
const amName = () =>
  z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: 'a name of lowercase letters, digits and "-", starting and ending with a letter or digit',
  });
const amSecretRef = (what: string) => ({
  secretName: dnsSubdomain().describe(`Existing Secret in the agent namespace with ${what}.`),
  key: secretKey().describe(`Key of ${what} in the Secret.`),
});
// As central.alerting's addresses: Alertmanager expands templates in `to` and `from`, which a plain address has none of.
const emailAddress = () => z.email({ error: 'an e-mail address' });
const sendResolved = z
  .boolean()
  .optional()
  .describe(`Also notify when the alert resolves. ${defaultIs(AGENT_DEFAULTS.alertmanager.sendResolved)}`);

export const amReceiver = z
  .strictObject({
    slack: z
      .array(z.strictObject({ ...amSecretRef('the Slack incoming-webhook URL'), sendResolved }))
      .optional()
      .describe("Slack incoming webhooks, one per destination (a Slack app's webhook posts to its own channel only)."),
    msteams: z
      .array(z.strictObject({ ...amSecretRef('the Teams Workflows webhook URL'), sendResolved }))
      .optional()
      .describe('Microsoft Teams through a Workflows webhook (Alertmanager msteamsv2).'),
    email: z
      .array(
        z.strictObject({
          to: z.array(emailAddress()).min(1).describe('Recipients.'),
          from: emailAddress().describe('Sender address.'),
          smarthost: z
            .string()
            .regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, { error: 'host:port of the SMTP server, e.g. smtp.example.com:587' })
            .describe('SMTP server, host:port.'),
          username: z.string().min(1).optional().describe('SMTP user name (not secret). Default: no authentication.'),
          passwordSecret: z
            .strictObject(amSecretRef('the SMTP password'))
            .optional()
            .describe('The SMTP password, read from the mounted Secret (required with username).'),
          requireTls: z.boolean().optional().describe('Require STARTTLS. Default: true.'),
          sendResolved,
        }),
      )
      .optional()
      .describe('E-mail over SMTP.'),
    pagerduty: z
      .array(z.strictObject({ ...amSecretRef('the PagerDuty Events API v2 routing key'), sendResolved }))
      .optional()
      .describe('PagerDuty (Events API v2).'),
    webhook: z
      .array(
        z.strictObject({
          ...amSecretRef('the webhook URL'),
          maxAlerts: z.number().int().min(0).optional().describe('At most this many alerts per message. Default: all.'),
          sendResolved,
        }),
      )
      .optional()
      .describe('A generic webhook (Alertmanager webhook JSON).'),
  })
  .superRefine((r, ctx) => {
    if (Object.values(r).every((v) => v === undefined || v.length === 0)) {
      ctx.addIssue({
        code: 'custom',
        input: r,
        message: 'at least one of slack, msteams, email, pagerduty, webhook',
      });
    }
    r.email?.forEach((e, i) => {
      if ((e.username === undefined) !== (e.passwordSecret === undefined)) {
        ctx.addIssue({
          code: 'custom',
          input: e,
          path: ['email', i, e.username === undefined ? 'username' : 'passwordSecret'],
          message: 'username and passwordSecret together (SMTP authentication), or neither',
        });
      }
    });
  })
  .describe('A receiver: where notifications go; every credential from an existing Secret, mounted as a file.');

export const amRoute = z
  .strictObject({
    receiver: amName().describe(
      'The receiver (a key of receivers, or a built-in one: slack-critical, slack-warning, null).',
    ),
    matchers: z
      .array(amMatcher())
      .optional()
      .describe(
        'Label matchers, all of which an alert must match, e.g. team="db", severity=~"critical|warning". Default: every alert.',
      ),
    continue: z.boolean().optional().describe('Also try the routes after this one. Default: false.'),
    groupBy: z
      .array(z.string().regex(PROMETHEUS_LABEL_NAME, { error: EXPECT.promLabel }))
      .optional()
      .describe(`Labels to group by. Default: ${AGENT_DEFAULTS.alertmanager.route.groupBy.join(', ')}.`),
    groupWait: duration().optional().describe(defaultIs(AGENT_DEFAULTS.alertmanager.route.groupWait)),
    groupInterval: duration().optional().describe(defaultIs(AGENT_DEFAULTS.alertmanager.route.groupInterval)),
    repeatInterval: duration().optional().describe(defaultIs(AGENT_DEFAULTS.alertmanager.route.repeatInterval)),
    muteTimeIntervals: z
      .array(amName())
      .optional()
      .describe('Time intervals (keys of timeIntervals) when it is muted.'),
    activeTimeIntervals: z
      .array(amName())
      .optional()
      .describe('Time intervals (keys of timeIntervals) when it is active. Default: always.'),
  })
  .describe('A route: alerts matching matchers go to receiver.');

const timeRange = z.strictObject({
  startTime: z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/, { error: 'a time such as "09:00"' }),
  endTime: z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/, { error: 'a time such as "17:30"' }),
});
const WEEKDAY = '(sunday|monday|tuesday|wednesday|thursday|friday|saturday)';
export const amTimeInterval = z
  .strictObject({
    times: z.array(timeRange).optional().describe('Times of day, e.g. [{startTime: "09:00", endTime: "17:00"}].'),
    weekdays: z
      .array(
        z.string().regex(new RegExp(`^${WEEKDAY}(:${WEEKDAY})?$`), { error: 'a weekday or range, e.g. monday:friday' }),
      )
      .optional(),
    daysOfMonth: z
      .array(
        z.string().regex(/^-?[0-9]{1,2}(:-?[0-9]{1,2})?$/, { error: 'a day of the month or range, e.g. 1:7 or -1' }),
      )
      .optional(),
    months: z
      .array(
        z.string().regex(/^([a-z]+|[0-9]{1,2})(:([a-z]+|[0-9]{1,2}))?$/, {
          error: 'a month or range, e.g. january:march or 1:3',
        }),
      )
      .optional(),
    years: z.array(z.string().regex(/^[0-9]{4}(:[0-9]{4})?$/, { error: 'a year or range, e.g. 2026:2027' })).optional(),
    location: z
      .string()
      .regex(/^(Local|UTC|[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+)$/, {
        error: 'an IANA time zone such as Europe/Berlin, or UTC',
      })
      .optional()
      .describe('Time zone of times. Default: UTC.'),
  })
  .describe('One period of a time interval; an interval is the union of its periods.');

export const amInhibitRule = z
  .strictObject({
    sourceMatchers: z.array(amMatcher()).min(1).describe('The alerts that mute.'),
    targetMatchers: z.array(amMatcher()).min(1).describe('The alerts they mute.'),
    equal: z
      .array(z.string().regex(PROMETHEUS_LABEL_NAME, { error: EXPECT.promLabel }))
      .optional()
      .describe('Labels both must share. Default: alertname, cluster.'),
  })
  .describe('An inhibition rule: while a source alert fires, matching target alerts are not sent.');

export const alertmanagerSettings = z
  .strictObject({
    enabled: z.boolean().optional().describe('Run Alertmanager in the cluster. Default: false.'),
    slack: z
      .strictObject({
        secretName: dnsSubdomain().describe('Existing Secret in the agent namespace holding the Slack webhook URL.'),
        key: secretKey()
          .optional()
          .describe(`Key of the webhook URL for warnings. ${defaultIs(AGENT_DEFAULTS.alertmanager.slackKey)}`),
        criticalKey: secretKey()
          .optional()
          .describe('Key of the webhook URL for critical alerts (e.g. the on-call channel). Default: key'),
        channel: slackAppChannel(),
        criticalChannel: slackAppChannel(),
      })
      .optional()
      .describe(
        "Slack receiver: one incoming webhook per destination (a Slack app's webhook posts to its own channel only); the URLs are read from the mounted Secret, never written.",
      ),
    heartbeat: z
      .strictObject({
        secretName: dnsSubdomain().describe('Existing Secret in the agent namespace with the heartbeat URL.'),
        key: secretKey().optional().describe(defaultIs(AGENT_DEFAULTS.alertmanager.heartbeat.key)),
        interval: duration()
          .optional()
          .describe(`How often the Watchdog is sent. ${defaultIs(AGENT_DEFAULTS.alertmanager.heartbeat.interval)}`),
      })
      .optional()
      .describe(
        "Where the Watchdog (always firing) goes, so a dead alerting pipeline pages someone (healthchecks.io, Dead Man's Snitch, a PagerDuty heartbeat). Default: nowhere.",
      ),
    receivers: z
      .record(amName(), amReceiver)
      .optional()
      .describe('Receivers by name, for routes; under defaults, shared by every cluster.'),
    routes: z
      .record(amName(), amRoute)
      .optional()
      .describe(
        "Routes by name, tried in order (those under defaults first) before slack's severity routes; under defaults, shared by every cluster.",
      ),
    defaultReceiver: amName()
      .optional()
      .describe(
        `Where alerts that no route takes go. Default: ${AGENT_DEFAULTS.alertmanager.defaultReceiver}, slack's warning receiver (required without slack).`,
      ),
    timeIntervals: z
      .record(amName(), z.array(amTimeInterval).min(1))
      .optional()
      .describe(
        'Named time intervals (working hours, maintenance windows) for muteTimeIntervals and activeTimeIntervals.',
      ),
    inhibitRules: z
      .array(amInhibitRule)
      .optional()
      .describe('More inhibition rules, after the built-in one (a critical alert mutes its warning).'),
    exposure: z
      .strictObject({
        type: z.literal('ingress'),
        ...basicAuthIngressFields('Alertmanager', 'htpasswd lines, in the agent namespace'),
        karmaCredentialsSecret: dnsSubdomain()
          .optional()
          .describe(
            'Existing Secret in the central namespace with keys "username" and "password" for this Alertmanager, for Karma. Default: alertmanager-<cluster>-basic-auth.',
          ),
      })
      .optional()
      .describe(
        'Expose Alertmanager through an Ingress with TLS and basic authentication, for the central Karma. Default: in-cluster only.',
      ),
    storage: storage.optional(),
    resources: resources.optional(),
    ...scheduling('the Alertmanager pod'),
  })
  // What needs the settings merged with defaults (a receiver for an enabled Alertmanager, routes to receivers that
  // exist) is checked after the merge: alertmanagerProblems in lib/agent/alertmanager.ts.
  .describe('Alertmanager in the cluster, routing to Slack by severity.');

/** A LogQL query, parsed at synth time; `metric` requires a metric query (for alerts). */
const logql = (metric = false) =>
  z.string().superRefine((query, ctx) => {
    const problems = checkLogQL(query, { metric });
    if (problems.length > 0) {
      ctx.addIssue({
        code: 'custom',
        input: query,
        message: `valid LogQL${metric ? ' (a metric query)' : ''}; the parser says ${describeQueryProblem(query, problems[0])}`,
      });
    }
  });

export const logsSettings = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe("Ship this cluster's logs to the central Loki. Default: true when central.loki is set."),
    credentialsSecret: dnsSubdomain()
      .optional()
      .describe(
        `Existing Secret with keys username and password for the Loki gateway, in the namespace the log agent runs in: podSecurity.hostNamespace (Default: <namespace>-host) when the monitoring namespace enforces baseline or restricted, else the agent namespace. ${defaultIs(AGENT_DEFAULTS.logs.credentialsSecret)}`,
      ),
    events: z.boolean().optional().describe('Also ship Kubernetes events. Default: false.'),
    journal: z.boolean().optional().describe("Also ship each node's systemd journal. Default: false."),
    resources: resources.optional(),
    tolerations: z
      .array(toleration)
      .optional()
      .describe("More tolerations of the Alloy DaemonSet; it tolerates every node pool's taints."),
  })
  .describe('Log shipping with Grafana Alloy (a DaemonSet) to the central Loki.');

/** How the central Thanos Query reaches a cluster's sidecar: the gRPC StoreAPI, always with TLS and a client certificate. */
export const sidecarExposure = z
  .discriminatedUnion('type', [
    z
      .strictObject({
        type: z.literal('loadBalancer'),
        address: z
          .string()
          .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, { error: 'a host name or IP address' })
          .describe("The name (or IP) the centre dials, port 10901: the LoadBalancer's address, or a DNS name for it."),
        serverTlsSecret: dnsSubdomain()
          .optional()
          .describe(
            `Existing Secret in the agent namespace with tls.crt and tls.key (the sidecar's certificate, for address) and ca.crt (the CA of the centre's client certificate). ${defaultIs(THANOS_DEFAULTS.sidecarTlsSecret)}`,
          ),
        loadBalancerSourceRanges: z
          .array(cidr('203.0.113.0/24'))
          .optional()
          .describe("Address ranges allowed to connect (the centre's egress). Default: any."),
        annotations: z
          .record(z.string().regex(LABEL_KEY, { error: EXPECT.labelKey }), z.string())
          .optional()
          .describe("Annotations of the LoadBalancer Service (the cloud's load balancer settings)."),
      })
      .describe(
        "A LoadBalancer Service in front of the sidecar, which serves TLS and requires the centre's client certificate.",
      ),
    z
      .strictObject({
        type: z
          .literal('ingress')
          .optional()
          .describe('Default: ingress, through the ingress controller of the platform (or controller).'),
        host: dnsSubdomain().describe('Host name the Ingress serves gRPC on (port 443).'),
        controller: z
          .enum(['traefik', 'nginx'])
          .optional()
          .describe(
            "The ingress controller, which terminates TLS and checks the client certificate. Default: the platform's.",
          ),
        ingressClassName: dnsSubdomain().optional().describe("IngressClass. Default: the cluster's default class."),
        tlsSecretName: dnsSubdomain().describe('Existing kubernetes.io/tls Secret with the certificate for host.'),
        clientCaSecret: dnsSubdomain()
          .optional()
          .describe(
            `Existing Secret in the agent namespace with the CA of the centre's client certificate (key ca.crt). ${defaultIs(THANOS_DEFAULTS.clientCaSecret)}`,
          ),
      })
      .describe('An Ingress with TLS and client-certificate authentication, passing gRPC to the sidecar.'),
  ])
  .describe(
    "How the central Thanos Query reaches this cluster's sidecar: type ingress (the default: the cluster's ingress controller checks the client certificate) or loadBalancer (the sidecar checks it).",
  );

export const clusterThanos = z
  .strictObject({
    mode: z
      .enum(['sidecar', 'remote-write'])
      .optional()
      .describe(
        'sidecar: the Thanos sidecar uploads blocks and serves recent data to the central Query; remote-write: Prometheus pushes to the central Thanos Receive (for a cluster the centre cannot reach). Default: sidecar.',
      ),
    exposure: sidecarExposure
      .optional()
      .describe(
        'sidecar: how the centre reaches the sidecar. Required for every cluster but the central one, which has none (its sidecar is reached in the cluster). Default: in-cluster only (the central cluster).',
      ),
    agent: z
      .boolean()
      .optional()
      .describe(
        'remote-write: run Prometheus in agent mode (scrape and push only: no local rules, no Alertmanager, no query). Default: false.',
      ),
    credentialsSecret: dnsSubdomain()
      .optional()
      .describe(
        'remote-write: existing Secret in the agent namespace with username and password for the Receive endpoint (required).',
      ),
    receiveCaSecret: dnsSubdomain()
      .optional()
      .describe(
        "remote-write: existing Secret in the agent namespace with ca.crt, the CA of the Receive endpoint's certificate (a private CA). Default: the CAs the Prometheus image trusts.",
      ),
    sidecarResources: resources
      .optional()
      .describe(
        `sidecar: requests and limits of the Thanos sidecar container in the Prometheus pod (its memory grows with the series the central Query asks for); they replace the default as a whole. ${resourcesDefault('thanosSidecar')}`,
      ),
  })
  .describe('How this cluster joins the central Thanos (with central.metrics: thanos).');

const ingressControllerPeer = (controller: string, defaults: string, labelDefaults: string) =>
  z
    .strictObject({
      namespace: dnsLabel()
        .optional()
        .describe(`Namespace of the ${controller} ingress controller. Default: the platform's (${defaults}).`),
      podLabels: labels(
        `Labels of the ${controller} controller's pods, to admit those pods only. Default: ${labelDefaults}.`,
      ).optional(),
    })
    .describe(`Where the ${controller} ingress controller runs.`);

export const networkPolicySettings = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe(
        "Write NetworkPolicies for CMM's components (Ingress only: each component's pods accept their known clients). A cluster whose network plugin enforces none is unaffected. Default: true.",
      ),
    ingressControllers: z
      .strictObject({
        traefik: ingressControllerPeer(
          'Traefik',
          'kube-system on k3s and RKE2, traefik elsewhere',
          "in the platform's namespace on k3s app.kubernetes.io/name: traefik, on RKE2 app.kubernetes.io/name: rke2-traefik; elsewhere every pod of the namespace",
        ).optional(),
        nginx: ingressControllerPeer(
          'ingress-nginx',
          'kube-system on RKE2, ingress-nginx elsewhere',
          "in the platform's namespace on RKE2 rke2-ingress-nginx's controller pods (app.kubernetes.io/name and instance rke2-ingress-nginx, component controller); elsewhere every pod of the namespace",
        ).optional(),
        appRouting: ingressControllerPeer(
          "AKS' application routing add-on (IngressClass webapprouting.kubernetes.azure.com)",
          'app-routing-system',
          'every pod of the namespace',
        ).optional(),
      })
      .optional()
      .describe(
        "Where the ingress controllers run, which alone reach the exposed endpoints. Default: the platform's namespaces; on k3s and RKE2 only its controller's pods, elsewhere every pod.",
      ),
    prometheusClients: z
      .array(
        z.strictObject({
          namespace: dnsLabel().describe('Their namespace.'),
          podLabels: labels('Labels of their pods. Default: every pod of the namespace.').optional(),
        }),
      )
      .optional()
      .describe(
        "Other in-cluster clients of Prometheus' query port 9090 (prometheus-adapter, KEDA, another Grafana). Default: none.",
      ),
    ingressSourceRanges: z
      .array(cidr('10.0.0.0/16'))
      .optional()
      .describe(
        "Address ranges (the nodes') an ingress controller on the host network (hostNetwork: true) connects from. Default: none.",
      ),
  })
  .describe(
    "NetworkPolicies for what CMM deploys (see the README's NetworkPolicies section). Default: on, with the platform's ingress controller namespaces.",
  );

/** A chart repository: a Helm repository (http:// or https://) or an OCI registry path (oci://host/path). */
export const chartRepository = () =>
  z.string().superRefine((v, ctx) => {
    if (v.startsWith('oci://')) {
      if (!/^oci:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._-]+)*\/?$/.test(v)) {
        ctx.addIssue({
          code: 'custom',
          input: redactUrl(v),
          message: 'an OCI registry path such as oci://registry.example.com/charts, without credentials',
        });
      }
      return;
    }
    const problem = urlProblem(v, 'give them as airgap.charts.authSecret');
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        input: problem.input,
        message:
          problem.message === EXPECT.url
            ? 'a Helm repository URL (http:// or https://) or an OCI registry path (oci://host/path)'
            : problem.message,
      });
    }
  });

/** An exact chart version (never a range). */
export const chartVersion = () =>
  z.string().regex(/^\d+\.\d+\.\d+$/, { error: 'an exact chart version such as "88.5.3"' });

const chartNameKeys = <T extends z.ZodType>(value: T) =>
  z.strictObject({ 'kube-prometheus-stack': value.optional(), alloy: value.optional(), loki: value.optional() });

/** Where a cluster's charts and images come from when it cannot reach the internet (lib/airgap/airgap.ts). */
export const airgapSettings = z
  .strictObject({
    charts: z
      .strictObject({
        repository: chartRepository()
          .optional()
          .describe(
            "A Helm repository (https://) or OCI registry path (oci://) that holds every chart CMM installs (kube-prometheus-stack, alloy, loki), e.g. a Nexus, Artifactory, Harbor or ChartMuseum mirror. Default: each chart's upstream repository.",
          ),
        repositories: chartNameKeys(chartRepository())
          .optional()
          .describe('Per chart, a repository that overrides repository (and kubePrometheusStackRepo).'),
        caConfigMap: dnsSubdomain()
          .optional()
          .describe(
            "Existing ConfigMap in the HelmCharts' namespace (kube-system on k3s and RKE2, helm-controller elsewhere) whose every key is a PEM CA bundle the install Job trusts for the repository (HelmChart repoCAConfigMap). Default: the install image's CAs.",
          ),
        authSecret: dnsSubdomain()
          .optional()
          .describe(
            "Existing kubernetes.io/basic-auth Secret (keys username, password) in the HelmCharts' namespace, for an https:// repository (HelmChart authSecret). Default: no credentials.",
          ),
        registrySecret: dnsSubdomain()
          .optional()
          .describe(
            "Existing kubernetes.io/dockerconfigjson Secret in the HelmCharts' namespace, for an oci:// repository (HelmChart dockerRegistrySecret). Default: no credentials.",
          ),
        source: chartNameKeys(z.enum(['repository', 'embedded', 'static']))
          .optional()
          .describe(
            "Per chart, how it reaches the cluster: repository (the default), embedded (the archive inside the HelmChart, spec.chartContent, from the synth's --charts DIR; at most 768 KiB of archive, so not kube-prometheus-stack), static (k3s only: the archive copied to the servers' /var/lib/rancher/k3s/server/static/charts folder, https://%{KUBERNETES_API}%/static/charts/<chart>-<version>.tgz). Default: repository, for every chart.",
          ),
      })
      .superRefine((c, ctx) => {
        const repos = [c.repository, ...Object.values(c.repositories ?? {})].filter((r) => r !== undefined);
        if (c.authSecret !== undefined && !repos.some((r) => !r.startsWith('oci://'))) {
          ctx.addIssue({
            code: 'custom',
            path: ['authSecret'],
            input: c.authSecret,
            message:
              'an https:// repository to log in to (repository or repositories); an oci:// registry takes registrySecret',
          });
        }
        if (c.registrySecret !== undefined && !repos.some((r) => r.startsWith('oci://'))) {
          ctx.addIssue({
            code: 'custom',
            path: ['registrySecret'],
            input: c.registrySecret,
            message:
              'an oci:// repository to log in to (repository or repositories); an https:// repository takes authSecret',
          });
        }
      })
      .optional()
      .describe('Where the charts come from.'),
    images: z
      .strictObject({
        registry: z
          .string()
          .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, {
            error: 'a registry host, optionally with a port and a path, such as registry.example.com:5000/mirror',
          })
          .optional()
          .describe(
            "Registry (host[:port][/path]) every image CMM and the charts run is pulled from, the repository path kept: quay.io/thanos/thanos:v0.42.4 becomes <registry>/thanos/thanos:v0.42.4. Default: each image's own registry.",
          ),
        pullSecrets: z
          .array(dnsSubdomain())
          .optional()
          .describe(
            "Existing kubernetes.io/dockerconfigjson Secrets for the registry, in every namespace where CMM runs pods (the monitoring namespace; the host namespace of node-exporter and the log agent, podSecurity.hostNamespace; the HelmCharts' namespace for CMM's helm-controller and the ArgoCD hook). Default: none.",
          ),
      })
      .optional()
      .describe('Where the images come from.'),
  })
  .describe(
    "Air-gapped clusters: the charts' and images' mirrors (see the README's Air-gapped clusters). Default: the upstream repositories and registries.",
  );

export const podSecuritySettings = z
  .strictObject({
    labels: z
      .boolean()
      .optional()
      .describe(
        'Write the pod-security.kubernetes.io labels on the monitoring namespaces. false: no labels, and node-exporter and the log agent stay in the monitoring namespace (the layout before these labels). Default: true.',
      ),
    level: z
      .enum(['restricted', 'baseline', 'privileged'], {
        error: 'a Pod Security level: restricted, baseline or privileged',
      })
      .optional()
      .describe(
        'The Pod Security level the monitoring namespace enforces. With restricted or baseline, node-exporter and the log agent (host network, host PID, hostPath) run in podSecurity.hostNamespace, which enforces privileged. Default: restricted.',
      ),
    hostNamespace: dnsLabel()
      .optional()
      .describe(
        "Namespace of the pods that need host access (node-exporter, the log agent and its push Secret), labelled privileged; CMM creates and owns it, so not the monitoring namespace, one Kubernetes keeps (kube-system, kube-public, kube-node-lease, default), the helm-controller's where CMM installs it, the central Grafana's (central.namespace) in the central cluster, nor ArgoCD's with argocd output. Default: <namespace>-host (so namespace has at most 58 characters).",
      ),
  })
  .describe(
    'Pod Security Standards labels of the monitoring namespaces. Default: the namespace enforces restricted; node-exporter and the log agent run in <namespace>-host, which enforces privileged.',
  );

const clusterSettings = {
  namespace: dnsLabel()
    .optional()
    .describe(`Namespace of the monitoring stack. ${defaultIs(AGENT_DEFAULTS.namespace)}`),
  kubePrometheusStackVersion: chartVersion()
    .optional()
    .describe('kube-prometheus-stack chart version. Default: the version pinned in lib/versions.ts.'),
  kubePrometheusStackRepo: url('keep them in a Kubernetes Secret')
    .optional()
    .describe(
      'Helm repository (or mirror) to install kube-prometheus-stack from. Default: the upstream repository. airgap.charts.repositories.kube-prometheus-stack overrides it.',
    ),
  airgap: airgapSettings.optional(),
  platform: z
    .enum(PLATFORMS, { error: `a platform CMM knows: ${PLATFORMS.join(', ')}` })
    .optional()
    .describe(
      `Where the cluster runs: ${PLATFORMS.join(', ')}. Decides the helm-controller, the component monitors, DNS and storage defaults. ${defaultIs(AGENT_DEFAULTS.platform)}`,
    ),
  kubernetesVersion: z
    .string()
    .regex(/^1\.[0-9]+(\.[0-9]+)?$/, { error: 'a Kubernetes version such as "1.33" or "1.33.4"' })
    .optional()
    .describe(
      `The cluster's Kubernetes version, for rendering its charts (npm run render). ${defaultIs(DEFAULT_KUBERNETES_VERSION)}`,
    ),
  nodePools: z
    .record(dnsLabel(), nodePool)
    .optional()
    .describe('Groups of nodes, by name, with their labels and taints; workloads choose one with nodePool.'),
  kubeStateMetrics: kubeStateMetricsSettings.optional(),
  cardinality: cardinalitySettings.optional(),
  kubernetesComponents: z
    .strictObject({
      apiServer: z.boolean().optional().describe('The API server. Default: true.'),
      kubelet: z
        .boolean()
        .optional()
        .describe(
          "The kubelet and cAdvisor (the nodes' and containers' metrics); off also drops KubeletDown. Default: true.",
        ),
      controllerManager: z
        .boolean()
        .optional()
        .describe(
          'kube-controller-manager (bound to 127.0.0.1 on k3s, RKE2 and kubeadm; managed on EKS, GKE, AKS). Default: true on kOps.',
        ),
      scheduler: z
        .boolean()
        .optional()
        .describe(
          'kube-scheduler (bound to 127.0.0.1 on k3s, RKE2 and kubeadm; managed on EKS, GKE, AKS). Default: true on kOps.',
        ),
      etcd: z.boolean().optional().describe('etcd (after a cluster change; managed on EKS, GKE, AKS). Default: false.'),
      kubeProxy: z
        .boolean()
        .optional()
        .describe(
          'kube-proxy (its metrics bound to 127.0.0.1 until a cluster change; none on GKE, AKS). Default: false.',
        ),
      coreDns: z.boolean().optional().describe('CoreDNS. Default: true except on GKE.'),
      kubeDns: z.boolean().optional().describe('kube-dns. Default: true on GKE.'),
      endpoints: z
        .array(z.union([z.ipv4({ error: 'an IP address' }), z.ipv6({ error: 'an IP address' })]))
        .min(1)
        .optional()
        .describe(
          "The servers' IP addresses, for the controller manager, scheduler and etcd where they have no pod to select (k3s runs its control plane inside its own process).",
        ),
      nodeEndpoints: z
        .array(z.union([z.ipv4({ error: 'an IP address' }), z.ipv6({ error: 'an IP address' })]))
        .min(1)
        .optional()
        .describe("Every node's IP address, for kube-proxy where it has no pod to select (k3s)."),
    })
    .optional()
    .describe(
      "The Kubernetes components to scrape, one by one; a monitor whose target does not exist fires its Down alert for ever. Default: what the platform exposes without changes (see the README's platform sections).",
    ),
  prometheus: prometheusSettings.optional(),
  thanos: clusterThanos.optional(),
  namespaceOwners: z
    .record(
      z.string().superRefine((ns, ctx) => {
        const problem = checkRE2(ns);
        if (problem)
          ctx.addIssue({
            code: 'custom',
            input: ns,
            message: `a namespace or a regular expression; ${problem.message}`,
          });
      }),
      z.string().regex(/^[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/, {
        error: 'a team name: letters, digits, "-", "_" and "."',
      }),
    )
    .optional()
    .describe(
      'Namespace (or regular expression, matching the whole name) to team: every alert from it that has no team label gets team: <team>, so routes can match team. The first match wins.',
    ),
  operator: operatorSettings.optional(),
  nodeExporter: nodeExporterSettings.optional(),
  rules: rulesSettings.optional(),
  alertmanager: alertmanagerSettings.optional(),
  logs: logsSettings.optional(),
  podSecurity: podSecuritySettings.optional(),
  serviceMonitors: z.record(dnsSubdomain(), monitorPart).optional().describe('ServiceMonitors by object name.'),
  podMonitors: z.record(dnsSubdomain(), monitorPart).optional().describe('PodMonitors by object name.'),
  networkPolicies: networkPolicySettings.optional(),
};

const clusterName = () =>
  dnsLabel().describe('Cluster name: the "cluster" label on every series and the folder dist/<name>/.');

export const clusterDefaults = z.strictObject(clusterSettings).describe('Settings every cluster shares.');

export const clusterEntry = z
  .strictObject({ name: clusterName(), ...clusterSettings })
  .describe('A monitored cluster; its settings override defaults.');

export const clusterConfigShape = z.strictObject({
  ...clusterSettings,
  name: clusterName(),
  serviceMonitors: z.record(dnsSubdomain(), serviceMonitor).optional(),
  podMonitors: z.record(dnsSubdomain(), podMonitor).optional(),
});

/** kube-state-metrics takes an allow-list or a deny-list, not both (it refuses to start with both). */
export function checkKubeStateMetricsFilter(
  c: {
    cardinality?: { kubeStateMetrics?: { metricAllowlist?: readonly string[]; metricDenylist?: readonly string[] } };
  },
  ctx: z.RefinementCtx,
): void {
  const ksm = c.cardinality?.kubeStateMetrics;
  if (ksm?.metricAllowlist?.length && ksm.metricDenylist?.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['cardinality', 'kubeStateMetrics', 'metricDenylist'],
      input: ksm.metricDenylist,
      message: 'no metricDenylist beside a metricAllowlist: kube-state-metrics takes one of them, not both',
    });
  }
}

/** The workloads that can name a node pool, by settings path. */
const NODE_POOL_USERS = [['prometheus'], ['operator'], ['alertmanager'], ['kubeStateMetrics']] as const;

/** Every `nodePool` a cluster's settings name is one of its `nodePools`. */
export function checkNodePoolReferences(
  c: { nodePools?: Record<string, unknown> } & Record<string, unknown>,
  ctx: z.RefinementCtx,
): void {
  const pools = Object.keys(c.nodePools ?? {});
  for (const path of NODE_POOL_USERS) {
    const settings = c[path[0]] as { nodePool?: string } | undefined;
    const name = typeof settings === 'object' && settings !== null ? settings.nodePool : undefined;
    if (name !== undefined && !pools.includes(name)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'nodePool'],
        input: name,
        message: `a node pool of the cluster (${pools.length > 0 ? pools.join(', ') : 'nodePools is empty'})`,
      });
    }
  }
}

/** The component monitors a cluster turns on exist on its platform (lib/platforms/profiles.ts). */
export function checkComponentsOnPlatform(
  c: { platform?: Platform; kubernetesComponents?: KubernetesComponentsOptions },
  ctx: z.RefinementCtx,
): void {
  for (const [component, message] of componentProblems(c.kubernetesComponents, profileOf(c.platform))) {
    ctx.addIssue({ code: 'custom', path: ['kubernetesComponents', component], input: true, message });
  }
}

/**
 * Every claim names a StorageClass on a platform that has no default one (RKE2, EKS from 1.30, kubeadm): a claim
 * without a class stays Pending there, and so does its pod.
 */
export function checkStorageOnPlatform(
  c: {
    platform?: Platform;
    prometheus?: { storage?: { storageClass?: string } };
    alertmanager?: { storage?: { storageClass?: string } };
  },
  ctx: z.RefinementCtx,
): void {
  for (const path of [
    ['prometheus', 'storage'],
    ['alertmanager', 'storage'],
  ] as const) {
    const problem = storageClassProblem(c[path[0]]?.storage, c.platform);
    if (problem) ctx.addIssue({ code: 'custom', path: [...path, 'storageClass'], input: undefined, message: problem });
  }
}

/** A chart's `source: static` needs a platform whose API server serves a static charts folder (k3s; not RKE2, whose API server is not its supervisor). */
export function checkAirgapOnPlatform(
  c: { platform?: Platform; airgap?: { charts?: { source?: Partial<Record<string, string>> } } },
  ctx: z.RefinementCtx,
  basePath: PropertyKey[] = [],
): void {
  const profile = profileOf(c.platform);
  if (profile.staticChartsFolder !== undefined) return;
  for (const [chart, kind] of Object.entries(c.airgap?.charts?.source ?? {})) {
    if (kind === 'static') {
      ctx.addIssue({
        code: 'custom',
        path: [...basePath, 'airgap', 'charts', 'source', chart],
        input: kind,
        message: `repository or embedded: ${noStaticFolder(profile)}`,
      });
    }
  }
}

/** What a namespace whose default host namespace is too long should be. */
const longHostNamespace = (derived: string) =>
  `a namespace of at most ${NAMESPACE_MAX_LENGTH - 5} characters, or a podSecurity.hostNamespace: the host namespace "${derived}" would have ${derived.length} characters, more than the ${NAMESPACE_MAX_LENGTH} Kubernetes allows`;

/** The settings that decide whether a cluster has a host namespace, and its name. */
interface PodSecurityNamespaceSettings {
  namespace?: string;
  platform?: Platform;
  podSecurity?: { labels?: boolean; level?: string; hostNamespace?: string };
  nodeExporter?: { enabled?: boolean };
  logs?: { enabled?: boolean };
}

/**
 * Whether the cluster gets a host namespace (lib/pod-security.ts resolvePodSecurity): labels on, a level short of
 * privileged, and a pod that needs the host. `shipsLogs`: whether the log agent runs (the inventory's default comes
 * from central.loki, which a cluster's own settings do not show).
 */
export function hasHostNamespace(c: PodSecurityNamespaceSettings, shipsLogs?: boolean): boolean {
  if (c.podSecurity?.labels === false || c.podSecurity?.level === 'privileged') return false;
  const logs = shipsLogs ?? (c.logs !== undefined && c.logs.enabled !== false);
  return (c.nodeExporter?.enabled ?? true) || logs;
}

/**
 * The namespace of the host-access pods is one CMM may create and own: not the monitoring namespace, not one
 * Kubernetes keeps (kube-system...), not the helm-controller's where CMM installs it; and the derived default
 * `<namespace>-host` fits in 63 characters. What needs the whole inventory (Grafana's and ArgoCD's namespaces) is
 * checked by hostNamespaceProblems.
 */
export function checkPodSecurityNamespaces(c: PodSecurityNamespaceSettings, ctx: z.RefinementCtx): void {
  const host = c.podSecurity?.hostNamespace;
  const ns = c.namespace ?? AGENT_DEFAULTS.namespace;
  const at = { code: 'custom' as const, path: ['podSecurity', 'hostNamespace'], input: host };
  if (host === undefined) {
    const derived = defaultHostNamespace(ns);
    if (derived.length > NAMESPACE_MAX_LENGTH && hasHostNamespace(c)) {
      ctx.addIssue({
        code: 'custom',
        path: ['namespace'],
        input: ns,
        message: longHostNamespace(derived),
      });
    }
    return;
  }
  if (host === ns) {
    ctx.addIssue({
      ...at,
      message: `a namespace other than the monitoring namespace "${ns}", which enforces the podSecurity level`,
    });
  } else if ((SYSTEM_NAMESPACES as readonly string[]).includes(host)) {
    ctx.addIssue({
      ...at,
      message: `a namespace of CMM's own, not one Kubernetes keeps (${SYSTEM_NAMESPACES.join(', ')}): CMM would label it privileged and own it`,
    });
  } else {
    const profile = profileOf(c.platform);
    if (profile.helmController === 'install' && host === profile.helmChartNamespace) {
      ctx.addIssue({
        ...at,
        message: `a namespace other than "${profile.helmChartNamespace}", where CMM installs the helm-controller on ${profile.title} (it enforces restricted)`,
      });
    }
  }
}

/**
 * What the whole inventory says against a cluster's host namespace (the namespace its host-access pods run in, given
 * or `<namespace>-host`): in the central cluster, not Grafana's namespace (`central.namespace`: two Namespace
 * objects of one name with different labels); with ArgoCD output, not ArgoCD's namespace. As [path, value, expected].
 */
export function hostNamespaceProblems(
  c: PodSecurityNamespaceSettings & { name: string },
  inv: { central: { cluster: string; namespace?: string }; argocd?: { namespace?: string } },
  shipsLogs: boolean,
): [readonly PropertyKey[], string, string][] {
  if (!hasHostNamespace(c, shipsLogs)) return [];
  const given = c.podSecurity?.hostNamespace;
  const host = given ?? defaultHostNamespace(c.namespace ?? AGENT_DEFAULTS.namespace);
  const path = given !== undefined ? ['podSecurity', 'hostNamespace'] : ['namespace'];
  const value = given ?? c.namespace ?? AGENT_DEFAULTS.namespace;
  // The derived name is reported on namespace, with the way out.
  const expected = (what: string) =>
    given !== undefined
      ? `a host namespace other than ${what}`
      : `a namespace whose host namespace ("${host}", the default <namespace>-host) is not ${what}, or a podSecurity.hostNamespace`;
  const problems: [readonly PropertyKey[], string, string][] = [];
  // The log agent alone (node-exporter off) needs the host namespace too, which the cluster's own check cannot see.
  if (host.length > NAMESPACE_MAX_LENGTH) {
    problems.push([path, value, longHostNamespace(host)]);
  }
  const grafana = inv.central.namespace ?? AGENT_DEFAULTS.namespace;
  if (c.name === inv.central.cluster && host === grafana) {
    problems.push([
      path,
      value,
      expected(`central.namespace "${grafana}", the central Grafana's namespace in this cluster`),
    ]);
  }
  const argocd = inv.argocd ? (inv.argocd.namespace ?? ARGOCD_DEFAULTS.namespace) : undefined;
  if (argocd !== undefined && host === argocd) {
    problems.push([
      path,
      value,
      expected(`ArgoCD's namespace "${argocd}" (argocd.namespace), which CMM would label privileged and own`),
    ]);
  }
  return problems;
}

/** Why a claim needs a StorageClass on a platform, or undefined. */
export function storageClassProblem(storage: { storageClass?: string } | undefined, platform: Platform | undefined) {
  const profile = profileOf(platform);
  if (!storage || storage.storageClass !== undefined || profile.defaultStorageClass !== undefined) return undefined;
  return `a StorageClass of the cluster: ${profile.title} clusters have no default one, so a claim without a class stays Pending`;
}

/** A cluster's complete settings (defaults merged with its entry, disabled monitors removed): ClusterAgent's props. */
export const clusterConfig = clusterConfigShape.superRefine((c, ctx) => {
  checkNodePoolReferences(c, ctx);
  checkKubeStateMetricsFilter(c, ctx);
  checkComponentsOnPlatform(c, ctx);
  checkStorageOnPlatform(c, ctx);
  checkAirgapOnPlatform(c, ctx);
  checkPodSecurityNamespaces(c, ctx);
});

/** The output folder of the ArgoCD Applications, which no cluster may take. */
export const ARGOCD_FOLDER = ARGOCD_DEFAULTS.folder;

/** Names of the dashboards CMM makes itself, which a dashboard file may not take. */
export const FLEET_OVERVIEW_DASHBOARD = 'fleet-overview';
export const LOGS_DASHBOARD_PREFIX = 'logs-';

/**
 * The dashboard name (and ConfigMap suffix) of a dashboard file: the file name without `.json`, lowercase, with
 * every run of other characters than letters and digits replaced by "-" (`My_Team Board.json` → `my-team-board`).
 */
export function dashboardNameOf(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base
    .replace(/\.json$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Why a dashboard file path cannot be used, or undefined: a relative `.json` path inside the inventory's folder. */
function dashboardFileProblem(file: string): string | undefined {
  if (!file.endsWith('.json')) return 'a path to a .json file, relative to the inventory';
  if (/^([\\/]|[A-Za-z]:)/.test(file) || file.split(/[\\/]/).includes('..')) {
    return 'a path inside the inventory\'s folder: relative, without ".."';
  }
  const name = dashboardNameOf(file);
  if (name === '') return 'a file name with at least one letter or digit';
  if (name.length > 200) return 'a file name of at most 200 characters';
  return undefined;
}

const dashboardFile = () =>
  z
    .string()
    .meta({ pattern: '\\.json$' })
    .superRefine((file, ctx) => {
      const problem = dashboardFileProblem(file);
      if (problem) ctx.addIssue({ code: 'custom', input: file, message: problem });
    });

export const grafanaComDashboard = z.strictObject({
  name: dnsSubdomain().describe("File name of the dashboard in Grafana's provisioning folder."),
  id: z.number().int().positive().describe('grafana.com dashboard id.'),
  revision: z.number().int().positive().describe('grafana.com revision (pinned: no "latest").'),
});

const receiverKind = z.enum(['slack', 'teams', 'email']);

export const centralAlerting = z
  .strictObject({
    slack: z
      .strictObject({
        secretName: dnsSubdomain(),
        key: secretKey().optional().describe(defaultIs(GRAFANA_DEFAULTS.alerting.webhookKey)),
      })
      .optional()
      .describe("Slack incoming webhook; the URL stays in the Secret (Grafana's namespace)."),
    teams: z
      .strictObject({
        secretName: dnsSubdomain(),
        key: secretKey().optional().describe(defaultIs(GRAFANA_DEFAULTS.alerting.webhookKey)),
      })
      .optional()
      .describe('Microsoft Teams Workflows webhook; the URL stays in the Secret.'),
    email: z
      .strictObject({
        addresses: z.array(z.email({ error: 'an e-mail address' })).min(1, { error: 'at least one address' }),
        smtp: z.strictObject({
          host: z.string().regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, { error: 'host:port, such as "smtp.example.com:587"' }),
          fromAddress: z.email({ error: 'an e-mail address' }),
          fromName: z
            .string()
            .min(1)
            .superRefine((v, ctx) => {
              const problem = grafanaIniProblem(v);
              if (problem) ctx.addIssue({ code: 'custom', input: v, message: problem });
            })
            .optional()
            .describe(`Sender name. ${defaultIs(GRAFANA_DEFAULTS.alerting.smtp.fromName)}`),
          secretName: dnsSubdomain().describe('Existing Secret with the SMTP user and password.'),
          userKey: secretKey().optional().describe(defaultIs(GRAFANA_DEFAULTS.alerting.smtp.userKey)),
          passwordKey: secretKey().optional().describe(defaultIs(GRAFANA_DEFAULTS.alerting.smtp.passwordKey)),
          startTLSPolicy: z
            .enum(['MandatoryStartTLS', 'OpportunisticStartTLS', 'NoStartTLS'])
            .optional()
            .describe(defaultIs(GRAFANA_DEFAULTS.alerting.smtp.startTLSPolicy)),
        }),
      })
      .optional()
      .describe('E-mail through SMTP; the password stays in the Secret.'),
    criticalReceivers: z.array(receiverKind).min(1).optional().describe('Default: every configured receiver.'),
    warningReceivers: z.array(receiverKind).min(1).optional().describe('Default: slack, else teams, else email.'),
    clusterDownFor: duration().optional().describe(defaultIs(GRAFANA_DEFAULTS.alerting.clusterDownFor)),
  })
  .superRefine((a, ctx) => {
    const have = (['slack', 'teams', 'email'] as const).filter((k) => a[k] !== undefined);
    if (have.length === 0) {
      ctx.addIssue({ code: 'custom', input: a, message: 'at least one receiver: slack, teams or email' });
    }
    for (const field of ['criticalReceivers', 'warningReceivers'] as const) {
      a[field]?.forEach((kind, i) => {
        if (!have.includes(kind)) {
          ctx.addIssue({
            code: 'custom',
            path: [field, i],
            input: kind,
            message: `a configured receiver (${have.join(', ') || 'none is configured'})`,
          });
        }
      });
    }
  })
  .describe('Unified alerting in the central Grafana.');

/** The central Loki's settings, without the checks across them (see {@link checkLokiObjectStorage}). */
export const centralLokiShape = z.strictObject({
  mode: z
    .enum(['monolithic', 'distributed'])
    .optional()
    .describe(`${defaultIs(LOKI_DEFAULTS.mode)} monolithic: one process, filesystem.`),
  clusterDns: z
    .strictObject({
      service: dnsLabel()
        .optional()
        .describe("Default: the platform's: kube-dns, or rke2-coredns-rke2-coredns on RKE2."),
      namespace: dnsLabel().optional().describe("Default: the platform's: kube-system."),
    })
    .optional()
    .describe(
      "The central cluster's DNS Service, which the Loki gateway's nginx resolves names with: kube-dns on k3s, EKS, GKE, AKS, kOps and kubeadm; rke2-coredns-rke2-coredns on RKE2. Default: the platform's: kube-dns in kube-system, or rke2-coredns-rke2-coredns in kube-system on RKE2.",
    ),
  caches: z
    .strictObject({
      chunksMB: z
        .number()
        .int()
        .min(64)
        .max(65536)
        .optional()
        .describe(`Memory of the chunks cache, in MB. ${defaultIs(LOKI_DEFAULTS.caches.chunksMB)}`),
      resultsMB: z
        .number()
        .int()
        .min(32)
        .max(65536)
        .optional()
        .describe(`Memory of the results cache, in MB. ${defaultIs(LOKI_DEFAULTS.caches.resultsMB)}`),
    })
    .optional()
    .describe(
      "The memcached caches of the distributed mode (the chart's default asks for about 11 GiB). Defaults fit a small cluster.",
    ),
  ...scheduling('the Loki pods (a node pool of the central cluster)'),
  resources: resources
    .optional()
    .describe(
      `Requests and limits of the Loki process that holds the unflushed logs: the one process (monolithic) or each ingester (distributed); they replace the default as a whole. With a memory limit, the WAL replay after a restart is capped at 75% of it (ingester.wal.replay_memory_ceiling), so the replay flushes instead of being killed. ${resourcesDefault('loki')}`,
    ),
  componentResources: resources
    .optional()
    .describe(
      `distributed: requests and limits of each other Loki component (distributor, querier, query frontend, query scheduler, index gateway, compactor, ruler). ${resourcesDefault('lokiComponent')}`,
    ),
  gatewayResources: resources
    .optional()
    .describe(`Requests and limits of the gateway's nginx. ${resourcesDefault('lokiGateway')}`),
  sidecarResources: resources
    .optional()
    .describe(
      `Requests and limits of Loki's helpers: the rules sidecar, the gateway's metrics exporter, the memcached exporters. ${resourcesDefault('sidecar')}`,
    ),
  retention: duration()
    .optional()
    .describe(`How long logs are kept. ${defaultIs(LOKI_DEFAULTS.retention)}`),
  storage: storage
    .optional()
    .describe(`The monolithic PVC. Default: ${LOKI_DEFAULTS.storageSize} on the default StorageClass.`),
  objectStorage: z
    .strictObject({
      endpoint: z.string().regex(/^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/, {
        error: 'host or host:port, such as "s3.eu-west-1.amazonaws.com"',
      }),
      region: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, { error: 'a region name such as "eu-west-1"' })
        .optional()
        .describe(`The S3 region. ${defaultIs(LOKI_DEFAULTS.objectStorage.region)}`),
      chunksBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'an S3 bucket name' }),
      rulerBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'an S3 bucket name' }),
      credentialsSecret: dnsSubdomain().describe('Existing Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.'),
      forcePathStyle: z
        .boolean()
        .optional()
        .describe(
          `Path-style bucket URLs (MinIO and most S3-compatible stores). ${defaultIs(LOKI_DEFAULTS.objectStorage.forcePathStyle)}`,
        ),
    })
    .optional()
    .describe('S3-compatible storage; required with mode distributed.'),
  gatewayAuthSecret: dnsSubdomain()
    .optional()
    .describe(`Existing Secret with a .htpasswd key. ${defaultIs(LOKI_DEFAULTS.gatewayAuthSecret)}`),
  ingress: z
    .strictObject({
      host: dnsSubdomain(),
      ingressClassName: dnsSubdomain().optional(),
      tlsSecretName: dnsSubdomain(),
    })
    .optional()
    .describe('Expose the push endpoint to the clusters, with TLS. Default: not exposed.'),
  grafanaCredentialsSecret: dnsSubdomain()
    .optional()
    .describe(
      `Existing Secret in Grafana's namespace with username and password for the gateway. ${defaultIs(LOKI_DEFAULTS.grafanaCredentialsSecret)}`,
    ),
  savedQueries: z
    .record(dnsSubdomain(), z.strictObject({ query: logql(), description: z.string().optional() }))
    .optional()
    .describe("LogQL queries shown on every cluster's logs dashboard ($cluster is the cluster)."),
  alerts: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an alert name such as ControllerErrors' }),
      z.strictObject({
        expr: logql(true).describe(
          'A LogQL metric query, e.g. sum by (cluster) (count_over_time({...} |= "error" [1m])).',
        ),
        threshold: z.number().describe('The alert fires while the query is above this value.'),
        for: duration().optional().describe(defaultIs(GRAFANA_DEFAULTS.logAlerts.for)),
        severity: z
          .enum(['critical', 'warning', 'info'])
          .optional()
          .describe(defaultIs(GRAFANA_DEFAULTS.logAlerts.severity)),
        summary: z.string().min(1).optional().describe('Default: the alert name and threshold.'),
        description: z.string().optional(),
      }),
    )
    .superRefine(namesDistinctInCase)
    .optional()
    .describe(
      'Log alert rules, evaluated by the central Grafana over the Loki datasource. Names must differ in more than letter case.',
    ),
});

/** The distributed mode keeps the logs in object storage, which it needs. */
export function checkLokiObjectStorage(
  l: { readonly mode?: string; readonly objectStorage?: unknown },
  ctx: z.RefinementCtx,
): void {
  if (l.mode === 'distributed' && !l.objectStorage) {
    ctx.addIssue({
      code: 'custom',
      input: l,
      path: ['objectStorage'],
      message: 'objectStorage when mode is distributed',
    });
  }
}

export const centralLoki = centralLokiShape
  .superRefine(checkLokiObjectStorage)
  .describe('The central Loki (grafana-community loki chart).');

/**
 * Log alert names that differ in more than letter case. A log alert's Grafana uid is its lowercased name
 * (`cmm-logs-diskerrors`), unchanged since the first release so no existing rule loses its uid, its state and its
 * history; two names differing only in case would be one rule to Grafana, and two near-identical titles to a person.
 */
function namesDistinctInCase(alerts: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  for (const name of Object.keys(alerts)) {
    const first = seen.get(name.toLowerCase());
    if (first === undefined) {
      seen.set(name.toLowerCase(), name);
      continue;
    }
    ctx.addIssue({
      code: 'custom',
      input: name,
      path: [name],
      message: `a name that differs from "${first}" in more than letter case (a log alert's Grafana uid is its name in lowercase)`,
    });
  }
}

const thanosSize = () => z.string().regex(/^[0-9]+(KB|MB|GB)$/, { error: 'a size such as 512MB or 2GB' });

export const centralThanos = z
  .strictObject({
    objectStorageSecret: z
      .strictObject({
        name: dnsSubdomain().describe('Name of the Secret.'),
        key: secretKey()
          .optional()
          .describe(`Key holding the Thanos objstore YAML. ${defaultIs(THANOS_DEFAULTS.objectStorageKey)}`),
      })
      .describe(
        'Existing Secret with the Thanos object storage configuration (type S3, GCS, AZURE or FILESYSTEM), in the central Thanos namespace and in the agent namespace of every sidecar cluster.',
      ),
    grpcClientTlsSecret: dnsSubdomain()
      .optional()
      .describe(
        `Existing Secret with the central Query's client certificate (tls.crt, tls.key) and the CA of the sidecars' certificates (ca.crt). ${defaultIs(THANOS_DEFAULTS.grpcClientTlsSecret)}`,
      ),
    query: z
      .strictObject({
        replicas: z.number().int().min(1).max(20).optional().describe(defaultIs(THANOS_DEFAULTS.query.replicas)),
        resources: resources
          .optional()
          .describe(
            `Requests and limits of each Query replica; they replace the default as a whole. ${resourcesDefault('thanosQuery')}`,
          ),
      })
      .optional(),
    queryFrontend: z
      .strictObject({
        replicas: z
          .number()
          .int()
          .min(1)
          .max(20)
          .optional()
          .describe(defaultIs(THANOS_DEFAULTS.queryFrontend.replicas)),
        cacheSize: thanosSize()
          .optional()
          .describe(`In-memory results cache of each replica. ${defaultIs(THANOS_DEFAULTS.queryFrontend.cacheSize)}`),
        resources: resources
          .optional()
          .describe(
            `Requests and limits of each Query Frontend replica; they replace the default as a whole. ${resourcesDefault('thanosQueryFrontend')}`,
          ),
      })
      .optional(),
    store: z
      .strictObject({
        replicas: z.number().int().min(1).max(20).optional().describe(defaultIs(THANOS_DEFAULTS.store.replicas)),
        indexCacheSize: thanosSize()
          .optional()
          .describe(`In-memory index cache. ${defaultIs(THANOS_DEFAULTS.store.indexCacheSize)}`),
        storage: storage
          .optional()
          .describe(`Its cache of index headers (safe to lose). ${defaultIs(THANOS_DEFAULTS.store.storageSize)}`),
        resources: resources
          .optional()
          .describe(
            `Requests and limits of each Store Gateway replica; they replace the default as a whole. ${resourcesDefault('thanosStore')}`,
          ),
      })
      .optional(),
    compactor: z
      .strictObject({
        retention: z
          .strictObject({
            raw: duration()
              .optional()
              .describe(`Raw samples. ${defaultIs(THANOS_DEFAULTS.compactor.retention.raw)}`),
            fiveMinutes: duration()
              .optional()
              .describe(`5-minute downsampled data. ${defaultIs(THANOS_DEFAULTS.compactor.retention.fiveMinutes)}`),
            oneHour: duration()
              .optional()
              .describe(`1-hour downsampled data. ${defaultIs(THANOS_DEFAULTS.compactor.retention.oneHour)}`),
          })
          .optional()
          .describe('How long the bucket keeps each resolution.'),
        downsampling: z.boolean().optional().describe(defaultIs(THANOS_DEFAULTS.compactor.downsampling)),
        storage: storage.optional().describe(`Its work space. ${defaultIs(THANOS_DEFAULTS.compactor.storageSize)}`),
        resources: resources
          .optional()
          .describe(
            `Requests and limits of the Compactor; they replace the default as a whole. ${resourcesDefault('thanosCompactor')}`,
          ),
      })
      .optional(),
    receive: z
      .strictObject({
        replicas: z.number().int().min(1).max(20).optional().describe(defaultIs(THANOS_DEFAULTS.receive.replicas)),
        replicationFactor: z
          .number()
          .int()
          .min(1)
          .max(5)
          .optional()
          .describe(
            `Copies of each sample across replicas (odd, at most replicas). ${defaultIs(THANOS_DEFAULTS.receive.replicationFactor)}`,
          ),
        retention: duration()
          .optional()
          .describe(
            `How long each replica keeps samples locally after upload. ${defaultIs(THANOS_DEFAULTS.receive.retention)}`,
          ),
        storage: storage.optional().describe(defaultIs(THANOS_DEFAULTS.receive.storageSize)),
        resources: resources
          .optional()
          .describe(
            `Requests and limits of each Receive replica; they replace the default as a whole. ${resourcesDefault('thanosReceive')}`,
          ),
        ingress: z
          .strictObject(basicAuthIngressFields('the push endpoint', 'htpasswd lines, one per pushing cluster'))
          .optional()
          .describe(
            'Where the remote-write clusters push, with TLS and basic authentication (required when one does).',
          ),
      })
      .optional()
      .describe(
        'Thanos Receive, for clusters that push with remote write. Default: present only when a cluster pushes.',
      ),
    clusterDatasources: z
      .boolean()
      .optional()
      .describe(
        'Also one Grafana datasource per cluster whose Prometheus is exposed (prometheus.exposure). Default: false.',
      ),
    ...scheduling('the Thanos pods (a node pool of the central cluster)'),
  })
  .describe('The central Thanos: Query, Query Frontend, Store Gateway, Compactor, and Receive when a cluster pushes.');

export const central = z
  .strictObject({
    cluster: dnsLabel().describe('Name of the central cluster (the folder dist/<cluster>/).'),
    platform: z
      .enum(PLATFORMS, { error: `a platform CMM knows: ${PLATFORMS.join(', ')}` })
      .optional()
      .describe("The central cluster's platform. Default: its clusters[] entry's, else k3s."),
    namespace: dnsLabel()
      .optional()
      .describe(`Namespace of Grafana. ${defaultIs(AGENT_DEFAULTS.namespace)}`),
    kubePrometheusStackVersion: clusterSettings.kubePrometheusStackVersion,
    kubePrometheusStackRepo: clusterSettings.kubePrometheusStackRepo,
    adminSecret: secretRef
      .optional()
      .describe(`Existing Secret with keys admin-user and admin-password. ${defaultIs(GRAFANA_DEFAULTS.adminSecret)}`),
    persistence: z
      .union([z.literal(false), storage])
      .optional()
      .describe(
        `Grafana's PVC, or false for none. Default: ${GRAFANA_DEFAULTS.persistenceSize} on the default StorageClass.`,
      ),
    ingress: z
      .strictObject({
        host: dnsSubdomain(),
        ingressClassName: dnsSubdomain().optional(),
        tlsSecretName: dnsSubdomain().describe('Existing kubernetes.io/tls Secret for host.'),
      })
      .optional()
      .describe('Expose Grafana through an Ingress with TLS. Default: not exposed.'),
    ...scheduling('the Grafana pod (a node pool of the central cluster)'),
    resources: resources
      .optional()
      .describe(
        `Requests and limits of the Grafana container (its memory grows with users, dashboards and alert rules); they replace the default as a whole. ${resourcesDefault('grafana')}`,
      ),
    sidecarResources: resources
      .optional()
      .describe(
        `Requests and limits of Grafana's dashboard and datasource sidecars and of the grafana.com dashboard download; they replace the default as a whole. ${resourcesDefault('sidecar')}`,
      ),
    metrics: z
      .enum(['direct', 'thanos'])
      .optional()
      .describe(
        "direct: Grafana queries each cluster's Prometheus (one datasource each); thanos: one global view through the central Thanos Query (see thanos). Default: direct.",
      ),
    thanos: centralThanos.optional(),
    alerting: centralAlerting.optional(),
    loki: centralLoki.optional(),
    karma: z
      .strictObject({
        ingress: z
          .strictObject(basicAuthIngressFields('Karma', 'htpasswd lines of the people who may see and silence alerts'))
          .describe('Karma is reached only through this Ingress, with TLS and basic authentication.'),
        grafana: z
          .strictObject({
            credentialsSecret: dnsSubdomain()
              .optional()
              .describe(
                `Existing Secret with keys "username" and "password" of a Grafana user (Editor, to silence). ${defaultIs(GRAFANA_DEFAULTS.karmaCredentialsSecret)}`,
              ),
          })
          .optional()
          .describe("Also show the central Grafana's alerts (its built-in Alertmanager). Default: off."),
        resources: resources
          .optional()
          .describe(
            `Requests and limits of the Karma container, each one given replacing its default (a memory limit is always set). ${resourcesDefault('karma')}`,
          ),
        ...scheduling('the Karma pod'),
      })
      .optional()
      .describe(
        "Karma at the centre: one view of every cluster's Alertmanager (each exposed with alertmanager.exposure, the central cluster's in the cluster), grouped by cluster, silences sent to the right Alertmanager.",
      ),
    dashboards: z
      .strictObject({
        files: z
          .array(dashboardFile())
          .optional()
          .describe(
            'Dashboard JSON files kept in the repository, relative to the inventory file and inside its folder. Each becomes the dashboard (and ConfigMap) named after the file: lowercase, other characters than letters, digits and "-" replaced by "-".',
          ),
        grafanaCom: z.array(grafanaComDashboard).optional().describe('Dashboards from grafana.com by id and revision.'),
        vendored: z
          .boolean()
          .optional()
          .describe(
            'Provision the grafanaCom dashboards from the repository: dashboards/vendor/grafana-com-<id>-r<revision>.json beside the inventory, fetched once with npm run vendor-dashboards (which needs the network); a missing file is an error. Default: false: the Grafana pod downloads them from grafana.com when it starts (it needs egress).',
          ),
      })
      .superRefine((d, ctx) => {
        const seen = new Map<string, number>();
        d.files?.forEach((file, i) => {
          if (dashboardFileProblem(file)) return; // reported on its own
          const name = dashboardNameOf(file);
          const first = seen.get(name.toLowerCase());
          if (first !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['files', i],
              input: file,
              message: `a file whose dashboard name differs from the others (files[${first}] gives the same name, "${name}")`,
            });
          } else if (name === FLEET_OVERVIEW_DASHBOARD || name.startsWith(LOGS_DASHBOARD_PREFIX)) {
            ctx.addIssue({
              code: 'custom',
              path: ['files', i],
              input: file,
              message: `a file name other than CMM's own dashboards ("${FLEET_OVERVIEW_DASHBOARD}", "${LOGS_DASHBOARD_PREFIX}<cluster>")`,
            });
          } else {
            seen.set(name, i);
          }
        });
      })
      .optional(),
  })
  .describe('The central cluster: Grafana with a datasource per cluster.');

/**
 * A Git repository URL without credentials: `https://host/path`, or SSH (`git@host:path`, `ssh://git@host/path`,
 * where the user is part of the syntax, not a credential).
 */
const gitRepo = () =>
  z.string().superRefine((v, ctx) => {
    if (
      /^(ssh:\/\/[A-Za-z0-9._-]+@[A-Za-z0-9.-]+(:[0-9]+)?\/|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)[A-Za-z0-9._~/-]+$/.test(v)
    )
      return;
    const problem = urlProblem(v, "ArgoCD takes a repository's credentials from its own repository Secrets");
    if (!problem) return;
    ctx.addIssue({
      code: 'custom',
      input: problem.input,
      message:
        problem.message === EXPECT.url
          ? 'a Git repository URL: https://host/path, git@host:path or ssh://git@host/path'
          : problem.message,
    });
  });

export const argocdSettings = z
  .strictObject({
    repoURL: gitRepo().describe('The Git repository that holds the output folder.'),
    targetRevision: z
      .string()
      .regex(/^[A-Za-z0-9._/-]+$/, { error: 'a branch, tag or commit' })
      .optional()
      .describe(`The branch, tag or commit. ${defaultIs(ARGOCD_DEFAULTS.targetRevision)}`),
    path: z
      .string()
      .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/, { error: 'a relative path in the repository' })
      .optional()
      .describe(`The output folder in the repository. ${defaultIs(ARGOCD_DEFAULTS.path)}`),
    project: dnsSubdomain()
      .optional()
      .describe(`The ArgoCD project. ${defaultIs(ARGOCD_DEFAULTS.project)}`),
    namespace: dnsLabel()
      .optional()
      .describe(`ArgoCD's namespace. ${defaultIs(ARGOCD_DEFAULTS.namespace)}`),
    automated: z
      .boolean()
      .optional()
      .describe(
        `Sync automatically, pruning what left the folder and undoing changes by hand. ${defaultIs(ARGOCD_DEFAULTS.automated)}`,
      ),
    destinations: z
      .record(
        dnsLabel(),
        z.union([
          z.strictObject({ name: z.string().min(1).describe('An ArgoCD cluster name.') }),
          z.strictObject({ server: url().describe("The cluster's API server URL, as registered in ArgoCD.") }),
        ]),
      )
      .optional()
      .describe('Per cluster, where ArgoCD deploys it. Default: the ArgoCD cluster of the same name.'),
  })
  .describe('ArgoCD Applications (dist/argocd/), one per cluster.');

export const inventory = z
  .strictObject({
    $schema: z.string().optional().describe('Path of the JSON Schema, for editors.'),
    central: central,
    defaults: clusterDefaults.optional(),
    clusters: z.array(clusterEntry).min(1, { error: 'at least one cluster' }),
    argocd: argocdSettings.optional(),
  })
  .superRefine((inv, ctx) => {
    if (inv.central.loki?.alerts && Object.keys(inv.central.loki.alerts).length > 0 && !inv.central.alerting) {
      ctx.addIssue({
        code: 'custom',
        path: ['central', 'loki', 'alerts'],
        input: Object.keys(inv.central.loki.alerts),
        message: 'central.alerting to be configured: log alerts are delivered through Grafana alerting',
      });
    }
    const seen = new Map<string, number>();
    if (inv.argocd) {
      inv.clusters.forEach((c, i) => {
        if (c.name === ARGOCD_FOLDER) {
          ctx.addIssue({
            code: 'custom',
            path: ['clusters', i, 'name'],
            input: c.name,
            message: `a name other than ${ARGOCD_FOLDER}, the folder of the ArgoCD Applications`,
          });
        }
      });
      for (const name of Object.keys(inv.argocd.destinations ?? {})) {
        if (!inv.clusters.some((c) => c.name === name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['argocd', 'destinations', name],
            input: name,
            message: `a cluster of clusters[] (${inv.clusters.map((c) => c.name).join(', ')})`,
          });
        }
      }
    }
    inv.clusters.forEach((c, i) => {
      const first = seen.get(c.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', i, 'name'],
          input: c.name,
          message: `a name not used before (clusters[${first}] is already named "${c.name}")`,
        });
      } else {
        seen.set(c.name, i);
      }
    });
  })
  .describe('CMM inventory: the central cluster and every monitored cluster.');

export type Inventory = z.infer<typeof inventory>;
export type ClusterConfig = z.infer<typeof clusterConfig>;
export type ClusterDefaults = z.infer<typeof clusterDefaults>;
