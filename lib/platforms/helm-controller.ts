import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { applyStage, Stage } from '../output/stages';
import { HELM_CONTROLLER_IMAGE, KLIPPER_HELM_IMAGE } from '../versions';
import type { PlatformProfile } from './profiles';
import { imagePullSecrets, mirroredImage, type AirgapImageOptions } from '../airgap/airgap';
import HELM_CONTROLLER_CRDS from './helm-controller-crds.json';
import * as z from 'zod';
import { validate } from '../inventory/errors';
import { isPrevalidated, markPrevalidated } from '../inventory/props';
import { airgapSettings, nodePool } from '../inventory/schema';

/** The namespace of an installed helm-controller, where it watches the HelmCharts and runs their install Jobs. */
export const HELM_CONTROLLER_NAMESPACE = 'helm-controller';
const NAME = 'helm-controller';

/** How to install the helm-controller in a cluster. */
export interface HelmControllerInstallProps {
  /**
   * The cluster's image mirror: the controller's image and the install Jobs' klipper-helm come from it; the
   * controller's pod gets the pull Secrets (the install Jobs cannot: helm-controller sets none on them).
   * @default - see its fields (each image's own registry, no pull Secrets)
   */
  readonly images?: AirgapImageOptions;
  /**
   * More labels of the namespace: its Pod Security labels. The controller, its install Jobs (helm-controller gives
   * them `runAsNonRoot`, the `RuntimeDefault` seccomp profile, no privilege escalation and no capabilities; a chart
   * with `bootstrap` would need the host network, which CMM never sets) and ArgoCD's wait hook all pass `restricted`.
   * @default - none
   */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
}

/** The props' schema: a cluster's `airgap.images`, and the namespace's labels. */
export const HELM_CONTROLLER_INSTALL_PROPS = z.strictObject({
  images: airgapSettings.shape.images,
  namespaceLabels: nodePool.shape.labels.optional(),
});

/**
 * The k3s-io/helm-controller, for a platform without one built in: its namespace, its ServiceAccount and rights, and
 * its Deployment (pinned image), in `dist/<cluster>/helm-controller/` (ArgoCD wave -2), applied before anything
 * else. Built after the upstream release manifest `deploy-namespaced.yaml` of v0.17.7: its two CRDs (upstream's, as
 * they are), and a controller that watches only its own namespace (the HelmCharts go there). The controller also
 * creates or updates the same CRDs when it starts; shipping them lets the HelmCharts be applied as soon as the CRDs
 * are established, and keeps them in step with the pinned version.
 *
 * The rights are broad, as upstream's: the controller's ServiceAccount may do anything to any resource, and each
 * install Job runs as a ServiceAccount `helm-<chart>` bound, cluster-wide, to the same ClusterRole. Watching one
 * namespace limits which HelmCharts it acts on, not what a chart may install.
 */
export class HelmControllerInstall extends Construct {
  /**
   * The install of `chart`, created once per chart (cluster): `images` and `namespaceLabels` are those of its first
   * caller (the cluster's agent, which comes first).
   */
  public static ensure(chart: Chart, props: HelmControllerInstallProps = {}): HelmControllerInstall {
    const existing = chart.node.tryFindChild('HelmController');
    return existing instanceof HelmControllerInstall
      ? existing
      : new HelmControllerInstall(chart, 'HelmController', props);
  }

  public readonly namespace = HELM_CONTROLLER_NAMESPACE;

  constructor(scope: Construct, id: string, props: HelmControllerInstallProps = {}) {
    super(scope, id);
    // No cluster in the props: the errors name the construct alone.
    if (!isPrevalidated(props))
      validate(HELM_CONTROLLER_INSTALL_PROPS, props, 'HelmControllerInstall', { prefix: 'props.' });
    const images = props.images;
    const namespaceLabels = props.namespaceLabels ?? {};
    const pullSecrets = imagePullSecrets(images);
    const ns = HELM_CONTROLLER_NAMESPACE;
    const labels = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/managed-by': 'cmm' };
    const object = (cid: string, apiVersion: string, kind: string, body: Record<string, unknown>) => {
      const o = new ApiObject(this, cid, { apiVersion, kind, ...body });
      applyStage(o, Stage.HELM_CONTROLLER);
      return o;
    };
    object('Namespace', 'v1', 'Namespace', { metadata: { name: ns, labels: { ...labels, ...namespaceLabels } } });
    for (const crd of HELM_CONTROLLER_CRDS as { metadata: { name: string } }[]) {
      const { apiVersion, kind, ...body } = structuredClone(crd) as Record<string, unknown>;
      object(`Crd-${crd.metadata.name}`, String(apiVersion), String(kind), body);
    }
    object('ServiceAccount', 'v1', 'ServiceAccount', { metadata: { name: NAME, namespace: ns, labels } });
    object('ClusterRole', 'rbac.authorization.k8s.io/v1', 'ClusterRole', {
      metadata: { name: NAME, labels },
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
    });
    object('ClusterRoleBinding', 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', {
      metadata: { name: NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: ns }],
    });
    // The install Jobs run with priority class system-cluster-critical, which GKE admits outside kube-system only
    // within a quota scoped to it.
    object('ResourceQuota', 'v1', 'ResourceQuota', {
      metadata: { name: 'helm-install-jobs', namespace: ns, labels },
      spec: {
        hard: { pods: '20' },
        scopeSelector: {
          matchExpressions: [{ operator: 'In', scopeName: 'PriorityClass', values: ['system-cluster-critical'] }],
        },
      },
    });
    object('Deployment', 'apps/v1', 'Deployment', {
      metadata: { name: NAME, namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': NAME } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: NAME,
            ...(pullSecrets ? { imagePullSecrets: pullSecrets } : {}),
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: NAME,
                image: mirroredImage(HELM_CONTROLLER_IMAGE, images?.registry),
                command: ['helm-controller'],
                env: [
                  // Watch only this namespace (the lease lives here too).
                  { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                  // The ClusterRole the install Jobs are bound to.
                  { name: 'JOB_CLUSTER_ROLE', value: NAME },
                  { name: 'DEFAULT_JOB_IMAGE', value: mirroredImage(KLIPPER_HELM_IMAGE, images?.registry) },
                ],
                resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    });
  }
}

/**
 * Where a HelmChart goes on a platform: the namespace its helm-controller watches, and whether the HelmChart kind
 * exists only once CMM's helm-controller has started. Installs that controller in the scope's chart (once) where
 * the platform has none.
 */
export function helmChartPlacement(
  scope: Construct,
  profile: PlatformProfile,
  images?: AirgapImageOptions,
  /** Labels of the helm-controller's namespace, if this call installs it. @default - none */
  namespaceLabels?: Readonly<Record<string, string>>,
): { readonly namespace: string; readonly kindDefinedLater: boolean } {
  const install = profile.helmController === 'install';
  // The images and labels of a construct that validated its props.
  if (install) HelmControllerInstall.ensure(Chart.of(scope), markPrevalidated({ images, namespaceLabels }));
  return { namespace: profile.helmChartNamespace, kindDefinedLater: install };
}
