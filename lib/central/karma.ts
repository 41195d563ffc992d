import { ApiObject } from 'cdk8s';
import * as z from 'zod';
import { invalid, validate } from '../inventory/errors';
import { isPrevalidated, namespaceProp } from '../inventory/props';
import { airgapSettings, central, clusterConfigShape, objectName, url } from '../inventory/schema';
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import type { Resources } from '../agent/props';
import { applyStage, Stage } from '../output/stages';
import { basicAuthAnnotations, basicAuthMiddleware, type BasicAuthIngress } from '../ingress-auth';
import { toYaml } from '../output/yaml';
import { podScheduling, type NodePoolOptions, type SchedulingOptions } from '../scheduling';
import { BUSYBOX_TAG, KARMA_IMAGE } from '../versions';
import { imagePullSecrets, mirroredImage, type AirgapImageOptions } from '../airgap/airgap';
import { KubeConfigMap } from '../k8s';
import { resourceRequirements } from '../quantities';
import { RESOURCE_DEFAULTS } from '../resource-defaults';

const KARMA_RESOURCES = RESOURCE_DEFAULTS.karma.resources;

/** An Alertmanager Karma reads: its name (the cluster's), where, and the Secret with its basic-auth credentials. */
export interface KarmaAlertmanager {
  /** Shown as `@alertmanager=<name>`: the cluster's name. */
  readonly name: string;
  /** The Alertmanager's base URL: `https://<host>` behind its Ingress, or the in-cluster Service. */
  readonly uri: string;
  /** Existing Secret (Karma's namespace) with `username` and `password`. @default - no authentication */
  readonly credentialsSecret?: string;
  /** Where a browser opens it (links to silences). @default - its `uri` */
  readonly externalUri?: string;
}

export interface KarmaProps extends SchedulingOptions {
  readonly namespace: string;
  /** The central cluster's name (in the errors about these props). @default - the errors name only the construct */
  readonly cluster?: string;
  readonly alertmanagers: readonly KarmaAlertmanager[];
  /** Karma's only way in: an Ingress with TLS and basic auth (htpasswd Secret). */
  readonly ingress: {
    readonly host: string;
    /** @default - the cluster's default class */
    readonly ingressClassName?: string;
    /** The ingress controller that enforces basic auth (`Fleet` sets the platform's when the inventory has none). */
    readonly controller: 'traefik' | 'nginx';
    readonly tlsSecretName: string;
    readonly basicAuthSecretName: string;
  };
  /**
   * Requests and limits of the Karma container, each one given replacing its default (a memory limit is always set).
   * @default { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } }
   */
  readonly resources?: Resources;
  /** The central cluster's node pools (for `nodePool`). @default - none: a `nodePool` setting is an error */
  readonly nodePools?: Readonly<Record<string, NodePoolOptions>>;
  /** The central cluster's image mirror and pull Secrets. @default - see its fields (each image's own registry, no pull Secrets) */
  readonly images?: AirgapImageOptions;
}

const KARMA_SETTINGS = central.shape.karma.unwrap();

/**
 * The props' schema: the inventory's `central.karma` (less `grafana`, which the fleet turns into an Alertmanager),
 * and what the fleet hands on: the Alertmanagers, the ingress controller (required), the node pools and images.
 */
export const KARMA_PROPS = KARMA_SETTINGS.omit({ grafana: true }).extend({
  namespace: namespaceProp,
  cluster: central.shape.cluster
    .optional()
    .describe(
      "The central cluster's name, in the errors about these props. Default: the errors name only the construct.",
    ),
  alertmanagers: z.array(
    z.strictObject({
      name: objectName,
      uri: url('the credentials come from credentialsSecret'),
      credentialsSecret: objectName.optional(),
      externalUri: url().optional().describe('Where a browser opens it (links to silences). Default: its uri.'),
    }),
  ),
  ingress: KARMA_SETTINGS.shape.ingress.extend({ controller: z.enum(['traefik', 'nginx']) }),
  nodePools: clusterConfigShape.shape.nodePools,
  images: airgapSettings.shape.images,
});

export const KARMA_NAME = 'cmm-karma';
const PORT = 8080;
const TEMPLATE_DIR = '/etc/karma/template';
const CONFIG_DIR = '/etc/karma/config';
/** The placeholder of the i-th Alertmanager's `Authorization` header value in the configuration template. */
const placeholder = (i: number) => `__CMM_AUTH_${i}__`;

/**
 * Karma at the centre (prymitive/karma): one view of the alerts of every cluster's Alertmanager, a grid per
 * `cluster`, silences created in Karma sent to the right Alertmanager through Karma (`proxy: true`, so no
 * credential reaches the browser). Karma reads no credential from the environment or a file, so its configuration
 * is a template whose `Authorization` headers are filled in by an init container from the Secrets, into memory;
 * nothing secret is in a manifest. Reached only through an Ingress with TLS and basic authentication.
 */
export class Karma extends Construct {
  /** The configuration template (placeholders for the credentials). */
  public readonly configTemplate: string;
  /** The init container's script that fills in the credentials. */
  public readonly renderScript: string;

  constructor(scope: Construct, id: string, props: KarmaProps) {
    super(scope, id);
    // Without a cluster in the props, the errors name the construct alone.
    const subject = props.cluster === undefined ? 'Karma' : `Karma "${props.cluster}"`;
    if (!isPrevalidated(props)) validate(KARMA_PROPS, props, subject, { prefix: 'props.' });
    const ns = props.namespace;
    const labels = { 'app.kubernetes.io/name': KARMA_NAME, 'app.kubernetes.io/managed-by': 'cmm' };
    const selector = { 'app.kubernetes.io/name': KARMA_NAME };
    const names = new Set<string>();
    props.alertmanagers.forEach((am, i) => {
      if (names.has(am.name))
        throw invalid(subject, `props.alertmanagers[${i}].name`, am.name, 'a name no other Alertmanager has');
      names.add(am.name);
    });
    const authed = props.alertmanagers.map((am, i) => ({ ...am, i })).filter((am) => am.credentialsSecret);
    this.configTemplate = toYaml({
      alertmanager: {
        interval: '1m',
        servers: props.alertmanagers.map((am, i) => ({
          name: am.name,
          uri: am.uri,
          timeout: '40s',
          // Silences go through Karma, which adds the credentials; the browser never sees them.
          proxy: true,
          ...(am.externalUri ? { external_uri: am.externalUri } : {}),
          ...(am.credentialsSecret ? { headers: { Authorization: `Basic ${placeholder(i)}` } } : {}),
        })),
      },
      // The Watchdog (to the heartbeat) and info alerts (to nobody) are not for people.
      receivers: { strip: ['null', 'heartbeat'] },
      // Alert history would query each alert's Prometheus, which the centre cannot reach.
      history: { enabled: false },
      filters: { default: ['@state=active'] },
      ui: { multiGridLabel: 'cluster' },
      listen: { address: '0.0.0.0', port: PORT },
    });
    const out = `${CONFIG_DIR}/karma.yaml`;
    this.renderScript = [
      'set -eu',
      `cp ${TEMPLATE_DIR}/karma.yaml ${out}.new`,
      ...authed.flatMap((am) => [
        // Without line ends: a Secret made from a file often ends in one, which Alertmanager's readers trim too.
        `u=$(printf '%s' "$CMM_AUTH_${am.i}_USERNAME" | tr -d '\\r\\n')`,
        `p=$(printf '%s' "$CMM_AUTH_${am.i}_PASSWORD" | tr -d '\\r\\n')`,
        `v=$(printf '%s:%s' "$u" "$p" | base64 | tr -d '\\n')`,
        // base64 has no "|": a safe sed delimiter.
        `sed -i "s|${placeholder(am.i)}|$v|" ${out}.new`,
      ]),
      `mv ${out}.new ${out}`,
      '',
    ].join('\n');

    // Plain objects, not cdk8s-plus: the bundled example has Karma, and cdk8s-plus costs every synth its start-up.
    const template = new KubeConfigMap(this, 'Template', {
      metadata: { name: `${KARMA_NAME}-config-template`, namespace: ns, labels },
      data: { 'karma.yaml': this.configTemplate },
      immutable: false,
    });
    applyStage(template, Stage.SETUP);

    const scheduling = podScheduling(props, props.nodePools ?? {}, { subject, path: 'props' });
    const secure = {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 65532,
      runAsNonRoot: true,
      runAsUser: 65532,
    };
    const probe = (periodSeconds: number) => ({
      failureThreshold: 3,
      httpGet: { path: '/health', port: PORT, scheme: 'HTTP' },
      periodSeconds,
    });
    const deployment = new ApiObject(this, 'Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: KARMA_NAME, namespace: ns, labels },
      spec: {
        minReadySeconds: 0,
        progressDeadlineSeconds: 600,
        replicas: 1,
        selector: { matchLabels: selector },
        strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
        template: {
          metadata: {
            // A new configuration rolls the pod (a Secret's new value needs `kubectl rollout restart`).
            annotations: { 'checksum/config': createHash('sha256').update(this.configTemplate).digest('hex') },
            labels,
          },
          spec: {
            automountServiceAccountToken: false,
            ...(imagePullSecrets(props.images) ? { imagePullSecrets: imagePullSecrets(props.images) } : {}),
            initContainers: [
              {
                name: 'render-config',
                image: mirroredImage(`busybox:${BUSYBOX_TAG}`, props.images?.registry),
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', this.renderScript],
                env: authed.flatMap((am) =>
                  (['username', 'password'] as const).map((key) => ({
                    name: `CMM_AUTH_${am.i}_${key.toUpperCase()}`,
                    valueFrom: { secretKeyRef: { key, name: am.credentialsSecret, optional: false } },
                  })),
                ),
                resources: resourceRequirements({
                  requests: { cpu: '10m', memory: '16Mi' },
                  limits: { memory: '32Mi' },
                }),
                securityContext: secure,
                volumeMounts: [
                  { mountPath: TEMPLATE_DIR, name: 'template', readOnly: true },
                  { mountPath: CONFIG_DIR, name: 'config' },
                ],
              },
            ],
            containers: [
              {
                env: [{ name: 'CONFIG_FILE', value: out }],
                image: mirroredImage(KARMA_IMAGE, props.images?.registry),
                imagePullPolicy: 'IfNotPresent',
                livenessProbe: probe(30),
                name: 'karma',
                ports: [{ containerPort: PORT, name: 'http' }],
                readinessProbe: probe(10),
                resources: resourceRequirements({
                  requests: {
                    cpu: props.resources?.requests?.cpu ?? KARMA_RESOURCES.requests.cpu,
                    memory: props.resources?.requests?.memory ?? KARMA_RESOURCES.requests.memory,
                  },
                  limits: {
                    ...props.resources?.limits,
                    memory: props.resources?.limits?.memory ?? KARMA_RESOURCES.limits.memory,
                  },
                }),
                securityContext: secure,
                volumeMounts: [{ mountPath: CONFIG_DIR, name: 'config', readOnly: true }],
              },
            ],
            dnsPolicy: 'ClusterFirst',
            hostNetwork: false,
            nodeSelector: { 'kubernetes.io/os': 'linux', ...(scheduling.nodeSelector ?? {}) },
            ...(scheduling.tolerations ? { tolerations: scheduling.tolerations } : {}),
            ...(scheduling.affinity ? { affinity: scheduling.affinity } : {}),
            restartPolicy: 'Always',
            securityContext: {
              fsGroup: 65532,
              fsGroupChangePolicy: 'Always',
              runAsGroup: 65532,
              runAsNonRoot: true,
              runAsUser: 65532,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            setHostnameAsFQDN: false,
            terminationGracePeriodSeconds: 30,
            volumes: [
              // The rendered configuration lives in memory.
              { emptyDir: { medium: 'Memory' }, name: 'config' },
              { configMap: { name: `${KARMA_NAME}-config-template` }, name: 'template' },
            ],
          },
        },
      },
    });
    applyStage(deployment, Stage.SETUP);

    const service = new ApiObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: KARMA_NAME, namespace: ns, labels },
      spec: { ports: [{ name: 'http', port: PORT, targetPort: PORT }], selector, type: 'ClusterIP' },
    });
    applyStage(service, Stage.SETUP);

    const ing = props.ingress;
    const auth: BasicAuthIngress = {
      controller: ing.controller,
      namespace: ns,
      middleware: `${KARMA_NAME}-basic-auth`,
      secretName: ing.basicAuthSecretName,
      realm: 'Karma',
    };
    basicAuthMiddleware(this, 'BasicAuth', auth);
    const ingress = new ApiObject(this, 'Ingress', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: KARMA_NAME, namespace: ns, labels, annotations: basicAuthAnnotations(auth) },
      spec: {
        ...(ing.ingressClassName ? { ingressClassName: ing.ingressClassName } : {}),
        tls: [{ hosts: [ing.host], secretName: ing.tlsSecretName }],
        rules: [
          {
            host: ing.host,
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: { service: { name: KARMA_NAME, port: { number: PORT } } } },
              ],
            },
          },
        ],
      },
    });
    applyStage(ingress, Stage.SETUP);
  }
}
