/**
 * A small typed builder for Grafana dashboards (schemaVersion 39 JSON), in the manner of grafana-foundation-sdk:
 * builders hold typed options and `build()` returns plain JSON. Shared panel defaults live here.
 */
import { invalid } from '../inventory/errors';

/** A Prometheus query of a panel. */
export interface Query {
  /** PromQL expression. */
  readonly expr: string;
  /** Legend, e.g. `'{{cluster}}'`. @default '' */
  readonly legend?: string;
  /** uid of the datasource to run the query on. @default - the panel's datasource */
  readonly datasourceUid?: string;
}

export type PanelKind = 'timeseries' | 'stat' | 'table' | 'logs';

/** A datasource reference. */
export interface DatasourceRef {
  readonly type: string;
  readonly uid: string;
}

export interface PanelOptions {
  readonly title: string;
  readonly kind?: PanelKind;
  readonly description?: string;
  readonly queries: readonly Query[];
  /** Grafana unit, e.g. `'percentunit'`, `'bytes'`. @default 'short' */
  readonly unit?: string;
  /** Width in grid units (of 24). @default 12 */
  readonly width?: number;
  /** Height in grid units. @default 8 */
  readonly height?: number;
  /** Thresholds: `[value, color]`, the first applies from -infinity. @default - green only */
  readonly thresholds?: readonly (readonly [number | null, string])[];
  /**
   * Repeat the panel once per selected value of a multi-value variable (e.g. once per cluster datasource), side
   * by side. @default - not repeated
   */
  readonly repeat?: { readonly variable: string; readonly maxPerRow?: number };
  /** The panel's datasource. @default - the `datasource` variable (Prometheus) */
  readonly datasource?: DatasourceRef;
}

/** The `datasource` template variable. */
export interface DatasourceVariableOptions {
  /** Several datasources at once, with "All" (for repeated panels). @default false */
  readonly multi?: boolean;
  /** Only datasources whose name matches this regular expression, e.g. `'/^Prometheus /'`. @default - all */
  readonly regex?: string;
}

export interface DashboardOptions {
  /** Stable uid (at most 40 characters). */
  readonly uid: string;
  readonly title: string;
  readonly tags?: readonly string[];
  /** @default '1h' */
  readonly timeFrom?: string;
  /** @default '30s' */
  readonly refresh?: string;
  /**
   * A template variable `datasource` of type prometheus, used by panels without their own datasource; `false` for
   * none. @default {} - single-valued, every Prometheus datasource
   */
  readonly datasourceVariable?: DatasourceVariableOptions | false;
  /** More template variables (Grafana's JSON model), after the datasource one. @default - none */
  readonly variables?: readonly Record<string, unknown>[];
}

const MIXED = { type: 'datasource', uid: '-- Mixed --' };
const VARIABLE_DS = { type: 'prometheus', uid: '${datasource}' };

/** A Grafana dashboard. */
export class Dashboard {
  public readonly uid: string;
  public readonly title: string;
  private readonly options: DashboardOptions;
  private readonly panels: PanelOptions[] = [];

  constructor(options: DashboardOptions) {
    if (!/^[a-zA-Z0-9_-]{1,40}$/.test(options.uid)) {
      throw invalid('Dashboard', 'options.uid', options.uid, '1 to 40 letters, digits, "-" or "_"');
    }
    this.uid = options.uid;
    this.title = options.title;
    this.options = options;
  }

  /** Adds a panel; panels flow left to right, top to bottom. */
  public addPanel(panel: PanelOptions): this {
    this.panels.push(panel);
    return this;
  }

  /** The dashboard JSON. */
  public build(): Record<string, unknown> {
    let x = 0;
    let y = 0;
    let rowHeight = 0;
    const panels = this.panels.map((p, i) => {
      const w = p.width ?? 12;
      const h = p.height ?? 8;
      if (x + w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      const gridPos = { h, w, x, y };
      x += w;
      rowHeight = Math.max(rowHeight, h);
      return buildPanel(p, i + 1, gridPos);
    });
    const list: unknown[] = [];
    const dsVar = this.options.datasourceVariable ?? {};
    if (dsVar !== false) {
      list.push({
        name: 'datasource',
        label: 'Cluster datasource',
        type: 'datasource',
        query: 'prometheus',
        hide: 0,
        refresh: 1,
        ...(dsVar.regex ? { regex: dsVar.regex } : {}),
        ...(dsVar.multi
          ? { multi: true, includeAll: true, current: { selected: true, text: ['All'], value: ['$__all'] } }
          : {}),
      });
    }
    list.push(...(this.options.variables ?? []));
    return {
      uid: this.uid,
      title: this.title,
      tags: [...(this.options.tags ?? [])],
      editable: false,
      graphTooltip: 1,
      schemaVersion: 39,
      time: { from: `now-${this.options.timeFrom ?? '1h'}`, to: 'now' },
      refresh: this.options.refresh ?? '30s',
      templating: { list },
      panels,
    };
  }
}

function buildPanel(p: PanelOptions, id: number, gridPos: Record<string, number>): Record<string, unknown> {
  const perQueryDatasource = p.queries.some((q) => q.datasourceUid !== undefined);
  const panelDatasource = p.datasource ?? (perQueryDatasource ? MIXED : VARIABLE_DS);
  return {
    id,
    type: p.kind ?? 'timeseries',
    title: p.title,
    ...(p.description ? { description: p.description } : {}),
    gridPos,
    ...(p.repeat ? { repeat: p.repeat.variable, repeatDirection: 'h', maxPerRow: p.repeat.maxPerRow ?? 4 } : {}),
    datasource: panelDatasource,
    fieldConfig: {
      defaults: {
        unit: p.unit ?? 'short',
        thresholds: {
          mode: 'absolute',
          steps: (p.thresholds ?? [[null, 'green']]).map(([value, color]) => ({ value, color })),
        },
      },
      overrides: [],
    },
    options:
      p.kind === 'stat'
        ? { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'background' }
        : p.kind === 'logs'
          ? { showTime: true, wrapLogMessage: true, sortOrder: 'Descending', enableLogDetails: true }
          : {},
    targets: p.queries.map((q, i) => ({
      refId: String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : ''),
      expr: q.expr,
      legendFormat: q.legend ?? '',
      datasource: q.datasourceUid ? { type: 'prometheus', uid: q.datasourceUid } : (p.datasource ?? VARIABLE_DS),
      ...(p.kind === 'logs' ? { queryType: 'range' } : {}),
      ...(p.kind === 'table' ? { instant: true, format: 'table' } : {}),
    })),
  };
}
