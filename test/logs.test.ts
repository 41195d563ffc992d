import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  ALLOY_RELEASE_NAME,
  CentralGrafana,
  CentralLoki,
  checkLogQL,
  ClusterAgent,
  LogAgent,
  LOKI_RELEASE_NAME,
  lokiDuration,
} from '../lib';
import { markPrevalidated } from '../lib/inventory/props';
import { alloyComponents, alloyEnvVars, ALLOY_EXPORTS, alloyReferences, alloyStringAttribute } from './support/alloy';
import { buildFleet, byKindName, helmValues, manifestsOf, inventoryProblems, thrownMessage } from './support/example';

const PUSH = 'https://loki.example.com/loki/api/v1/push';

function agent(logs: ConstructorParameters<typeof ClusterAgent>[2]['logs']) {
  const chart = Testing.chart();
  const a = new ClusterAgent(chart, 'Agent', { clusterName: 'edge-1', logs });
  return { agent: a, objects: byKindName(chart) };
}

/** Checks a generated Alloy configuration's structure; returns its components. */
function checkAlloy(config: string, env: readonly string[], cluster: string, url: string) {
  const components = alloyComponents(config);
  const byId = new Map(components.map((c) => [`${c.kind}.${c.label}`, c]));
  expect(byId.size).toBe(components.length);
  for (const c of components) {
    expect(Object.keys(ALLOY_EXPORTS)).toContain(c.kind);
    for (const r of alloyReferences(c.body)) {
      // Every reference names a component that exists, and an export that kind has.
      expect([`${c.kind}.${c.label} -> ${r.kind}.${r.label}`, byId.has(`${r.kind}.${r.label}`)]).toEqual([
        `${c.kind}.${c.label} -> ${r.kind}.${r.label}`,
        true,
      ]);
      expect(ALLOY_EXPORTS[r.kind]).toContain(r.export);
    }
  }
  // Every source's lines end at loki.write "central".
  const forwards = (id: string): string[] =>
    alloyReferences(
      byId
        .get(id)!
        .body.split('\n')
        .filter((l) => l.includes('forward_to'))
        .join('\n'),
    ).map((r) => `${r.kind}.${r.label}`);
  const reachesWrite = (id: string, seen = new Set<string>()): boolean =>
    id === 'loki.write.central' || (!seen.has(id) && forwards(id).some((n) => reachesWrite(n, new Set([...seen, id]))));
  for (const c of components.filter((x) => x.kind.startsWith('loki.source.')))
    expect([c.label, reachesWrite(`${c.kind}.${c.label}`)]).toEqual([c.label, true]);
  const write = byId.get('loki.write.central')!;
  expect(alloyStringAttribute(write.body, 'url')).toBe(url);
  expect(write.body).toMatch(new RegExp(`"cluster" = "${cluster}"`));
  // Every variable the configuration reads is set on the container.
  for (const v of alloyEnvVars(config)) expect(env).toContain(v);
  return components;
}

describe('log agent (Alloy)', () => {
  test('defaults: a DaemonSet shipping pod logs with cluster, namespace, pod and container labels', () => {
    const { agent: a, objects } = agent({ endpoint: { pushUrl: PUSH } });
    const helm = objects.get(`HelmChart/${ALLOY_RELEASE_NAME}`)!;
    expect(helm.spec).toMatchObject({
      chart: 'alloy',
      repo: 'https://grafana.github.io/helm-charts',
      targetNamespace: 'monitoring',
    });
    const values = helmValues(helm);
    expect(values.controller).toEqual({ type: 'daemonset' });
    expect(values.crds).toEqual({ create: false });
    expect(values.alloy.mounts).toEqual({ varlog: true });
    expect(values.alloy.extraEnv).toEqual([
      { name: 'CMM_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'CMM_LOKI_USERNAME', valueFrom: { secretKeyRef: { name: 'loki-push-credentials', key: 'username' } } },
      { name: 'CMM_LOKI_PASSWORD', valueFrom: { secretKeyRef: { name: 'loki-push-credentials', key: 'password' } } },
    ]);
    const config = values.alloy.configMap.content as string;
    expect(config).toBe(a.logAgent!.config);
    const components = checkAlloy(
      config,
      values.alloy.extraEnv.map((e: { name: string }) => e.name),
      'edge-1',
      PUSH,
    );
    expect(components.map((c) => `${c.kind}.${c.label}`)).toEqual([
      'discovery.kubernetes.pods',
      'discovery.relabel.pod_logs',
      'local.file_match.pod_logs',
      'loki.source.file.pod_logs',
      'loki.process.pod_logs',
      'loki.write.central',
    ]);
    const relabel = components[1].body;
    for (const label of ['namespace', 'pod', 'container']) expect(relabel).toContain(`target_label  = "${label}"`);
    expect(config).not.toMatch(/password\s*=\s*"/);
    expect(objects.has(`HelmChart/cmm-alloy-events`)).toBe(false);
  });

  test('can ship the node journal and Kubernetes events, with resources and tolerations', () => {
    const { agent: a, objects } = agent({
      endpoint: { pushUrl: PUSH },
      credentialsSecret: 'creds',
      journal: true,
      events: true,
      resources: { limits: { memory: '256Mi' } },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'kafka', effect: 'NoSchedule' }],
    });
    const values = helmValues(objects.get(`HelmChart/${ALLOY_RELEASE_NAME}`)!);
    expect(values.controller.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'kafka', effect: 'NoSchedule' },
    ]);
    expect(values.alloy.resources).toEqual({ limits: { memory: '256Mi' } });
    const env = values.alloy.extraEnv.map((e: { name: string }) => e.name);
    const kinds = checkAlloy(a.logAgent!.config, env, 'edge-1', PUSH).map((c) => c.kind);
    expect(kinds).toContain('loki.source.journal');
    const events = helmValues(objects.get('HelmChart/cmm-alloy-events')!);
    expect(events.controller).toEqual({ type: 'deployment', replicas: 1 });
    const eventsConfig = events.alloy.configMap.content as string;
    const eventKinds = checkAlloy(
      eventsConfig,
      events.alloy.extraEnv.map((e: { name: string }) => e.name),
      'edge-1',
      PUSH,
    ).map((c) => c.kind);
    expect(eventKinds).toEqual(['loki.source.kubernetes_events', 'loki.write']);
    expect(events.alloy.extraEnv[0].valueFrom.secretKeyRef.name).toBe('creds');
  });

  test('the structural check catches a dangling reference', () => {
    const { agent: a } = agent({ endpoint: { pushUrl: PUSH } });
    const broken = a.logAgent!.config.replace('loki.process.pod_logs.receiver', 'loki.process.missing.receiver');
    expect(() =>
      checkAlloy(broken, ['CMM_NODE_NAME', 'CMM_LOKI_USERNAME', 'CMM_LOKI_PASSWORD'], 'edge-1', PUSH),
    ).toThrow();
  });

  test('no log agent without logs', () => {
    expect(agent(undefined).agent.logAgent).toBeUndefined();
    expect(agent({ enabled: false }).agent.logAgent).toBeUndefined();
  });

  test('fails without an endpoint', () => {
    expect(() => agent({})).toThrow('props.logs.endpoint: is required');
  });
});

describe('central Loki', () => {
  test('defaults: one process on a filesystem PVC, retention on, gateway with basic auth, not exposed', () => {
    const chart = Testing.chart();
    new CentralLoki(chart, 'Loki', { namespace: 'monitoring' });
    const helm = byKindName(chart).get(`HelmChart/${LOKI_RELEASE_NAME}`)!;
    expect(helm.spec).toMatchObject({
      chart: 'loki',
      repo: 'https://grafana-community.github.io/helm-charts',
      version: '18.11.0',
    });
    const v = helmValues(helm);
    expect(v.deploymentMode).toBe('Monolithic');
    expect(v.loki.storage).toEqual({ type: 'filesystem' });
    expect(v.loki.schemaConfig.configs[0]).toMatchObject({ store: 'tsdb', object_store: 'filesystem', schema: 'v13' });
    expect(v.singleBinary).toEqual({
      replicas: 1,
      persistence: { enabled: true, size: '50Gi' },
      resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '2Gi' } },
    });
    expect(v.loki.limits_config).toEqual({ retention_period: '720h' });
    expect(v.loki.compactor).toMatchObject({ retention_enabled: true, delete_request_store: 'filesystem' });
    expect(v.gateway).toEqual({
      enabled: true,
      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
      metrics: { resources: { requests: { cpu: '50m', memory: '50Mi' }, limits: { memory: '100Mi' } } },
      basicAuth: { enabled: true, existingSecret: 'loki-gateway-htpasswd' },
    });
    expect(v.sidecar).toEqual({
      resources: { requests: { cpu: '50m', memory: '50Mi' }, limits: { memory: '100Mi' } },
    });
  });

  test('can expose the push endpoint with TLS, and run distributed on object storage', () => {
    const chart = Testing.chart();
    new CentralLoki(chart, 'Loki', {
      namespace: 'logs',
      mode: 'distributed',
      retention: '90d',
      objectStorage: {
        endpoint: 'minio.storage.svc:9000',
        chunksBucket: 'loki-chunks',
        rulerBucket: 'loki-ruler',
        credentialsSecret: 's3',
      },
      ingress: { host: 'loki.example.com', tlsSecretName: 'loki-tls' },
    });
    const v = helmValues(byKindName(chart).get(`HelmChart/${LOKI_RELEASE_NAME}`)!);
    expect(v.deploymentMode).toBe('Distributed');
    expect(v.loki.storage.s3).toMatchObject({
      endpoint: 'minio.storage.svc:9000',
      accessKeyId: '${AWS_ACCESS_KEY_ID}',
    });
    expect(v.defaults).toEqual({
      extraArgs: ['-config.expand-env=true'],
      extraEnvFrom: [{ secretRef: { name: 's3' } }],
    });
    expect(v.loki.limits_config.retention_period).toBe('2160h');
    // Each replicated component: a PodDisruptionBudget (the chart renders one only with maxUnavailable set).
    for (const c of ['ingester', 'distributor', 'querier', 'queryFrontend', 'queryScheduler', 'indexGateway']) {
      expect(v[c].podDisruptionBudget).toEqual({ maxUnavailable: 1 });
    }
    // Each component's own figures: the ingesters hold the unflushed chunks, the others less.
    const memory = (c: string) => [v[c].resources.requests.memory, v[c].resources.limits.memory];
    expect(memory('ingester')).toEqual(['512Mi', '2Gi']);
    for (const c of [
      'distributor',
      'querier',
      'queryFrontend',
      'queryScheduler',
      'indexGateway',
      'compactor',
      'ruler',
    ]) {
      expect([c, ...memory(c)]).toEqual([c, '256Mi', '1Gi']);
    }
    expect(memory('gateway')).toEqual(['32Mi', '128Mi']);
    expect(v.gateway.ingress.tls).toEqual([{ secretName: 'loki-tls', hosts: ['loki.example.com'] }]);
    expect(v.gateway.ingress.hosts[0].paths.map((p: { path: string }) => p.path)).toEqual([
      '/loki/api/v1/push',
      '/otlp/v1/logs',
    ]);
  });

  test('fails distributed without object storage', () => {
    expect(() => new CentralLoki(Testing.chart(), 'Loki', { namespace: 'm', mode: 'distributed' })).toThrow(
      'CentralLoki is invalid:\n' +
        '  props.objectStorage: {"mode":"distributed","namespace":"m"} is not valid; expected objectStorage when mode is distributed',
    );
  });

  test("the gateway resolves names through kube-dns, or the cluster's own DNS Service (RKE2's)", () => {
    const values = (o: Partial<ConstructorParameters<typeof CentralLoki>[2]>) => {
      const chart = Testing.chart();
      new CentralLoki(chart, 'Loki', { namespace: 'monitoring', ...o });
      return helmValues(byKindName(chart).get(`HelmChart/${LOKI_RELEASE_NAME}`)!);
    };
    expect(values({}).global).toEqual({ dnsService: 'kube-dns', dnsNamespace: 'kube-system' });
    expect(values({ clusterDns: { service: 'rke2-coredns-rke2-coredns' } }).global).toEqual({
      dnsService: 'rke2-coredns-rke2-coredns',
      dnsNamespace: 'kube-system',
    });
  });

  describe('distributed', () => {
    const objectStorage = {
      endpoint: 's3.example.com',
      chunksBucket: 'cmm-chunks',
      rulerBucket: 'cmm-ruler',
      credentialsSecret: 's3',
    };
    const values = (o: Partial<ConstructorParameters<typeof CentralLoki>[2]>) => {
      const chart = Testing.chart();
      new CentralLoki(chart, 'Loki', { namespace: 'monitoring', mode: 'distributed', objectStorage, ...o });
      return helmValues(byKindName(chart).get(`HelmChart/${LOKI_RELEASE_NAME}`)!);
    };

    test('the caches are sized for a small cluster (the chart asks for some 10 GiB), and can be set', () => {
      const v = values({});
      expect(v.chunksCache).toEqual({ allocatedMemory: 512, allocatedCPU: '100m', connectionLimit: 1024 });
      expect(v.resultsCache).toEqual({ allocatedMemory: 128, allocatedCPU: '50m' });
      const big = values({ caches: { chunksMB: 4096, resultsMB: 1024 } });
      expect([big.chunksCache.allocatedMemory, big.resultsCache.allocatedMemory]).toEqual([4096, 1024]);
    });

    test("every Loki pod runs on the central cluster's node pool: components, gateway, caches, zone ingesters", () => {
      const pool = {
        labels: { role: 'logs' },
        taints: [{ key: 'role', value: 'logs', effect: 'NoSchedule' as const }],
      };
      const v = values({ nodePool: 'logs', nodePools: { logs: pool }, affinity: { podAntiAffinity: {} } });
      const selector = { role: 'logs' };
      const tolerations = [{ key: 'role', operator: 'Equal', value: 'logs', effect: 'NoSchedule' }];
      expect(v.defaults).toMatchObject({ nodeSelector: selector, tolerations });
      expect(v.chunksCache).toMatchObject({ nodeSelector: selector, tolerations });
      expect(v.resultsCache).toMatchObject({ nodeSelector: selector, tolerations });
      for (const zone of ['zoneA', 'zoneB', 'zoneC']) {
        expect(v.ingester.zoneAwareReplication[zone]).toEqual({ nodeSelector: selector });
      }
      expect(v.querier.affinity).toEqual({ podAntiAffinity: {} });
      expect(v.gateway.affinity).toEqual({ podAntiAffinity: {} });
    });
  });

  test('durations in days become hours', () => {
    expect([lokiDuration('30d'), lokiDuration('12h')]).toEqual(['720h', '12h']);
  });
});

describe('logs in the central Grafana', () => {
  const fleet = manifestsOf(buildFleet().app);
  const central = helmValues(fleet.find((m) => m.metadata.name === 'cmm-central')!).grafana;

  test('a Loki datasource with credentials from a Secret', () => {
    const loki = central.additionalDataSources.find((d: { uid: string }) => d.uid === 'cmm-loki');
    expect(loki).toMatchObject({
      type: 'loki',
      url: 'http://cmm-loki-gateway.monitoring.svc.cluster.local',
      basicAuth: true,
      basicAuthUser: '$CMM_LOKI_USERNAME',
      secureJsonData: { basicAuthPassword: '$CMM_LOKI_PASSWORD' },
    });
    expect(central.envValueFrom.CMM_LOKI_PASSWORD).toEqual({
      secretKeyRef: { name: 'loki-grafana-credentials', key: 'password' },
    });
  });

  test('every Prometheus datasource links to the logs of the same cluster and namespace', () => {
    for (const ds of central.additionalDataSources.filter((d: { type: string }) => d.type === 'prometheus')) {
      expect(ds.correlations).toEqual([
        {
          targetUID: 'cmm-loki',
          label: 'Logs of this namespace',
          description: 'The logs of the same cluster and namespace, in the central Loki.',
          config: {
            type: 'query',
            field: 'namespace',
            target: { expr: '{cluster="$${cluster}", namespace="$${namespace}"}' },
          },
        },
      ]);
    }
  });

  test('a logs dashboard per cluster, with the saved queries', () => {
    const dashboards = fleet.filter((m) => m.metadata.name.startsWith('cmm-dashboard-logs-'));
    expect(dashboards.map((m) => m.metadata.name)).toEqual([
      'cmm-dashboard-logs-central',
      'cmm-dashboard-logs-edge-1',
      'cmm-dashboard-logs-kafka-prod',
    ]);
    const json = JSON.parse(dashboards[1].data!['logs-edge-1.json']);
    expect(json.title).toBe('CMM / Logs / edge-1');
    expect(json.templating.list[0]).toEqual({ name: 'cluster', type: 'constant', query: 'edge-1', hide: 2 });
    const exprs = json.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
    expect(exprs).toContain('{cluster="$cluster", namespace="kafka"} |= "controller" |~ "(?i)error"');
    for (const e of exprs) expect([e, checkLogQL(e)]).toEqual([e, []]);
    for (const p of json.panels) expect(p.datasource).toEqual({ type: 'loki', uid: 'cmm-loki' });
  });

  test('log alerts are Grafana alert rules over the Loki datasource', () => {
    const rules = parse(fleet.find((m) => m.metadata.name === 'cmm-alerting')!.data!['cmm-rules.yaml']);
    const group = rules.groups.find((g: { name: string }) => g.name === 'cmm-logs');
    expect(group.rules).toHaveLength(1);
    expect(group.rules[0]).toMatchObject({
      title: 'KafkaControllerErrors',
      for: '5m',
      labels: { severity: 'warning' },
      data: [
        { refId: 'A', datasourceUid: 'cmm-loki', model: { queryType: 'instant' } },
        { refId: 'C', model: { type: 'threshold', conditions: [{ evaluator: { type: 'gt', params: [10] } }] } },
      ],
    });
  });

  test('fails on log alerts without alerting', () => {
    expect(
      () =>
        new CentralGrafana(Testing.chart(), 'G', {
          clusterName: 'c',
          datasources: [{ clusterName: 'c', url: 'http://p:9090' }],
          loki: {
            url: 'http://l',
            credentialsSecret: 's',
            alerts: { A: { expr: 'sum(count_over_time({a="b"}[1m]))', threshold: 1 } },
          },
        }),
    ).toThrow(
      'CentralGrafana "c" is invalid:\n  props.alerting: is required; expected the alerting settings when props.loki.alerts has alerts (log alerts are delivered through Grafana alerting)',
    );
  });
});

describe('inventory', () => {
  const problems = (text: string) => inventoryProblems(text);
  const central = 'central:\n  cluster: a\n';

  test("a LogQL error names the field, the query and the parser's message", () => {
    const text = `${central}  loki:\n    savedQueries:\n      errs:\n        query: '{namespace="kafka"'\nclusters: [{ name: a }]\n`;
    expect(problems(text)).toEqual([
      'inv.yaml:6:16: central.loki.savedQueries.errs.query: "{namespace=\\"kafka\\"" is not valid; expected valid LogQL; the parser says 1:19: unexpected end of query',
    ]);
  });

  test('a log alert needs a metric query', () => {
    const text = `${central}  alerting: { slack: { secretName: s } }\n  loki:\n    alerts:\n      Errs:\n        expr: '{namespace="kafka"} |= "error"'\n        threshold: 5\nclusters: [{ name: a }]\n`;
    expect(problems(text)[0]).toMatch(
      /central\.loki\.alerts\.Errs\.expr: .* expected valid LogQL \(a metric query\); the parser says 1:1: a log query where a metric query is needed/,
    );
  });

  test('a cluster that ships logs must reach the central Loki', () => {
    expect(problems(`${central}  loki: {}\nclusters:\n  - name: a\n  - name: b\n`)).toEqual([
      'inv.yaml:6:5: clusters[1]: b ships logs but cannot reach the central Loki; expected central.loki.ingress (the push endpoint), or logs.enabled: false',
    ]);
    expect(problems(`${central}clusters:\n  - name: a\n    logs: { enabled: true }\n`)).toEqual([
      'inv.yaml:5:22: clusters[0].logs.enabled: a ships logs but there is no central.loki; expected central.loki, or logs.enabled: false',
    ]);
    expect(
      problems(`${central}  loki: {}\nclusters:\n  - name: a\n  - name: b\n    logs: { enabled: false }\n`),
    ).toEqual([]);
  });
});

describe('TypeScript props are validated like the inventory', () => {
  const message = thrownMessage;
  const DURATION = 'a Prometheus duration such as "30s", "5m", "1h30m" or "15d"';
  const SUBDOMAIN = 'a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", at most 253 characters';
  const URL = 'an absolute http:// or https:// URL';

  describe("a fleet's constructs do not validate again what the inventory's validation checked (the synth's time)", () => {
    // A fresh copy of the library whose isPrevalidated is the real one, watched. It is loaded and the fleet built
    // before the test (not in it): the library's module-level code then runs outside any test, so mutation testing
    // sees it as static, as it is for every other test file, instead of as covered by this test alone.
    let checked!: jest.Mock<boolean, [object]>;
    let fleet!: ReturnType<typeof buildFleet>['fleet'];
    beforeAll(() => {
      let build!: typeof buildFleet;
      jest.isolateModules(() => {
        jest.doMock('../lib/inventory/props', () => {
          const actual = jest.requireActual<typeof import('../lib/inventory/props')>('../lib/inventory/props');
          checked = jest.fn(actual.isPrevalidated);
          return { ...actual, isPrevalidated: checked };
        });
        build = (require('./support/example') as typeof import('./support/example')).buildFleet;
      });
      fleet = build().fleet;
    });

    test('every construct of the example fleet finds its props validated', () => {
      expect([fleet.loki !== undefined, fleet.agents.filter((a) => a.logAgent).length]).toEqual([true, 3]);
      // 3 agents, their 3 log agents and 3 rule sets, the central Loki, the central Grafana, the ArgoCD Applications
      // (12); the Helm releases of the 3 agents, of the 3 log agents and kafka-prod's events agent, of Loki and of
      // Grafana (9); the NetworkPolicies of the 3 agents and of the central cluster (4): every one found its props
      // validated.
      expect(checked.mock.results.map((r) => r.value)).toEqual(Array(25).fill(true));
    });
  });

  describe('CentralLoki', () => {
    const loki = (o: Partial<ConstructorParameters<typeof CentralLoki>[2]>) => () =>
      new CentralLoki(Testing.chart(), 'Loki', { namespace: 'monitoring', cluster: 'hub', ...o });

    test('passes a valid configuration', () => {
      expect(
        message(
          loki({
            retention: '90d',
            ingress: { host: 'loki.example.com', tlsSecretName: 'loki-tls' },
            platform: 'rke2',
            storage: { size: '100Gi' },
          }),
        ),
      ).toBe('no error');
    });

    test("fails if retention is 'forever'", () => {
      expect(message(loki({ retention: 'forever' }))).toBe(
        `CentralLoki "hub" is invalid:\n  props.retention: "forever" is not valid; expected ${DURATION}`,
      );
    });

    test('fails if the ingress host is not a host name', () => {
      expect(message(loki({ ingress: { host: 'Loki_Example.com', tlsSecretName: 'loki-tls' } }))).toBe(
        `CentralLoki "hub" is invalid:\n  props.ingress.host: "Loki_Example.com" is not valid; expected ${SUBDOMAIN}`,
      );
    });

    test('fails on an unknown key, and names the construct alone when no cluster is given', () => {
      expect(
        message(() => new CentralLoki(Testing.chart(), 'Loki', { namespace: 'monitoring', retenton: '1d' } as never)),
      ).toBe(
        'CentralLoki is invalid:\n' +
          '  props.retenton: unknown key (did you mean "retention"?); expected one of: mode, clusterDns, caches, nodePool, nodeSelector, tolerations, affinity, resources, componentResources, gatewayResources, sidecarResources, retention, storage, objectStorage, gatewayAuthSecret, ingress, grafanaCredentialsSecret, namespace, cluster, nodePools, platform, airgap, chartArchive',
      );
    });

    test("the message is the inventory's, with props. for central.loki.", () => {
      expect(
        inventoryProblems('central:\n  cluster: hub\n  loki:\n    retention: forever\nclusters: [{ name: hub }]\n'),
      ).toEqual([`inv.yaml:4:16: central.loki.retention: "forever" is not valid; expected ${DURATION}`]);
    });

    test('props a validated inventory built (marked) are not validated again', () => {
      expect(
        message(
          () =>
            new CentralLoki(
              Testing.chart(),
              'Loki',
              markPrevalidated({ namespace: 'monitoring', retention: 'forever' }),
            ),
        ),
      ).toBe('no error');
    });
  });

  describe('LogAgent', () => {
    const agentProps = { clusterName: 'edge-1', namespace: 'monitoring', endpoint: { pushUrl: PUSH } };
    const logAgent = (o: Partial<ConstructorParameters<typeof LogAgent>[2]>) => () =>
      new LogAgent(Testing.chart(), 'Logs', { ...agentProps, ...o });

    test('passes a valid configuration', () => {
      expect(
        message(logAgent({ endpoint: { pushUrl: PUSH, tenantId: 'edge-1' }, events: true, credentialsSecret: 'push' })),
      ).toBe('no error');
    });

    test('fails if the push URL is ftp://', () => {
      expect(message(logAgent({ endpoint: { pushUrl: 'ftp://loki.example.com/loki/api/v1/push' } }))).toBe(
        `LogAgent "edge-1" is invalid:\n  props.endpoint.pushUrl: "ftp://loki.example.com/loki/api/v1/push" is not valid; expected ${URL}`,
      );
    });

    test('fails if the push URL carries a password, without showing it', () => {
      expect(
        message(logAgent({ endpoint: { pushUrl: 'https://edge:s3cret@loki.example.com/loki/api/v1/push' } })),
      ).toBe(
        'LogAgent "edge-1" is invalid:\n  props.endpoint.pushUrl: "https://edge:***@loki.example.com/loki/api/v1/push" is not valid; expected a URL without a user name or password (they would be written into dist/ and Git; the push credentials come from logs.credentialsSecret)',
      );
    });

    test('fails if the namespace or the credentials Secret is not a Kubernetes name', () => {
      expect(message(logAgent({ namespace: 'Monitoring', credentialsSecret: 'push creds' }))).toBe(
        'LogAgent "edge-1" is invalid:\n' +
          `  props.credentialsSecret: "push creds" is not valid; expected ${SUBDOMAIN}\n` +
          '  props.namespace: "Monitoring" is not valid; expected a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
      );
    });

    test("a ClusterAgent hands on its validated props: the agent's message, not the log agent's", () => {
      expect(message(() => agent({ endpoint: { pushUrl: 'ftp://loki.example.com/push' } }))).toBe(
        `ClusterAgent "edge-1" is invalid:\n  props.logs.endpoint.pushUrl: "ftp://loki.example.com/push" is not valid; expected ${URL}`,
      );
    });
  });

  describe("CentralGrafana's Loki options", () => {
    const grafana = (loki: Partial<NonNullable<ConstructorParameters<typeof CentralGrafana>[2]['loki']>>) => () =>
      new CentralGrafana(Testing.chart(), 'G', {
        clusterName: 'hub',
        alerting: { slack: { secretName: 'slack' } },
        loki: {
          url: 'http://cmm-loki-gateway.monitoring.svc.cluster.local',
          credentialsSecret: 'loki-grafana',
          ...loki,
        },
      });

    test('passes a valid configuration', () => {
      expect(
        message(
          grafana({
            savedQueries: { errors: { query: '{cluster="$cluster"} |= "error"' } },
            alerts: {
              KafkaErrors: { expr: 'sum(count_over_time({namespace="kafka"} |= "error" [5m]))', threshold: 10 },
            },
          }),
        ),
      ).toBe('no error');
    });

    test('fails if a saved query is invalid LogQL', () => {
      expect(message(grafana({ savedQueries: { errors: { query: '{namespace="kafka"' } } }))).toBe(
        'CentralGrafana "hub" is invalid:\n  props.loki.savedQueries.errors.query: "{namespace=\\"kafka\\"" is not valid; expected valid LogQL; the parser says 1:19: unexpected end of query',
      );
    });

    test('fails if an alert is not a metric query', () => {
      expect(message(grafana({ alerts: { Errs: { expr: '{namespace="kafka"} |= "error"', threshold: 5 } } }))).toMatch(
        /^CentralGrafana "hub" is invalid:\n  props\.loki\.alerts\.Errs\.expr: "\{namespace=\\"kafka\\"\} \|= \\"error\\"" is not valid; expected valid LogQL \(a metric query\); the parser says /,
      );
    });

    test('fails if the URL is ftp:// or the Secret is not a Kubernetes name', () => {
      expect(message(grafana({ url: 'ftp://loki', credentialsSecret: 'Loki_Creds' }))).toBe(
        'CentralGrafana "hub" is invalid:\n' +
          `  props.loki.url: "ftp://loki" is not valid; expected ${URL}\n` +
          `  props.loki.credentialsSecret: "Loki_Creds" is not valid; expected ${SUBDOMAIN}`,
      );
    });
  });
});
