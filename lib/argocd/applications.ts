import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { OutputFile } from '../output/output-file';
import * as z from 'zod';
import { ClusterHelmCharts, waitHookFiles } from './wait-hook';
import { validate } from '../inventory/errors';
import { isPrevalidated, namespaceProp } from '../inventory/props';
import { airgapSettings, argocdSettings, clusterConfigShape, defaultIs, objectName } from '../inventory/schema';
import { ARGOCD_DEFAULTS } from './argocd-defaults';

/** Where ArgoCD deploys a cluster's folder: a cluster registered in ArgoCD, by name or by API server URL. */
export type ArgoCdDestination = { readonly name: string } | { readonly server: string };

export interface ArgoCdApplicationsProps {
  /** The Git repository that holds the output folder, e.g. `https://github.com/example/fleet.git`. */
  readonly repoURL: string;
  /** The branch, tag or commit. @default 'HEAD' */
  readonly targetRevision?: string;
  /** The output folder in the repository. @default 'dist' */
  readonly path?: string;
  /** The ArgoCD project. @default 'default' */
  readonly project?: string;
  /** ArgoCD's namespace, where the Applications go. @default 'argocd' */
  readonly namespace?: string;
  /** Sync automatically, pruning what left the folder and undoing changes made by hand. @default true */
  readonly automated?: boolean;
  /** The clusters, by name, each with its destination. */
  readonly clusters: readonly {
    readonly name: string;
    /** Where its Application deploys. @default - the ArgoCD cluster of the same name */
    readonly destination?: ArgoCdDestination;
    /** The cluster folder's HelmCharts, whose install Jobs a Sync hook waits for. */
    readonly helmCharts: ClusterHelmCharts;
  }[];
  /** The name of the folder the Applications and the per-cluster overlays are written to. @default 'argocd' */
  readonly folder?: string;
}

/**
 * The props' schema: the inventory's `argocd` (its `destinations` as each cluster's `destination`), and what the fleet
 * hands on: each cluster's HelmCharts and the folder.
 */
export const ARGOCD_PROPS = argocdSettings.omit({ destinations: true }).extend({
  clusters: z.array(
    z.strictObject({
      name: clusterConfigShape.shape.name,
      destination: argocdSettings.shape.destinations
        .unwrap()
        .valueType.optional()
        .describe('Where its Application deploys. Default: the ArgoCD cluster of the same name.'),
      helmCharts: z.strictObject({
        namespace: namespaceProp,
        names: z.array(objectName),
        images: airgapSettings.shape.images,
      }),
    }),
  ),
  folder: namespaceProp
    .optional()
    .describe(
      `The name of the folder the Applications and the per-cluster overlays are written to. ${defaultIs(ARGOCD_DEFAULTS.folder)}`,
    ),
});

/** The file of the ArgoCD health check for HelmCharts (a merge patch of `argocd-cm`). */
export const HELMCHART_HEALTH_PATCH = 'argocd-cm-helmchart-health.patch';

/**
 * ArgoCD, as teams wire it: one Application per cluster (`cmm-<cluster>`), syncing `dist/argocd/<cluster>/`: a
 * kustomization of `dist/<cluster>/` (the install order within, and the sync waves between the helm-controller, the
 * setup and the custom resources) plus a Sync hook (wave 0) that waits for the charts' install Jobs (see
 * {@link waitHookFiles}); a retry policy for the minutes a new cluster's charts need; and the health check that ArgoCD
 * has none of for helm-controller's HelmChart, as a patch of `argocd-cm`.
 */
export class ArgoCdApplications extends Construct {
  public readonly applications: ApiObject[] = [];

  constructor(scope: Construct, id: string, props: ArgoCdApplicationsProps) {
    super(scope, id);
    // The Applications have no cluster of their own: the errors name the construct alone.
    if (!isPrevalidated(props)) validate(ARGOCD_PROPS, props, 'ArgoCdApplications', { prefix: 'props.' });
    const path = props.path ?? ARGOCD_DEFAULTS.path;
    const folder = props.folder ?? ARGOCD_DEFAULTS.folder;
    for (const cluster of props.clusters) {
      for (const [file, content] of waitHookFiles(cluster.name, cluster.helmCharts)) {
        new OutputFile(this, `Hook-${cluster.name}-${file}`, { path: `${cluster.name}/${file}`, content });
      }
      this.applications.push(
        new ApiObject(this, `App-${cluster.name}`, {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: {
            name: `cmm-${cluster.name}`,
            namespace: props.namespace ?? ARGOCD_DEFAULTS.namespace,
            labels: { 'app.kubernetes.io/managed-by': 'cmm', 'app.kubernetes.io/part-of': 'cmm' },
          },
          spec: {
            project: props.project ?? ARGOCD_DEFAULTS.project,
            source: {
              repoURL: props.repoURL,
              targetRevision: props.targetRevision ?? ARGOCD_DEFAULTS.targetRevision,
              path: `${path}/${folder}/${cluster.name}`,
            },
            destination: cluster.destination ?? { name: cluster.name },
            syncPolicy: {
              ...((props.automated ?? ARGOCD_DEFAULTS.automated) ? { automated: { prune: true, selfHeal: true } } : {}),
              // A new cluster's HelmCharts install for minutes; the custom resources wait for their CRDs.
              retry: { limit: 10, backoff: { duration: '30s', factor: 2, maxDuration: '5m' } },
            },
          },
        }),
      );
    }
    new OutputFile(this, 'HealthCheck', { path: HELMCHART_HEALTH_PATCH, content: healthCheckPatch() });
  }
}

/**
 * The Lua health check of `helm.cattle.io/HelmChart`, from the status helm-controller 0.17 writes: `Failed=True`
 * (the install Job reached its backOffLimit) is Degraded; `JobCreated=True` is Healthy: helm-controller writes the
 * same status while the Job runs, after it succeeded and while it retries, so success cannot be told from the
 * HelmChart alone (the message says so: the Sync hook of {@link waitHookFiles} waits for the Job); before that,
 * Progressing.
 */
export const HELMCHART_HEALTH_LUA = `local hs = {}
local meta = obj.metadata or {}
local spec = obj.spec or {}
local status = obj.status or {}
if meta.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "HelmChart is being deleted; helm-controller runs its helm-delete Job"
  return hs
end
if meta.annotations ~= nil and meta.annotations["helmcharts.helm.cattle.io/unmanaged"] ~= nil then
  hs.status = "Suspended"
  hs.message = "Annotated helmcharts.helm.cattle.io/unmanaged: helm-controller ignores this HelmChart"
  return hs
end
if (spec.chart == nil or spec.chart == "") and (spec.chartContent == nil or spec.chartContent == "") then
  hs.status = "Degraded"
  hs.message = "Neither spec.chart nor spec.chartContent is set: helm-controller ignores this HelmChart"
  return hs
end
local jobCreated = nil
local failed = nil
if status.conditions ~= nil then
  for _, c in ipairs(status.conditions) do
    if c.type == "JobCreated" then jobCreated = c end
    if c.type == "Failed" then failed = c end
  end
end
if failed ~= nil and failed.status == "True" then
  hs.status = "Degraded"
  local msg = "helm-controller set Failed=True"
  if failed.reason ~= nil and failed.reason ~= "" then msg = msg .. " (" .. failed.reason .. ")" end
  if failed.message ~= nil and failed.message ~= "" then msg = msg .. ": " .. failed.message end
  if status.jobName ~= nil and status.jobName ~= "" then msg = msg .. " [Job " .. status.jobName .. "]" end
  hs.message = msg
  return hs
end
if jobCreated ~= nil and jobCreated.status == "True" then
  hs.status = "Healthy"
  local job = status.jobName
  if job == nil or job == "" then job = "(unnamed)" end
  hs.message = "Install Job " .. job .. " created and not failed; helm-controller does not report its completion here: the Sync hook cmm-wait-helmcharts waits for it"
  return hs
end
hs.status = "Progressing"
hs.message = "Waiting for helm-controller to create the install Job"
return hs
`;

function healthCheckPatch(): string {
  const lua = HELMCHART_HEALTH_LUA.trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return `# ArgoCD's health check for helm-controller's HelmChart, as a merge patch of argocd-cm:
#   kubectl -n argocd patch configmap argocd-cm --type merge --patch-file ${HELMCHART_HEALTH_PATCH}
# Written by CMM (lib/argocd/applications.ts). Not a manifest: kubectl apply would replace argocd-cm's other keys.
data:
  resource.customizations.health.helm.cattle.io_HelmChart: |
${lua}
`;
}
