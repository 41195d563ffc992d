import { Testing } from 'cdk8s';
import { CentralGrafana, Dashboard, fleetOverviewDashboard } from '../lib';

describe('Dashboard', () => {
  test('defaults', () => {
    const json = new Dashboard({ uid: 'u', title: 'T' }).build();
    expect(json).toEqual({
      uid: 'u',
      title: 'T',
      tags: [],
      editable: false,
      graphTooltip: 1,
      schemaVersion: 39,
      time: { from: 'now-1h', to: 'now' },
      refresh: '30s',
      templating: {
        list: [
          {
            name: 'datasource',
            label: 'Cluster datasource',
            type: 'datasource',
            query: 'prometheus',
            hide: 0,
            refresh: 1,
          },
        ],
      },
      panels: [],
    });
  });

  test('lays panels out on the 24-column grid', () => {
    const d = new Dashboard({ uid: 'u', title: 'T' });
    d.addPanel({ title: 'a', queries: [] })
      .addPanel({ title: 'b', queries: [], height: 4 })
      .addPanel({ title: 'c', queries: [], width: 24 });
    const panels = d.build().panels as { gridPos: unknown }[];
    expect(panels.map((p) => p.gridPos)).toEqual([
      { h: 8, w: 12, x: 0, y: 0 },
      { h: 4, w: 12, x: 12, y: 0 },
      { h: 8, w: 24, x: 0, y: 8 },
    ]);
  });

  test('a query with its own datasource makes the panel mixed', () => {
    const d = new Dashboard({ uid: 'u', title: 'T' }).addPanel({
      title: 'a',
      queries: [{ expr: 'up', datasourceUid: 'x' }],
    });
    const panel = (d.build().panels as Record<string, any>[])[0];
    expect(panel.datasource).toEqual({ type: 'datasource', uid: '-- Mixed --' });
    expect(panel.targets[0]).toEqual({
      refId: 'A',
      expr: 'up',
      legendFormat: '',
      datasource: { type: 'prometheus', uid: 'x' },
    });
  });

  test('fails on an invalid uid', () => {
    expect(() => new Dashboard({ uid: 'x'.repeat(41), title: 'T' })).toThrow(
      'expected 1 to 40 letters, digits, "-" or "_"',
    );
  });

  test('the fleet overview repeats every panel per selected cluster datasource, whatever the fleet size', () => {
    const json = fleetOverviewDashboard().build() as {
      templating: { list: Record<string, unknown>[] };
      panels: Record<string, any>[];
    };
    expect(json.templating.list).toEqual([
      {
        name: 'datasource',
        label: 'Cluster datasource',
        type: 'datasource',
        query: 'prometheus',
        hide: 0,
        refresh: 1,
        regex: '/^Prometheus /',
        multi: true,
        includeAll: true,
        current: { selected: true, text: ['All'], value: ['$__all'] },
      },
    ]);
    expect(json.panels.length).toBeGreaterThan(0);
    for (const p of json.panels) {
      expect(p).toMatchObject({ repeat: 'datasource', repeatDirection: 'h', maxPerRow: 4 });
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.title).toMatch(/: \$datasource$/);
    }
  });

  test('fails on a dashboard too big for a ConfigMap', () => {
    const grafana = new CentralGrafana(Testing.chart(), 'G', {
      clusterName: 'c',
      datasources: [{ clusterName: 'c', url: 'http://p:9090' }],
    });
    expect(() => grafana.addDashboard('huge', { title: 'é'.repeat(500 * 1024) })).toThrow(
      /^CentralGrafana "c" is invalid:\n {2}addDashboard\("huge", dashboard\): 10240\d\d bytes of JSON is not valid; expected at most 921600 bytes \(what a ConfigMap holds\)$/,
    );
  });
});
