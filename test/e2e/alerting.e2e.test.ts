/**
 * End to end: CMM's generated rule file and Alertmanager configuration, run by the real Prometheus and Alertmanager
 * (Debian's `prometheus` and `prometheus-alertmanager`), deliver a filesystem alert to a Slack-compatible webhook.
 *
 *   exporter (node http) --scrape--> prometheus --alerts--> prometheus-alertmanager --POST--> webhook (node http)
 *
 * Everything listens on 127.0.0.1 only. Without the binaries the test is skipped locally, and fails in CI.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import {
  alive,
  close,
  getJson,
  listen,
  type Proc,
  sleep,
  startServer,
  stop,
  tail,
  processGroupExists,
} from '../support/servers';
import { AGENT_RELEASE_NAME, ClusterAgent, type ClusterAgentProps } from '../../lib';
import { type SlackReceiverOptions } from '../../lib/agent/alertmanager';
import { helmValues, type Manifest } from '../support/example';

const CLUSTER = 'e2e-edge';
const SLACK: SlackReceiverOptions = { secretName: 'slack', key: 'url' };
const AGENT_PROPS: ClusterAgentProps = {
  clusterName: CLUSTER,
  // The only change to the packs: the filesystem alert fires after 5s instead of 10m.
  rules: { packs: { filesystem: { for: '5s' } } },
  alertmanager: { enabled: true, slack: SLACK },
};
/** How long the alert may take from the start of Prometheus to the webhook. */
const DELIVERY_TIMEOUT_MS = 45_000;
/** After the Watchdog reached Alertmanager, how long it has to (wrongly) reach Slack before we conclude it did not. */
const WATCHDOG_GRACE_MS = 3_000;

const BINARIES = { prometheus: 'prometheus', alertmanager: 'prometheus-alertmanager' } as const;
const SKIP_MESSAGE = "install Debian's prometheus and prometheus-alertmanager to run the end-to-end test";

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const prometheusBin = findExecutable(BINARIES.prometheus);
const alertmanagerBin = findExecutable(BINARIES.alertmanager);
const missing = Object.values(BINARIES).filter((b) => !findExecutable(b));
const inCI = (process.env.CI ?? '') !== '';

// ---------------------------------------------------------------------------------------------------------------
// Local servers: the exporter and the Slack webhook.

/** 100 GiB, 85% used: above the warning threshold (80%), below the critical one (90%). */
const FS_SIZE = 100 * 1024 ** 3;
const FS_AVAIL = FS_SIZE * 0.15;

/** node-exporter's filesystem metrics: `/` on ext4 at 85%, and a tmpfs at 99% that the pack's selector excludes. */
const EXPORTER_METRICS = `# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
# TYPE node_filesystem_avail_bytes gauge
node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} ${FS_AVAIL}
node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} ${FS_SIZE * 0.01}
# HELP node_filesystem_size_bytes Filesystem size in bytes.
# TYPE node_filesystem_size_bytes gauge
node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} ${FS_SIZE}
node_filesystem_size_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} ${FS_SIZE}
# HELP node_filesystem_readonly Filesystem read-only status.
# TYPE node_filesystem_readonly gauge
node_filesystem_readonly{device="/dev/sda1",fstype="ext4",mountpoint="/"} 0
node_filesystem_readonly{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 0
`;

interface SlackAttachment {
  title?: string;
  text?: string;
  [key: string]: unknown;
}
interface SlackMessage {
  channel?: string;
  attachments?: SlackAttachment[];
  [key: string]: unknown;
}
interface Received {
  path: string;
  body: SlackMessage;
}

function startExporter(): http.Server {
  return http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/metrics')) {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(EXPORTER_METRICS);
    } else {
      res.writeHead(404).end();
    }
  });
}

function startWebhook(received: Received[]): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: SlackMessage;
        try {
          body = JSON.parse(text) as SlackMessage;
        } catch {
          body = { unparsable: text };
        }
        received.push({ path: req.url ?? '', body });
      }
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Configuration.

/** `targetLabel` → `target_label`: the operator's relabeling keys as Prometheus configuration keys. */
function snakeCaseKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
}

interface PrometheusSpec {
  scrapeClasses: { name: string; default?: boolean; relabelings: Record<string, unknown>[] }[];
  externalLabels: Record<string, string>;
}

/**
 * What the agent deploys, read back from its synthesized objects: the values of its kube-prometheus-stack HelmChart
 * (`valuesContent`, as the helm-controller installs them) and its PrometheusRule objects as a Prometheus rule file.
 */
function generated() {
  const chart = Testing.chart();
  new ClusterAgent(chart, 'Agent', AGENT_PROPS);
  const manifests = chart.toJson() as Manifest[];
  const helmChart = manifests.find((m) => m.kind === 'HelmChart' && m.metadata.name === AGENT_RELEASE_NAME)!;
  const values = helmValues(helmChart) as {
    prometheus: { prometheusSpec: PrometheusSpec };
    alertmanager: { config: Record<string, unknown> };
  };
  const groups = manifests
    .filter((m) => m.kind === 'PrometheusRule')
    .flatMap((m) => (m.spec as { groups: unknown[] }).groups);
  return {
    ruleFile: stringify({ groups }),
    ruleGroups: groups.length,
    prometheusSpec: values.prometheus.prometheusSpec,
    alertmanagerConfig: values.alertmanager.config,
  };
}

interface Route {
  group_wait?: string;
  group_interval?: string;
  routes?: Route[];
}
interface Receiver {
  name: string;
  slack_configs?: { api_url_file?: string }[];
}

/**
 * The test's copy of the generated Alertmanager configuration. ONLY the timings (group_wait, group_interval) and the
 * path of the Slack URL file (api_url_file) differ from what CMM generates; everything else is as generated.
 */
function testAlertmanagerConfig(config: Record<string, unknown>, urlFile: string): Record<string, unknown> {
  const copy = structuredClone(config) as { route: Route; receivers: Receiver[] };
  copy.route.group_wait = '1s';
  copy.route.group_interval = '1s';
  for (const receiver of copy.receivers) {
    for (const slack of receiver.slack_configs ?? []) slack.api_url_file = urlFile;
  }
  return copy as unknown as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------------------
// The Prometheus and Alertmanager APIs.

interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  value: string;
}
interface AmAlert {
  labels: Record<string, string>;
  receivers: { name: string }[];
  status: { state: string };
}

async function safely(what: string, f: () => Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await f(), null, 1);
  } catch (e) {
    return `(${what} failed: ${(e as Error).message})`;
  }
}

const messageText = (m: SlackMessage) =>
  (m.attachments ?? []).map((a) => `${a.title ?? ''}\n${a.text ?? ''}`).join('\n') + JSON.stringify(m);

// ---------------------------------------------------------------------------------------------------------------

if (missing.length > 0 && inCI) {
  describe('alerting end to end', () => {
    test('needs prometheus and prometheus-alertmanager', () => {
      throw new Error(`CI is set but ${missing.join(' and ')} not found on PATH: ${SKIP_MESSAGE}; CI never skips it.`);
    });
  });
} else if (missing.length > 0) {
  console.warn(`Skipping the alerting end-to-end test (${missing.join(', ')} not found): ${SKIP_MESSAGE}.`);
  describe('alerting end to end', () => {
    test.skip(`skipped: ${SKIP_MESSAGE} (missing: ${missing.join(', ')})`, () => undefined);
  });
} else {
  describe('alerting end to end', () => {
    const started: Proc[] = [];
    const received: Received[] = [];
    let tmp: string | undefined;
    let exporter: http.Server | undefined;
    let webhook: http.Server | undefined;
    let prometheus: Proc;
    let alertmanager: Proc;
    let exporterPort: number;
    let webhookPort: number;
    let config: ReturnType<typeof generated>;
    let amConfig: Record<string, unknown>;
    let promStartedAt: number;
    // If the worker dies without afterAll, do not leave the servers behind.
    const killOnExit = () => {
      for (const p of started) {
        try {
          if (p.child.pid !== undefined) process.kill(-p.child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    };

    beforeAll(async () => {
      process.once('exit', killOnExit);
      config = generated();
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-e2e-alerting-'));

      exporter = startExporter();
      exporterPort = await listen(exporter);
      webhook = startWebhook(received);
      webhookPort = await listen(webhook);

      const urlFile = path.join(tmp, 'slack-url');
      fs.writeFileSync(urlFile, `http://127.0.0.1:${webhookPort}/slack`);
      amConfig = testAlertmanagerConfig(config.alertmanagerConfig, urlFile);
      fs.writeFileSync(path.join(tmp, 'alertmanager.yml'), stringify(amConfig));
      fs.mkdirSync(path.join(tmp, 'am-data'));
      alertmanager = await startServer(
        'prometheus-alertmanager',
        alertmanagerBin!,
        (port) => [
          `--config.file=${path.join(tmp!, 'alertmanager.yml')}`,
          `--storage.path=${path.join(tmp!, 'am-data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--cluster.listen-address=',
          '--log.level=debug',
        ],
        started,
      );

      const scrapeClass = config.prometheusSpec.scrapeClasses.find((c) => c.default);
      const prometheusYml = {
        global: {
          scrape_interval: '1s',
          evaluation_interval: '1s',
          external_labels: config.prometheusSpec.externalLabels,
        },
        rule_files: [path.join(tmp, 'rules.yml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${alertmanager.port}`] }] }] },
        scrape_configs: [
          {
            job_name: 'node-exporter',
            static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }],
            // The default scrape class of the generated values, as Prometheus configuration.
            relabel_configs: (scrapeClass?.relabelings ?? []).map(snakeCaseKeys),
          },
        ],
      };
      fs.writeFileSync(path.join(tmp, 'rules.yml'), config.ruleFile);
      fs.writeFileSync(path.join(tmp, 'prometheus.yml'), stringify(prometheusYml));
      fs.mkdirSync(path.join(tmp, 'prom-data'));
      promStartedAt = Date.now();
      prometheus = await startServer(
        'prometheus',
        prometheusBin!,
        (port) => [
          `--config.file=${path.join(tmp!, 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(tmp!, 'prom-data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          // Timing only: Prometheus drops the alerts it evaluates before it has discovered the Alertmanager (the
          // Watchdog fires at the first evaluation) and sends them again only after this delay (default 1m).
          '--rules.alert.resend-delay=1s',
        ],
        started,
      );
    }, 50_000);

    afterAll(async () => {
      await Promise.all(started.map(stop));
      process.removeListener('exit', killOnExit);
      await Promise.all([close(exporter), close(webhook)]);
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      const left = started.filter((p) => p.child.pid !== undefined && processGroupExists(p.child.pid));
      if (left.length > 0) {
        throw new Error(`processes left running: ${left.map((p) => `${p.name} (pid ${p.child.pid})`).join(', ')}`);
      }
    }, 30_000);

    test('the copy differs from the generated configuration only in timings and the URL file', () => {
      // What the test runs is what the agent deploys (its HelmChart's values), except for the timings and the path
      // of the Slack URL file.
      const back = structuredClone(amConfig) as { route: Route; receivers: Receiver[] };
      const original = config.alertmanagerConfig as { route: Route; receivers: Receiver[] };
      back.route.group_wait = original.route.group_wait;
      back.route.group_interval = original.route.group_interval;
      back.receivers.forEach((r, i) =>
        r.slack_configs?.forEach((s, j) => (s.api_url_file = original.receivers[i].slack_configs![j].api_url_file)),
      );
      expect(back).toEqual(config.alertmanagerConfig);
      expect(config.ruleFile).toContain('for: 5s');
      expect(config.ruleGroups).toBeGreaterThan(1);
    });

    test('a full filesystem reaches Slack as NodeFilesystemUsageHigh of cluster e2e-edge; the Watchdog does not', async () => {
      const promUrl = `http://127.0.0.1:${prometheus.port}`;
      const amUrl = `http://127.0.0.1:${alertmanager.port}`;
      const deadline = promStartedAt + DELIVERY_TIMEOUT_MS;
      const isFsMessage = (r: Received) => /NodeFilesystemUsageHigh/.test(messageText(r.body));
      let watchdogInAlertmanagerSince: number | undefined;
      let amAlerts: AmAlert[] = [];

      while (Date.now() < deadline) {
        if (!alive(prometheus) || !alive(alertmanager)) break;
        try {
          amAlerts = await getJson<AmAlert[]>(`${amUrl}/api/v2/alerts`);
        } catch {
          // retried
        }
        if (watchdogInAlertmanagerSince === undefined && amAlerts.some((a) => a.labels.alertname === 'Watchdog')) {
          watchdogInAlertmanagerSince = Date.now();
        }
        if (
          received.some(isFsMessage) &&
          watchdogInAlertmanagerSince !== undefined &&
          Date.now() - watchdogInAlertmanagerSince >= WATCHDOG_GRACE_MS
        ) {
          break;
        }
        await sleep(250);
      }

      if (!received.some(isFsMessage)) {
        const diagnostics = [
          `No NodeFilesystemUsageHigh message reached the webhook within ${DELIVERY_TIMEOUT_MS / 1000}s.`,
          `Webhook received: ${JSON.stringify(received, null, 1)}`,
          `Prometheus /api/v1/alerts: ${await safely('query', () => getJson(`${promUrl}/api/v1/alerts`))}`,
          `Prometheus /api/v1/targets: ${await safely('query', () => getJson(`${promUrl}/api/v1/targets`))}`,
          `Prometheus /api/v1/rules: ${await safely('query', () => getJson(`${promUrl}/api/v1/rules?type=alert`))}`,
          `Alertmanager /api/v2/alerts: ${await safely('query', () => getJson(`${amUrl}/api/v2/alerts`))}`,
          `--- prometheus log (exit code ${prometheus.exitCode ?? 'running'}) ---\n${tail(prometheus)}`,
          `--- prometheus-alertmanager log (exit code ${alertmanager.exitCode ?? 'running'}) ---\n${tail(alertmanager)}`,
        ];
        throw new Error(diagnostics.join('\n\n'));
      }

      // The Slack message: no channel (a Slack app's webhook posts to its own), title and text from the templates.
      const message = received.find(isFsMessage)!;
      expect(message.path).toBe('/slack');
      expect(message.body.channel ?? '').toBe('');
      const attachment = message.body.attachments?.[0] ?? {};
      expect(attachment.title).toBe(`[FIRING:1] NodeFilesystemUsageHigh in ${CLUSTER}`);
      expect(attachment.text).toContain(`*Filesystem / on 127.0.0.1:${exporterPort} is 85% full.*`);
      // `cluster` in the description comes from the stored series label (the scrape class relabeling).
      expect(attachment.text).toContain(
        `Filesystem / (/dev/sda1) on 127.0.0.1:${exporterPort} in cluster ${CLUSTER} has 85% of its space used, above the warning threshold of 80%.`,
      );
      expect(attachment.text).toContain('Runbook: https://runbooks.prometheus-operator.dev/runbooks/node/');

      // Only that alert reached Slack: no Watchdog (null receiver), no critical, nothing about the tmpfs.
      for (const r of received) {
        expect(r.body.attachments?.[0]?.title).toBe(`[FIRING:1] NodeFilesystemUsageHigh in ${CLUSTER}`);
        expect(messageText(r.body)).not.toMatch(/Watchdog|critical threshold|tmpfs/);
      }

      // The Watchdog reached Alertmanager and was routed to the receiver that does nothing.
      expect(watchdogInAlertmanagerSince).toBeDefined();
      const watchdog = amAlerts.find((a) => a.labels.alertname === 'Watchdog');
      expect(watchdog?.receivers.map((r) => r.name)).toEqual(['null']);
      expect(watchdog?.labels.cluster).toBe(CLUSTER);
      const fsAlert = amAlerts.find((a) => a.labels.alertname === 'NodeFilesystemUsageHigh');
      expect(fsAlert?.receivers.map((r) => r.name)).toEqual(['slack-warning']);
      expect(fsAlert?.labels).toMatchObject({ cluster: CLUSTER, severity: 'warning', mountpoint: '/' });

      // The series are stored with the cluster label (the default scrape class).
      const query = await getJson<{ data: { result: { metric: Record<string, string> }[] } }>(
        `${promUrl}/api/v1/query?query=${encodeURIComponent('node_filesystem_size_bytes{mountpoint="/"}')}`,
      );
      expect(query.data.result.map((s) => s.metric.cluster)).toEqual([CLUSTER]);

      // And Prometheus itself fires nothing but those two.
      const promAlerts = (await getJson<{ data: { alerts: PromAlert[] } }>(`${promUrl}/api/v1/alerts`)).data.alerts;
      const firing = promAlerts
        .filter((a) => a.state === 'firing')
        .map((a) => `${a.labels.alertname}/${a.labels.severity}`)
        .sort();
      expect(firing).toEqual(['NodeFilesystemUsageHigh/warning', 'Watchdog/none']);
      // vector(1) has no labels: the Watchdog's summary names the cluster without `$labels.cluster`.
      expect(promAlerts.find((a) => a.labels.alertname === 'Watchdog')?.annotations.summary).toContain(CLUSTER);
    }, 60_000);
  });
}
