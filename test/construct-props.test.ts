import { Duration, Testing } from 'cdk8s';
import {
  AgentNetworkPolicies,
  CentralNetworkPolicies,
  PROFILES,
  type AgentNetworkPoliciesProps,
  type CentralNetworkPoliciesProps,
  HelmRelease,
  type HelmReleaseProps,
  ARGOCD_PROPS,
  ArgoCdApplications,
  CENTRAL_GRAFANA_PROPS,
  CENTRAL_THANOS_PROPS,
  CentralGrafana,
  CentralThanos,
  CLUSTER_RULES_PROPS,
  ClusterAgent,
  ClusterRules,
  HELM_CONTROLLER_INSTALL_PROPS,
  HelmControllerInstall,
  KARMA_PROPS,
  Karma,
  type ArgoCdApplicationsProps,
  type CentralGrafanaProps,
  type CentralThanosProps,
  type ClusterRulesProps,
  type KarmaProps,
} from '../lib';
import { markPrevalidated } from '../lib/inventory/props';
import { HelmChartSpecFailurePolicy } from '../imports/helm.cattle.io';
import { buildFleet, inventoryProblems, ROOT, thrownMessage } from './support/example';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The constructs a TypeScript user builds directly validate their props with the inventory's schema pieces, and
 * report a mistake as the inventory does, with `props.` for the inventory's path. Props a validated inventory built
 * (Fleet) are marked and not validated again.
 */
const message = thrownMessage;
const DURATION = 'a Prometheus duration such as "30s", "5m", "1h30m" or "15d"';
const URL = 'an absolute http:// or https:// URL';
const LABEL =
  'a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters';

describe('CentralThanos', () => {
  const minimal: CentralThanosProps = {
    namespace: 'monitoring',
    objectStorageSecret: { name: 'thanos-objstore' },
    sidecars: [],
    withReceive: true,
    ingressController: 'traefik',
    selfMonitoring: false,
  };
  const thanos = (o: Partial<CentralThanosProps>) => () =>
    new CentralThanos(Testing.chart(), 'Thanos', { ...minimal, ...o });

  test('passes a minimal and a full valid configuration', () => {
    expect(message(thanos({}))).toBe('no error');
    expect(
      message(
        thanos({
          cluster: 'hub',
          sidecars: [{ cluster: 'edge-1', address: 'edge-1.example.com:10901', serverName: 'edge-1.example.com' }],
          localSidecarService: 'cmm-thanos-discovery.monitoring',
          query: { replicas: 3, resources: { requests: { cpu: '500m', memory: '1Gi' } } },
          store: { indexCacheSize: '256MB', storage: { size: '10Gi', storageClass: 'fast' } },
          compactor: { retention: { raw: '40h', fiveMinutes: '10d', oneHour: '2y' } },
          receive: {
            replicas: 3,
            replicationFactor: 3,
            ingress: { host: 'receive.example.com', tlsSecretName: 'tls', basicAuthSecretName: 'auth' },
          },
          nodePool: 'infra',
          nodePools: { infra: { labels: { role: 'infra' } } },
          images: { registry: 'registry.example.com/mirror', pullSecrets: ['pull'] },
        }),
      ),
    ).toBe('no error');
  });

  test("fails on the review's props: replicas 0 and retention 'forever', each named", () => {
    expect(
      message(
        thanos({
          query: { replicas: 0 },
          compactor: { retention: { raw: 'forever' } },
          receive: { replicationFactor: 2 },
        }),
      ),
    ).toBe(
      'CentralThanos is invalid:\n' +
        '  props.query.replicas: 0 is not valid; expected at least 1\n' +
        `  props.compactor.retention.raw: "forever" is not valid; expected ${DURATION}`,
    );
  });

  test('fails if the Receive replication factor is even or above its replicas (the inventory rule)', () => {
    expect(message(thanos({ cluster: 'hub', receive: { replicationFactor: 2 } }))).toBe(
      'CentralThanos "hub" is invalid:\n' +
        '  props.receive.replicationFactor: 2 is not valid; expected an odd number of at most receive.replicas (1)',
    );
    expect(message(thanos({ cluster: 'hub', receive: { replicas: 2, replicationFactor: 3 } }))).toBe(
      'CentralThanos "hub" is invalid:\n' +
        '  props.receive.replicationFactor: 3 is not valid; expected an odd number of at most receive.replicas (2)',
    );
    expect(
      inventoryProblems(
        'central:\n  cluster: hub\n  metrics: thanos\n  thanos:\n    objectStorageSecret: { name: s }\n    receive:\n      replicas: 2\n      replicationFactor: 3\nclusters: [{ name: hub }]\n',
      ),
    ).toEqual([
      'inv.yaml:8:26: central.thanos.receive.replicationFactor: 3 is not valid; expected an odd number of at most receive.replicas (2)',
    ]);
  });

  test('fails if Thanos would refuse to start: a small index cache, raw data kept less than 40h with downsampling', () => {
    expect(
      message(thanos({ cluster: 'hub', store: { indexCacheSize: '64MB' }, compactor: { retention: { raw: '1d' } } })),
    ).toBe(
      'CentralThanos "hub" is invalid:\n' +
        '  props.store.indexCacheSize: "64MB" is not valid; expected at least 128MB (the Store Gateway holds items of up to 125MB)\n' +
        '  props.compactor.retention.raw: "1d" is not valid; expected at least 40h with downsampling (the Compactor downsamples from it), 0d to keep it for ever, or compactor.downsampling: false',
    );
    expect(message(thanos({ compactor: { downsampling: false, retention: { raw: '1d', fiveMinutes: '1d' } } }))).toBe(
      'no error',
    );
  });

  test('fails on bad fields the fleet adds: sidecar address, local sidecar Service, ingress controller, names', () => {
    expect(
      message(
        thanos({
          cluster: 'hub',
          sidecars: [{ cluster: 'edge-1', address: 'edge-1.example.com', serverName: 'edge-1.example.com' }],
          localSidecarService: 'svc',
          ingressController: 'haproxy' as never,
        }),
      ),
    ).toBe(
      'CentralThanos "hub" is invalid:\n' +
        '  props.sidecars[0].address: "edge-1.example.com" is not valid; expected host:port, the address Query dials\n' +
        '  props.localSidecarService: "svc" is not valid; expected a Service and its namespace, <service>.<namespace>\n' +
        '  props.ingressController: "haproxy" is not allowed; expected one of "traefik", "nginx"',
    );
    expect(message(thanos({ cluster: 'Hub', namespace: 'Mon' }))).toBe(
      `CentralThanos "Hub" is invalid:\n  props.namespace: "Mon" is not valid; expected ${LABEL}\n  props.cluster: "Hub" is not valid; expected ${LABEL}`,
    );
  });

  test('props a validated inventory built (marked) are not validated again', () => {
    expect(
      message(
        () =>
          new CentralThanos(
            Testing.chart(),
            'Thanos',
            markPrevalidated({ ...minimal, compactor: { retention: { raw: 'forever' } } }),
          ),
      ),
    ).toBe('no error');
  });
});

describe('Karma', () => {
  const minimal: KarmaProps = {
    namespace: 'monitoring',
    alertmanagers: [{ name: 'edge-1', uri: 'https://am.edge-1.example.com', credentialsSecret: 'am-edge-1' }],
    ingress: { host: 'karma.example.com', controller: 'nginx', tlsSecretName: 'tls', basicAuthSecretName: 'auth' },
  };
  const karma = (o: Partial<KarmaProps>) => () => new Karma(Testing.chart(), 'Karma', { ...minimal, ...o });

  test('passes a minimal valid configuration', () => {
    expect(message(karma({}))).toBe('no error');
    expect(message(karma({ cluster: 'hub', resources: { requests: { cpu: '50m' } } }))).toBe('no error');
  });

  test('fails on a bad ingress controller, CPU quantity and Alertmanager URL, naming the cluster when given', () => {
    expect(
      message(
        karma({
          cluster: 'hub',
          alertmanagers: [{ name: 'edge-1', uri: 'ftp://am' }],
          ingress: { ...minimal.ingress, controller: 'haproxy' as never },
          resources: { requests: { cpu: 'lots' } },
        }),
      ),
    ).toBe(
      'Karma "hub" is invalid:\n' +
        '  props.ingress.controller: "haproxy" is not allowed; expected one of "traefik", "nginx"\n' +
        '  props.resources.requests.cpu: "lots" is not valid; expected a CPU quantity such as "500m", "0.5" or "2"\n' +
        `  props.alertmanagers[0].uri: "ftp://am" is not valid; expected ${URL}`,
    );
  });

  test('fails on credentials in an Alertmanager URL, and on a bad ingress host', () => {
    expect(message(karma({ alertmanagers: [{ name: 'edge-1', uri: 'https://u:p@am.example.com' }] }))).toBe(
      'Karma is invalid:\n' +
        '  props.alertmanagers[0].uri: "https://u:***@am.example.com" is not valid; expected a URL without a user name or password (they would be written into dist/ and Git; the credentials come from credentialsSecret)',
    );
    expect(message(karma({ ingress: { ...minimal.ingress, host: 'Karma_Host' } }))).toBe(
      'Karma is invalid:\n' +
        '  props.ingress.host: "Karma_Host" is not valid; expected a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", at most 253 characters',
    );
  });

  test('props a validated inventory built (marked) are not validated again', () => {
    expect(
      message(
        () =>
          new Karma(
            Testing.chart(),
            'Karma',
            markPrevalidated({ ...minimal, resources: { requests: { cpu: 'lots' } } }),
          ),
      ),
    ).toBe('no error');
  });
});

describe('CentralGrafana', () => {
  const minimal: CentralGrafanaProps = {
    clusterName: 'hub',
    datasources: [{ clusterName: 'hub', url: 'http://prometheus.monitoring.svc:9090' }],
  };
  const grafana = (o: Partial<CentralGrafanaProps>) => () =>
    new CentralGrafana(Testing.chart(), 'Grafana', { ...minimal, ...o });
  const SUBDOMAIN = 'a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", at most 253 characters';

  test('passes a minimal and a full valid configuration', () => {
    expect(message(grafana({}))).toBe('no error');
    expect(
      message(
        grafana({
          namespace: 'grafana',
          namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'baseline' },
          resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '1Gi' } },
          sidecarResources: { requests: { cpu: '0.1' } },
          scheduling: { nodePool: 'infra' },
          nodePools: { infra: { labels: { role: 'infra' } } },
          datasources: [
            {
              clusterName: 'edge-1',
              url: 'https://prometheus.edge-1.example.com',
              basicAuth: { secretName: 'prometheus-edge-1', usernameKey: 'user' },
              scrapeInterval: '15s',
              filesystem: { selector: 'job="node-exporter"', warningPercent: 80, criticalPercent: 90, for: '30m' },
            },
          ],
          grafanaComDashboards: [{ name: 'node-exporter', id: 1860, revision: 37 }],
          platform: 'rke2',
          selfMonitoring: true,
        }),
      ),
    ).toBe('no error');
  });

  test("a cluster's second datasource is refused at its place in the props", () => {
    const ds = { clusterName: 'a', url: 'http://a' };
    expect(message(grafana({ datasources: [ds, { clusterName: 'b', url: 'http://b' }, ds] }))).toBe(
      'CentralGrafana "hub" is invalid:\n  props.datasources[2].clusterName: "a" is not valid; expected a cluster without a datasource already',
    );
  });

  test('fails on a bad CPU quantity in resources and a bad memory quantity in sidecarResources', () => {
    expect(
      message(grafana({ resources: { requests: { cpu: 'lots' } }, sidecarResources: { limits: { memory: 'much' } } })),
    ).toBe(
      'CentralGrafana "hub" is invalid:\n' +
        '  props.resources.requests.cpu: "lots" is not valid; expected a CPU quantity such as "500m", "0.5" or "2"\n' +
        '  props.sidecarResources.limits.memory: "much" is not valid; expected a Kubernetes quantity such as "20Gi", "512Mi" or "1G"',
    );
  });

  test('fails on bad namespace labels, admin Secret and node pool name, at their props paths', () => {
    expect(
      message(
        grafana({
          scheduling: { nodePool: 'Infra_' },
          namespaceLabels: { 'bad key!': 'x' },
          adminSecret: { name: 'Admin' },
        }),
      ),
    ).toBe(
      'CentralGrafana "hub" is invalid:\n' +
        '  props.namespaceLabels["bad key!"]: "bad key!" is not valid; expected a Kubernetes label key such as "app" or "example.com/role"\n' +
        `  props.adminSecret.name: "Admin" is not valid; expected ${SUBDOMAIN}\n` +
        `  props.scheduling.nodePool: "Infra_" is not valid; expected ${LABEL}`,
    );
  });

  test("fails on a datasource's credentials in its URL, bad Secret key and scrape interval", () => {
    expect(
      message(
        grafana({
          datasources: [
            {
              clusterName: 'edge-1',
              url: 'https://u:p@prom.example.com',
              scrapeInterval: '30 s',
              basicAuth: { secretName: 's', usernameKey: 'user name' },
            },
          ],
        }),
      ),
    ).toBe(
      'CentralGrafana "hub" is invalid:\n' +
        '  props.datasources[0].url: "https://u:***@prom.example.com" is not valid; expected a URL without a user name or password (they would be written into dist/ and Git; give them as basicAuth.secretName)\n' +
        '  props.datasources[0].basicAuth.usernameKey: "user name" is not valid; expected a Secret key\n' +
        `  props.datasources[0].scrapeInterval: "30 s" is not valid; expected ${DURATION}`,
    );
  });

  test("fails if a cluster's filesystem warning is above its critical threshold (the pack's rule)", () => {
    const filesystem = { selector: 'job="node-exporter"', warningPercent: 95, criticalPercent: 90, for: '30m' };
    expect(
      message(
        grafana({
          globalView: { url: 'http://q:9090', clusters: [{ clusterName: 'edge-1', forwardAlerts: false, filesystem }] },
        }),
      ),
    ).toBe(
      'CentralGrafana "hub" is invalid:\n' +
        '  props.globalView.clusters[0].filesystem.warningPercent: 95 is not valid; expected at most criticalPercent (90)',
    );
  });

  test('fails on a bad grafana.com id, an unknown platform, a missing ingress Secret, an unknown key', () => {
    expect(
      message(
        grafana({
          grafanaComDashboards: [{ name: 'node', id: -1, revision: 1 }],
          datasource: [],
          platform: 'openshift',
          ingress: { host: 'g.example.com' },
        } as never),
      ),
    ).toBe(
      'CentralGrafana "hub" is invalid:\n' +
        '  props.ingress.tlsSecretName: is required; expected a string\n' +
        '  props.grafanaComDashboards[0].id: -1 is not valid; expected more than 0\n' +
        '  props.platform: "openshift" is not allowed; expected one of "k3s", "rke2", "eks", "gke", "aks", "kops", "kubeadm"\n' +
        '  props.datasource: unknown key (did you mean "datasources"?); expected one of: clusterName, namespace, createNamespace, namespaceLabels, kubePrometheusStackVersion, kubePrometheusStackRepo, adminSecret, persistence, ingress, globalView, datasources, grafanaComDashboards, vendoredDashboards, alerting, loki, scheduling, resources, sidecarResources, platform, nodePools, selfMonitoring, airgap, chartArchive',
    );
  });

  test('props a validated inventory built (marked) are not validated again', () => {
    expect(
      message(
        () =>
          new CentralGrafana(
            Testing.chart(),
            'Grafana',
            markPrevalidated({ ...minimal, resources: { requests: { cpu: 'lots' } } }),
          ),
      ),
    ).toBe('no error');
  });
});

describe('ArgoCdApplications', () => {
  const minimal: ArgoCdApplicationsProps = {
    repoURL: 'https://github.com/example/fleet.git',
    clusters: [{ name: 'edge-1', helmCharts: { namespace: 'monitoring', names: ['cmm-agent'] } }],
  };
  const argocd = (o: Partial<ArgoCdApplicationsProps>) => () =>
    new ArgoCdApplications(Testing.chart(), 'ArgoCD', { ...minimal, ...o });

  test('passes a minimal valid configuration, and one with a destination by server', () => {
    expect(message(argocd({}))).toBe('no error');
    expect(
      message(
        argocd({
          clusters: [{ ...minimal.clusters[0], destination: { server: 'https://k8s.example.com' } }],
          targetRevision: 'main',
        }),
      ),
    ).toBe('no error');
  });

  test('fails on credentials in the repository URL, a path out of the repository, a bad cluster name and server', () => {
    expect(
      message(
        argocd({
          repoURL: 'https://user:pw@github.com/x/fleet.git',
          path: '../dist',
          clusters: [
            { name: 'Edge 1', helmCharts: minimal.clusters[0].helmCharts, destination: { server: 'ftp://k8s' } },
          ],
        }),
      ),
    ).toBe(
      'ArgoCdApplications is invalid:\n' +
        '  props.repoURL: "https://user:***@github.com/x/fleet.git" is not valid; expected a URL without a user name or password (they would be written into dist/ and Git; ArgoCD takes a repository\'s credentials from its own repository Secrets)\n' +
        '  props.path: "../dist" is not valid; expected a relative path in the repository\n' +
        `  props.clusters[0].name: "Edge 1" is not valid; expected ${LABEL}\n` +
        `  props.clusters[0].destination.server: "ftp://k8s" is not valid; expected ${URL}`,
    );
  });

  test('props a validated inventory built (marked) are not validated again', () => {
    expect(
      message(
        () => new ArgoCdApplications(Testing.chart(), 'ArgoCD', markPrevalidated({ ...minimal, path: '../dist' })),
      ),
    ).toBe('no error');
  });
});

describe('ClusterRules', () => {
  const minimal: ClusterRulesProps = {
    clusterName: 'edge-1',
    namespace: 'monitoring',
    kubeStateMetrics: true,
    nodeExporter: true,
  };
  const rules = (o: Partial<ClusterRulesProps>) => () =>
    new ClusterRules(Testing.chart(), 'Rules', { ...minimal, ...o });

  test('passes a minimal and a configured valid rules', () => {
    expect(message(rules({}))).toBe('no error');
    expect(
      message(
        rules({
          packs: { filesystem: { warningPercent: 70, criticalPercent: 85, selector: 'fstype!~"tmpfs"' } },
          selectors: { nodeExporter: 'job="node"' },
          runbookBaseUrl: 'https://runbooks.example.com',
          groups: { app: { rules: [{ alert: 'AppDown', expr: 'up{job="app"} == 0' }] } },
        }),
      ),
    ).toBe('no error');
  });

  test('fails on a bad runbook URL, pack selector, and a warning above the critical threshold', () => {
    expect(
      message(
        rules({
          packs: { filesystem: { warningPercent: 95, criticalPercent: 90 } },
          selectors: { nodeExporter: 'job=node' },
          runbookBaseUrl: 'ftp://runbooks',
        }),
      ),
    ).toBe(
      'ClusterRules "edge-1" is invalid:\n' +
        `  props.runbookBaseUrl: "ftp://runbooks" is not valid; expected ${URL}\n` +
        '  props.selectors.nodeExporter: "job=node" is not valid; expected PromQL label matchers such as job="node-exporter", fstype!~"tmpfs|overlay"\n' +
        '  props.packs.filesystem.warningPercent: 95 is not valid; expected at most criticalPercent (90)',
    );
  });

  test("fails on a group's invalid PromQL, at its props path", () => {
    expect(message(rules({ groups: { app: { rules: [{ alert: 'A', expr: 'up ==' }] } } }))).toBe(
      'ClusterRules "edge-1" is invalid:\n' +
        '  props.groups.app.rules[0].expr: "up ==" is not valid; expected valid PromQL; the parser says 1:6: unexpected end of expression',
    );
  });

  test("a ClusterAgent's rules are validated once, as the agent's props", () => {
    const spy = jest.spyOn(CLUSTER_RULES_PROPS, 'safeParse');
    try {
      expect(
        message(
          () =>
            new ClusterAgent(Testing.chart(), 'Agent', {
              clusterName: 'edge-1',
              rules: { packs: { filesystem: { warningPercent: 95, criticalPercent: 90 } } },
            }),
        ),
      ).toBe(
        'ClusterAgent "edge-1" is invalid:\n' +
          '  props.rules.packs.filesystem.warningPercent: 95 is not valid; expected at most criticalPercent (90)',
      );
      new ClusterAgent(Testing.chart(), 'Agent', { clusterName: 'edge-1' });
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('HelmControllerInstall', () => {
  test('passes no props, and valid images and labels', () => {
    expect(message(() => new HelmControllerInstall(Testing.chart(), 'HC'))).toBe('no error');
    expect(
      message(
        () =>
          new HelmControllerInstall(Testing.chart(), 'HC', {
            images: { registry: 'registry.example.com:5000/mirror', pullSecrets: ['pull'] },
            namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'restricted' },
          }),
      ),
    ).toBe('no error');
  });

  test('fails on a bad registry and a bad label value, naming the construct alone', () => {
    expect(
      message(
        () =>
          new HelmControllerInstall(Testing.chart(), 'HC', {
            images: { registry: 'https://registry.example.com' },
            namespaceLabels: { team: 'a b' },
          }),
      ),
    ).toBe(
      'HelmControllerInstall is invalid:\n' +
        '  props.images.registry: "https://registry.example.com" is not valid; expected a registry host, optionally with a port and a path, such as registry.example.com:5000/mirror\n' +
        '  props.namespaceLabels.team: "a b" is not valid; expected a Kubernetes label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
    );
  });

  test("the install a cluster's platform needs is not validated again (its construct validated the images)", () => {
    const spy = jest.spyOn(HELM_CONTROLLER_INSTALL_PROPS, 'safeParse');
    try {
      const agent = new ClusterAgent(Testing.chart(), 'Agent', { clusterName: 'edge-1', platform: 'eks' });
      expect(agent.profile.helmController).toBe('install');
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

test("a fleet's central Thanos, Karma, Grafana and ArgoCD Applications are not validated again (their props come from the validated inventory)", () => {
  const thanos = jest.spyOn(CENTRAL_THANOS_PROPS, 'safeParse');
  const karma = jest.spyOn(KARMA_PROPS, 'safeParse');
  const grafana = jest.spyOn(CENTRAL_GRAFANA_PROPS, 'safeParse');
  const argocd = jest.spyOn(ARGOCD_PROPS, 'safeParse');
  try {
    const file = path.join(ROOT, 'examples', 'airgap.yaml');
    const { fleet } = buildFleet(fs.readFileSync(file, 'utf8'), path.dirname(file));
    expect([fleet.thanos?.namespace, fleet.karma !== undefined]).toEqual(['monitoring', true]);
    // Its two clusters, k3s-central and eks-prod.
    expect(fleet.argocd?.applications.length).toBe(2);
    expect([thanos, karma, grafana, argocd].map((spy) => spy.mock.calls.length)).toEqual([0, 0, 0, 0]);
    // The spies see a user's construct validate.
    new Karma(Testing.chart(), 'Karma', {
      namespace: 'monitoring',
      alertmanagers: [],
      ingress: { host: 'karma.example.com', controller: 'nginx', tlsSecretName: 'tls', basicAuthSecretName: 'auth' },
    });
    expect(karma.mock.calls.length).toBe(1);
  } finally {
    thanos.mockRestore();
    karma.mockRestore();
    grafana.mockRestore();
    argocd.mockRestore();
  }
});

describe('HelmRelease', () => {
  const chart = { chart: 'kube-prometheus-stack', repo: 'https://charts.example.com', version: '88.5.3' };
  const minimal: HelmReleaseProps = { chart, releaseName: 'cmm-agent', targetNamespace: 'monitoring', values: {} };

  test('passes valid props: a 53-character release name, values as a function, a timeout in whole seconds', () => {
    const c = Testing.chart();
    expect(message(() => new HelmRelease(c, 'Minimal', minimal))).toBe('no error');
    expect(
      message(
        () =>
          new HelmRelease(c, 'Full', {
            chart: { chart: 'loki', repo: 'oci://registry.example.com/charts', version: '6.29.0' },
            releaseName: `a.${'b'.repeat(51)}`,
            targetNamespace: 'logs',
            namespace: 'helm-controller',
            values: () => ({ a: 1 }),
            failurePolicy: HelmChartSpecFailurePolicy.REINSTALL,
            timeout: Duration.seconds(90),
            backOffLimit: 0,
            kindDefinedLater: true,
            airgap: { cluster: 'edge-1' },
          }),
      ),
    ).toBe('no error');
    const spec = Testing.synth(c).find((o) => o.metadata.name === `a.${'b'.repeat(51)}`)?.spec;
    expect([spec.timeout, spec.backOffLimit, spec.failurePolicy, spec.valuesContent]).toEqual([
      '90s',
      0,
      'reinstall',
      'a: 1\n',
    ]);
  });

  test('fails on each invalid field, naming the release, the field, the value and what was expected', () => {
    expect(
      message(
        () =>
          new HelmRelease(Testing.chart(), 'Bad', {
            chart: { chart: 'Kube_Prometheus', repo: 'ftp://charts.example.com', version: '^88.5' },
            releaseName: 'b'.repeat(54),
            targetNamespace: 'Monitoring',
            namespace: '',
            values: [] as unknown as Record<string, unknown>,
            failurePolicy: 'delete' as HelmChartSpecFailurePolicy,
            timeout: Duration.millis(1500),
            backOffLimit: 1.5,
            kindDefinedLater: 'yes' as unknown as boolean,
          }),
      ),
    ).toBe(
      `HelmRelease "${'b'.repeat(54)}" is invalid:\n` +
        `  props.chart.chart: "Kube_Prometheus" is not valid; expected ${LABEL}\n` +
        '  props.chart.repo: "ftp://charts.example.com" is not valid; expected a Helm repository URL (http:// or https://) or an OCI registry path (oci://host/path)\n' +
        '  props.chart.version: "^88.5" is not valid; expected an exact chart version such as "88.5.3"\n' +
        `  props.releaseName: "${'b'.repeat(54)}" is not valid; expected a Helm release name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 53 characters\n` +
        `  props.targetNamespace: "Monitoring" is not valid; expected ${LABEL}\n` +
        '  props.values: [] is not valid; expected a mapping of chart values, or a function returning one\n' +
        `  props.namespace: "" is not valid; expected ${LABEL}\n` +
        '  props.failurePolicy: "delete" is not allowed; expected one of "abort", "reinstall", "retry"\n' +
        '  props.timeout: "1 second 500 millis" is not valid; expected a cdk8s Duration of at least one second, in whole seconds\n' +
        '  props.backOffLimit: 1.5 is a number; expected a whole number\n' +
        '  props.kindDefinedLater: "yes" is a string; expected true or false',
    );
  });

  test('refuses an unknown field, a negative back-off limit, a zero timeout and a release name with an uppercase letter', () => {
    expect(
      message(
        () =>
          new HelmRelease(Testing.chart(), 'Bad', {
            ...minimal,
            releaseName: 'Agent',
            backOffLimit: -1,
            timeout: Duration.seconds(0),
            valuesFile: 'values.yaml',
          } as HelmReleaseProps),
      ),
    ).toBe(
      'HelmRelease "Agent" is invalid:\n' +
        '  props.releaseName: "Agent" is not valid; expected a Helm release name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 53 characters\n' +
        '  props.timeout: "0 seconds" is not valid; expected a cdk8s Duration of at least one second, in whole seconds\n' +
        '  props.backOffLimit: -1 is not valid; expected at least 0\n' +
        '  props.valuesFile: unknown key; expected one of: chart, releaseName, targetNamespace, values, namespace, failurePolicy, timeout, backOffLimit, kindDefinedLater, airgap',
    );
  });
});

describe('AgentNetworkPolicies and CentralNetworkPolicies', () => {
  const agent: AgentNetworkPoliciesProps = {
    namespace: 'monitoring',
    profile: PROFILES.eks,
    release: 'cmm-agent',
    prometheus: { name: 'cmm-agent-prometheus', kind: 'Prometheus' },
    kubeStateMetrics: true,
  };
  const central: CentralNetworkPoliciesProps = {
    namespace: 'monitoring',
    profile: PROFILES.k3s,
    grafana: { release: 'cmm-central', ingress: 'traefik' },
  };

  test('pass valid props, and make their policies', () => {
    const c = Testing.chart();
    expect(
      message(
        () =>
          new AgentNetworkPolicies(c, 'Agent', {
            ...agent,
            options: { ingressSourceRanges: ['10.0.0.0/8'] },
            alertmanager: { name: 'cmm-agent-alertmanager', ingress: 'nginx' },
            sidecar: { type: 'ingress', controller: 'nginx' },
            central: { namespace: 'monitoring', grafanaRelease: 'cmm-central', thanosQuery: true, karma: 'karma' },
          }),
      ),
    ).toBe('no error');
    expect(
      message(
        () =>
          new CentralNetworkPolicies(c, 'Central', {
            ...central,
            prometheus: { namespace: 'monitoring', name: 'cmm-agent-prometheus', kind: 'PrometheusAgent' },
            loki: { release: 'cmm-loki', mode: 'distributed', alloyReleases: ['cmm-logs'] },
            thanos: { receive: true, receiveIngress: 'traefik' },
            karma: { name: 'karma', ingress: 'traefik', readsGrafana: true },
          }),
      ),
    ).toBe('no error');
    expect(Testing.synth(c).filter((o) => o.kind === 'NetworkPolicy').length).toBeGreaterThan(4);
  });

  test("fail on a bad namespace, a profile not of PROFILES, a bad option, an unknown or missing controller and a kind, naming the construct's namespace", () => {
    expect(
      message(
        () =>
          new AgentNetworkPolicies(Testing.chart(), 'Agent', {
            ...agent,
            profile: { ...PROFILES.eks },
            options: { ingressSourceRanges: ['10.0.0.0/33'] },
            prometheus: { name: 'cmm-agent-prometheus', kind: 'Alertmanager' as 'Prometheus' },
            prometheusIngress: 'haproxy' as 'nginx',
            sidecar: { type: 'ingress' } as { type: 'ingress'; controller: 'nginx' },
          }),
      ),
    ).toBe(
      'AgentNetworkPolicies "monitoring" is invalid:\n' +
        '  props.profile: {"name":"eks","title":"Amazon EKS","helmController":"inst... is not valid; expected the profile of a platform CMM knows: PROFILES[platform] for k3s, rke2, eks, gke, aks, kops, kubeadm\n' +
        '  props.options.ingressSourceRanges[0]: "10.0.0.0/33" is not valid; expected a CIDR range: an IPv4 address with a prefix length up to 32 (e.g. 10.0.0.0/16) or an IPv6 address with one up to 128 (e.g. fd00::/64)\n' +
        '  props.prometheus.kind: "Alertmanager" is not allowed; expected one of "Prometheus", "PrometheusAgent"\n' +
        '  props.prometheusIngress: "haproxy" is not allowed; expected one of "traefik", "nginx", "appRouting"\n' +
        '  props.sidecar.controller: is required; expected one of "traefik", "nginx", "appRouting"',
    );
    expect(
      message(
        () =>
          new CentralNetworkPolicies(Testing.chart(), 'Central', {
            ...central,
            namespace: 'Monitoring',
            loki: { release: 'cmm-loki', mode: 'simple' as 'monolithic', alloyReleases: ['Alloy'] },
          }),
      ),
    ).toBe(
      'CentralNetworkPolicies "Monitoring" is invalid:\n' +
        `  props.namespace: "Monitoring" is not valid; expected ${LABEL}\n` +
        '  props.loki.mode: "simple" is not allowed; expected one of "monolithic", "distributed"\n' +
        `  props.loki.alloyReleases[0]: "Alloy" is not valid; expected ${LABEL}`,
    );
  });
});
