/**
 * The Pod Security Standards checker (lib/render/pod-security.ts): each check on a small pod that passes and one that
 * fails with the admission's own message, the levels and versions, and the pods the prometheus-operator builds.
 */
import {
  checkPodSecurity,
  describeViolation,
  disruptionBudgetProblems,
  enforcedLevel,
  operatorPod,
  podTemplateOf,
  podTemplatePath,
  podSecurityProblems,
  workloadPodTemplate,
  type K8sObject,
  type PodLike,
  type RenderedCluster,
  type PodSecurityLevel,
} from '../lib';

/** A pod that passes restricted: every field the level asks for, on one container. */
const RESTRICTED_CONTAINER = {
  name: 'app',
  image: 'example/app:1',
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
};
const restrictedPod = (spec: Record<string, unknown> = {}, metadata: PodLike['metadata'] = {}): PodLike => ({
  metadata,
  spec: {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [RESTRICTED_CONTAINER],
    ...spec,
  },
});
const container = (securityContext: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...RESTRICTED_CONTAINER,
  ...extra,
  securityContext: { ...RESTRICTED_CONTAINER.securityContext, ...securityContext },
});

const messages = (pod: PodLike, level: PodSecurityLevel = 'restricted', version = '1.33') =>
  checkPodSecurity(pod, level, version).map(describeViolation);

test('a pod with what restricted asks for passes every level', () => {
  for (const level of ['privileged', 'baseline', 'restricted'] as const)
    expect(messages(restrictedPod(), level)).toEqual([]);
});

test('privileged allows everything', () => {
  expect(
    messages(restrictedPod({ hostNetwork: true, volumes: [{ name: 'h', hostPath: { path: '/' } }] }), 'privileged'),
  ).toEqual([]);
});

describe('baseline checks (each fails baseline and restricted alike)', () => {
  test.each<[string, PodLike, string]>([
    ['hostNetwork', restrictedPod({ hostNetwork: true }), 'host namespaces (hostNetwork=true)'],
    [
      'hostPID and hostIPC',
      restrictedPod({ hostPID: true, hostIPC: true }),
      'host namespaces (hostPID=true, hostIPC=true)',
    ],
    [
      'privileged',
      restrictedPod({ containers: [container({ privileged: true })] }),
      'privileged (container "app" must not set securityContext.privileged=true)',
    ],
    [
      'hostPort',
      restrictedPod({ containers: [container({}, { ports: [{ containerPort: 80, hostPort: 8080 }] })] }),
      'hostPort (container "app" uses hostPort 8080)',
    ],
    [
      'AppArmor Unconfined',
      restrictedPod({ containers: [container({ appArmorProfile: { type: 'Unconfined' } })] }),
      'forbidden AppArmor profile (container "app" must not set AppArmor profile type to "Unconfined")',
    ],
    [
      'AppArmor annotation unconfined',
      restrictedPod({}, { annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' } }),
      // As the admission quotes it: the value in Go's %q inside the list's plain quotes.
      'forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/app="unconfined"")',
    ],
    [
      'SELinux type and user',
      restrictedPod({ containers: [container({ seLinuxOptions: { type: 'spc_t', user: 'root' } })] }),
      'seLinuxOptions (container "app" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)',
    ],
    [
      'procMount Unmasked',
      restrictedPod({ containers: [container({ procMount: 'Unmasked' })] }),
      'procMount (container "app" must not set securityContext.procMount to "Unmasked")',
    ],
    [
      'an unsafe sysctl',
      restrictedPod({
        securityContext: {
          runAsNonRoot: true,
          seccompProfile: { type: 'RuntimeDefault' },
          sysctls: [
            { name: 'net.ipv4.tcp_syncookies', value: '1' },
            { name: 'kernel.msgmax', value: '1' },
          ],
        },
      }),
      'forbidden sysctls (kernel.msgmax)',
    ],
    [
      'Windows HostProcess',
      restrictedPod({ containers: [container({ windowsOptions: { hostProcess: true } })] }),
      'hostProcess (container "app" must not set securityContext.windowsOptions.hostProcess=true)',
    ],
  ])('%s', (_name, pod, message) => {
    expect(messages(pod, 'baseline')).toEqual([message]);
    expect(messages(pod, 'restricted')).toContain(message);
  });

  test('hostPath volumes: baseline names them; restricted names the volume type', () => {
    const pod = restrictedPod({
      volumes: [
        { name: 'proc', hostPath: { path: '/proc' } },
        { name: 'c', emptyDir: {} },
      ],
    });
    expect(messages(pod, 'baseline')).toEqual(['hostPath volumes (volume "proc")']);
    expect(messages(pod, 'restricted')).toEqual([
      'restricted volume types (volume "proc" uses restricted volume type "hostPath")',
    ]);
  });

  test('capabilities: baseline allows the default set, not SYS_ADMIN', () => {
    const chown = restrictedPod({ containers: [container({ capabilities: { drop: ['ALL'], add: ['CHOWN'] } })] });
    expect(messages(chown, 'baseline')).toEqual([]);
    const admin = restrictedPod({ containers: [container({ capabilities: { add: ['SYS_ADMIN'] } })] });
    expect(messages(admin, 'baseline')).toEqual([
      'non-default capabilities (container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
    ]);
  });

  test('seccomp: baseline refuses Unconfined, accepts none at all', () => {
    const none = restrictedPod({ securityContext: { runAsNonRoot: true } });
    expect(messages(none, 'baseline')).toEqual([]);
    const unconfined = restrictedPod({ securityContext: { seccompProfile: { type: 'Unconfined' } } });
    expect(messages(unconfined, 'baseline')).toEqual([
      'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
    ]);
    // Restricted too, and a container's Unconfined is not covered by the pod's RuntimeDefault.
    expect(messages(unconfined, 'restricted')).toContain(
      'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
    );
    const container = restrictedPod({
      containers: [
        {
          ...RESTRICTED_CONTAINER,
          securityContext: { ...RESTRICTED_CONTAINER.securityContext, seccompProfile: { type: 'Unconfined' } },
        },
      ],
    });
    expect(messages(container, 'restricted')).toEqual([
      'seccompProfile (container "app" must not set securityContext.seccompProfile.type to "Unconfined")',
    ]);
  });
});

describe('restricted checks (each passes baseline)', () => {
  test.each<[string, PodLike, string]>([
    [
      'allowPrivilegeEscalation unset',
      restrictedPod({ containers: [{ name: 'app', securityContext: { capabilities: { drop: ['ALL'] } } }] }),
      'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)',
    ],
    [
      'runAsNonRoot unset on pod and container',
      restrictedPod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }),
      'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)',
    ],
    [
      'runAsNonRoot false on a container',
      restrictedPod({ containers: [container({ runAsNonRoot: false })] }),
      'runAsNonRoot != true (container "app" must not set securityContext.runAsNonRoot=false)',
    ],
    [
      'runAsUser 0',
      restrictedPod({ containers: [container({ runAsUser: 0 })] }),
      'runAsUser=0 (container "app" must not set runAsUser=0)',
    ],
    [
      'no seccomp profile',
      restrictedPod({ securityContext: { runAsNonRoot: true } }),
      'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    ],
    [
      'capabilities not dropped',
      restrictedPod({ containers: [container({ capabilities: {} })] }),
      'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])',
    ],
    [
      'a capability other than NET_BIND_SERVICE added',
      restrictedPod({
        containers: [container({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'CHOWN'] } })],
      }),
      'unrestricted capabilities (container "app" must not include "CHOWN" in securityContext.capabilities.add)',
    ],
    [
      'an NFS volume',
      restrictedPod({ volumes: [{ name: 'share', nfs: { server: 'nfs', path: '/' } }] }),
      'restricted volume types (volume "share" uses restricted volume type "nfs")',
    ],
  ])('%s', (_name, pod, message) => {
    expect(messages(pod, 'baseline')).toEqual([]);
    expect(messages(pod, 'restricted')).toEqual([message]);
  });

  test('init containers are checked as containers are', () => {
    const pod = restrictedPod({ initContainers: [{ name: 'init', image: 'busybox' }] });
    expect(messages(pod)).toEqual([
      'allowPrivilegeEscalation != false (container "init" must set securityContext.allowPrivilegeEscalation=false)',
      'unrestricted capabilities (container "init" must set securityContext.capabilities.drop=["ALL"])',
    ]);
  });

  test('ephemeral containers (kubectl debug) are checked as containers are', () => {
    const pod = restrictedPod({
      ephemeralContainers: [{ name: 'debugger', image: 'busybox', securityContext: { privileged: true } }],
    });
    expect(messages(pod, 'baseline')).toEqual([
      'privileged (container "debugger" must not set securityContext.privileged=true)',
    ]);
    expect(messages(pod)).toEqual([
      'privileged (container "debugger" must not set securityContext.privileged=true)',
      'allowPrivilegeEscalation != false (container "debugger" must set securityContext.allowPrivilegeEscalation=false)',
      'unrestricted capabilities (container "debugger" must set securityContext.capabilities.drop=["ALL"])',
    ]);
  });

  test('container-level settings may stand for the pod-level ones', () => {
    const pod: PodLike = {
      spec: {
        containers: [
          container({ runAsNonRoot: true, seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } }),
        ],
      },
    };
    expect(messages(pod)).toEqual([]);
  });

  test('the volume types restricted allows', () => {
    const volumes = [
      'configMap',
      'secret',
      'emptyDir',
      'projected',
      'downwardAPI',
      'persistentVolumeClaim',
      'csi',
      'ephemeral',
    ].map((type) => ({ name: type.toLowerCase(), [type]: {} }));
    expect(messages(restrictedPod({ volumes }))).toEqual([]);
  });
});

describe('Kubernetes versions', () => {
  test('a probe host is refused from 1.34 on', () => {
    const pod = restrictedPod({
      containers: [container({}, { readinessProbe: { httpGet: { host: '10.0.0.1', port: 80, path: '/' } } })],
    });
    expect(messages(pod, 'baseline', '1.33')).toEqual([]);
    expect(messages(pod, 'baseline', '1.34.2')).toEqual([
      'probe or lifecycle host (container "app" uses probe or lifecycle host "10.0.0.1")',
    ]);
  });

  test('sysctls allowed by version: tcp_rmem from 1.32', () => {
    const pod = restrictedPod({
      securityContext: {
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
        sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }],
      },
    });
    expect(messages(pod, 'baseline', 'v1.31')).toEqual(['forbidden sysctls (net.ipv4.tcp_rmem)']);
    expect(messages(pod, 'baseline', 'v1.32')).toEqual([]);
  });

  test('a pod in a user namespace may run as root from 1.35 on', () => {
    const pod = restrictedPod({ hostUsers: false, containers: [container({ runAsUser: 0 })] });
    expect(messages(pod, 'restricted', '1.34')).toEqual(['runAsUser=0 (container "app" must not set runAsUser=0)']);
    expect(messages(pod, 'restricted', 'latest')).toEqual([]);
  });

  test('fails on a version it cannot read', () => {
    expect(() => checkPodSecurity(restrictedPod(), 'restricted', 'one')).toThrow(
      'a Kubernetes version such as 1.33.0 or v1.33, got "one"',
    );
  });
});

describe('the pods of workloads and of the prometheus-operator', () => {
  test('a workload pod template, a CronJob and a Pod; not a ConfigMap', () => {
    const template = { metadata: { labels: { a: 'b' } }, spec: { containers: [RESTRICTED_CONTAINER] } };
    expect(podTemplateOf({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { template } })?.spec).toBe(template.spec);
    expect(
      podTemplateOf({ apiVersion: 'batch/v1', kind: 'CronJob', spec: { jobTemplate: { spec: { template } } } })?.spec,
    ).toBe(template.spec);
    expect(podTemplateOf({ apiVersion: 'v1', kind: 'Pod', spec: template.spec })?.spec).toBe(template.spec);
    expect(podTemplateOf({ apiVersion: 'v1', kind: 'ConfigMap' })).toBeUndefined();
  });

  test('the pod template path of each workload kind, for every reader of templates', () => {
    expect(podTemplatePath('Deployment')).toEqual(['spec', 'template']);
    expect(podTemplatePath('StatefulSet')).toEqual(['spec', 'template']);
    expect(podTemplatePath('DaemonSet')).toEqual(['spec', 'template']);
    expect(podTemplatePath('ReplicaSet')).toEqual(['spec', 'template']);
    expect(podTemplatePath('Job')).toEqual(['spec', 'template']);
    expect(podTemplatePath('CronJob')).toEqual(['spec', 'jobTemplate', 'spec', 'template']);
    // Not a workload, and not an inherited property of the table either.
    expect(podTemplatePath('Pod')).toBeUndefined();
    expect(podTemplatePath('constructor')).toBeUndefined();
    const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [] } };
    expect(workloadPodTemplate({ kind: 'StatefulSet', spec: { template } } as { kind: string })).toBe(template);
    expect(workloadPodTemplate({ kind: 'Deployment', spec: {} } as { kind: string })).toBeUndefined();
    expect(workloadPodTemplate({ kind: 'Service', spec: { template } } as { kind: string })).toBeUndefined();
  });

  test("the operator's Prometheus pod: its containers restricted, the pod's context from spec.securityContext", () => {
    const chartDefault = {
      runAsNonRoot: true,
      runAsUser: 1000,
      fsGroup: 2000,
      seccompProfile: { type: 'RuntimeDefault' },
    };
    const pod = operatorPod({ kind: 'Prometheus', spec: { securityContext: chartDefault, thanos: {} } })!;
    expect(pod.spec.containers.map((c: { name: string }) => c.name)).toEqual([
      'prometheus',
      'config-reloader',
      'thanos-sidecar',
    ]);
    expect(pod.spec.initContainers.map((c: { name: string }) => c.name)).toEqual(['init-config-reloader']);
    expect(messages(pod)).toEqual([]);
    // Without the chart's context: the pod runs as the image's user, which restricted does not accept.
    expect(messages(operatorPod({ kind: 'Alertmanager', spec: {} })!)).toEqual([
      'runAsNonRoot != true (pod or containers "init-config-reloader", "alertmanager", "config-reloader" must set securityContext.runAsNonRoot=true)',
      'seccompProfile (pod or containers "init-config-reloader", "alertmanager", "config-reloader" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    ]);
    // spec.containers patch the operator's by name, as its strategic merge does.
    const patched = operatorPod({
      kind: 'Prometheus',
      spec: {
        securityContext: chartDefault,
        containers: [{ name: 'prometheus', securityContext: { privileged: true } }],
      },
    })!;
    expect(messages(patched)).toEqual([
      'privileged (container "prometheus" must not set securityContext.privileged=true)',
    ]);
  });

  test("a namespace's enforced level and version from its labels", () => {
    expect(enforcedLevel({ 'pod-security.kubernetes.io/enforce': 'baseline' })).toEqual({
      level: 'baseline',
      version: 'latest',
    });
    expect(
      enforcedLevel({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'v1.33',
      }),
    ).toEqual({ level: 'restricted', version: 'v1.33' });
    expect(enforcedLevel({ 'app.kubernetes.io/managed-by': 'cmm' })).toBeUndefined();
    expect(() => enforcedLevel({ 'pod-security.kubernetes.io/enforce': 'strict' })).toThrow(
      'pod-security.kubernetes.io/enforce: expected one of privileged, baseline, restricted, got "strict"',
    );
  });
});

describe('the render checks of a rendered cluster', () => {
  const ns = (name: string, level?: string) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: level ? { 'pod-security.kubernetes.io/enforce': level } : {} },
  });
  const deployment = (name: string, namespace: string, replicas: number, spec: Record<string, unknown>) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: { replicas, template: { metadata: { labels: { app: name, tier: 'x' } }, spec } },
  });
  const cluster = (objects: K8sObject[]): RenderedCluster => ({
    cluster: 'c',
    manifests: new Map<string, K8sObject>([
      ['c/setup/00-namespace-monitoring.yaml', ns('monitoring', 'restricted') as K8sObject],
      ['c/setup/00-namespace-monitoring-host.yaml', ns('monitoring-host', 'privileged') as K8sObject],
      ['c/setup/00-namespace-open.yaml', ns('open') as K8sObject],
    ]),
    releases: [
      {
        release: {
          cluster: 'c',
          file: 'f',
          name: 'r',
          namespace: 'monitoring',
          chart: 'x',
          version: '1',
          values: '',
          set: {},
        },
        objects,
      },
    ],
  });
  const root = { containers: [{ name: 'app', securityContext: { runAsUser: 0 } }] };

  test("a pod is held to its namespace's level; a namespace without the label is not checked", () => {
    const problems = podSecurityProblems(
      cluster([
        deployment('a', 'monitoring', 1, root) as K8sObject,
        deployment('b', 'monitoring-host', 1, { ...root, hostNetwork: true }) as K8sObject,
        deployment('o', 'open', 1, { ...root, hostNetwork: true }) as K8sObject,
      ]),
    );
    expect(problems).toEqual([
      'c: release r: Deployment monitoring/a violates PodSecurity "restricted:latest" of its namespace: allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), runAsUser=0 (container "app" must not set runAsUser=0), seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"), unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])',
    ]);
  });

  test('PodDisruptionBudgets: matchLabels and matchExpressions against the pod labels, in the namespace', () => {
    const pdb = (name: string, namespace: string, selector: Record<string, unknown>) =>
      ({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name, namespace },
        spec: { selector },
      }) as K8sObject;
    const problems = disruptionBudgetProblems(
      cluster([
        deployment('a', 'monitoring', 2, {}) as K8sObject,
        deployment('b', 'monitoring', 3, {}) as K8sObject,
        deployment('single', 'monitoring', 1, {}) as K8sObject,
        pdb('a', 'monitoring', {
          matchLabels: { app: 'a' },
          matchExpressions: [{ key: 'tier', operator: 'In', values: ['x'] }],
        }),
        // Right labels, wrong namespace; and an expression that excludes the pods.
        pdb('b', 'monitoring-host', { matchLabels: { app: 'b' } }),
        pdb('b2', 'monitoring', {
          matchLabels: { app: 'b' },
          matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['x'] }],
        }),
      ]),
    );
    expect(problems).toEqual([
      'c: release r: PodDisruptionBudget monitoring-host/b selects no pod of a Deployment or StatefulSet: its selector {"matchLabels":{"app":"b"}} protects nothing',
      'c: release r: PodDisruptionBudget monitoring/b2 selects no pod of a Deployment or StatefulSet: its selector {"matchLabels":{"app":"b"},"matchExpressions":[{"key":"tier","operator":"NotIn","values":["x"]}]} protects nothing',
      'c: release r: Deployment monitoring/b runs 3 replicas and no PodDisruptionBudget selects its pods: a node drain may evict them all at once',
    ]);
  });
});
