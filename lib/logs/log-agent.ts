import { Construct } from 'constructs';
import { HelmRelease } from '../helm/helm-release';
import { helmTplLiteral } from '../output/escape';
import { ALLOY, chartWith } from '../versions';
import { alloyImageValues, type AirgapOptions, type ChartArchiveReader } from '../airgap/airgap';
import { defaultResources } from '../resource-defaults';
import type { Resources } from '../agent/props';
import { everyNodeTolerations, type NodePoolOptions, type Toleration } from '../scheduling';
import { helmChartPlacement } from '../platforms/helm-controller';
import { profileOf, type PlatformProfile } from '../platforms/profiles';
import { AlloyExpr, env, ref, renderAlloyConfig, type AlloyBlock, type AlloyValue } from './alloy-config';
import { validate } from '../inventory/errors';
import { chartArchiveProp, isPrevalidated, lokiEndpoint, markPrevalidated, namespaceProp } from '../inventory/props';
import { airgapSettings, clusterConfigShape, logsSettings } from '../inventory/schema';
import * as z from 'zod';
import { AGENT_DEFAULTS } from '../agent/agent-defaults';

/** Where a cluster's logs go: the central Loki's push endpoint. */
export interface LokiEndpoint {
  /** e.g. `https://loki.example.com/loki/api/v1/push`. */
  readonly pushUrl: string;
  /** Loki tenant of this cluster (`X-Scope-OrgID`), when the central Loki has one per cluster. @default - none */
  readonly tenantId?: string;
}

/** Log shipping from one cluster. */
export interface LogShippingOptions {
  /** @default true when the fleet has a central Loki */
  readonly enabled?: boolean;
  /**
   * Existing Secret in the log agent's namespace (`LogAgentProps.podNamespace`) with the push credentials, keys
   * `username` and `password`.
   * @default 'loki-push-credentials'
   */
  readonly credentialsSecret?: string;
  /** Also ship Kubernetes events (one extra Alloy, a single-replica Deployment). @default false */
  readonly events?: boolean;
  /** Also ship each node's systemd journal. @default false */
  readonly journal?: boolean;
  /** @default - CMM's requests and memory limit (lib/resource-defaults.ts); replaced as a whole */
  readonly resources?: Resources;
  /** More tolerations of the DaemonSet (it tolerates every node pool's taints). @default - none */
  readonly tolerations?: readonly Toleration[];
}

export interface LogAgentProps extends LogShippingOptions {
  /** The cluster's node pools: the DaemonSet runs on every node, so it tolerates their taints. @default - none */
  readonly nodePools?: Readonly<Record<string, NodePoolOptions>>;
  /** The cluster's platform (where the HelmCharts go). @default - k3s */
  readonly profile?: PlatformProfile;
  readonly clusterName: string;
  /** The namespace of the Helm releases (where the HelmCharts install, and Helm keeps the releases). */
  readonly namespace: string;
  /**
   * The namespace the Alloys run in (the chart's `namespaceOverride`), with the push credentials' Secret: the
   * cluster's namespace for host-access pods, which enforces Pod Security level privileged.
   * @default - `namespace`
   */
  readonly podNamespace?: string;
  readonly endpoint: LokiEndpoint;
  /** Where the alloy chart and images come from (air-gapped clusters). @default - upstream */
  readonly airgap?: AirgapOptions;
  /** The archives of `--charts DIR`, for `airgap.charts.source.alloy: embedded`. @default - none */
  readonly chartArchive?: ChartArchiveReader;
}

/** The props' schema: the inventory's `logs` settings, and what the cluster's agent hands on. */
export const LOG_AGENT_PROPS = logsSettings.extend({
  clusterName: clusterConfigShape.shape.name,
  namespace: namespaceProp,
  podNamespace: namespaceProp.optional(),
  endpoint: lokiEndpoint,
  nodePools: clusterConfigShape.shape.nodePools,
  profile: z
    .custom<PlatformProfile>(
      (v) => typeof v === 'object' && v !== null && typeof (v as PlatformProfile).name === 'string',
      {
        error: "a platform's facts (profileOf(platform))",
      },
    )
    .optional(),
  airgap: airgapSettings.optional(),
  chartArchive: chartArchiveProp,
});

export const ALLOY_RELEASE_NAME = 'cmm-alloy';

/** The Alloy container as the image's user `alloy` (uid and gid 473), Pod Security restricted. */
export const ALLOY_NON_ROOT = {
  runAsNonRoot: true,
  runAsUser: 473,
  runAsGroup: 473,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
export const ALLOY_EVENTS_RELEASE_NAME = 'cmm-alloy-events';
export const NODE_NAME_ENV = 'CMM_NODE_NAME';
export const LOKI_USERNAME_ENV = 'CMM_LOKI_USERNAME';
export const LOKI_PASSWORD_ENV = 'CMM_LOKI_PASSWORD';

const WRITE = ['loki.write', 'central'] as const;
const toCentral = (): AlloyValue => [ref(WRITE[0], WRITE[1], 'receiver')];

/** `loki.write "central"`: the push endpoint, its credentials from the environment, and the `cluster` label. */
export function lokiWrite(clusterName: string, endpoint: LokiEndpoint): AlloyBlock & { comment: string } {
  return {
    comment: `The central Loki. Every stream carries cluster="${clusterName}".`,
    name: WRITE[0],
    label: WRITE[1],
    blocks: [
      {
        name: 'endpoint',
        attributes: [
          ['url', endpoint.pushUrl],
          ...(endpoint.tenantId ? ([['tenant_id', endpoint.tenantId]] as const) : []),
        ],
        blocks: [
          {
            name: 'basic_auth',
            attributes: [
              ['username', env(LOKI_USERNAME_ENV)],
              ['password', env(LOKI_PASSWORD_ENV)],
            ],
          },
        ],
      },
    ],
    attributes: [['external_labels', { cluster: clusterName }]],
  };
}

const relabel = (source: string[], target: string, extra: [string, AlloyValue][] = []): AlloyBlock => ({
  name: 'rule',
  attributes: [['source_labels', source], ...extra, ['target_label', target]],
});

/** The DaemonSet's pipeline: every container log file on the node, and optionally the node's journal. */
export function podLogsConfig(clusterName: string, endpoint: LokiEndpoint, journal: boolean): string {
  const components: (AlloyBlock & { comment?: string })[] = [
    {
      comment: 'Pods on this node (one Alloy runs on every node).',
      name: 'discovery.kubernetes',
      label: 'pods',
      attributes: [['role', 'pod']],
      blocks: [
        {
          name: 'selectors',
          attributes: [
            ['role', 'pod'],
            // Only this node's pods: the node name comes from the downward API.
            ['field', new AlloyExpr(`"spec.nodeName=" + ${env(NODE_NAME_ENV).text}`)],
          ],
        },
      ],
    },
    {
      comment: 'Labels every stream carries: namespace, pod, container, node; and the file to read.',
      name: 'discovery.relabel',
      label: 'pod_logs',
      attributes: [['targets', ref('discovery.kubernetes', 'pods', 'targets')]],
      blocks: [
        relabel(['__meta_kubernetes_namespace'], 'namespace'),
        relabel(['__meta_kubernetes_pod_name'], 'pod'),
        relabel(['__meta_kubernetes_pod_container_name'], 'container'),
        relabel(['__meta_kubernetes_pod_node_name'], 'node'),
        relabel(['__meta_kubernetes_pod_uid', '__meta_kubernetes_pod_container_name'], '__path__', [
          ['separator', '/'],
          ['replacement', '/var/log/pods/*$1/*.log'],
        ]),
      ],
    },
    {
      name: 'local.file_match',
      label: 'pod_logs',
      attributes: [['path_targets', ref('discovery.relabel', 'pod_logs', 'output')]],
    },
    {
      name: 'loki.source.file',
      label: 'pod_logs',
      attributes: [
        ['targets', ref('local.file_match', 'pod_logs', 'targets')],
        ['forward_to', [ref('loki.process', 'pod_logs', 'receiver')]],
      ],
    },
    {
      comment: 'Container runtime (CRI) log lines: timestamp, stream and partial lines.',
      name: 'loki.process',
      label: 'pod_logs',
      attributes: [['forward_to', toCentral()]],
      blocks: [{ name: 'stage.cri' }],
    },
  ];
  if (journal) {
    components.push(
      {
        comment: "The node's systemd journal, labelled by unit and node.",
        name: 'loki.relabel',
        label: 'journal',
        attributes: [['forward_to', []]],
        blocks: [relabel(['__journal__systemd_unit'], 'unit'), relabel(['__journal__hostname'], 'node')],
      },
      {
        name: 'loki.source.journal',
        label: 'journal',
        attributes: [
          ['path', '/var/log/journal'],
          ['relabel_rules', ref('loki.relabel', 'journal', 'rules')],
          ['labels', { job: 'node/journal' }],
          ['forward_to', toCentral()],
        ],
      },
    );
  }
  components.push(lokiWrite(clusterName, endpoint));
  return renderAlloyConfig(components);
}

/** The events pipeline (a single Alloy, so each event is shipped once). */
export function eventsConfig(clusterName: string, endpoint: LokiEndpoint): string {
  return renderAlloyConfig([
    {
      comment: 'Kubernetes events of every namespace, as logfmt lines.',
      name: 'loki.source.kubernetes_events',
      label: 'events',
      attributes: [
        ['job_name', 'kubernetes/events'],
        ['log_format', 'logfmt'],
        ['forward_to', toCentral()],
      ],
    },
    lokiWrite(clusterName, endpoint),
  ]);
}

/**
 * Grafana Alloy on a monitored cluster, installed by HelmCharts: a DaemonSet shipping every pod's logs (and
 * optionally the node journal) to the central Loki, and optionally a single Alloy for Kubernetes events. The push
 * credentials come from an existing Secret through the environment; the config holds none.
 */
export class LogAgent extends Construct {
  public readonly release: HelmRelease;
  public readonly eventsRelease?: HelmRelease;
  /** The DaemonSet's Alloy configuration. */
  public readonly config: string;

  constructor(scope: Construct, id: string, props: LogAgentProps) {
    super(scope, id);
    // Props built from validated props (ClusterAgent's, Fleet's inventory) were checked against the same schema.
    if (!isPrevalidated(props)) {
      validate(LOG_AGENT_PROPS, props, `LogAgent "${props.clusterName}"`, { prefix: 'props.' });
    }
    const secret = props.credentialsSecret ?? AGENT_DEFAULTS.logs.credentialsSecret;
    const credentials = [
      { name: LOKI_USERNAME_ENV, valueFrom: { secretKeyRef: { name: secret, key: 'username' } } },
      { name: LOKI_PASSWORD_ENV, valueFrom: { secretKeyRef: { name: secret, key: 'password' } } },
    ];
    this.config = podLogsConfig(props.clusterName, props.endpoint, props.journal ?? false);
    const tolerations = everyNodeTolerations(props.nodePools, props.tolerations);
    const alloy: Record<string, unknown> = {
      // The alloy chart passes the configuration through Helm's tpl.
      configMap: { create: true, content: helmTplLiteral(this.config) },
      // /var/log holds /var/log/pods (container logs) and /var/log/journal.
      mounts: { varlog: true },
      // Root (the image's user) reads the node's log files, owned by root; nothing more is needed.
      securityContext: { allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' } },
      extraEnv: [{ name: NODE_NAME_ENV, valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }, ...credentials],
    };
    alloy.resources = props.resources ? { ...props.resources } : defaultResources('alloy');
    const namespaceOverride =
      props.podNamespace && props.podNamespace !== props.namespace ? { namespaceOverride: props.podNamespace } : {};
    const profile = props.profile ?? profileOf(undefined);
    const images = props.airgap?.images;
    const source = {
      charts: props.airgap?.charts,
      archive: props.chartArchive,
      cluster: props.clusterName,
      platform: profile,
    };
    this.release = new HelmRelease(
      this,
      'Alloy',
      markPrevalidated({
        chart: chartWith(ALLOY, {}),
        releaseName: ALLOY_RELEASE_NAME,
        targetNamespace: props.namespace,
        ...helmChartPlacement(this, profile, images),
        airgap: source,
        values: {
          ...alloyImageValues(images),
          fullnameOverride: ALLOY_RELEASE_NAME,
          ...namespaceOverride,
          // The PodLogs CRD is not used: discovery is in the configuration.
          crds: { create: false },
          controller: { type: 'daemonset', ...(tolerations.length > 0 ? { tolerations } : {}) },
          alloy,
          configReloader: { resources: defaultResources('configReloader') },
        },
      }),
    );
    if (props.events) {
      this.eventsRelease = new HelmRelease(
        this,
        'AlloyEvents',
        markPrevalidated({
          chart: chartWith(ALLOY, {}),
          releaseName: ALLOY_EVENTS_RELEASE_NAME,
          targetNamespace: props.namespace,
          ...helmChartPlacement(this, profile, images),
          airgap: source,
          values: {
            ...alloyImageValues(images),
            fullnameOverride: ALLOY_EVENTS_RELEASE_NAME,
            ...namespaceOverride,
            crds: { create: false },
            controller: { type: 'deployment', replicas: 1 },
            configReloader: { resources: defaultResources('configReloader') },
            alloy: {
              configMap: { create: true, content: helmTplLiteral(eventsConfig(props.clusterName, props.endpoint)) },
              extraEnv: credentials,
              // It reads the API only: Pod Security restricted, as the image's own user alloy (473).
              securityContext: ALLOY_NON_ROOT,
              resources: props.resources ? { ...props.resources } : defaultResources('alloy'),
            },
          },
        }),
      );
    }
  }
}
