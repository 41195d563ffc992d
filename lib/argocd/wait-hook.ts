import { KUBECTL_IMAGE } from '../versions';
import { imagePullSecrets, mirroredImage, type AirgapImageOptions } from '../airgap/airgap';
import { SYNC_WAVE_ANNOTATION } from '../output/stages';
import { toYaml } from '../output/yaml';

/** The HelmCharts of one cluster folder: the namespace they (and their install Jobs) live in, and their names. */
export interface ClusterHelmCharts {
  readonly namespace: string;
  readonly names: readonly string[];
  /** The cluster's image mirror (kubectl) and pull Secrets, which must exist in `namespace`. @default - none */
  readonly images?: AirgapImageOptions;
}

/** The name of the hook Job and of its ServiceAccount, Role and RoleBinding. */
export const WAIT_HOOK_NAME = 'cmm-wait-helmcharts';

/**
 * How long the hook waits for an install Job to appear, and then to complete (a failing install spends about that
 * long on its 10 tries), and the hook Job's own deadline.
 */
export const WAIT_FOR_CREATE = '10m';
export const WAIT_FOR_COMPLETE = '30m';
export const HOOK_DEADLINE_SECONDS = 45 * 60;

/** helm-controller names the install Job of HelmChart `x` `helm-install-x`, in the HelmChart's namespace. */
export function installJobName(helmChart: string): string {
  return `helm-install-${helmChart}`;
}

/**
 * The files of `dist/argocd/<cluster>/`: a kustomization of `../../<cluster>` (the cluster folder, as kubectl installs
 * it) plus an ArgoCD Sync hook in wave 0, between the HelmCharts (wave -1) and the custom resources (wave 1): a Job
 * that waits until helm-controller's install Job of every HelmChart of the folder has completed. ArgoCD runs a wave's
 * hooks to completion before the next wave, so the ServiceMonitors and rules are applied once the chart has installed
 * their CRDs, and a sync fails when an install did not complete. helm-controller writes no status when an install
 * Job completes (only `JobCreated`, and `Failed` once the Job gave up), so the HelmChart's health cannot say it.
 */
export function waitHookFiles(
  cluster: string,
  charts: ClusterHelmCharts,
  /** The folder of `dist/argocd/<cluster>/` relative to the cluster folder's parent, e.g. `../..`. */
  up = '../..',
): Map<string, string> {
  const ns = charts.namespace;
  const labels = { 'app.kubernetes.io/managed-by': 'cmm', 'app.kubernetes.io/part-of': 'cmm' };
  // Its ServiceAccount and rights exist before the hook runs (wave -1, with the HelmCharts).
  const meta = { name: WAIT_HOOK_NAME, namespace: ns, labels, annotations: { [SYNC_WAVE_ANNOTATION]: '-1' } };
  const files = new Map<string, string>();
  files.set(
    `serviceaccount-${WAIT_HOOK_NAME}.yaml`,
    toYaml({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta }),
  );
  files.set(
    `role-${WAIT_HOOK_NAME}.yaml`,
    toYaml({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta,
      // Read the install Jobs, nothing else.
      rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch'] }],
    }),
  );
  files.set(
    `rolebinding-${WAIT_HOOK_NAME}.yaml`,
    toYaml({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: WAIT_HOOK_NAME },
      subjects: [{ kind: 'ServiceAccount', name: WAIT_HOOK_NAME, namespace: ns }],
    }),
  );
  const names = [...charts.names].sort();
  const container = (name: string, args: string[]) => ({
    name,
    image: mirroredImage(KUBECTL_IMAGE, charts.images?.registry),
    command: ['kubectl'],
    args,
    // kubectl keeps its discovery cache under $HOME; the root filesystem is read-only.
    env: [{ name: 'HOME', value: '/tmp' }],
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  });
  files.set(
    `job-${WAIT_HOOK_NAME}.yaml`,
    toYaml({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        ...meta,
        annotations: {
          'argocd.argoproj.io/hook': 'Sync',
          [SYNC_WAVE_ANNOTATION]: '0',
          // The previous run's Job is deleted when the next sync starts, so its logs stay readable until then.
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
        },
      },
      spec: {
        // One try: a failure fails the sync, and the Application's retry policy runs the sync (and the hook) again.
        backoffLimit: 0,
        activeDeadlineSeconds: HOOK_DEADLINE_SECONDS,
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: WAIT_HOOK_NAME,
            ...(imagePullSecrets(charts.images) ? { imagePullSecrets: imagePullSecrets(charts.images) } : {}),
            restartPolicy: 'Never',
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
            // Each install Job exists a few seconds after its HelmChart; then all are awaited at once.
            initContainers: names.map((c) =>
              container(`created-${c}`, [
                'wait',
                '--namespace',
                ns,
                '--for=create',
                `job/${installJobName(c)}`,
                `--timeout=${WAIT_FOR_CREATE}`,
              ]),
            ),
            containers: names.map((c) =>
              container(`complete-${c}`, [
                'wait',
                '--namespace',
                ns,
                '--for=condition=complete',
                `job/${installJobName(c)}`,
                `--timeout=${WAIT_FOR_COMPLETE}`,
              ]),
            ),
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
          },
        },
      },
    }),
  );
  const resources = [`${up}/${cluster}`, ...[...files.keys()].sort()];
  files.set(
    'Kustomization',
    toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }),
  );
  return files;
}
