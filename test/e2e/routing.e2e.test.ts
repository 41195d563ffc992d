/**
 * End to end: routing by team and a silence. What a ClusterAgent deploys (its rule group, the namespace owners'
 * alert relabelings and the Alertmanager configuration with two team routes) runs in the real Prometheus (Debian's)
 * and Alertmanager 0.28 or newer (scripts/tools.mjs). Two alerts from namespaces of two teams reach two different webhooks;
 * a silence created through Alertmanager's API stops one of them while the other keeps arriving.
 *
 *   prometheus (rules, alert relabeling) --> alertmanager (routes) --POST--> webhooks /db, /web, /other (node http)
 *
 * Everything listens on 127.0.0.1 only.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { AGENT_RELEASE_NAME, ClusterAgent, type ClusterAgentProps } from '../../lib';
import { byKindName, helmValues, type Manifest } from '../support/example';
import { close, listen, type Proc, sleep, startServer, stop, tail } from '../support/servers';
import { describeWithBinary, findHelm, findTool } from '../support/tools';

const PROPS: ClusterAgentProps = {
  clusterName: 'e2e-teams',
  namespaceOwners: { 'db-.*': 'db', web: 'web' },
  rules: {
    groups: {
      e2e: {
        rules: [
          {
            alert: 'DbReplicationLag',
            expr: 'label_replace(vector(1), "namespace", "db-main", "", "")',
            labels: { severity: 'warning' },
            annotations: { summary: 'db' },
          },
          {
            alert: 'WebErrors',
            expr: 'label_replace(vector(1), "namespace", "web", "", "")',
            labels: { severity: 'warning' },
            annotations: { summary: 'web' },
          },
        ],
      },
    },
  },
  alertmanager: {
    enabled: true,
    receivers: {
      'team-db': { webhook: [{ secretName: 'hooks', key: 'db' }] },
      'team-web': { webhook: [{ secretName: 'hooks', key: 'web' }] },
      other: { webhook: [{ secretName: 'hooks', key: 'other' }] },
    },
    routes: {
      db: { receiver: 'team-db', matchers: ['team="db"'] },
      web: { receiver: 'team-web', matchers: ['team="web"'] },
    },
    defaultReceiver: 'other',
    inhibitRules: [
      { sourceMatchers: ['alertname="KubeAPIDown"'], targetMatchers: ['severity="warning"'], equal: ['cluster'] },
    ],
  },
};

interface Notification {
  readonly path: string;
  readonly at: number;
  readonly alerts: { labels: Record<string, string>; status: string }[];
}

/** What the agent deploys for PROPS: the rule group, the alert relabelings and the Alertmanager configuration. */
function deployed() {
  const chart = Testing.chart();
  new ClusterAgent(chart, 'Agent', PROPS);
  const objects = byKindName(chart);
  const values = helmValues(objects.get(`HelmChart/${AGENT_RELEASE_NAME}`)!);
  const rules = [...objects.values()]
    .filter((m: Manifest) => m.kind === 'PrometheusRule')
    .flatMap((m) => (m.spec as { groups: { name: string }[] }).groups)
    .filter((g) => g.name === 'e2e');
  return {
    rules,
    relabelings: values.prometheus.prometheusSpec.additionalAlertRelabelConfigs as Record<string, unknown>[],
    alertmanager: values.alertmanager.config as Record<string, any>,
  };
}

const prometheusBin = findTool('prometheus');
const alertmanager = findHelm('alertmanager');

describeWithBinary(
  prometheusBin && alertmanager.bin ? `${prometheusBin}\n${alertmanager.bin}` : undefined,
  `prometheus (Debian's package) and Alertmanager 0.28+ (node scripts/tools.mjs alertmanager${alertmanager.why ? `: ${alertmanager.why}` : ''}) are needed`,
  'routing by team, and a silence, in the real Prometheus and Alertmanager',
  (bins) => {
    const [prometheus, am] = bins.split('\n');
    const received: Notification[] = [];
    const started: Proc[] = [];
    let webhook: http.Server | undefined;
    let dir: string;
    let amUrl: string;

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-e2e-routing-'));
      webhook = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            received.push({ path: req.url ?? '', at: Date.now(), alerts: body.alerts ?? [] });
          } catch {
            received.push({ path: req.url ?? '', at: Date.now(), alerts: [] });
          }
          res.writeHead(200).end('ok');
        });
      });
      const hookPort = await listen(webhook);
      const config = deployed();

      // Alertmanager: the generated configuration; each url_file is the mounted Secret's path in the cluster, here a
      // file with the local webhook's URL; timings shortened so a repeat comes every 2s.
      const secrets = path.join(dir, 'secrets');
      fs.mkdirSync(path.join(secrets, 'hooks'), { recursive: true });
      for (const key of ['db', 'web', 'other']) {
        fs.writeFileSync(path.join(secrets, 'hooks', key), `http://127.0.0.1:${hookPort}/${key}`);
      }
      const amConfig = JSON.parse(
        JSON.stringify(config.alertmanager).replaceAll('/etc/alertmanager/secrets/', `${secrets}/`),
      );
      Object.assign(amConfig.route, { group_wait: '1s', group_interval: '1s', repeat_interval: '2s' });
      amConfig.templates = [];
      fs.writeFileSync(path.join(dir, 'alertmanager.yaml'), stringify(amConfig));
      const amProc = await startServer(
        'alertmanager',
        am,
        (port) => [
          `--config.file=${path.join(dir, 'alertmanager.yaml')}`,
          `--storage.path=${path.join(dir, 'am-data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--cluster.listen-address=',
        ],
        started,
      );
      amUrl = `http://127.0.0.1:${amProc.port}`;

      // Prometheus: the agent's rule group, evaluated every second; its alerts relabeled as the agent's are.
      fs.writeFileSync(
        path.join(dir, 'rules.yaml'),
        stringify({ groups: config.rules.map((g) => ({ ...g, interval: '1s' })) }),
      );
      fs.writeFileSync(
        path.join(dir, 'prometheus.yaml'),
        stringify({
          global: { evaluation_interval: '1s', external_labels: { cluster: PROPS.clusterName } },
          rule_files: ['rules.yaml'],
          alerting: {
            alert_relabel_configs: config.relabelings,
            alertmanagers: [{ api_version: 'v2', static_configs: [{ targets: [`127.0.0.1:${amProc.port}`] }] }],
          },
        }),
      );
      await startServer(
        'prometheus',
        prometheus,
        (port) => [
          `--config.file=${path.join(dir, 'prometheus.yaml')}`,
          `--storage.tsdb.path=${path.join(dir, 'prom-data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          // Firing alerts are sent again every second (default 1m): the first send may precede discovery.
          '--rules.alert.resend-delay=1s',
        ],
        started,
      );
    });

    afterAll(async () => {
      for (const p of started.reverse()) await stop(p);
      await close(webhook);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const logs = () => started.map((p) => `--- ${p.name} ---\n${tail(p)}`).join('\n');
    const firing = (n: Notification) => n.alerts.filter((a) => a.status === 'firing');
    async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
      const deadline = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > deadline) {
          const amAlerts = await fetch(`${amUrl}/api/v2/alerts`).then(
            (r) => r.text(),
            (e) => String(e),
          );
          throw new Error(
            `${what} did not happen within ${ms / 1000}s. Alertmanager's alerts: ${amAlerts}\nReceived: ${JSON.stringify(received)}\n${logs()}`,
          );
        }
        await sleep(200);
      }
    }

    test('each team gets its own alert, labelled with its team by the namespace owners; the default receiver none', async () => {
      await until(
        'both teams notified',
        () => received.some((n) => n.path === '/db') && received.some((n) => n.path === '/web'),
        45_000,
      );
      const names = (p: string) => [
        ...new Set(
          received
            .filter((n) => n.path === p)
            .flatMap((n) => firing(n).map((a) => `${a.labels.alertname} team=${a.labels.team}`)),
        ),
      ];
      expect(names('/db')).toEqual(['DbReplicationLag team=db']);
      expect(names('/web')).toEqual(['WebErrors team=web']);
      expect(received.filter((n) => n.path === '/other')).toEqual([]);
    });

    test("an inhibition rule mutes a cluster's warnings while its API server is down, not another cluster's", async () => {
      const post = (labels: Record<string, string>) => ({
        labels,
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 600_000).toISOString(),
      });
      const res = await fetch(`${amUrl}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify([
          post({ alertname: 'KubeAPIDown', severity: 'critical', cluster: 'down' }),
          post({ alertname: 'SlowDisk', severity: 'warning', cluster: 'down' }),
          post({ alertname: 'SlowDisk', severity: 'warning', cluster: 'fine' }),
        ]),
        signal: AbortSignal.timeout(5_000),
      });
      expect(res.status).toBe(200);
      const states = async () =>
        Object.fromEntries(
          (
            (await (
              await fetch(`${amUrl}/api/v2/alerts?filter=alertname%3D%22SlowDisk%22`, {
                signal: AbortSignal.timeout(5_000),
              })
            ).json()) as { labels: Record<string, string>; status: { state: string } }[]
          ).map((a) => [a.labels.cluster, a.status.state]),
        );
      await sleep(2_000);
      expect(await states()).toEqual({ down: 'suppressed', fine: 'active' });
    });

    test("a silence created through Alertmanager's API stops the db team's notifications, not the web team's", async () => {
      const now = new Date();
      const res = await fetch(`${amUrl}/api/v2/silences`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          matchers: [{ name: 'team', value: 'db', isRegex: false, isEqual: true }],
          startsAt: now.toISOString(),
          endsAt: new Date(now.getTime() + 3_600_000).toISOString(),
          createdBy: 'on-call',
          comment: 'db maintenance',
        }),
        signal: AbortSignal.timeout(5_000),
      });
      expect(res.status).toBe(200);
      const { silenceID } = (await res.json()) as { silenceID: string };
      // A notification already on its way may still land; after 1s none for db may.
      const after = Date.now() + 1_000;
      await sleep(7_000);
      const since = (p: string) => received.filter((n) => n.path === p && n.at > after && firing(n).length > 0);
      expect(since('/db')).toEqual([]);
      expect(since('/web').length).toBeGreaterThan(0);
      const alerts = (await (
        await fetch(`${amUrl}/api/v2/alerts?filter=team%3D%22db%22`, { signal: AbortSignal.timeout(5_000) })
      ).json()) as { status: { state: string; silencedBy: string[] } }[];
      expect(alerts.map((a) => a.status)).toEqual([
        expect.objectContaining({ state: 'suppressed', silencedBy: [silenceID] }),
      ]);
    });
  },
);
