import * as fs from 'node:fs';
import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  ClusterAgent,
  NetworkPolicies,
  allowed,
  inCidr,
  networkPolicyProblems,
  PLATFORMS,
  PROFILES,
  renderApp,
  renderFleet,
  selects,
  type Client,
  type ClusterFacts,
  type NetworkPolicyObject,
  type PodInfo,
  type Release,
  type RenderedCluster,
} from '../lib';
import { podsOf, policiesOf, scrapeTargets } from '../lib/render/checks';
import type { K8sObject } from '../lib/render/render';
import { toYaml } from '../lib/output/yaml';
import { buildFleet, exampleInventories, inventoryProblems, type Manifest } from './support/example';

/**
 * CMM's NetworkPolicies, evaluated over pods: the pods of CMM's own objects (Karma, Thanos) as synthesized, and the
 * charts' pods with the labels and ports `helm template` of the pinned charts gives them (copied below from a render
 * of kube-prometheus-stack 88.5.3, loki 18.11.0 and alloy 1.11.1; `npm run render` checks the real ones). Which
 * client reaches which port is written out in each test.
 */

/** The pods a release of the pinned charts makes, as their render shows (labels, container ports, host network). */
function chartObjects(release: Release): string {
  const values = (parse(release.values) ?? {}) as Record<string, any>;
  const objs: Record<string, unknown>[] = [];
  const workload = (
    kind: string,
    name: string,
    labels: Record<string, string>,
    ports: { name: string; containerPort: number }[],
    hostNetwork = false,
  ) =>
    objs.push({
      apiVersion: kind === 'DaemonSet' || kind === 'Deployment' || kind === 'StatefulSet' ? 'apps/v1' : 'v1',
      kind,
      metadata: { name, namespace: release.namespace },
      spec: { template: { metadata: { labels }, spec: { hostNetwork, containers: [{ name: 'c', ports }] } } },
    });
  if (release.chart === 'kube-prometheus-stack' && values.grafana?.enabled === false) {
    const r = release.name;
    workload(
      'Deployment',
      `${r}-operator`,
      {
        app: 'kube-prometheus-stack-operator',
        'app.kubernetes.io/component': 'prometheus-operator',
        'app.kubernetes.io/instance': r,
        'app.kubernetes.io/name': 'kube-prometheus-stack-prometheus-operator',
        release: r,
      },
      [{ name: 'https', containerPort: 10250 }],
    );
    // The admission Jobs share the operator's app.kubernetes.io/name: a policy must not take them for it.
    workload(
      'Job',
      `${r}-admission-create`,
      {
        app: 'kube-prometheus-stack-admission-create',
        'app.kubernetes.io/component': 'prometheus-operator-webhook',
        'app.kubernetes.io/name': 'kube-prometheus-stack-prometheus-operator',
        release: r,
      },
      [],
    );
    if (values.kubeStateMetrics?.enabled !== false) {
      workload(
        'Deployment',
        `${r}-kube-state-metrics`,
        { 'app.kubernetes.io/instance': r, 'app.kubernetes.io/name': 'kube-state-metrics', release: r },
        [
          { name: 'http', containerPort: 8080 },
          { name: 'metrics', containerPort: 8081 },
        ],
      );
    }
    if (values.nodeExporter?.enabled !== false) {
      workload(
        'DaemonSet',
        `${r}-prometheus-node-exporter`,
        { 'app.kubernetes.io/instance': r, 'app.kubernetes.io/name': 'prometheus-node-exporter' },
        [{ name: 'http-metrics', containerPort: 9100 }],
        true,
      );
    }
    const agent = values.prometheus?.agentMode === true;
    objs.push({
      apiVersion: agent ? 'monitoring.coreos.com/v1alpha1' : 'monitoring.coreos.com/v1',
      kind: agent ? 'PrometheusAgent' : 'Prometheus',
      metadata: { name: `${r}-prometheus`, namespace: release.namespace },
      spec: values.prometheus?.prometheusSpec?.thanos ? { thanos: {} } : {},
    });
    if (values.alertmanager?.enabled) {
      objs.push({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'Alertmanager',
        metadata: { name: `${r}-alertmanager`, namespace: release.namespace },
        spec: {},
      });
    }
  } else if (release.chart === 'kube-prometheus-stack') {
    workload(
      'Deployment',
      `${release.name}-grafana`,
      { 'app.kubernetes.io/instance': release.name, 'app.kubernetes.io/name': 'grafana' },
      [{ name: 'grafana', containerPort: 3000 }],
    );
  } else if (release.chart === 'loki') {
    const loki = (component: string) => ({
      'app.kubernetes.io/component': component,
      'app.kubernetes.io/instance': release.name,
      'app.kubernetes.io/name': 'loki',
    });
    workload('Deployment', `${release.name}-gateway`, loki('gateway'), [{ name: 'http', containerPort: 8080 }]);
    workload('StatefulSet', release.name, loki('single-binary'), [
      { name: 'http-metrics', containerPort: 3100 },
      { name: 'grpc', containerPort: 9095 },
      { name: 'http-memberlist', containerPort: 7946 },
    ]);
  } else if (release.chart === 'alloy') {
    const kind = values.controller?.type === 'deployment' ? 'Deployment' : 'DaemonSet';
    workload(kind, release.name, { 'app.kubernetes.io/instance': release.name, 'app.kubernetes.io/name': 'alloy' }, [
      { name: 'http-metrics', containerPort: 12345 },
    ]);
  }
  return objs.map((o) => toYaml(o)).join('---\n');
}

/** A fleet synthesized and "rendered" with the charts' pods above, with each cluster's facts (flows). */
function fleetOf(text: string): { clusters: Map<string, RenderedCluster>; facts: Record<string, ClusterFacts> } {
  const { app, fleet } = buildFleet(text);
  const rendered = renderFleet(renderApp(app), chartObjects);
  return { clusters: new Map(rendered.map((c) => [c.cluster, c])), facts: fleet.renderFacts() };
}

/** The first pod of a workload (by kind and name) in a rendered cluster. */
function pod(cluster: RenderedCluster, kind: string, name: string): PodInfo {
  const p = podsOf(cluster).find((x) => x.kind === kind && x.name === name);
  if (!p) throw new Error(`no ${kind} ${name} in ${cluster.cluster}`);
  return p;
}

/** Whether `client` reaches a workload's port under the cluster's policies. */
function reaches(cluster: RenderedCluster, client: Client | PodInfo, kind: string, name: string, port: number) {
  const c: Client = 'ip' in client ? client : { namespace: client.namespace, labels: client.labels };
  return allowed(policiesOf(cluster), c, pod(cluster, kind, name), port);
}

const inNamespace = (namespace: string, labels: Record<string, string> = { app: 'anything' }): Client => ({
  namespace,
  labels,
});
const API_SERVER: Client = { ip: '10.0.0.1' };
/** k3s' Traefik as its chart labels it, and another pod of kube-system (CoreDNS). */
const K3S_TRAEFIK = inNamespace('kube-system', { 'app.kubernetes.io/name': 'traefik' });
const COREDNS = inNamespace('kube-system', { 'k8s-app': 'kube-dns' });

describe('NetworkPolicy semantics', () => {
  const pol = (spec: NetworkPolicyObject['spec'], namespace = 'm'): NetworkPolicyObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'p', namespace },
    spec,
  });
  const server: PodInfo = {
    what: 'server',
    namespace: 'm',
    labels: { app: 'db', tier: 'x' },
    ports: [{ name: 'web', containerPort: 9090 }],
  };

  test('a pod no policy selects accepts everything; a selected pod only what a rule allows', () => {
    const other = pol({ podSelector: { matchLabels: { app: 'web' } }, ingress: [] });
    expect(allowed([other], inNamespace('z'), server, 1234)).toBe(true);
    const deny = pol({ podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [] });
    expect(allowed([deny], inNamespace('m'), server, 9090)).toBe(false);
    // The same selector in another namespace does not select the pod.
    expect(allowed([{ ...deny, metadata: { name: 'p', namespace: 'n' } }], inNamespace('m'), server, 9090)).toBe(true);
    // Policies do not apply to a pod on the host's network (node-exporter), even one they select.
    expect(allowed([deny], inNamespace('m'), { ...server, hostNetwork: true }, 9090)).toBe(true);
    // An Egress-only policy does not isolate for Ingress.
    expect(allowed([pol({ podSelector: {}, policyTypes: ['Egress'] })], inNamespace('m'), server, 9090)).toBe(true);
  });

  test('peers: podSelector alone is the policy namespace; with namespaceSelector both must match', () => {
    const p = pol({
      podSelector: {},
      ingress: [
        { from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 9090 }] },
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } },
              podSelector: { matchLabels: { app: 'nginx' } },
            },
          ],
          ports: [{ port: 'web' }],
        },
      ],
    });
    expect(allowed([p], inNamespace('m', { role: 'client' }), server, 9090)).toBe(true);
    expect(allowed([p], inNamespace('other', { role: 'client' }), server, 9090)).toBe(false);
    expect(allowed([p], inNamespace('m', { role: 'client' }), server, 9091)).toBe(false);
    // A named port is the pod's container port of that name.
    expect(allowed([p], inNamespace('ingress', { app: 'nginx' }), server, 9090)).toBe(true);
    expect(allowed([p], inNamespace('ingress', { app: 'traefik' }), server, 9090)).toBe(false);
    expect(allowed([p], inNamespace('m', { app: 'nginx' }), server, 9090)).toBe(false);
  });

  test('ipBlock matches addresses outside the pod network; no from is every source; protocols differ', () => {
    const p = pol({
      podSelector: {},
      ingress: [
        { from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 80 }] },
        { ports: [{ port: 53, protocol: 'UDP' }] },
      ],
    });
    expect(allowed([p], { ip: '10.2.3.4' }, server, 80)).toBe(true);
    expect(allowed([p], { ip: '10.1.3.4' }, server, 80)).toBe(false);
    expect(allowed([p], { ip: '192.168.0.1' }, server, 80)).toBe(false);
    expect(allowed([p], inNamespace('m'), server, 80)).toBe(false);
    expect(allowed([p], { ip: '192.168.0.1' }, server, 53, 'UDP')).toBe(true);
    expect(allowed([p], { ip: '192.168.0.1' }, server, 53, 'TCP')).toBe(false);
    expect(inCidr('203.0.113.9', '203.0.113.0/24')).toBe(true);
    expect(inCidr('203.0.114.9', '203.0.113.0/24')).toBe(false);
  });

  test('matchExpressions: In, NotIn, Exists, DoesNotExist', () => {
    const labels = { a: '1', b: '2' };
    expect(selects({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '3'] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['1'] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'c', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'c', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selects({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] }, labels)).toBe(
      true,
    );
  });
});

describe('NetworkPolicies of the bundled fleet (cmm.yaml)', () => {
  const { clusters, facts } = fleetOf(fs.readFileSync('cmm.yaml', 'utf8'));
  const central = clusters.get('central')!;
  const edge = clusters.get('edge-1')!;
  const kafka = clusters.get('kafka-prod')!;

  test('every policy selects a pod and every known flow is allowed, in every cluster', () => {
    for (const [name, cluster] of clusters)
      expect([name, networkPolicyProblems(cluster, facts[name] ?? {})]).toEqual([name, []]);
    expect(facts.central.networkFlows!.length).toBeGreaterThanOrEqual(10);
  });

  test('which policies each cluster gets', () => {
    const names = (c: RenderedCluster) =>
      policiesOf(c)
        .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
        .sort();
    expect(names(edge)).toEqual(['monitoring/cmm-prometheus', 'monitoring/cmm-prometheus-operator']);
    expect(names(kafka)).toEqual([
      'monitoring/cmm-alertmanager',
      'monitoring/cmm-kube-state-metrics',
      'monitoring/cmm-prometheus',
      'monitoring/cmm-prometheus-operator',
    ]);
    expect(names(central)).toEqual([
      'monitoring/cmm-grafana',
      'monitoring/cmm-karma',
      'monitoring/cmm-kube-state-metrics',
      'monitoring/cmm-loki',
      'monitoring/cmm-loki-gateway',
      'monitoring/cmm-prometheus',
      'monitoring/cmm-prometheus-operator',
    ]);
  });

  test('edge-1: only Traefik (kube-system) reaches the exposed Prometheus, on its web port', () => {
    const prom = ['Prometheus', 'cmm-agent-prometheus'] as const;
    expect(reaches(edge, inNamespace('kube-system', { 'app.kubernetes.io/name': 'traefik' }), ...prom, 9090)).toBe(
      true,
    );
    expect(reaches(edge, inNamespace('kube-system'), ...prom, 8080)).toBe(false);
    expect(reaches(edge, inNamespace('default'), ...prom, 9090)).toBe(false);
    expect(reaches(edge, inNamespace('monitoring'), ...prom, 9090)).toBe(false);
    expect(reaches(edge, pod(edge, ...prom), ...prom, 9090)).toBe(true);
    // The webhook's port is open to every source (the API server is no pod); nothing else of the operator's.
    expect(reaches(edge, API_SERVER, 'Deployment', 'cmm-agent-operator', 10250)).toBe(true);
    expect(reaches(edge, API_SERVER, 'Deployment', 'cmm-agent-operator', 8080)).toBe(false);
    // node-exporter is on the host's network: policies do not apply to it.
    expect(reaches(edge, inNamespace('default'), 'DaemonSet', 'cmm-agent-prometheus-node-exporter', 9100)).toBe(true);
  });

  test('kafka-prod: ingress-nginx reaches Prometheus and Alertmanager; Prometheus scrapes kube-state-metrics', () => {
    const am = ['Alertmanager', 'cmm-agent-alertmanager'] as const;
    const prom = pod(kafka, 'Prometheus', 'cmm-agent-prometheus');
    expect(reaches(kafka, inNamespace('ingress-nginx'), ...am, 9093)).toBe(true);
    expect(reaches(kafka, inNamespace('kube-system'), ...am, 9093)).toBe(false);
    expect(reaches(kafka, inNamespace('kafka'), ...am, 9093)).toBe(false);
    expect(reaches(kafka, prom, ...am, 9093)).toBe(true);
    expect(reaches(kafka, prom, ...am, 8080)).toBe(true);
    expect(reaches(kafka, inNamespace('ingress-nginx'), 'Prometheus', 'cmm-agent-prometheus', 9090)).toBe(true);
    expect(reaches(kafka, inNamespace('kube-system'), 'Prometheus', 'cmm-agent-prometheus', 9090)).toBe(false);
    const ksm = ['Deployment', 'cmm-agent-kube-state-metrics'] as const;
    expect(reaches(kafka, prom, ...ksm, 8080)).toBe(true);
    expect(reaches(kafka, prom, ...ksm, 8081)).toBe(false);
    expect(reaches(kafka, inNamespace('monitoring'), ...ksm, 8080)).toBe(false);
    // The log agent is no scraper.
    expect(reaches(kafka, pod(kafka, 'DaemonSet', 'cmm-alloy'), ...ksm, 8080)).toBe(false);
  });

  test('central: nothing reaches Loki around the gateway; Grafana and the log agent reach the gateway', () => {
    const grafana = pod(central, 'Deployment', 'cmm-central-grafana');
    const gateway = pod(central, 'Deployment', 'cmm-loki-gateway');
    const alloy = pod(central, 'DaemonSet', 'cmm-alloy');
    const loki = ['StatefulSet', 'cmm-loki'] as const;
    expect(reaches(central, gateway, ...loki, 3100)).toBe(true);
    expect(reaches(central, pod(central, ...loki), ...loki, 7946)).toBe(true);
    expect(reaches(central, grafana, ...loki, 3100)).toBe(false);
    expect(reaches(central, alloy, ...loki, 3100)).toBe(false);
    expect(reaches(central, inNamespace('kube-system'), ...loki, 3100)).toBe(false);
    expect(reaches(central, grafana, 'Deployment', 'cmm-loki-gateway', 8080)).toBe(true);
    expect(reaches(central, alloy, 'Deployment', 'cmm-loki-gateway', 8080)).toBe(true);
    // The log agent keeps reaching the gateway from a namespace of its own (host access).
    expect(reaches(central, { ...alloy, namespace: 'monitoring-host' }, 'Deployment', 'cmm-loki-gateway', 8080)).toBe(
      true,
    );
    expect(reaches(central, K3S_TRAEFIK, 'Deployment', 'cmm-loki-gateway', 8080)).toBe(true);
    expect(reaches(central, COREDNS, 'Deployment', 'cmm-loki-gateway', 8080)).toBe(false);
    expect(reaches(central, inNamespace('default'), 'Deployment', 'cmm-loki-gateway', 8080)).toBe(false);
  });

  test('central: Grafana reads its Prometheus; Traefik reaches Grafana and Karma; Karma reads Grafana', () => {
    const grafana = pod(central, 'Deployment', 'cmm-central-grafana');
    const karma = pod(central, 'Deployment', 'cmm-karma');
    const prom = pod(central, 'Prometheus', 'cmm-agent-prometheus');
    expect(reaches(central, grafana, 'Prometheus', 'cmm-agent-prometheus', 9090)).toBe(true);
    expect(reaches(central, karma, 'Prometheus', 'cmm-agent-prometheus', 9090)).toBe(false);
    expect(reaches(central, K3S_TRAEFIK, 'Deployment', 'cmm-karma', 8080)).toBe(true);
    expect(reaches(central, COREDNS, 'Deployment', 'cmm-karma', 8080)).toBe(false);
    expect(reaches(central, grafana, 'Deployment', 'cmm-karma', 8080)).toBe(false);
    expect(reaches(central, K3S_TRAEFIK, 'Deployment', 'cmm-central-grafana', 3000)).toBe(true);
    expect(reaches(central, COREDNS, 'Deployment', 'cmm-central-grafana', 3000)).toBe(false);
    expect(reaches(central, karma, 'Deployment', 'cmm-central-grafana', 3000)).toBe(true);
    expect(reaches(central, prom, 'Deployment', 'cmm-central-grafana', 3000)).toBe(true);
    expect(reaches(central, inNamespace('default'), 'Deployment', 'cmm-central-grafana', 3000)).toBe(false);
  });
});

describe('NetworkPolicies of the Thanos fleet (examples/thanos.yaml)', () => {
  const { clusters, facts } = fleetOf(fs.readFileSync('examples/thanos.yaml', 'utf8'));
  const centre = clusters.get('rke2-central')!;
  const eks = clusters.get('eks-prod')!;
  const gke = clusters.get('gke-data')!;

  test('every policy selects a pod and every known flow is allowed, in every cluster', () => {
    for (const [name, cluster] of clusters)
      expect([name, networkPolicyProblems(cluster, facts[name] ?? {})]).toEqual([name, []]);
  });

  test('a sidecar behind a cloud load balancer takes gRPC from anywhere (mTLS), nothing else from outside', () => {
    const prom = ['Prometheus', 'cmm-agent-prometheus'] as const;
    expect(reaches(eks, { ip: '203.0.113.20' }, ...prom, 10901)).toBe(true);
    expect(reaches(eks, { ip: '203.0.113.20' }, ...prom, 9090)).toBe(false);
    expect(reaches(eks, { ip: '203.0.113.20' }, ...prom, 10902)).toBe(false);
  });

  test('a sidecar behind ingress-nginx takes gRPC from the ingress-nginx namespace only', () => {
    const prom = ['Prometheus', 'cmm-agent-prometheus'] as const;
    expect(reaches(gke, inNamespace('ingress-nginx'), ...prom, 10901)).toBe(true);
    expect(reaches(gke, { ip: '203.0.113.20' }, ...prom, 10901)).toBe(false);
    expect(reaches(gke, inNamespace('kube-system'), ...prom, 10901)).toBe(false);
  });

  test('the central Thanos: Query reads Store, Receive and the local sidecar; Grafana the Query Frontend', () => {
    const query = pod(centre, 'Deployment', 'thanos-query');
    const frontend = pod(centre, 'Deployment', 'thanos-query-frontend');
    const grafana = pod(centre, 'Deployment', 'cmm-central-grafana');
    expect(reaches(centre, query, 'Prometheus', 'cmm-agent-prometheus', 10901)).toBe(true);
    expect(reaches(centre, grafana, 'Prometheus', 'cmm-agent-prometheus', 10901)).toBe(false);
    expect(reaches(centre, query, 'StatefulSet', 'thanos-store', 10901)).toBe(true);
    expect(reaches(centre, grafana, 'StatefulSet', 'thanos-store', 10901)).toBe(false);
    expect(reaches(centre, query, 'StatefulSet', 'thanos-receive', 10901)).toBe(true);
    expect(reaches(centre, frontend, 'Deployment', 'thanos-query', 9090)).toBe(true);
    expect(reaches(centre, grafana, 'Deployment', 'thanos-query', 9090)).toBe(false);
    expect(reaches(centre, grafana, 'Deployment', 'thanos-query-frontend', 9090)).toBe(true);
    // Receive's remote-write port: RKE2's Traefik (kube-system) only, not the rest of kube-system.
    expect(
      reaches(
        centre,
        inNamespace('kube-system', { 'app.kubernetes.io/name': 'rke2-traefik' }),
        'StatefulSet',
        'thanos-receive',
        19291,
      ),
    ).toBe(true);
    expect(reaches(centre, COREDNS, 'StatefulSet', 'thanos-receive', 19291)).toBe(false);
    expect(reaches(centre, grafana, 'StatefulSet', 'thanos-receive', 19291)).toBe(false);
    const prom = pod(centre, 'Prometheus', 'cmm-agent-prometheus');
    expect(reaches(centre, prom, 'StatefulSet', 'thanos-compact', 10902)).toBe(true);
    expect(reaches(centre, query, 'StatefulSet', 'thanos-compact', 10902)).toBe(false);
  });

  test("Query reaches the central cluster's own sidecar in the cluster, even when that sidecar is exposed too", () => {
    // The inventory refuses an exposure for the central cluster; a TypeScript user's ClusterAgent can have one.
    const chart = Testing.chart();
    new ClusterAgent(chart, 'Agent', {
      clusterName: 'hub',
      thanos: {
        objectStorageSecret: { name: 'objstore' },
        exposure: { host: 'sidecar.example.com', tlsSecretName: 't', controller: 'nginx' },
      },
      centralClients: { namespace: 'grafana', grafanaRelease: 'cmm-central', thanosQuery: true },
    });
    const policy = (Testing.synth(chart) as Manifest[]).find(
      (m) => m.kind === 'NetworkPolicy' && m.metadata.name === 'cmm-prometheus',
    )!;
    const prom: PodInfo = {
      what: 'Prometheus',
      namespace: 'monitoring',
      labels: { 'operator.prometheus.io/name': 'cmm-agent-prometheus' },
      ports: [],
    };
    const policies = [policy as unknown as NetworkPolicyObject];
    const query = {
      namespace: 'grafana',
      labels: { 'app.kubernetes.io/name': 'thanos-query', 'app.kubernetes.io/instance': 'cmm' },
    };
    expect(allowed(policies, query, prom, 10901)).toBe(true);
    expect(allowed(policies, { ...query, namespace: 'monitoring' }, prom, 10901)).toBe(false);
    expect(allowed(policies, inNamespace('ingress-nginx'), prom, 10901)).toBe(true);
    expect(allowed(policies, inNamespace('default'), prom, 10901)).toBe(false);
  });

  test('a Prometheus agent (remote write) gets its policy by the operator label both modes share', () => {
    const edge = clusters.get('k3s-edge')!;
    const agent = pod(edge, 'PrometheusAgent', 'cmm-agent-prometheus');
    expect(agent.labels['app.kubernetes.io/name']).toBe('prometheus-agent');
    expect(policiesOf(edge).map((p) => p.metadata.name)).toContain('cmm-prometheus');
    expect(reaches(edge, agent, 'PrometheusAgent', 'cmm-agent-prometheus', 9090)).toBe(true);
    expect(reaches(edge, inNamespace('kube-system'), 'PrometheusAgent', 'cmm-agent-prometheus', 9090)).toBe(false);
  });
});

describe('every example inventory', () => {
  test.each(exampleInventories())('%s: policies select pods and allow every known flow', (file) => {
    const { clusters, facts } = fleetOf(fs.readFileSync(file, 'utf8'));
    for (const [name, cluster] of clusters) {
      expect([name, networkPolicyProblems(cluster, facts[name] ?? {})]).toEqual([name, []]);
    }
  });
});

/** A hub (central, monitored, with Loki, Karma and an Alertmanager) and a cluster `w` on `platform`. */
function platformFleet(platform: string, w = ''): string {
  return `central:
  cluster: hub
  persistence: false
  ingress: { host: grafana.example.com, tlsSecretName: grafana-tls }
  loki:
    storage: { size: 5Gi, storageClass: fast }
    ingress: { host: loki.example.com, tlsSecretName: loki-tls }
  karma:
    ingress: { host: karma.example.com, tlsSecretName: karma-tls, basicAuthSecretName: karma-auth }
clusters:
  - name: hub
    platform: ${platform}
    prometheus: { storage: { size: 1Gi, storageClass: fast } }
    alertmanager: { enabled: true, slack: { secretName: s }, storage: { size: 1Gi, storageClass: fast } }
  - name: w
    platform: ${platform}
    prometheus:
      storage: { size: 1Gi, storageClass: fast }
      exposure: { type: ingress, host: p.example.com, tlsSecretName: t, basicAuthSecretName: b }
    alertmanager:
      enabled: true
      slack: { secretName: s }
      storage: { size: 1Gi, storageClass: fast }
      exposure: { type: ingress, host: am.example.com, tlsSecretName: t, basicAuthSecretName: b }
${w}`;
}

describe('every platform profile', () => {
  test('the ingress controllers each platform admits by default', () => {
    expect(Object.fromEntries(PLATFORMS.map((p) => [p, PROFILES[p].ingressNamespaces]))).toEqual({
      k3s: { traefik: 'kube-system', nginx: 'ingress-nginx' },
      rke2: { traefik: 'kube-system', nginx: 'kube-system' },
      eks: { traefik: 'traefik', nginx: 'ingress-nginx' },
      gke: { traefik: 'traefik', nginx: 'ingress-nginx' },
      aks: { traefik: 'traefik', nginx: 'ingress-nginx' },
      kops: { traefik: 'traefik', nginx: 'ingress-nginx' },
      kubeadm: { traefik: 'traefik', nginx: 'ingress-nginx' },
    });
    // The pods of the controllers k3s and RKE2 install, as their charts label them (helm template of k3s' traefik
    // 27.0.201+up27.0.2 and 39.0.701+up39.0.7, RKE2's rke2-traefik 41.2.001 and rke2-ingress-nginx 4.15.109).
    expect(Object.fromEntries(PLATFORMS.map((p) => [p, PROFILES[p].ingressPodLabels ?? {}]))).toEqual({
      k3s: { traefik: { 'app.kubernetes.io/name': 'traefik' } },
      rke2: {
        traefik: { 'app.kubernetes.io/name': 'rke2-traefik' },
        nginx: {
          'app.kubernetes.io/name': 'rke2-ingress-nginx',
          'app.kubernetes.io/instance': 'rke2-ingress-nginx',
          'app.kubernetes.io/component': 'controller',
        },
      },
      eks: {},
      gke: {},
      aks: {},
      kops: {},
      kubeadm: {},
    });
  });

  // The controller's pod as its chart labels it on each platform, and another pod of its namespace (CoreDNS).
  const controllerPods: Record<string, { controller: Client; neighbour: Client }> = {
    k3s: {
      controller: inNamespace('kube-system', {
        'app.kubernetes.io/name': 'traefik',
        'app.kubernetes.io/instance': 'traefik-kube-system',
      }),
      neighbour: inNamespace('kube-system', { 'k8s-app': 'kube-dns' }),
    },
    rke2: {
      controller: inNamespace('kube-system', {
        'app.kubernetes.io/name': 'rke2-traefik',
        'app.kubernetes.io/instance': 'rke2-traefik-kube-system',
      }),
      neighbour: inNamespace('kube-system', { 'k8s-app': 'kube-dns' }),
    },
    eks: { controller: inNamespace('ingress-nginx'), neighbour: inNamespace('kube-system') },
    gke: { controller: inNamespace('ingress-nginx'), neighbour: inNamespace('kube-system') },
    aks: { controller: inNamespace('ingress-nginx'), neighbour: inNamespace('kube-system') },
    kops: { controller: inNamespace('ingress-nginx'), neighbour: inNamespace('kube-system') },
    kubeadm: { controller: inNamespace('ingress-nginx'), neighbour: inNamespace('kube-system') },
  };

  test.each([...PLATFORMS])(
    '%s: every flow is allowed, the platform controller reaches what is exposed',
    (platform) => {
      const { clusters, facts } = fleetOf(platformFleet(platform));
      for (const [name, cluster] of clusters) {
        expect([name, networkPolicyProblems(cluster, facts[name] ?? {})]).toEqual([name, []]);
      }
      const { controller, neighbour } = controllerPods[platform];
      const w = clusters.get('w')!;
      const hub = clusters.get('hub')!;
      expect(reaches(w, controller, 'Prometheus', 'cmm-agent-prometheus', 9090)).toBe(true);
      expect(reaches(w, controller, 'Alertmanager', 'cmm-agent-alertmanager', 9093)).toBe(true);
      expect(reaches(hub, controller, 'Deployment', 'cmm-central-grafana', 3000)).toBe(true);
      expect(reaches(hub, controller, 'Deployment', 'cmm-loki-gateway', 8080)).toBe(true);
      expect(reaches(hub, controller, 'Deployment', 'cmm-karma', 8080)).toBe(true);
      expect(reaches(hub, pod(hub, 'Deployment', 'cmm-karma'), 'Alertmanager', 'cmm-agent-alertmanager', 9093)).toBe(
        true,
      );
      expect(reaches(w, inNamespace('default'), 'Prometheus', 'cmm-agent-prometheus', 9090)).toBe(false);
      // Another pod of the controller's namespace (kube-system on k3s and RKE2) is not the controller.
      expect(reaches(w, neighbour, 'Prometheus', 'cmm-agent-prometheus', 9090)).toBe(false);
      expect(reaches(hub, neighbour, 'Deployment', 'cmm-karma', 8080)).toBe(false);
    },
  );

  test("RKE2's ingress-nginx: its controller pods, not its admission Jobs nor the rest of kube-system", () => {
    const { clusters } = fleetOf(
      platformFleet('rke2').replace(
        'exposure: { type: ingress, host: p.example.com',
        'exposure: { type: ingress, controller: nginx, host: p.example.com',
      ),
    );
    const w = clusters.get('w')!;
    const nginx = {
      'app.kubernetes.io/name': 'rke2-ingress-nginx',
      'app.kubernetes.io/instance': 'rke2-ingress-nginx',
    };
    const policy = policiesOf(w).find((p) => p.metadata.name === 'cmm-prometheus')!;
    expect(policy.spec.ingress).toContainEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { ...nginx, 'app.kubernetes.io/component': 'controller' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 9090 }],
    });
    const as = (component: string) =>
      inNamespace('kube-system', { ...nginx, 'app.kubernetes.io/component': component });
    expect(reaches(w, as('controller'), 'Prometheus', 'cmm-agent-prometheus', 9090)).toBe(true);
    expect(reaches(w, as('admission-webhook'), 'Prometheus', 'cmm-agent-prometheus', 9090)).toBe(false);
    expect(
      reaches(
        w,
        inNamespace('kube-system', { 'k8s-app': 'metrics-server' }),
        'Prometheus',
        'cmm-agent-prometheus',
        9090,
      ),
    ).toBe(false);
  });

  test("a namespace of its own or pod labels set replace the platform controller's labels", () => {
    const ruleFrom = (w: string) => {
      const { clusters } = fleetOf(platformFleet('k3s', w));
      const policy = policiesOf(clusters.get('w')!).find((p) => p.metadata.name === 'cmm-prometheus')!;
      return policy.spec.ingress!.find((r) => r.ports?.[0]?.port === 9090 && r.from?.[0]?.namespaceSelector)!.from;
    };
    // Default on k3s: Traefik's pods in kube-system.
    expect(ruleFrom('')).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
      },
    ]);
    // A Traefik of the user's in another namespace: every pod of it (its labels are not k3s' chart's).
    expect(
      ruleFrom(`    networkPolicies: { ingressControllers: { traefik: { namespace: edge } } }
`),
    ).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } } }]);
    expect(
      ruleFrom(`    networkPolicies: { ingressControllers: { traefik: { podLabels: { app: proxy } } } }
`),
    ).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { app: 'proxy' } },
      },
    ]);
  });

  test("AKS' application routing add-on: its IngressClass admits app-routing-system", () => {
    const { clusters, facts } = fleetOf(
      platformFleet('aks')
        .replace(
          'exposure: { type: ingress, host: p.example.com',
          'exposure: { type: ingress, ingressClassName: webapprouting.kubernetes.azure.com, host: p.example.com',
        )
        .replace(
          'ingress: { host: grafana.example.com,',
          'ingress: { ingressClassName: webapprouting.kubernetes.azure.com, host: grafana.example.com,',
        ),
    );
    for (const [name, cluster] of clusters) {
      expect([name, networkPolicyProblems(cluster, facts[name] ?? {})]).toEqual([name, []]);
    }
    const w = clusters.get('w')!;
    const hub = clusters.get('hub')!;
    const addOn = inNamespace('app-routing-system', { app: 'nginx' });
    expect(reaches(w, addOn, 'Prometheus', 'cmm-agent-prometheus', 9090)).toBe(true);
    expect(reaches(w, inNamespace('ingress-nginx'), 'Prometheus', 'cmm-agent-prometheus', 9090)).toBe(false);
    expect(reaches(hub, addOn, 'Deployment', 'cmm-central-grafana', 3000)).toBe(true);
    expect(reaches(hub, inNamespace('ingress-nginx'), 'Deployment', 'cmm-central-grafana', 3000)).toBe(false);
    // The Alertmanager's Ingress keeps the platform's class: ingress-nginx's namespace.
    expect(reaches(w, inNamespace('ingress-nginx'), 'Alertmanager', 'cmm-agent-alertmanager', 9093)).toBe(true);
    expect(reaches(w, addOn, 'Alertmanager', 'cmm-agent-alertmanager', 9093)).toBe(false);
  });
});

describe('settings', () => {
  const policyNames = (text: string, cluster: string) =>
    [...renderApp(buildFleet(text).app).entries()]
      .filter(([f]) => f.startsWith(`${cluster}/`) && f.includes('networkpolicy'))
      .map(([, y]) => (parse(y) as Manifest).metadata.name)
      .sort();

  test('defaults: on, written in setup/ before the HelmCharts', () => {
    const files = renderApp(buildFleet(platformFleet('k3s')).app);
    const policy = parse(files.get('w/setup/03-networkpolicy-cmm-prometheus.yaml')!) as Manifest;
    expect(policy.kind).toBe('NetworkPolicy');
    expect(policy.spec).toMatchObject({ policyTypes: ['Ingress'] });
    expect(policyNames(platformFleet('k3s'), 'w')).toEqual([
      'cmm-alertmanager',
      'cmm-kube-state-metrics',
      'cmm-prometheus',
      'cmm-prometheus-operator',
    ]);
  });

  test('can be switched off per cluster, and for the central components by the central cluster', () => {
    const off = '    networkPolicies: { enabled: false }\n';
    expect(policyNames(platformFleet('k3s', off), 'w')).toEqual([]);
    expect(policyNames(platformFleet('k3s', off), 'hub')).not.toEqual([]);
    const hubOff = platformFleet('k3s').replace('    platform: k3s\n', `    platform: k3s\n${off}`);
    expect(policyNames(hubOff, 'hub')).toEqual([]);
    expect(policyNames(hubOff, 'w')).not.toEqual([]);
    const defaultsOff = platformFleet('k3s').replace(
      'clusters:\n',
      'defaults:\n  networkPolicies: { enabled: false }\nclusters:\n',
    );
    expect(policyNames(defaultsOff, 'hub')).toEqual([]);
    expect(policyNames(defaultsOff, 'w')).toEqual([]);
  });

  test("can name the ingress controller's namespace and pods, and the host-network ranges", () => {
    const text = platformFleet(
      'eks',
      `    networkPolicies:
      ingressControllers:
        nginx: { namespace: edge-ingress, podLabels: { app.kubernetes.io/name: ingress-nginx } }
      ingressSourceRanges: [192.168.0.0/16]
`,
    );
    const { clusters, facts } = fleetOf(text);
    const w = clusters.get('w')!;
    expect(networkPolicyProblems(w, facts.w)).toEqual([]);
    const prom = ['Prometheus', 'cmm-agent-prometheus'] as const;
    expect(reaches(w, inNamespace('edge-ingress', { 'app.kubernetes.io/name': 'ingress-nginx' }), ...prom, 9090)).toBe(
      true,
    );
    expect(reaches(w, inNamespace('edge-ingress', { app: 'other' }), ...prom, 9090)).toBe(false);
    expect(reaches(w, inNamespace('ingress-nginx'), ...prom, 9090)).toBe(false);
    expect(reaches(w, { ip: '192.168.4.5' }, ...prom, 9090)).toBe(true);
    expect(reaches(w, { ip: '10.4.4.5' }, ...prom, 9090)).toBe(false);
  });

  test("can admit other in-cluster clients to Prometheus' query port", () => {
    const text = platformFleet(
      'k3s',
      `    networkPolicies:
      prometheusClients:
        - { namespace: keda }
        - { namespace: custom-metrics, podLabels: { app: prometheus-adapter } }
`,
    );
    const { clusters, facts } = fleetOf(text);
    const w = clusters.get('w')!;
    expect(networkPolicyProblems(w, facts.w)).toEqual([]);
    const prom = ['Prometheus', 'cmm-agent-prometheus'] as const;
    expect(reaches(w, inNamespace('keda', { app: 'keda-operator' }), ...prom, 9090)).toBe(true);
    expect(reaches(w, inNamespace('keda'), ...prom, 10902)).toBe(false);
    expect(reaches(w, inNamespace('custom-metrics', { app: 'prometheus-adapter' }), ...prom, 9090)).toBe(true);
    expect(reaches(w, inNamespace('custom-metrics', { app: 'other' }), ...prom, 9090)).toBe(false);
    expect(reaches(clusters.get('hub')!, inNamespace('keda'), ...prom, 9090)).toBe(false);
  });

  test('a central namespace apart from the agent namespace: Grafana reaches Prometheus across namespaces', () => {
    const text = platformFleet('k3s').replace('  cluster: hub\n', '  cluster: hub\n  namespace: grafana\n');
    const { clusters, facts } = fleetOf(text);
    const hub = clusters.get('hub')!;
    expect(networkPolicyProblems(hub, facts.hub)).toEqual([]);
    const grafana = pod(hub, 'Deployment', 'cmm-central-grafana');
    expect(grafana.namespace).toBe('grafana');
    expect(reaches(hub, grafana, 'Prometheus', 'cmm-agent-prometheus', 9090)).toBe(true);
    expect(reaches(hub, { ...grafana, namespace: 'other' }, 'Prometheus', 'cmm-agent-prometheus', 9090)).toBe(false);
  });

  test('a central cluster that is not monitored: its components follow defaults, and nothing scrapes them', () => {
    const unmonitored = (defaults: string) => `central:
  cluster: hub
  persistence: false
  ingress: { host: grafana.example.com, tlsSecretName: grafana-tls }
${defaults}clusters:
  - name: w
    prometheus:
      exposure: { type: ingress, host: p.example.com, tlsSecretName: t, basicAuthSecretName: b }
`;
    expect(policyNames(unmonitored('defaults:\n  networkPolicies: { enabled: false }\n'), 'hub')).toEqual([]);
    const { clusters, facts } = fleetOf(unmonitored(''));
    const hub = clusters.get('hub')!;
    expect(policiesOf(hub).map((p) => p.metadata.name)).toEqual(['cmm-grafana']);
    expect(networkPolicyProblems(hub, facts.hub)).toEqual([]);
    expect(reaches(hub, K3S_TRAEFIK, 'Deployment', 'cmm-central-grafana', 3000)).toBe(true);
    expect(reaches(hub, inNamespace('monitoring'), 'Deployment', 'cmm-central-grafana', 3000)).toBe(false);
  });

  test('fails if a policy is defined twice, or a rule is added to one that does not exist', () => {
    const chart = Testing.chart();
    const np = new NetworkPolicies(chart, 'P');
    np.addPolicy('cmm-x', 'monitoring', { matchLabels: { app: 'x' } });
    expect(() => np.addPolicy('cmm-x', 'monitoring', {})).toThrow(
      'NetworkPolicies is invalid:\n  addPolicy(name, namespace): "monitoring/cmm-x" is not valid; expected a policy not defined already (another name)',
    );
    expect(() => np.allow('cmm-y', 'monitoring', { from: 'anywhere', ports: [{ port: 1 }] })).toThrow(
      'NetworkPolicies is invalid:\n  allow(name, namespace): "monitoring/cmm-y" is not valid; expected a policy added with addPolicy()',
    );
    // A rule added after the policy is in the synthesized object; `anywhere` is a rule without from.
    np.allow('cmm-x', 'monitoring', { from: 'anywhere', ports: [{ port: 8080 }] });
    expect((Testing.synth(chart)[0] as Manifest).spec).toEqual({
      podSelector: { matchLabels: { app: 'x' } },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ protocol: 'TCP', port: 8080 }] }],
    });
  });

  test('fails if a range or a namespace is not what Kubernetes takes', () => {
    const problems = inventoryProblems(
      platformFleet(
        'k3s',
        `    networkPolicies:
      ingressControllers: { traefik: { namespace: Kube_System } }
      ingressSourceRanges: [10.0.0.0, 999.1.1.1/99, 10.0.0.256/8, 10.0.0.0/33, 10.1/16, 10.0.0.0/-1, 10.0.0.0/08, 'fd00:::1/64', 'fd00::/129', '2001:db8::g/32', 'fe80::1%eth0/64', 10.0.0.0/0, 192.168.0.0/32, 'fd00::/64', '::/0', '2001:db8:0:0:0:0:0:1/128', '::ffff:10.0.0.1/128']
`,
      ),
    );
    const expected =
      'an IPv4 address with a prefix length up to 32 (e.g. 10.0.0.0/16) or an IPv6 address with one up to 128 (e.g. fd00::/64)';
    const bad = (i: number, v: string) =>
      `clusters[1].networkPolicies.ingressSourceRanges[${i}]: "${v}" is not valid; expected a CIDR range: ${expected}`;
    expect(problems.filter((p) => p.includes('ingressSourceRanges'))).toEqual(
      [
        '10.0.0.0',
        '999.1.1.1/99',
        '10.0.0.256/8',
        '10.0.0.0/33',
        '10.1/16',
        '10.0.0.0/-1',
        '10.0.0.0/08',
        'fd00:::1/64',
        'fd00::/129',
        '2001:db8::g/32',
        'fe80::1%eth0/64',
      ].map((v, i) => expect.stringContaining(bad(i, v))),
    );
    expect(problems.filter((p) => !p.includes('ingressSourceRanges'))).toEqual([
      expect.stringMatching(
        /clusters\[1\]\.networkPolicies\.ingressControllers\.traefik\.namespace: "Kube_System" is not valid; expected a DNS-1123 label/,
      ),
    ]);
  });
});

describe('the render check', () => {
  const { clusters, facts } = fleetOf(fs.readFileSync('cmm.yaml', 'utf8'));
  const kafka = clusters.get('kafka-prod')!;

  test('fails if a policy selects no pod, or blocks a known flow', () => {
    // A chart release whose kube-state-metrics pods lost the label the policy selects by.
    const releases = kafka.releases.map((r) => ({
      release: r.release,
      objects: r.objects.filter(
        (o) => !(o.kind === 'Deployment' && o.metadata.name === 'cmm-agent-kube-state-metrics'),
      ),
    }));
    const moved = { ...kafka, releases };
    expect(networkPolicyProblems(moved, facts['kafka-prod'])).toEqual([
      'kafka-prod: NetworkPolicy monitoring/cmm-kube-state-metrics selects no pod: its podSelector {"matchLabels":{"app.kubernetes.io/instance":"cmm-agent","app.kubernetes.io/name":"kube-state-metrics"}} matches none of the cluster\'s pods, so it protects nothing',
      'kafka-prod: flow "Prometheus scrapes kube-state-metrics": no Deployment cmm-agent-kube-state-metrics in the cluster',
    ]);
    const flows = [
      ...facts['kafka-prod'].networkFlows!,
      {
        what: 'a pod of the kafka namespace reads Alertmanager',
        client: { namespace: 'kafka', labels: { app: 'x' }, what: 'a kafka pod' },
        server: { kind: 'Alertmanager', name: 'cmm-agent-alertmanager' },
        port: 9093,
      },
    ];
    // A flow to a port the server's containers do not open: the flow list (or the policy's port) is wrong.
    const toService = {
      what: 'Prometheus scrapes kube-state-metrics on its Service port',
      client: { workload: { kind: 'Prometheus', name: 'cmm-agent-prometheus' } },
      server: { kind: 'Deployment', name: 'cmm-agent-kube-state-metrics' },
      port: 80,
    };
    expect(networkPolicyProblems(kafka, { networkFlows: [toService] })).toEqual([
      'kafka-prod: flow "Prometheus scrapes kube-state-metrics on its Service port": release cmm-agent: Deployment cmm-agent-kube-state-metrics has no container port 80/TCP (it has 8080/TCP, 8081/TCP)',
    ]);
    expect(networkPolicyProblems(kafka, { networkFlows: flows })).toEqual([
      'kafka-prod: NetworkPolicies block "a pod of the kafka namespace reads Alertmanager": a kafka pod (namespace kafka) cannot reach release cmm-agent: Alertmanager cmm-agent-alertmanager on port 9093; allow it in the policy that selects the server',
    ]);
  });

  describe('derives the scrapes from the monitors, and reports the blocked ones', () => {
    const metadata = (name: string, namespace: string, labels: Record<string, string> = {}) => ({
      name,
      namespace,
      labels,
    });
    const prometheus = (spec: Record<string, unknown>) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Prometheus',
      metadata: metadata('p', 'monitoring'),
      spec,
    });
    const everyMonitor = {
      serviceMonitorSelector: {},
      serviceMonitorNamespaceSelector: {},
      podMonitorSelector: {},
      podMonitorNamespaceSelector: {},
    };
    const api = (hostNetwork = false) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata('api', 'apps'),
      spec: {
        template: {
          metadata: { labels: { app: 'api' } },
          spec: {
            hostNetwork,
            containers: [
              {
                name: 'api',
                ports: [
                  { name: 'metrics', containerPort: 9000 },
                  { name: 'web', containerPort: 8000 },
                ],
              },
            ],
          },
        },
      },
    });
    const service = (targetPort: number | string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata('api', 'apps', { app: 'api' }),
      spec: { selector: { app: 'api' }, ports: [{ name: 'http-metrics', port: 80, targetPort }] },
    });
    const serviceMonitor = (endpoint: Record<string, unknown>) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: metadata('api', 'monitoring'),
      spec: {
        selector: { matchLabels: { app: 'api' } },
        namespaceSelector: { matchNames: ['apps'] },
        endpoints: [endpoint],
      },
    });
    const podMonitor = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: metadata('api-pods', 'apps'),
      spec: { selector: { matchLabels: { app: 'api' } }, podMetricsEndpoints: [{ port: 'web' }] },
    };
    // The api's pods accept Prometheus on 9000 (its metrics port) only.
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata('api', 'apps'),
      spec: {
        podSelector: { matchLabels: { app: 'api' } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
                podSelector: { matchLabels: { 'operator.prometheus.io/name': 'p' } },
              },
            ],
            ports: [{ protocol: 'TCP', port: 9000 }],
          },
        ],
      },
    };
    const cluster = (objects: unknown[]): RenderedCluster => ({
      cluster: 'c',
      manifests: new Map(objects.map((o, i) => [`c/setup/${i}.yaml`, o as K8sObject])),
      releases: [],
    });
    const scrapes = (objects: unknown[]) =>
      scrapeTargets(cluster(objects)).map((t) => `${t.prometheus.name} ${t.monitor} -> ${t.pod.name}:${t.port}`);
    const blocked = (port: number, monitor: string) =>
      `c: NetworkPolicies block a scrape of ${monitor}: c/setup/0.yaml: Prometheus p cannot reach c/setup/1.yaml: Deployment api (namespace apps) on port ${port}; allow it in the policy that selects that pod`;

    test("a ServiceMonitor's endpoint port, through the Service's named targetPort, to the container port", () => {
      const objects = [prometheus(everyMonitor), api(), service('metrics'), serviceMonitor({ port: 'http-metrics' })];
      expect(scrapes(objects)).toEqual(['p ServiceMonitor monitoring/api -> api:9000']);
      expect(networkPolicyProblems(cluster([...objects, policy]), {})).toEqual([]);
    });

    test('a scrape the policy blocks is reported, naming the monitor, the pod and the port', () => {
      // The Service's targetPort moved to the web port (8000), which the policy does not open.
      const objects = [
        prometheus(everyMonitor),
        api(),
        service(8000),
        serviceMonitor({ port: 'http-metrics' }),
        policy,
      ];
      expect(networkPolicyProblems(cluster(objects), {})).toEqual([blocked(8000, 'ServiceMonitor monitoring/api')]);
      // An endpoint's targetPort names the pod's port directly; a PodMonitor's port names a container port.
      expect(
        scrapes([prometheus(everyMonitor), api(), service('metrics'), serviceMonitor({ targetPort: 'web' })]),
      ).toEqual(['p ServiceMonitor monitoring/api -> api:8000']);
      const withPodMonitor = [prometheus(everyMonitor), api(), service('metrics'), podMonitor, policy];
      expect(scrapes(withPodMonitor)).toEqual(['p PodMonitor apps/api-pods -> api:8000']);
      expect(networkPolicyProblems(cluster(withPodMonitor), {})).toEqual([blocked(8000, 'PodMonitor apps/api-pods')]);
    });

    test("the Prometheus' selectors decide which monitors are its; host-network pods are not checked", () => {
      const monitors = [api(), service('metrics'), serviceMonitor({ port: 'http-metrics' }), podMonitor];
      // No podMonitorSelector: no PodMonitor; no namespace selector: only monitors of its own namespace.
      expect(
        scrapes([prometheus({ serviceMonitorSelector: {}, podMonitorNamespaceSelector: {} }), ...monitors]),
      ).toEqual(['p ServiceMonitor monitoring/api -> api:9000']);
      expect(scrapes([prometheus({ serviceMonitorSelector: {} }), ...monitors])).toEqual([
        'p ServiceMonitor monitoring/api -> api:9000',
      ]);
      expect(scrapes([prometheus({ ...everyMonitor, podMonitorNamespaceSelector: undefined }), ...monitors])).toEqual([
        'p ServiceMonitor monitoring/api -> api:9000',
      ]);
      expect(
        scrapes([prometheus({ ...everyMonitor, serviceMonitorSelector: { matchLabels: { team: 'x' } } }), ...monitors]),
      ).toEqual(['p PodMonitor apps/api-pods -> api:8000']);
      const onHost = [
        prometheus(everyMonitor),
        api(true),
        service(8000),
        serviceMonitor({ port: 'http-metrics' }),
        policy,
      ];
      expect(scrapes(onHost)).toEqual([]);
      // (The policy then selects no pod the policies apply to, which the check says; no scrape is reported.)
      expect(networkPolicyProblems(cluster(onHost), {})).toEqual([
        'c: NetworkPolicy apps/api selects no pod: its podSelector {"matchLabels":{"app":"api"}} matches none of the cluster\'s pods, so it protects nothing',
      ]);
    });
  });
});
