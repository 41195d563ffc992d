/**
 * The Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/) as the API
 * server's PodSecurity admission applies them: the baseline and restricted checks of a pod spec, for a Kubernetes
 * version, with the admission's own reasons and details ("allowPrivilegeEscalation != false (container "x" must
 * set securityContext.allowPrivilegeEscalation=false)"). Modelled on kubernetes/pod-security-admission's
 * policy/check_*.go (the version each check and allowed value starts at included); Kubernetes 1.25 and later.
 */

/** A Pod Security Standard level, as the namespace label `pod-security.kubernetes.io/enforce` names it. */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];

/** The namespace label prefix of the PodSecurity admission. */
export const POD_SECURITY_LABEL = 'pod-security.kubernetes.io';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

/** A pod's metadata and spec: a Pod, or a workload's pod template. */
export interface PodLike {
  readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> };
  readonly spec: Obj;
}

/** One failed check: the admission's reason and detail. */
export interface PodSecurityViolation {
  readonly check: string;
  readonly level: 'baseline' | 'restricted';
  readonly reason: string;
  readonly detail: string;
}

/** `reason (detail)`, as the admission prints it. */
export const describeViolation = (v: PodSecurityViolation) => `${v.reason} (${v.detail})`;

const plural = (one: string, many: string, n: number) => (n === 1 ? one : many);
const quote = (items: readonly string[]) => (items.length === 0 ? '' : `"${items.join('", "')}"`);
const sorted = (s: Iterable<string>) => [...new Set(s)].sort();
const containersPhrase = (names: readonly string[]) =>
  `${plural('container', 'containers', names.length)} ${quote(names)}`;

/** Init containers, containers and ephemeral containers, in the admission's order. */
function containersOf(spec: Obj): Obj[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/** `major.minor` of a version such as `1.33.0`, `v1.33` or `latest` (a large minor). */
export function minorOf(version: string): number {
  if (version === 'latest') return Number.MAX_SAFE_INTEGER;
  const m = /^v?1\.(\d+)/.exec(version);
  if (!m) throw new Error(`a Kubernetes version such as 1.33.0 or v1.33, got ${JSON.stringify(version)}`);
  return Number(m[1]);
}

const CAPABILITIES_BASELINE = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

/** The safe sysctls, by the minor version that allows them. */
const SAFE_SYSCTLS: readonly [number, readonly string[]][] = [
  [
    0,
    [
      'kernel.shm_rmid_forced',
      'net.ipv4.ip_local_port_range',
      'net.ipv4.tcp_syncookies',
      'net.ipv4.ping_group_range',
      'net.ipv4.ip_unprivileged_port_start',
    ],
  ],
  [27, ['net.ipv4.ip_local_reserved_ports']],
  [
    29,
    [
      'net.ipv4.tcp_keepalive_time',
      'net.ipv4.tcp_fin_timeout',
      'net.ipv4.tcp_keepalive_intvl',
      'net.ipv4.tcp_keepalive_probes',
    ],
  ],
  [32, ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']],
  [37, ['net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat']],
];

/** Volume sources the restricted level allows. */
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

const validSeccomp = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
const validAppArmor = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';

interface Check {
  readonly id: string;
  readonly level: 'baseline' | 'restricted';
  /** Checks of the baseline level this one replaces at restricted. */
  readonly overrides?: readonly string[];
  /** The first minor version it applies to. @default 0 */
  readonly since?: number;
  readonly run: (pod: PodLike, minor: number) => { reason: string; detail: string } | undefined;
}

/** A pod in a user namespace (`hostUsers: false`), which 1.35 relaxes some checks for. */
const userNamespaced = (spec: Obj, minor: number) => minor >= 35 && spec.hostUsers === false;
/** Linux-only checks skip Windows pods from 1.25 on. */
const windows = (spec: Obj) => spec.os?.name === 'windows';

function procMount(pod: PodLike, minor: number, relax: boolean) {
  if (relax && userNamespaced(pod.spec, minor)) return undefined;
  const bad: string[] = [];
  const types = new Set<string>();
  for (const c of containersOf(pod.spec)) {
    const t = c.securityContext?.procMount;
    if (t !== undefined && t !== null && t !== 'Default') {
      bad.push(c.name);
      types.add(t);
    }
  }
  if (bad.length === 0) return undefined;
  return {
    reason: 'procMount',
    detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${quote(sorted(types))}`,
  };
}

const CHECKS: readonly Check[] = [
  {
    id: 'windowsHostProcess',
    level: 'baseline',
    run: ({ spec }) => {
      const setters: string[] = [];
      if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push('pod');
      const bad = containersOf(spec)
        .filter((c) => c.securityContext?.windowsOptions?.hostProcess === true)
        .map((c) => c.name);
      if (bad.length > 0) setters.push(containersPhrase(bad));
      return setters.length === 0
        ? undefined
        : {
            reason: 'hostProcess',
            detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
          };
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    run: ({ spec }) => {
      const on = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => spec[k] === true);
      return on.length === 0 ? undefined : { reason: 'host namespaces', detail: on.map((k) => `${k}=true`).join(', ') };
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    run: ({ spec }) => {
      const bad = containersOf(spec)
        .filter((c) => c.securityContext?.privileged === true)
        .map((c) => c.name);
      return bad.length === 0
        ? undefined
        : { reason: 'privileged', detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` };
    },
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    run: ({ spec }) => {
      const bad: string[] = [];
      const caps: string[] = [];
      for (const c of containersOf(spec)) {
        const extra = ((c.securityContext?.capabilities?.add ?? []) as string[]).filter(
          (cap) => !CAPABILITIES_BASELINE.has(cap),
        );
        if (extra.length > 0) {
          bad.push(c.name);
          caps.push(...extra);
        }
      }
      return bad.length === 0
        ? undefined
        : {
            reason: 'non-default capabilities',
            detail: `${containersPhrase(bad)} must not include ${quote(sorted(caps))} in securityContext.capabilities.add`,
          };
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    run: ({ spec }) => {
      const bad = ((spec.volumes ?? []) as Obj[]).filter((v) => v.hostPath).map((v) => v.name as string);
      return bad.length === 0
        ? undefined
        : { reason: 'hostPath volumes', detail: `${plural('volume', 'volumes', bad.length)} ${quote(bad)}` };
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    run: ({ spec }) => {
      const bad: string[] = [];
      const ports = new Set<string>();
      for (const c of containersOf(spec)) {
        const hp = ((c.ports ?? []) as Obj[]).filter((p) => p.hostPort !== undefined && p.hostPort !== 0);
        if (hp.length > 0) {
          bad.push(c.name);
          for (const p of hp) ports.add(String(p.hostPort));
        }
      }
      return bad.length === 0
        ? undefined
        : {
            reason: 'hostPort',
            detail: `${containersPhrase(bad)} ${plural('uses', 'use', bad.length)} ${plural('hostPort', 'hostPorts', ports.size)} ${sorted(ports).join(', ')}`,
          };
    },
  },
  {
    id: 'hostProbesAndHostLifecycle',
    level: 'baseline',
    since: 34,
    run: ({ spec }) => {
      const bad = new Set<string>();
      const hosts = new Set<string>();
      const handlers = (c: Obj) => [
        c.livenessProbe,
        c.readinessProbe,
        c.startupProbe,
        c.lifecycle?.postStart,
        c.lifecycle?.preStop,
      ];
      for (const c of containersOf(spec)) {
        for (const h of handlers(c)) {
          for (const host of [h?.httpGet?.host, h?.tcpSocket?.host]) {
            if (typeof host === 'string' && host !== '') {
              bad.add(c.name);
              hosts.add(host);
            }
          }
        }
      }
      return bad.size === 0
        ? undefined
        : {
            reason: 'probe or lifecycle host',
            detail: `${containersPhrase(sorted(bad))} ${plural('uses', 'use', bad.size)} ${plural('probe or lifecycle host', 'probe or lifecycle hosts', hosts.size)} ${quote(sorted(hosts))}`,
          };
    },
  },
  {
    id: 'appArmorProfile',
    level: 'baseline',
    run: ({ metadata, spec }) => {
      const setters: string[] = [];
      const values = new Set<string>();
      const podType = spec.securityContext?.appArmorProfile?.type;
      if (spec.securityContext?.appArmorProfile && !validAppArmor(podType)) {
        setters.push('pod');
        values.add(podType);
      }
      const bad: string[] = [];
      for (const c of containersOf(spec)) {
        const p = c.securityContext?.appArmorProfile;
        if (p && !validAppArmor(p.type)) {
          bad.push(c.name);
          values.add(p.type);
        }
      }
      if (bad.length > 0) setters.push(containersPhrase(bad));
      const annotations = Object.entries(metadata?.annotations ?? {})
        .filter(
          ([k, v]) =>
            k.startsWith('container.apparmor.security.beta.kubernetes.io/') &&
            !(v === '' || v === 'runtime/default' || v.startsWith('localhost/')),
        )
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .sort();
      const list = [...sorted(values), ...annotations];
      if (annotations.length > 0) setters.push(plural('annotation', 'annotations', annotations.length));
      return setters.length === 0
        ? undefined
        : {
            reason: plural('forbidden AppArmor profile', 'forbidden AppArmor profiles', list.length),
            detail: `${setters.join(' and ')} must not set AppArmor profile type to ${quote(list)}`,
          };
    },
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    run: ({ spec }, minor) => {
      const allowed = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
      if (minor >= 31) allowed.add('container_engine_t');
      const types = new Set<string>();
      let user = false;
      let role = false;
      const valid = (o: Obj) => {
        let ok = true;
        if (!allowed.has(o.type ?? '')) {
          ok = false;
          types.add(o.type);
        }
        if (o.user) {
          ok = false;
          user = true;
        }
        if (o.role) {
          ok = false;
          role = true;
        }
        return ok;
      };
      const setters: string[] = [];
      if (spec.securityContext?.seLinuxOptions && !valid(spec.securityContext.seLinuxOptions)) setters.push('pod');
      const bad = containersOf(spec)
        .filter((c) => c.securityContext?.seLinuxOptions && !valid(c.securityContext.seLinuxOptions))
        .map((c) => c.name);
      if (bad.length > 0) setters.push(containersPhrase(bad));
      if (setters.length === 0) return undefined;
      const data: string[] = [];
      if (types.size > 0) data.push(`${plural('type', 'types', types.size)} ${quote(sorted(types))}`);
      if (user) data.push('user may not be set');
      if (role) data.push('role may not be set');
      return {
        reason: 'seLinuxOptions',
        detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
      };
    },
  },
  { id: 'procMount', level: 'baseline', run: (pod, minor) => procMount(pod, minor, true) },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    run: ({ spec }) => {
      const setters: string[] = [];
      const values = new Set<string>();
      const pod = spec.securityContext?.seccompProfile;
      if (pod && !validSeccomp(pod.type)) {
        setters.push('pod');
        values.add(pod.type);
      }
      const bad: string[] = [];
      for (const c of containersOf(spec)) {
        const p = c.securityContext?.seccompProfile;
        if (p && !validSeccomp(p.type)) {
          bad.push(c.name);
          values.add(p.type);
        }
      }
      if (bad.length > 0) setters.push(containersPhrase(bad));
      return setters.length === 0
        ? undefined
        : {
            reason: 'seccompProfile',
            detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${quote(sorted(values))}`,
          };
    },
  },
  {
    id: 'sysctls',
    level: 'baseline',
    run: ({ spec }, minor) => {
      const safe = new Set(SAFE_SYSCTLS.filter(([since]) => minor >= since).flatMap(([, names]) => names));
      const bad = ((spec.securityContext?.sysctls ?? []) as Obj[])
        .map((s) => s.name as string)
        .filter((n) => !safe.has(n));
      return bad.length === 0 ? undefined : { reason: 'forbidden sysctls', detail: bad.join(', ') };
    },
  },
  // Restricted.
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    overrides: ['hostPathVolumes'],
    run: ({ spec }) => {
      const bad: string[] = [];
      const types = new Set<string>();
      for (const v of (spec.volumes ?? []) as Obj[]) {
        const source = Object.keys(v).filter((k) => k !== 'name');
        if (source.some((k) => RESTRICTED_VOLUMES.has(k))) continue;
        bad.push(v.name);
        types.add(source[0] ?? 'unknown');
      }
      return bad.length === 0
        ? undefined
        : {
            reason: 'restricted volume types',
            detail: `${plural('volume', 'volumes', bad.length)} ${quote(bad)} ${plural('uses', 'use', bad.length)} ${plural('restricted volume type', 'restricted volume types', types.size)} ${quote(sorted(types))}`,
          };
    },
  },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    run: ({ spec }) => {
      if (windows(spec)) return undefined;
      const bad = containersOf(spec)
        .filter((c) => c.securityContext?.allowPrivilegeEscalation !== false)
        .map((c) => c.name);
      return bad.length === 0
        ? undefined
        : {
            reason: 'allowPrivilegeEscalation != false',
            detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`,
          };
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    run: ({ spec }, minor) => {
      if (userNamespaced(spec, minor)) return undefined;
      const setters: string[] = [];
      const podValue = spec.securityContext?.runAsNonRoot;
      if (podValue === false) setters.push('pod');
      const explicit: string[] = [];
      const implicit: string[] = [];
      for (const c of containersOf(spec)) {
        const v = c.securityContext?.runAsNonRoot;
        if (v === false) explicit.push(c.name);
        else if (v === undefined || v === null) {
          if (podValue !== true) implicit.push(c.name);
        }
      }
      if (explicit.length > 0) setters.push(containersPhrase(explicit));
      if (setters.length > 0) {
        return {
          reason: 'runAsNonRoot != true',
          detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
        };
      }
      return implicit.length === 0
        ? undefined
        : {
            reason: 'runAsNonRoot != true',
            detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`,
          };
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    run: ({ spec }, minor) => {
      if (userNamespaced(spec, minor)) return undefined;
      const setters: string[] = [];
      if (spec.securityContext?.runAsUser === 0) setters.push('pod');
      const bad = containersOf(spec)
        .filter((c) => c.securityContext?.runAsUser === 0)
        .map((c) => c.name);
      if (bad.length > 0) setters.push(containersPhrase(bad));
      return setters.length === 0
        ? undefined
        : { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` };
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    overrides: ['seccompProfile_baseline'],
    run: ({ spec }) => {
      if (windows(spec)) return undefined;
      const setters: string[] = [];
      const values = new Set<string>();
      const pod = spec.securityContext?.seccompProfile;
      let podSet = false;
      if (pod) {
        if (validSeccomp(pod.type)) podSet = true;
        else {
          setters.push('pod');
          values.add(pod.type);
        }
      }
      const explicit: string[] = [];
      const implicit: string[] = [];
      for (const c of containersOf(spec)) {
        const p = c.securityContext?.seccompProfile;
        if (p) {
          if (!validSeccomp(p.type)) {
            explicit.push(c.name);
            values.add(p.type);
          }
        } else if (!podSet) implicit.push(c.name);
      }
      if (explicit.length > 0) setters.push(containersPhrase(explicit));
      if (setters.length > 0) {
        return {
          reason: 'seccompProfile',
          detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${quote(sorted(values))}`,
        };
      }
      return implicit.length === 0
        ? undefined
        : {
            reason: 'seccompProfile',
            detail: `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
          };
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    overrides: ['capabilities_baseline'],
    run: ({ spec }) => {
      if (windows(spec)) return undefined;
      const missingDrop: string[] = [];
      const adding: string[] = [];
      const caps = new Set<string>();
      for (const c of containersOf(spec)) {
        const capabilities = c.securityContext?.capabilities;
        if (!capabilities) {
          missingDrop.push(c.name);
          continue;
        }
        if (!((capabilities.drop ?? []) as string[]).includes('ALL')) missingDrop.push(c.name);
        const extra = ((capabilities.add ?? []) as string[]).filter((cap) => cap !== 'NET_BIND_SERVICE');
        if (extra.length > 0) {
          adding.push(c.name);
          for (const cap of extra) caps.add(cap);
        }
      }
      const details: string[] = [];
      if (missingDrop.length > 0) {
        details.push(`${containersPhrase(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
      }
      if (adding.length > 0) {
        details.push(
          `${containersPhrase(adding)} must not include ${quote(sorted(caps))} in securityContext.capabilities.add`,
        );
      }
      return details.length === 0 ? undefined : { reason: 'unrestricted capabilities', detail: details.join('; ') };
    },
  },
  {
    id: 'procMount_restricted',
    level: 'restricted',
    overrides: ['procMount'],
    since: 35,
    run: (pod, minor) => procMount(pod, minor, false),
  },
];

/**
 * The checks a pod fails at `level` under the standards of Kubernetes `version` (`1.33.0`, `v1.33`, `latest`), in
 * the admission's order. `privileged` allows everything.
 */
export function checkPodSecurity(pod: PodLike, level: PodSecurityLevel, version = 'latest'): PodSecurityViolation[] {
  if (level === 'privileged') return [];
  const minor = minorOf(version);
  const active = CHECKS.filter((c) => (c.since ?? 0) <= minor && (level === 'restricted' || c.level === 'baseline'));
  const overridden = new Set(active.flatMap((c) => c.overrides ?? []));
  const out: PodSecurityViolation[] = [];
  for (const c of active) {
    if (overridden.has(c.id)) continue;
    const r = c.run(pod, minor);
    if (r) out.push({ check: c.id, level: c.level, ...r });
  }
  return out;
}

/** The container security context the prometheus-operator gives every container it builds. */
const OPERATOR_CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/** Containers merged by name, as the operator merges `spec.containers` into its own (strategic merge). */
function mergeContainers(own: Obj[], patches: readonly Obj[] | undefined): Obj[] {
  const out = own.map((c) => ({ ...c }));
  for (const p of patches ?? []) {
    const i = out.findIndex((c) => c.name === p.name);
    if (i < 0) out.push(p);
    else {
      out[i] = {
        ...out[i],
        ...p,
        securityContext: { ...(out[i].securityContext ?? {}), ...(p.securityContext ?? {}) },
      };
    }
  }
  return out;
}

/**
 * The pod the prometheus-operator builds from a Prometheus, PrometheusAgent or Alertmanager, as far as the Pod
 * Security Standards look (modelled on prometheus-operator 0.93's pkg/prometheus/server/statefulset.go,
 * pkg/alertmanager/statefulset.go and pkg/operator/config_reloader.go): its own containers (the server, the
 * config-reloader, the Thanos sidecar, the init-config-reloader) each with `allowPrivilegeEscalation: false`,
 * `readOnlyRootFilesystem: true` and `capabilities.drop: [ALL]`, `spec.containers` and `spec.initContainers` merged
 * in by name; the pod's security context, host network and volumes from the spec (its own volumes are Secrets,
 * ConfigMaps, emptyDirs and projected volumes, and the storage a PersistentVolumeClaim template).
 */
export function operatorPod(obj: { kind: string; spec?: Obj }): PodLike | undefined {
  const spec = obj.spec ?? {};
  const c = (name: string) => ({ name, securityContext: OPERATOR_CONTAINER_SECURITY });
  let own: Obj[];
  if (obj.kind === 'Prometheus') {
    own = [c('prometheus'), c('config-reloader'), ...(spec.thanos ? [c('thanos-sidecar')] : [])];
  } else if (obj.kind === 'PrometheusAgent') own = [c('prometheus'), c('config-reloader')];
  else if (obj.kind === 'Alertmanager') own = [c('alertmanager'), c('config-reloader')];
  else return undefined;
  return {
    metadata: { annotations: spec.podMetadata?.annotations },
    spec: {
      ...(spec.securityContext ? { securityContext: spec.securityContext } : {}),
      ...(spec.hostNetwork ? { hostNetwork: true } : {}),
      ...(spec.hostUsers !== undefined ? { hostUsers: spec.hostUsers } : {}),
      containers: mergeContainers(own, spec.containers),
      initContainers: mergeContainers([c('init-config-reloader')], spec.initContainers),
      volumes: spec.volumes ?? [],
    },
  };
}

const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** Where a workload kind keeps its pod template (`['spec', 'template']`...), or undefined for other kinds. */
export function podTemplatePath(kind: string): readonly string[] | undefined {
  return Object.hasOwn(TEMPLATE_PATHS, kind) ? TEMPLATE_PATHS[kind] : undefined;
}

/**
 * A workload's pod template as it is written (its `metadata` and `spec`), read at its kind's `podTemplatePath`;
 * undefined for a Pod, a custom resource or any other kind. One table for every reader of pod templates.
 */
export function workloadPodTemplate(obj: { kind: string }): Obj | undefined {
  const path = podTemplatePath(obj.kind);
  if (!path) return undefined;
  let t: unknown = obj;
  for (const seg of path) t = (t as Obj | undefined)?.[seg];
  return t && typeof t === 'object' ? (t as Obj) : undefined;
}

/** The pod an object runs: a Pod, a workload's pod template, or what the operator builds; undefined for others. */
export function podTemplateOf(obj: { apiVersion?: string; kind: string; spec?: Obj }): PodLike | undefined {
  if (obj.kind === 'Pod' && obj.apiVersion === 'v1') return { metadata: (obj as Obj).metadata, spec: obj.spec ?? {} };
  if (obj.apiVersion?.startsWith('monitoring.coreos.com/')) return operatorPod(obj);
  const template = workloadPodTemplate(obj);
  return template ? { metadata: template.metadata, spec: template.spec ?? {} } : undefined;
}

/** A namespace's enforced level and version, from its `pod-security.kubernetes.io/enforce(-version)` labels. */
export function enforcedLevel(
  labels: Readonly<Record<string, string>> | undefined,
): { level: PodSecurityLevel; version: string } | undefined {
  const level = labels?.[`${POD_SECURITY_LABEL}/enforce`];
  if (!level) return undefined;
  if (!(POD_SECURITY_LEVELS as readonly string[]).includes(level)) {
    throw new Error(
      `${POD_SECURITY_LABEL}/enforce: expected one of ${POD_SECURITY_LEVELS.join(', ')}, got ${JSON.stringify(level)}`,
    );
  }
  return { level: level as PodSecurityLevel, version: labels?.[`${POD_SECURITY_LABEL}/enforce-version`] ?? 'latest' };
}
