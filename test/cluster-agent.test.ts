import { Testing } from 'cdk8s';
import { AGENT_RELEASE_NAME, ClusterAgent, CLUSTER_SCRAPE_CLASS, KUBE_PROMETHEUS_STACK, ValidationError } from '../lib';
import { byKindName, helmValues, type Manifest } from './support/example';

function synth(props: ConstructorParameters<typeof ClusterAgent>[2]) {
  const chart = Testing.chart();
  const agent = new ClusterAgent(chart, 'Agent', props);
  const objects = byKindName(chart);
  const helm = objects.get(`HelmChart/${AGENT_RELEASE_NAME}`)!;
  return { agent, objects, helm, values: helmValues(helm) };
}

describe('ClusterAgent', () => {
  test('defaults', () => {
    const { objects, helm, values } = synth({ clusterName: 'edge-1' });
    expect([...objects.keys()]).toEqual([
      'Namespace/monitoring',
      'Namespace/monitoring-host',
      'HelmChart/cmm-agent',
      'NetworkPolicy/cmm-prometheus',
      'NetworkPolicy/cmm-prometheus-operator',
      'NetworkPolicy/cmm-kube-state-metrics',
      'PrometheusRule/cmm-builtin-rules',
    ]);
    expect(helm.metadata.namespace).toBe('kube-system');
    expect(helm.spec).toMatchObject({
      chart: 'kube-prometheus-stack',
      repo: KUBE_PROMETHEUS_STACK.repo,
      version: KUBE_PROMETHEUS_STACK.version,
      targetNamespace: 'monitoring',
      failurePolicy: 'abort',
      timeout: '600s',
    });
    expect(values.grafana).toEqual({ enabled: false });
    expect(values.alertmanager).toEqual({ enabled: false });
    expect(values.kubeStateMetrics).toEqual({ enabled: true });
    expect(values.nodeExporter).toEqual({ enabled: true });
    // On every node: every NoSchedule taint is tolerated (the chart's own default, kept when CMM adds pools').
    // In the namespace for host access (Pod Security privileged), otherwise as tight as it runs.
    expect(values['prometheus-node-exporter']).toEqual({
      hostRootFsMount: { enabled: true },
      tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
      namespaceOverride: 'monitoring-host',
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containerSecurityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
      resources: { requests: { cpu: '50m', memory: '30Mi' }, limits: { memory: '180Mi' } },
    });
    expect(values.kubelet).toEqual({ enabled: true });
    // The CRDs are installed and, on every upgrade, upgraded by the chart's Job (with a pinned busybox).
    expect(values.crds).toEqual({
      enabled: true,
      upgradeJob: {
        enabled: true,
        image: { busybox: { tag: '1.37.0' } },
        resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      },
    });
    const spec = values.prometheus.prometheusSpec;
    expect(spec.retention).toBe('10d');
    expect(spec.scrapeInterval).toBe('30s');
    expect(spec.evaluationInterval).toBe('30s');
    expect(spec.storageSpec).toBeUndefined();
    expect(spec.nodeSelector).toBeUndefined();
    expect(spec.retentionSize).toBeUndefined();
    expect(values.prometheus.ingress).toBeUndefined();
    // Requests and limits on every container (lib/resource-defaults.ts); Prometheus: no limit, so no OOM kill.
    expect(spec.resources).toEqual({ requests: { cpu: '100m', memory: '400Mi' } });
    expect(values.prometheusOperator).toEqual({
      resources: { requests: { cpu: '100m', memory: '100Mi' }, limits: { memory: '200Mi' } },
      prometheusConfigReloader: {
        resources: { requests: { cpu: '10m', memory: '50Mi' }, limits: { memory: '50Mi' } },
      },
      admissionWebhooks: {
        patch: { resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } } },
      },
    });
    expect(values['kube-state-metrics']).toEqual({
      resources: { requests: { cpu: '10m', memory: '190Mi' }, limits: { memory: '512Mi' } },
    });
  });

  test('every series carries the cluster label, stored and external', () => {
    const { values } = synth({
      clusterName: 'edge-1',
      prometheus: { externalLabels: { region: 'eu', cluster: 'spoofed' } },
    });
    const spec = values.prometheus.prometheusSpec;
    expect(spec.externalLabels).toEqual({ region: 'eu', cluster: 'edge-1' });
    expect(spec.scrapeClasses).toEqual([
      {
        name: CLUSTER_SCRAPE_CLASS,
        default: true,
        relabelings: [{ action: 'replace', targetLabel: 'cluster', replacement: 'edge-1' }],
        // The unused histogram buckets (test/cardinality.test.ts).
        metricRelabelings: [expect.objectContaining({ action: 'drop' })],
      },
    ]);
  });

  test("selects every ServiceMonitor, PodMonitor and rule, not only the release's", () => {
    const spec = synth({ clusterName: 'c' }).values.prometheus.prometheusSpec;
    for (const k of ['serviceMonitor', 'podMonitor', 'rule', 'probe', 'scrapeConfig']) {
      expect(spec[`${k}SelectorNilUsesHelmValues`]).toBe(false);
    }
  });

  test('can configure the namespace, chart version and repository', () => {
    const { objects, helm } = synth({
      clusterName: 'c',
      namespace: 'observability',
      kubePrometheusStackVersion: '66.1.0',
      kubePrometheusStackRepo: 'https://charts.internal.example.com/prometheus-community',
    });
    expect(objects.has('Namespace/observability')).toBe(true);
    expect(helm.spec).toMatchObject({
      targetNamespace: 'observability',
      version: '66.1.0',
      repo: 'https://charts.internal.example.com/prometheus-community',
    });
  });

  test('the control-plane monitors default to what k3s exposes: the API server and CoreDNS', () => {
    const { values } = synth({ clusterName: 'c' });
    expect([
      values.kubeApiServer,
      values.kubeControllerManager,
      values.kubeScheduler,
      values.kubeEtcd,
      values.kubeProxy,
      values.coreDns,
    ]).toEqual([
      { enabled: true },
      { enabled: false },
      { enabled: false },
      { enabled: false },
      { enabled: false },
      { enabled: true },
    ]);
  });

  test('can configure the toggles, each control-plane monitor on its own', () => {
    const { values } = synth({
      clusterName: 'c',
      kubeStateMetrics: false,
      kubernetesComponents: { etcd: true, apiServer: false, endpoints: ['10.0.0.1', '10.0.0.2'] },
      nodeExporter: { enabled: false, hostRootFsMount: false },
    });
    expect(values.kubeStateMetrics).toEqual({ enabled: false });
    // k3s runs etcd inside its own process: no pod to select, the servers' addresses instead.
    expect(values.kubeEtcd).toEqual({ enabled: true, endpoints: ['10.0.0.1', '10.0.0.2'] });
    expect(values.kubeApiServer).toEqual({ enabled: false });
    expect(values.kubeScheduler).toEqual({ enabled: false });
    expect(values.coreDns).toEqual({ enabled: true });
    expect(values.nodeExporter).toEqual({ enabled: false });
    expect(values['prometheus-node-exporter'].hostRootFsMount).toEqual({ enabled: false });
  });

  describe('scheduling', () => {
    const KAFKA = { 'kr-mum/noderole': 'kafka' };
    const TAINT = { key: 'kr-mum/noderole', value: 'kafka', effect: 'NoSchedule' } as const;
    const TOLERATE = { key: 'kr-mum/noderole', operator: 'Equal', value: 'kafka', effect: 'NoSchedule' };
    const pools = {
      kafka: { labels: KAFKA, taints: [TAINT] },
      gpu: { labels: { gpu: 'true' }, taints: [{ key: 'nvidia.com/gpu', effect: 'NoExecute' as const }] },
    };

    test('a workload on a node pool gets its labels as nodeSelector and tolerates its taints', () => {
      const { values } = synth({
        clusterName: 'c',
        nodePools: pools,
        prometheus: { nodePool: 'kafka' },
        operator: { nodePool: 'kafka', affinity: { podAntiAffinity: {} } },
        kubeStateMetrics: { nodePool: 'kafka', tolerations: [{ key: 'extra', operator: 'Exists' }] },
        alertmanager: { enabled: true, slack: { secretName: 's' }, nodePool: 'kafka' },
      });
      const pinned = { nodeSelector: KAFKA, tolerations: [TOLERATE] };
      expect(values.prometheus.prometheusSpec).toMatchObject(pinned);
      expect(values.prometheusOperator).toMatchObject({ ...pinned, affinity: { podAntiAffinity: {} } });
      expect(values.prometheusOperator.admissionWebhooks.patch).toMatchObject(pinned);
      expect(values.crds.upgradeJob).toMatchObject(pinned);
      expect(values.alertmanager.alertmanagerSpec).toMatchObject(pinned);
      expect(values['kube-state-metrics']).toEqual({
        nodeSelector: KAFKA,
        tolerations: [TOLERATE, { key: 'extra', operator: 'Exists' }],
        resources: { requests: { cpu: '10m', memory: '190Mi' }, limits: { memory: '512Mi' } },
      });
      expect(values.kubeStateMetrics).toEqual({ enabled: true });
    });

    test('the DaemonSets tolerate every pool, so every node is watched', () => {
      const chart = Testing.chart();
      new ClusterAgent(chart, 'A', {
        clusterName: 'c',
        nodePools: pools,
        nodeExporter: { tolerations: [{ key: 'more', operator: 'Exists' }] },
        logs: { endpoint: { pushUrl: 'https://loki.example.com/loki/api/v1/push' } },
      });
      const objects = byKindName(chart);
      const exporter = helmValues(objects.get(`HelmChart/${AGENT_RELEASE_NAME}`)!)['prometheus-node-exporter'];
      const gpu = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' };
      expect(exporter.tolerations).toEqual([
        gpu,
        TOLERATE,
        { operator: 'Exists', effect: 'NoSchedule' },
        { key: 'more', operator: 'Exists' },
      ]);
      expect(helmValues(objects.get('HelmChart/cmm-alloy')!).controller.tolerations).toEqual([gpu, TOLERATE]);
    });

    test('fails if a workload names a node pool the cluster does not have', () => {
      expect(() => synth({ clusterName: 'c', nodePools: pools, prometheus: { nodePool: 'kafak' } })).toThrow(
        'props.prometheus.nodePool: "kafak" is not valid; expected a node pool of the cluster (kafka, gpu)',
      );
    });
  });

  test('can configure Prometheus retention, storage, resources and nodeSelector', () => {
    const { values } = synth({
      clusterName: 'c',
      prometheus: {
        retention: '30d',
        retentionSize: '45GB',
        scrapeInterval: '15s',
        evaluationInterval: '1m',
        storage: { size: '100Gi', storageClass: 'longhorn' },
        resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { memory: '8Gi' } },
        nodeSelector: { 'kr-mum/noderole': 'kafka' },
      },
      operator: { nodeSelector: { 'kr-mum/noderole': 'kafka' }, resources: { limits: { memory: '256Mi' } } },
    });
    const spec = values.prometheus.prometheusSpec;
    expect(spec).toMatchObject({
      retention: '30d',
      retentionSize: '45GB',
      scrapeInterval: '15s',
      evaluationInterval: '1m',
    });
    expect(spec.storageSpec).toEqual({
      volumeClaimTemplate: {
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: 'longhorn',
          resources: { requests: { storage: '100Gi' } },
        },
      },
    });
    expect(spec.resources).toEqual({ requests: { cpu: '1', memory: '4Gi' }, limits: { memory: '8Gi' } });
    expect(spec.nodeSelector).toEqual({ 'kr-mum/noderole': 'kafka' });
    // What the inventory sets replaces the default as a whole.
    expect(values.prometheusOperator).toMatchObject({
      nodeSelector: { 'kr-mum/noderole': 'kafka' },
      admissionWebhooks: { patch: { nodeSelector: { 'kr-mum/noderole': 'kafka' } } },
    });
    expect(values.prometheusOperator.resources).toEqual({ limits: { memory: '256Mi' } });
  });

  test('storage without a class uses the default StorageClass', () => {
    const spec = synth({ clusterName: 'c', prometheus: { storage: { size: '20Gi' } } }).values.prometheus
      .prometheusSpec;
    expect(spec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBeUndefined();
  });

  describe('exposure', () => {
    const base = {
      type: 'ingress',
      host: 'prometheus.edge-1.example.com',
      tlsSecretName: 'prom-tls',
      basicAuthSecretName: 'prom-auth',
    } as const;

    test('is off by default', () => {
      const { agent, objects } = synth({ clusterName: 'c' });
      expect(agent.exposure).toEqual({ type: 'none' });
      expect([...objects.keys()].some((k) => k.startsWith('Middleware/'))).toBe(false);
    });

    test('through Traefik: TLS and a basic-auth Middleware from an existing Secret', () => {
      const { objects, values } = synth({ clusterName: 'c', prometheus: { exposure: base } });
      const mw = objects.get('Middleware/cmm-prometheus-basic-auth')!;
      expect(mw.apiVersion).toBe('traefik.io/v1alpha1');
      expect(mw.spec).toEqual({ basicAuth: { secret: 'prom-auth', removeHeader: true } });
      expect(values.prometheus.ingress).toEqual({
        enabled: true,
        annotations: {
          'traefik.ingress.kubernetes.io/router.tls': 'true',
          'traefik.ingress.kubernetes.io/router.middlewares': 'monitoring-cmm-prometheus-basic-auth@kubernetescrd',
        },
        hosts: ['prometheus.edge-1.example.com'],
        paths: ['/'],
        tls: [{ secretName: 'prom-tls', hosts: ['prometheus.edge-1.example.com'] }],
      });
      expect(values.prometheus.prometheusSpec.externalUrl).toBe('https://prometheus.edge-1.example.com/');
    });

    test('through ingress-nginx: TLS and basic-auth annotations', () => {
      const { objects, values } = synth({
        clusterName: 'c',
        prometheus: { exposure: { ...base, controller: 'nginx', ingressClassName: 'nginx' } },
      });
      expect([...objects.keys()].some((k) => k.startsWith('Middleware/'))).toBe(false);
      expect(values.prometheus.ingress.ingressClassName).toBe('nginx');
      expect(values.prometheus.ingress.annotations).toEqual({
        'nginx.ingress.kubernetes.io/auth-type': 'basic',
        'nginx.ingress.kubernetes.io/auth-secret': 'prom-auth',
        'nginx.ingress.kubernetes.io/auth-realm': 'Prometheus',
      });
      expect(values.prometheus.ingress.tls).toEqual([{ secretName: 'prom-tls', hosts: [base.host] }]);
    });

    test('fails without TLS or authentication', () => {
      const { tlsSecretName: _t, ...noTls } = base;
      expect(() => synth({ clusterName: 'c', prometheus: { exposure: noTls as never } })).toThrow(
        'props.prometheus.exposure.tlsSecretName: is required; expected a string',
      );
      const { basicAuthSecretName: _b, ...noAuth } = base;
      expect(() => synth({ clusterName: 'c', prometheus: { exposure: noAuth as never } })).toThrow(
        'props.prometheus.exposure.basicAuthSecretName: is required; expected a string',
      );
    });
  });

  describe('monitors', () => {
    test('can add a ServiceMonitor (the nginx exporter, port 9113, every 10s)', () => {
      const chart = Testing.chart();
      const agent = new ClusterAgent(chart, 'Agent', { clusterName: 'c' });
      agent.addServiceMonitor('nginx-exporter', {
        selector: { app: 'nginx' },
        port: 9113,
        interval: '10s',
        namespaces: ['web'],
      });
      const sm = byKindName(chart).get('ServiceMonitor/nginx-exporter')!;
      expect(sm.metadata.namespace).toBe('monitoring');
      expect(sm.metadata.annotations).toEqual({
        'argocd.argoproj.io/sync-wave': '1',
        'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true',
      });
      expect(sm.spec).toEqual({
        selector: { matchLabels: { app: 'nginx' } },
        namespaceSelector: { matchNames: ['web'] },
        endpoints: [{ targetPort: 9113, path: '/metrics', interval: '10s', scheme: 'http' }],
      });
    });

    test('can add a PodMonitor by port name, in the agent namespace by default', () => {
      const chart = Testing.chart();
      const agent = new ClusterAgent(chart, 'Agent', { clusterName: 'c', namespace: 'mon' });
      agent.addPodMonitor('app', { selector: { app: 'x' }, port: 'metrics', path: '/prom', scheme: 'https' });
      const pm = byKindName(chart).get('PodMonitor/app')!;
      expect(pm.spec).toEqual({
        selector: { matchLabels: { app: 'x' } },
        namespaceSelector: { matchNames: ['mon'] },
        podMetricsEndpoints: [{ port: 'metrics', path: '/prom', scheme: 'https' }],
      });
    });

    test('a PodMonitor by port number uses portNumber', () => {
      const chart = Testing.chart();
      new ClusterAgent(chart, 'Agent', {
        clusterName: 'c',
        podMonitors: { kafka: { selector: { a: 'b' }, port: 9308 } },
      });
      const pm = byKindName(chart).get('PodMonitor/kafka')! as Manifest & { spec: { podMetricsEndpoints: unknown[] } };
      expect(pm.spec.podMetricsEndpoints[0]).toMatchObject({ portNumber: 9308 });
    });

    test('monitors with enabled: false are skipped', () => {
      const chart = Testing.chart();
      new ClusterAgent(chart, 'Agent', {
        clusterName: 'c',
        serviceMonitors: { off: { enabled: false, selector: {}, port: 1 } },
      });
      expect(byKindName(chart).has('ServiceMonitor/off')).toBe(false);
    });

    test('fails on a duplicate name', () => {
      const agent = new ClusterAgent(Testing.chart(), 'Agent', { clusterName: 'c' });
      agent.addServiceMonitor('x', { selector: { a: 'b' }, port: 'm' });
      expect(() => agent.addServiceMonitor('x', { selector: { a: 'b' }, port: 'm' })).toThrow(
        'ClusterAgent "c" is invalid:\n  addServiceMonitor(name): "x" is not valid; expected a name no other ServiceMonitor of the cluster has',
      );
    });

    test('fails on invalid options, naming the cluster, the argument and its field', () => {
      const agent = new ClusterAgent(Testing.chart(), 'Agent', { clusterName: 'c' });
      expect(() => agent.addServiceMonitor('x', { selector: { a: 'b' }, port: 'm', interval: 'often' })).toThrow(
        'ClusterAgent "c" is invalid:\n  addServiceMonitor("x", options).interval: "often" is not valid; expected a Prometheus duration such as "30s", "5m", "1h30m" or "15d"',
      );
      expect(() => agent.addServiceMonitor('Bad_Name', { selector: { a: 'b' }, port: 'm' })).toThrow(
        'ClusterAgent "c" is invalid:\n  addServiceMonitor(name): "Bad_Name" is not valid; expected a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", at most 253 characters',
      );
      expect(() => agent.addPodMonitor('p', { selector: { a: 'b' }, port: 70000 })).toThrow(
        'ClusterAgent "c" is invalid:\n  addPodMonitor("p", options).port: 70000 is not valid; expected a port number from 1 to 65535',
      );
    });
  });

  describe('fails on invalid props', () => {
    test.each([
      [{ clusterName: 'Edge_1' }, 'props.clusterName: "Edge_1" is not valid; expected a DNS-1123 label'],
      [{ clusterName: 'c', namespace: 'Mon' }, 'props.namespace: "Mon" is not valid; expected a DNS-1123 label'],
      [
        { clusterName: 'c', prometheus: { retention: '10 days' } },
        'props.prometheus.retention: "10 days" is not valid; expected a Prometheus duration',
      ],
      [
        { clusterName: 'c', prometheus: { retentionSize: '10G' } },
        'props.prometheus.retentionSize: "10G" is not valid; expected a byte size such as "50GB" or "512MiB"',
      ],
      [
        { clusterName: 'c', prometheus: { storage: { size: 'big' } } },
        'props.prometheus.storage.size: "big" is not valid; expected a Kubernetes quantity',
      ],
      [
        { clusterName: 'c', kubePrometheusStackVersion: '88.x' },
        'props.kubePrometheusStackVersion: "88.x" is not valid; expected an exact chart version such as "88.5.3"',
      ],
      [
        { clusterName: 'c', kubePrometheusStackRepo: 'ftp://x' },
        'props.kubePrometheusStackRepo: "ftp://x" is not valid; expected an absolute http:// or https:// URL',
      ],
      [
        { clusterName: 'c', kubeStateMetrics: 'yes' },
        'props.kubeStateMetrics: "yes" is not allowed; expected true or false, or a mapping (key: value)',
      ],
      [
        { clusterName: 'c', prometheus: { retension: '1d' } },
        'props.prometheus.retension: unknown key (did you mean "retention"?)',
      ],
    ])('%j', (props, message) => {
      let error: unknown;
      try {
        new ClusterAgent(Testing.chart(), 'Agent', props as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems.join('\n')).toContain(message);
    });
  });
});
