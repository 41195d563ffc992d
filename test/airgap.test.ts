import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  CentralGrafana,
  CHART_CONTENT_LIMIT,
  Fleet,
  helmChartName,
  imageProblems,
  imagesIn,
  mirroredImage,
  parseInventory,
  renderApp,
  type K8sObject,
} from '../lib';
import { helmValues, inventoryProblems, ROOT, type Manifest } from './support/example';
import { describeWithHelm } from './support/tools';

/**
 * Air-gapped clusters (lib/airgap/airgap.ts): the charts from a mirror repository (with its CA and credentials), the
 * archive inside the HelmChart or the k3s static folder; every image from a mirror registry with pull Secrets.
 */

const MIRROR = 'registry.corp.internal:5000/mirror';

/** A fleet on k3s (central, with Loki, Thanos and Karma) and EKS (CMM's helm-controller), with ArgoCD. */
const fleetYaml = (airgap: string, central = '', eks = '', centralEntry = '') => `central:
  cluster: central
  metrics: thanos
  thanos: { objectStorageSecret: { name: objstore } }
  loki: { ingress: { host: loki.corp.internal, tlsSecretName: loki-tls } }
  karma: { ingress: { host: karma.corp.internal, tlsSecretName: t, basicAuthSecretName: b } }
${central}defaults:
  airgap:
${airgap}clusters:
  - name: central
    alertmanager: { enabled: true, slack: { secretName: s } }
${centralEntry}  - name: eks
    platform: eks
    prometheus: { storage: { size: 10Gi, storageClass: gp3 } }
    thanos: { exposure: { host: sidecar.eks.corp.internal, tlsSecretName: t } }
    logs: { events: true }
${eks}argocd: { repoURL: https://git.corp.internal/fleet.git }
`;

/** The synthesized files of an inventory text, with the chart archives `archives` as --charts gives them. */
function synth(text: string, archives?: Record<string, Uint8Array>): Map<string, string> {
  const app = Testing.app();
  new Fleet(app, 'Fleet', {
    inventory: parseInventory(text, 'inv.yaml'),
    ...(archives ? { chartArchive: (file: string) => archives[file] } : {}),
  });
  return renderApp(app);
}

/** The objects of the synthesized files (the .yaml ones), by `<cluster folder>/<kind>/<name>`. */
function objects(files: Map<string, string>): Map<string, Manifest> {
  return new Map(
    [...files.entries()]
      .filter(([f]) => f.endsWith('.yaml'))
      .map(([f, text]) => {
        const o = parse(text) as Manifest;
        return [`${f.split('/')[0]}/${o.kind}/${o.metadata.name}${f.startsWith('argocd/') ? `@${f}` : ''}`, o];
      }),
  );
}

const IMAGES = `    images:
      registry: ${MIRROR}
      pullSecrets: [regcred]
`;

describe('images from a mirror registry', () => {
  const files = synth(fleetYaml(IMAGES));
  const all = objects(files);

  test("every image of CMM's own objects and every chart's image value points at the mirror", () => {
    const uses = [...all.entries()].flatMap(([file, o]) => imagesIn(o).map((u) => ({ file, ...u })));
    // Each of CMM's own images, once or more, from the mirror with the repository path kept.
    const images = new Set(uses.map((u) => u.image));
    expect([...images].sort()).toEqual([
      `${MIRROR}/busybox:1.37.0`,
      `${MIRROR}/kubectl:v1.35.0`,
      `${MIRROR}/prymitive/karma:v0.132`,
      `${MIRROR}/rancher/helm-controller:v0.17.7`,
      `${MIRROR}/rancher/klipper-helm:v0.13.3-build20260727`,
      `${MIRROR}/thanos/thanos:v0.42.4`,
    ]);
    expect(uses.filter((u) => !u.image.startsWith(`${MIRROR}/`))).toEqual([]);
  });

  test('every pod CMM places itself gets the pull Secrets', () => {
    const podSpecs = [...all.values()]
      .filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))
      .map((o) => ({
        what: `${o.kind}/${o.metadata.name}`,
        secrets: (o.spec as any).template.spec.imagePullSecrets,
      }));
    expect(podSpecs.map((p) => p.what).sort()).toEqual([
      'Deployment/cmm-karma',
      'Deployment/helm-controller',
      'Deployment/thanos-query',
      'Deployment/thanos-query-frontend',
      'Job/cmm-wait-helmcharts',
      'Job/cmm-wait-helmcharts',
      'StatefulSet/thanos-compact',
      'StatefulSet/thanos-store',
    ]);
    for (const p of podSpecs)
      expect({ what: p.what, secrets: p.secrets }).toEqual({ what: p.what, secrets: [{ name: 'regcred' }] });
  });

  test("each chart's values name the mirror and the pull Secrets the way the chart reads them", () => {
    const chart = (file: string) => helmValues(all.get(file)!);
    for (const file of ['central/HelmChart/cmm-agent', 'central/HelmChart/cmm-central', 'eks/HelmChart/cmm-agent']) {
      expect(chart(file).global).toEqual({ imageRegistry: MIRROR, imagePullSecrets: [{ name: 'regcred' }] });
    }
    for (const file of ['eks/HelmChart/cmm-alloy', 'eks/HelmChart/cmm-alloy-events']) {
      expect(chart(file).global).toEqual({ image: { registry: MIRROR, pullSecrets: [{ name: 'regcred' }] } });
    }
    const loki = chart('central/HelmChart/cmm-loki');
    expect(loki.global.imageRegistry).toBe(MIRROR);
    // The loki chart's own DNS settings stay beside the registry.
    expect(loki.global.dnsService).toBe('kube-dns');
    expect(loki.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    // The agents' CRD upgrade Job: kubectl at the tag CMM pins (the chart's default follows the live cluster's version,
    // which the mirror may not have after an upgrade); busybox keeps its pinned tag.
    for (const file of ['central/HelmChart/cmm-agent', 'eks/HelmChart/cmm-agent']) {
      expect(chart(file).crds.upgradeJob.image).toEqual({ busybox: { tag: '1.37.0' }, kubectl: { tag: 'v1.35.0' } });
    }
    expect(chart('central/HelmChart/cmm-central').crds.upgradeJob).toBeUndefined();
  });

  test('the bundled examples/airgap.yaml: every image of every synthesized object is from its mirror', () => {
    const text = fs.readFileSync(path.join(ROOT, 'examples', 'airgap.yaml'), 'utf8');
    const inv = parseInventory(text, 'examples/airgap.yaml');
    const registry = inv.defaults!.airgap!.images!.registry!;
    const uses = [...objects(synth(text)).values()].flatMap((o) => imagesIn(o));
    expect(uses.length).toBeGreaterThan(10);
    expect(uses.filter((u) => !u.image.startsWith(`${registry}/`))).toEqual([]);
  });

  test('defaults: without airgap, the images and charts are upstream and no value is added', () => {
    const plain = objects(synth(fleetYaml('    images: {}\n')));
    const agent = helmValues(plain.get('eks/HelmChart/cmm-agent')!);
    expect(agent.global).toBeUndefined();
    expect(agent.crds.upgradeJob.image.kubectl).toBeUndefined();
    expect(plain.get('eks/HelmChart/cmm-agent')!.spec).toMatchObject({
      chart: 'kube-prometheus-stack',
      repo: 'https://prometheus-community.github.io/helm-charts',
    });
    const controller = plain.get('eks/Deployment/helm-controller')!;
    expect((controller.spec as any).template.spec.containers[0].image).toBe('rancher/helm-controller:v0.17.7');
    expect((controller.spec as any).template.spec.imagePullSecrets).toBeUndefined();
  });
});

describe('mirroredImage', () => {
  test.each([
    ['quay.io/thanos/thanos:v0.42.4', 'r.example/m', 'r.example/m/thanos/thanos:v0.42.4'],
    ['busybox:1.37.0', 'r.example', 'r.example/busybox:1.37.0'],
    ['rancher/klipper-helm:v1', 'r.example:5000/', 'r.example:5000/rancher/klipper-helm:v1'],
    ['localhost/x:1', 'r.example', 'r.example/x:1'],
    ['registry.k8s.io/kubectl:v1.35.0', undefined, 'registry.k8s.io/kubectl:v1.35.0'],
  ])('%s with %s', (image, registry, expected) => {
    expect(mirroredImage(image, registry)).toBe(expected);
  });

  test('imagesIn finds container images, image flags and image environment variables', () => {
    const obj = {
      spec: {
        containers: [
          {
            image: 'a/b:1',
            args: ['--prometheus-config-reloader=q.io/r:2', '--log-level=info', '--thanos-default-base-image=q.io/t'],
            env: [
              { name: 'DEFAULT_JOB_IMAGE', value: 'k/h:3' },
              { name: 'NOT_AN_IMG', value: 'x' },
            ],
          },
        ],
      },
    };
    expect(imagesIn(obj).map((u) => `${u.path}=${u.image}`)).toEqual([
      'spec.containers[0].image=a/b:1',
      'spec.containers[0].args[0]=q.io/r:2',
      'spec.containers[0].args[2]=q.io/t',
      'spec.containers[0].env[0].value=k/h:3',
    ]);
  });

  test('the render check names every image from elsewhere', () => {
    const pod = (image: string): K8sObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image }] },
    });
    const cluster = {
      cluster: 'edge',
      manifests: new Map([['edge/setup/pod-p.yaml', pod(`${MIRROR}/x:1`)]]),
      releases: [{ release: { name: 'cmm-agent' } as any, objects: [pod('quay.io/prometheus/prometheus:v3')] }],
    };
    expect(imageProblems(cluster, { imageRegistry: MIRROR })).toEqual([
      `edge: release cmm-agent: Pod p: spec.containers[0].image is quay.io/prometheus/prometheus:v3, not from the mirror ${MIRROR} (airgap.images.registry)`,
    ]);
    expect(imageProblems(cluster, {})).toEqual([]);
  });
});

describe('charts from a mirror repository', () => {
  const CHARTS = `    charts:
      repository: https://nexus.corp.internal/repository/helm/
      repositories: { loki: https://nexus.corp.internal/repository/grafana-community/ }
      caConfigMap: corp-ca
      authSecret: nexus-helm
`;

  test('every HelmChart installs from the mirror with the CA ConfigMap and the basic-auth Secret', () => {
    const all = objects(synth(fleetYaml(CHARTS)));
    const charts = [...all.entries()].filter(([, o]) => o.kind === 'HelmChart');
    expect(charts.map(([f]) => f).sort()).toEqual([
      'central/HelmChart/cmm-agent',
      'central/HelmChart/cmm-alloy',
      'central/HelmChart/cmm-central',
      'central/HelmChart/cmm-loki',
      'eks/HelmChart/cmm-agent',
      'eks/HelmChart/cmm-alloy',
      'eks/HelmChart/cmm-alloy-events',
    ]);
    for (const [file, o] of charts) {
      const spec = o.spec as Record<string, unknown>;
      expect({ file, repo: spec.repo }).toEqual({
        file,
        repo: file.endsWith('loki')
          ? 'https://nexus.corp.internal/repository/grafana-community/'
          : 'https://nexus.corp.internal/repository/helm/',
      });
      // The field names helm-controller reads (repoCAConfigMap, not the TypeScript binding's repoCaConfigMap).
      expect(spec.repoCAConfigMap).toEqual({ name: 'corp-ca' });
      expect(spec.authSecret).toEqual({ name: 'nexus-helm' });
      expect(spec.chartContent).toBeUndefined();
    }
  });

  test('kubePrometheusStackRepo still works: over repository, under repositories.kube-prometheus-stack', () => {
    const over = objects(
      synth(
        fleetYaml(
          '    charts: { repository: https://mirror.corp.internal/all }\n',
          '',
          '    kubePrometheusStackRepo: https://mirror.corp.internal/kps\n',
        ),
      ),
    );
    expect(over.get('eks/HelmChart/cmm-agent')!.spec!.repo).toBe('https://mirror.corp.internal/kps');
    expect(over.get('eks/HelmChart/cmm-alloy')!.spec!.repo).toBe('https://mirror.corp.internal/all');
    const under = objects(
      synth(
        fleetYaml(
          '    charts: { repositories: { kube-prometheus-stack: https://mirror.corp.internal/one } }\n',
          '',
          '    kubePrometheusStackRepo: https://mirror.corp.internal/kps\n',
        ),
      ),
    );
    expect(under.get('eks/HelmChart/cmm-agent')!.spec!.repo).toBe('https://mirror.corp.internal/one');
  });

  test('an oci:// registry: the chart reference in spec.chart, no repo, the dockerconfigjson Secret', () => {
    const all = objects(
      synth(
        fleetYaml('    charts: { repository: "oci://harbor.corp.internal/charts/", registrySecret: harbor-charts }\n'),
      ),
    );
    const spec = all.get('eks/HelmChart/cmm-agent')!.spec!;
    expect(spec.chart).toBe('oci://harbor.corp.internal/charts/kube-prometheus-stack');
    expect(spec.version).toBe('88.5.3');
    expect(spec.repo).toBeUndefined();
    expect(spec.dockerRegistrySecret).toEqual({ name: 'harbor-charts' });
  });

  test('static on k3s: the static charts URL the install Job resolves, no repository', () => {
    const all = objects(
      synth(fleetYaml('    {}\n', '', '', '    airgap: { charts: { source: { kube-prometheus-stack: static } } }\n')),
    );
    // The central cluster's entry applies to its agent and to the central Grafana's release.
    for (const name of ['cmm-central', 'cmm-agent']) {
      const spec = all.get(`central/HelmChart/${name}`)!.spec!;
      expect(spec.chart).toBe('https://%{KUBERNETES_API}%/static/charts/kube-prometheus-stack-88.5.3.tgz');
      expect(spec.version).toBe('88.5.3');
      expect(spec.repo).toBeUndefined();
    }
    expect(all.get('eks/HelmChart/cmm-agent')!.spec!.chart).toBe('kube-prometheus-stack');
  });

  test('fails if a chart is static on a platform without a static folder', () => {
    expect(inventoryProblems(fleetYaml('    charts: { source: { kube-prometheus-stack: static } }\n'))).toEqual([
      'inv.yaml:13:5: clusters[1].airgap.charts.source.kube-prometheus-stack: "static" is not valid; expected repository or embedded: Amazon EKS has no static charts folder (only k3s serves one to its install Jobs) (after merging defaults)',
    ]);
  });

  test('fails if a chart is static on RKE2: its install Jobs reach the kube-apiserver, which serves no static folder', () => {
    const text = `central: { cluster: edge }
clusters:
  - name: edge
    platform: rke2
    airgap: { charts: { source: { alloy: static } } }
`;
    expect(inventoryProblems(text)).toEqual([
      'inv.yaml:5:42: clusters[0].airgap.charts.source.alloy: "static" is not valid; expected repository or embedded: RKE2 has no static charts folder (only k3s serves one to its install Jobs) (after merging defaults)',
    ]);
  });

  test('fails if the central cluster is not monitored, not on k3s, and its charts are static', () => {
    const text = `central: { cluster: hub, platform: eks, persistence: false }
defaults:
  airgap: { charts: { source: { kube-prometheus-stack: static } } }
clusters:
  - name: edge
    prometheus: { exposure: { type: ingress, host: p.corp, tlsSecretName: t, basicAuthSecretName: b } }
`;
    expect(() => synth(text)).toThrow(
      'cluster hub: airgap.charts.source.kube-prometheus-stack is static, but Amazon EKS has no static charts folder (only k3s serves one to its install Jobs); expected repository or embedded',
    );
  });

  test('CentralGrafana checks its airgap props as the inventory does', () => {
    expect(
      () =>
        new CentralGrafana(Testing.chart(), 'G', {
          clusterName: 'c',
          datasources: [{ clusterName: 'c', url: 'http://p:9090' }],
          airgap: { images: { registry: 'https://r.corp' } },
        }),
    ).toThrow(
      'props.airgap.images.registry: "https://r.corp" is not valid; expected a registry host, optionally with a port and a path, such as registry.example.com:5000/mirror',
    );
  });

  test('fails on an authSecret without an https repository, credentials in a URL, a bad registry', () => {
    expect(inventoryProblems(fleetYaml('    charts: { authSecret: nexus }\n'))).toEqual([
      'inv.yaml:9:27: defaults.airgap.charts.authSecret: "nexus" is not valid; expected an https:// repository to log in to (repository or repositories); an oci:// registry takes registrySecret',
    ]);
    expect(inventoryProblems(fleetYaml('    charts: { repository: "https://u:pw@nexus.corp/helm" }\n'))).toEqual([
      'inv.yaml:9:27: defaults.airgap.charts.repository: "https://u:***@nexus.corp/helm" is not valid; expected a URL without a user name or password (they would be written into dist/ and Git; give them as airgap.charts.authSecret)',
    ]);
    expect(inventoryProblems(fleetYaml('    images: { registry: "https://registry.corp" }\n'))).toEqual([
      'inv.yaml:9:25: defaults.airgap.images.registry: "https://registry.corp" is not valid; expected a registry host, optionally with a port and a path, such as registry.example.com:5000/mirror',
    ]);
  });
});

test('the chart a HelmChart installs, for the render and the apply-order model: name, oci reference, static URL', () => {
  expect(helmChartName({ spec: { chart: 'loki' } })).toBe('loki');
  const labels = { 'app.kubernetes.io/name': 'kube-prometheus-stack' };
  expect(helmChartName({ metadata: { labels }, spec: { chart: 'oci://h.corp/charts/x' } })).toBe(
    'kube-prometheus-stack',
  );
  expect(helmChartName({ spec: { chart: 'oci://h.corp/charts/kube-prometheus-stack' } })).toBe('kube-prometheus-stack');
  expect(
    helmChartName({ spec: { chart: 'https://%{KUBERNETES_API}%/static/charts/kube-prometheus-stack-88.5.3.tgz' } }),
  ).toBe('kube-prometheus-stack');
});

describe('charts embedded in the HelmChart (chartContent)', () => {
  const EMBED = '    charts: { source: { alloy: embedded } }\n';
  const archive = Buffer.from('a small chart archive the test made');

  test('the archive from --charts goes into spec.chartContent, base64, with no repository', () => {
    const all = objects(synth(fleetYaml(EMBED), { 'alloy-1.11.1.tgz': archive }));
    const spec = all.get('eks/HelmChart/cmm-alloy')!.spec!;
    expect(spec.chartContent).toBe(archive.toString('base64'));
    expect(spec.repo).toBeUndefined();
    expect(spec.chart).toBe('alloy');
    // kube-prometheus-stack still comes from its repository.
    expect(all.get('eks/HelmChart/cmm-agent')!.spec!.chartContent).toBeUndefined();
  });

  test('fails without --charts, and when the archive is not there', () => {
    expect(() => synth(fleetYaml(EMBED))).toThrow(
      'cluster central: airgap.charts.source.alloy is embedded, which needs the chart archive alloy-1.11.1.tgz; give --charts DIR with the archives that helm pull gives',
    );
    expect(() => synth(fleetYaml(EMBED), {})).toThrow(
      'cluster central: airgap.charts.source.alloy is embedded, but alloy-1.11.1.tgz is not in --charts; expected the archive that helm pull gives (helm pull alloy --repo https://grafana.github.io/helm-charts --version 1.11.1)',
    );
  });

  test('fails when the archive is larger than the ConfigMap helm-controller copies it into', () => {
    // 786,433 bytes: 1,048,580 base64 characters, 4 more than a ConfigMap holds.
    const big = Buffer.alloc((CHART_CONTENT_LIMIT / 4) * 3 + 1, 7);
    expect(() =>
      synth(fleetYaml('    charts: { source: { kube-prometheus-stack: embedded } }\n'), {
        'kube-prometheus-stack-88.5.3.tgz': big,
      }),
    ).toThrow(
      "cluster central: airgap.charts.source.kube-prometheus-stack: kube-prometheus-stack-88.5.3.tgz is 786433 bytes, 1048580 in base64 (spec.chartContent); helm-controller copies chartContent into a ConfigMap, which holds at most 1048576 bytes. Install it from a repository (airgap.charts.repository) or, on k3s, from the server's static folder (source: static)",
    );
    // One byte less fits exactly.
    const fits = Buffer.alloc((CHART_CONTENT_LIMIT / 4) * 3, 7);
    const all = objects(
      synth(fleetYaml('    charts: { source: { kube-prometheus-stack: embedded } }\n'), {
        'kube-prometheus-stack-88.5.3.tgz': fits,
      }),
    );
    expect((all.get('eks/HelmChart/cmm-agent')!.spec!.chartContent as string).length).toBe(CHART_CONTENT_LIMIT);
  });
});

describeWithHelm('the synth and render with --charts', (helm) => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-airgap-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A tiny chart named and versioned like the pinned one, with one Deployment whose image follows the values. */
  function tinyChart(dest: string, name: string, version: string, template: string): void {
    const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
    fs.mkdirSync(path.join(dir, 'templates'));
    fs.writeFileSync(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
    fs.writeFileSync(path.join(dir, 'values.yaml'), '{}\n');
    fs.writeFileSync(path.join(dir, 'templates', 'deployment.yaml'), template);
    fs.mkdirSync(dest, { recursive: true });
    const r = spawnSync(helm, ['package', dir, '--destination', dest], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  }
  const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: {{ .Release.Name }} }
spec:
  selector: { matchLabels: { app: x } }
  template:
    metadata: { labels: { app: x } }
    spec:
      # Pod Security restricted, which the monitoring namespace enforces (test/render.test.ts checks refusals).
      securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: x
          image: ${image}
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
`;

  function run(dir: string, text: string, args: string[]) {
    fs.writeFileSync(path.join(dir, 'cmm.yaml'), text);
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'scripts', 'synth.mjs'), '--outdir', path.join(dir, 'dist'), '--quiet', ...args],
      { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, CMM_HELM: helm } },
    );
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  // The tiny charts run none of the pods CMM's NetworkPolicies select (test/render.test.ts checks those).
  const inv = (airgap: string) => `central: { cluster: c }
defaults:
  networkPolicies: { enabled: false }
  airgap:
${airgap}clusters: [{ name: c, alertmanager: { enabled: true, slack: { secretName: s } } }]
`;

  test('an embedded chart is rendered from the archive its HelmChart carries; a foreign image is a problem', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'p-'));
    const charts = path.join(dir, 'charts');
    // The image follows global.imageRegistry, as kube-prometheus-stack's do.
    tinyChart(
      charts,
      'kube-prometheus-stack',
      '88.5.3',
      deployment('{{ .Values.global.imageRegistry | default "quay.io" }}/prometheus/prometheus:v3'),
    );
    const text = inv(
      `    charts: { source: { kube-prometheus-stack: embedded } }\n    images: { registry: ${MIRROR} }\n`,
    );
    const ok = run(dir, text, ['--render', '--charts', charts]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/no problem found\n$/);
    const rendered = fs.readFileSync(path.join(dir, 'rendered/c/cmm-agent/deployment-cmm-agent.yaml'), 'utf8');
    expect(rendered).toContain(`image: ${MIRROR}/prometheus/prometheus:v3\n`);
    const helmChart = parse(fs.readFileSync(path.join(dir, 'dist/c/setup/50-helmchart-cmm-agent.yaml'), 'utf8'));
    expect(Buffer.from(helmChart.spec.chartContent, 'base64')).toEqual(
      fs.readFileSync(path.join(charts, 'kube-prometheus-stack-88.5.3.tgz')),
    );

    // A chart whose image ignores the mirror: the render check says which and where.
    const other = path.join(dir, 'other');
    tinyChart(other, 'kube-prometheus-stack', '88.5.3', deployment('quay.io/prometheus/prometheus:v3'));
    const bad = run(dir, text, ['--render', '--charts', other]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      `cmm: c: release cmm-agent: Deployment cmm-agent: spec.template.spec.containers[0].image is quay.io/prometheus/prometheus:v3, not from the mirror ${MIRROR} (airgap.images.registry)\n`,
    );
  });

  test('an oci:// or static HelmChart is rendered from --charts by its chart name', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'p-'));
    const charts = path.join(dir, 'charts');
    tinyChart(charts, 'kube-prometheus-stack', '88.5.3', deployment('quay.io/prometheus/prometheus:v3'));
    for (const airgap of [
      '    charts: { repository: "oci://harbor.corp.internal/charts" }\n',
      '    charts: { source: { kube-prometheus-stack: static } }\n',
    ]) {
      const r = run(dir, inv(airgap), ['--render', '--charts', charts]);
      expect({ airgap, stderr: r.stderr, code: r.code }).toEqual({ airgap, stderr: '', code: 0 });
      expect(fs.existsSync(path.join(dir, 'rendered/c/cmm-agent/deployment-cmm-agent.yaml'))).toBe(true);
    }
  });

  test('an embedded chart missing from --charts stops the synth, and dist/ stays as it was', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'p-'));
    const first = run(dir, inv('    images: { registry: r.corp }\n'), []);
    expect(first.code).toBe(0);
    const before = fs.readFileSync(path.join(dir, 'dist/c/setup/50-helmchart-cmm-agent.yaml'), 'utf8');
    fs.mkdirSync(path.join(dir, 'empty'));
    const r = run(dir, inv('    charts: { source: { kube-prometheus-stack: embedded } }\n'), ['--charts', 'empty']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'cmm: cluster c: airgap.charts.source.kube-prometheus-stack is embedded, but kube-prometheus-stack-88.5.3.tgz is not in --charts; expected the archive that helm pull gives (helm pull kube-prometheus-stack --repo https://prometheus-community.github.io/helm-charts --version 88.5.3)\ncmm: nothing was written; the output folder is unchanged\n',
    );
    expect(fs.readFileSync(path.join(dir, 'dist/c/setup/50-helmchart-cmm-agent.yaml'), 'utf8')).toBe(before);
  });
});
