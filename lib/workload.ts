import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Resources } from './agent/props';
import { applyStage, Stage } from './output/stages';
import type { PodScheduling } from './scheduling';
import { mebibytes, millicores } from './quantities';

/**
 * What cdk8s-plus has no setting for, on a Deployment or StatefulSet CMM builds itself (the central Thanos, Karma):
 * every container's capabilities dropped, the RuntimeDefault seccomp profile, the pod's placement (Linux nodes and
 * the node pool's selector, tolerations, affinity), the pods labelled without cdk8s's construct path; the setup stage.
 */
export function finishWorkload(
  workload: kplus.Deployment | kplus.StatefulSet,
  scheduling: PodScheduling,
  initContainers = 0,
): void {
  const api = ApiObject.of(workload);
  api.addJsonPatch(
    // cdk8s-plus labels the pods with their construct path; the selector uses our labels only.
    JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
    JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
    ...Array.from({ length: initContainers }, (_, i) =>
      JsonPatch.add(`/spec/template/spec/initContainers/${i}/securityContext/capabilities`, { drop: ['ALL'] }),
    ),
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
    JsonPatch.add('/spec/template/spec/nodeSelector', {
      'kubernetes.io/os': 'linux',
      ...(scheduling.nodeSelector ?? {}),
    }),
  );
  if (scheduling.tolerations)
    api.addJsonPatch(JsonPatch.add('/spec/template/spec/tolerations', scheduling.tolerations));
  if (scheduling.affinity) api.addJsonPatch(JsonPatch.add('/spec/template/spec/affinity', scheduling.affinity));
  applyStage(api, Stage.SETUP);
}

/** A Service CMM builds itself: without cdk8s-plus's empty `externalIPs`; the setup stage. */
export function finishService(service: kplus.Service): void {
  const api = ApiObject.of(service);
  api.addJsonPatch(JsonPatch.remove('/spec/externalIPs'));
  applyStage(api, Stage.SETUP);
}

/** Resources as cdk8s-plus wants them: CPU in millicores, memory in mebibytes. */
export function containerResources(r: Resources): kplus.ContainerResources {
  const cpu = (q?: string) => (q === undefined ? undefined : kplus.Cpu.millis(millicores(q)));
  const mem = (q?: string) => (q === undefined ? undefined : Size.mebibytes(mebibytes(q)));
  return {
    cpu: { request: cpu(r.requests?.cpu), limit: cpu(r.limits?.cpu) },
    memory: { request: mem(r.requests?.memory), limit: mem(r.limits?.memory) },
  };
}
