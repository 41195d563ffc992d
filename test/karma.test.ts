/**
 * Karma at the centre: which Alertmanagers it reads and how, its configuration with no credential in it, the init
 * container that fills the credentials in (run here by the real sh, base64 and sed), its Ingress with TLS and basic
 * auth, and the error for an Alertmanager Karma cannot reach.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Karma } from '../lib/central/karma';
import { buildFleet, byKindName, inventoryProblems, ROOT, type Manifest } from './support/example';

const example = fs.readFileSync(path.join(ROOT, 'cmm.yaml'), 'utf8');

function build(yaml: string) {
  const { fleet } = buildFleet(yaml);
  const central = fleet.clusterCharts.find((c) => c.node.id === 'central')!;
  return { fleet, objects: byKindName(central) };
}

const { fleet, objects } = build(example);
const template = parse(objects.get('ConfigMap/cmm-karma-config-template')!.data!['karma.yaml']);
const pod = (objects.get('Deployment/cmm-karma')!.spec as any).template.spec;

describe('Karma in the example fleet', () => {
  test("reads kafka-prod's Alertmanager through its Ingress and the central Grafana's, never sending credentials to the browser", () => {
    expect(template.alertmanager.servers).toEqual([
      {
        name: 'kafka-prod',
        uri: 'https://alertmanager.kafka-prod.example.com',
        timeout: '40s',
        proxy: true,
        headers: { Authorization: 'Basic __CMM_AUTH_0__' },
      },
      {
        name: 'central-grafana',
        uri: 'http://cmm-central-grafana.monitoring.svc/api/alertmanager/grafana',
        timeout: '40s',
        proxy: true,
        external_uri: 'https://grafana.example.com/alerting/silences',
        headers: { Authorization: 'Basic __CMM_AUTH_1__' },
      },
    ]);
    expect(template.ui).toEqual({ multiGridLabel: 'cluster' });
    // The Watchdog and info alerts are not for people.
    expect(template.receivers).toEqual({ strip: ['null', 'heartbeat'] });
    expect(template.history).toEqual({ enabled: false });
    expect(template.filters.default).toEqual(['@state=active']);
  });

  test("takes each Alertmanager's credentials from its Secret, in the init container only", () => {
    const env = pod.initContainers[0].env;
    expect(env).toEqual([
      {
        name: 'CMM_AUTH_0_USERNAME',
        valueFrom: { secretKeyRef: { name: 'alertmanager-kafka-prod-basic-auth', key: 'username', optional: false } },
      },
      {
        name: 'CMM_AUTH_0_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'alertmanager-kafka-prod-basic-auth', key: 'password', optional: false } },
      },
      {
        name: 'CMM_AUTH_1_USERNAME',
        valueFrom: { secretKeyRef: { name: 'karma-grafana-credentials', key: 'username', optional: false } },
      },
      {
        name: 'CMM_AUTH_1_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'karma-grafana-credentials', key: 'password', optional: false } },
      },
    ]);
    expect(pod.containers[0].env).toEqual([{ name: 'CONFIG_FILE', value: '/etc/karma/config/karma.yaml' }]);
    // The rendered configuration lives in memory, read-only for Karma.
    expect(pod.volumes).toContainEqual({ name: 'config', emptyDir: { medium: 'Memory' } });
    expect(pod.containers[0].volumeMounts).toEqual([
      { mountPath: '/etc/karma/config', name: 'config', readOnly: true },
    ]);
    expect(pod.containers[0].image).toBe('ghcr.io/prymitive/karma:v0.132');
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, runAsUser: 65532 });
    }
  });

  test('the init container writes each Authorization header from the Secret values (run by sh, base64, sed)', () => {
    const karma = fleet.karma!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-karma-'));
    try {
      fs.mkdirSync(path.join(dir, 'template'));
      fs.mkdirSync(path.join(dir, 'config'));
      fs.writeFileSync(path.join(dir, 'template', 'karma.yaml'), karma.configTemplate);
      const script = karma.renderScript.replaceAll('/etc/karma/', `${dir}/`);
      // A password with the characters a shell, sed or YAML would trip on.
      const password = 'p@ss|w&rd"$x\\y/z';
      const r = spawnSync('sh', ['-c', script], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          CMM_AUTH_0_USERNAME: 'karma',
          CMM_AUTH_0_PASSWORD: password,
          // As kubectl create secret --from-file makes it from a file that ends with a line end.
          CMM_AUTH_1_USERNAME: 'viewer\n',
          CMM_AUTH_1_PASSWORD: `${'x'.repeat(120)}\r\n`,
        },
      });
      expect([r.status, r.stderr]).toEqual([0, '']);
      const rendered = parse(fs.readFileSync(path.join(dir, 'config', 'karma.yaml'), 'utf8'));
      const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
      expect(rendered.alertmanager.servers.map((s: any) => s.headers.Authorization)).toEqual([
        basic('karma', password),
        basic('viewer', 'x'.repeat(120)),
      ]);
      expect(fs.readdirSync(path.join(dir, 'config'))).toEqual(['karma.yaml']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a changed configuration rolls the pod', () => {
    const annotation = (yaml: string) =>
      (build(yaml).objects.get('Deployment/cmm-karma')!.spec as any).template.metadata.annotations['checksum/config'];
    const before = annotation(example);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(annotation(example.replace('alertmanager.kafka-prod.example.com', 'am.kafka-prod.example.com'))).not.toBe(
      before,
    );
  });

  test('is reached only through its Ingress, with TLS and basic auth', () => {
    const ingress = objects.get('Ingress/cmm-karma')!;
    expect(ingress.metadata.annotations).toMatchObject({
      'traefik.ingress.kubernetes.io/router.tls': 'true',
      'traefik.ingress.kubernetes.io/router.middlewares': 'monitoring-cmm-karma-basic-auth@kubernetescrd',
    });
    expect((ingress.spec as any).tls).toEqual([{ hosts: ['alerts.example.com'], secretName: 'karma-tls' }]);
    expect(objects.get('Middleware/cmm-karma-basic-auth')!.spec).toEqual({
      basicAuth: { secret: 'karma-basic-auth', removeHeader: true },
    });
    expect((objects.get('Service/cmm-karma')!.spec as any).type ?? 'ClusterIP').toBe('ClusterIP');
  });

  test("a cluster's Alertmanager is exposed with TLS and basic auth, its links pointing there", () => {
    const kafka = fleet.agents.find((a) => a.clusterName === 'kafka-prod')!;
    const chart = kafka.node.scope as Chart;
    const helm = byKindName(chart).get('HelmChart/cmm-agent') as Manifest;
    const am = parse((helm.spec as { valuesContent: string }).valuesContent).alertmanager;
    expect(am.alertmanagerSpec.externalUrl).toBe('https://alertmanager.kafka-prod.example.com/');
    expect(am.ingress).toEqual({
      enabled: true,
      ingressClassName: 'nginx',
      annotations: {
        'nginx.ingress.kubernetes.io/auth-type': 'basic',
        'nginx.ingress.kubernetes.io/auth-secret': 'alertmanager-basic-auth',
        'nginx.ingress.kubernetes.io/auth-realm': 'Alertmanager',
      },
      hosts: ['alertmanager.kafka-prod.example.com'],
      paths: ['/'],
      tls: [{ secretName: 'alertmanager-tls', hosts: ['alertmanager.kafka-prod.example.com'] }],
    });
  });
});

describe('Karma and the central cluster', () => {
  test("reads the central cluster's own Alertmanager in the cluster, without credentials", () => {
    const yaml = example.replace(
      '  - name: central\n    kubeStateMetrics: true\n',
      '  - name: central\n    kubeStateMetrics: true\n    alertmanager:\n      enabled: true\n      slack: { secretName: s }\n',
    );
    expect(yaml).not.toBe(example);
    const { objects: central } = build(yaml);
    const t = parse(central.get('ConfigMap/cmm-karma-config-template')!.data!['karma.yaml']);
    expect(t.alertmanager.servers[0]).toEqual({
      name: 'central',
      uri: 'http://cmm-agent-alertmanager.monitoring.svc:9093',
      timeout: '40s',
      proxy: true,
    });
  });

  test('an Alertmanager Karma cannot reach is an error', () => {
    const yaml = example.replace(
      / {6}# Reachable by the central Karma[\s\S]*?basicAuthSecretName: alertmanager-basic-auth\n/,
      '',
    );
    expect(yaml).not.toBe(example);
    expect(inventoryProblems(yaml, 'cmm.yaml')).toEqual([
      expect.stringMatching(
        /clusters\[2\]\.alertmanager\.exposure: is required for kafka-prod with central\.karma; expected an Ingress/,
      ),
    ]);
  });

  test("a cluster named central-grafana, Karma's name for the central Grafana's Alertmanager, is an inventory error", () => {
    const yaml = example.replace('- name: kafka-prod\n', '- name: central-grafana\n');
    expect(yaml).not.toBe(example);
    const line = example.split('\n').findIndex((l) => l.endsWith('- name: kafka-prod')) + 1;
    expect(inventoryProblems(yaml, 'cmm.yaml')).toEqual([
      `cmm.yaml:${line}:11: clusters[2].name: "central-grafana" is not valid with central.karma.grafana; expected a name other than central-grafana, Karma's name for the central Grafana's Alertmanager`,
    ]);
    // Without Karma's view of the central Grafana, the name is free.
    expect(inventoryProblems(yaml.replace('    grafana: {}\n', ''), 'cmm.yaml')).toEqual([]);
  });

  test("Karma's resources: the defaults, and every setting given (a CPU limit too)", () => {
    const containerOf = (resources?: object) =>
      (
        byKindName(
          (() => {
            const chart = Testing.chart();
            new Karma(chart, 'K', {
              namespace: 'm',
              alertmanagers: [],
              ingress: { host: 'k.example.com', controller: 'nginx', tlsSecretName: 't', basicAuthSecretName: 'b' },
              ...(resources ? { resources } : {}),
            });
            return chart;
          })(),
        ).get('Deployment/cmm-karma')!.spec as any
      ).template.spec.containers[0].resources;
    expect(containerOf()).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    expect(containerOf({ requests: { memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } })).toEqual({
      requests: { cpu: '50m', memory: '1024Mi' },
      limits: { cpu: '1000m', memory: '2048Mi' },
    });
  });

  test('two Alertmanagers of one name are refused', () => {
    expect(
      () =>
        new Karma(Testing.chart(), 'K', {
          namespace: 'm',
          alertmanagers: [
            { name: 'a', uri: 'http://a' },
            { name: 'a', uri: 'http://b' },
          ],
          ingress: { host: 'k.example.com', controller: 'nginx', tlsSecretName: 't', basicAuthSecretName: 'b' },
        }),
    ).toThrow(
      'Karma is invalid:\n  props.alertmanagers[1].name: "a" is not valid; expected a name no other Alertmanager has',
    );
  });
});
