import * as fs from 'node:fs';
import { parse } from 'yaml';
import { toYaml, toYamlReference } from '../lib/output/yaml';
import { buildFleet, exampleInventories, helmValues, manifestsOf } from './support/example';
import * as path from 'node:path';

// toYaml writes the block structure and the unmistakably plain scalars itself, and asks the `yaml` package for the
// rest; it must write exactly what the package writes (toYamlReference), byte for byte.

describe('toYaml writes what the yaml package writes', () => {
  test.each(exampleInventories().map((f) => [path.relative(path.join(__dirname, '..'), f), f]))(
    'every manifest and every HelmChart values file of %s',
    (_name, file) => {
      const { app } = buildFleet(fs.readFileSync(file, 'utf8'), path.dirname(file));
      const manifests = manifestsOf(app);
      expect(manifests.length).toBeGreaterThan(20);
      let values = 0;
      for (const m of manifests) {
        expect(toYaml(m)).toBe(toYamlReference(m));
        if (m.kind === 'HelmChart') {
          const v = helmValues(m);
          expect(toYaml(v, { sortKeys: true })).toBe(toYamlReference(v, { sortKeys: true }));
          values++;
        }
      }
      expect(values).toBeGreaterThan(0);
    },
  );

  // Strings that the package writes plain, quoted (single or double), or as block scalars with each chomping and an
  // indentation indicator; and the scalars of other types.
  const STRINGS = [
    '',
    ' ',
    'a',
    'plain words here',
    'a  b',
    'trailing ',
    ' leading',
    'key: value',
    'a:b',
    'ends with:',
    'a #comment',
    'a#b',
    '# hash',
    '- dash',
    '-',
    '--',
    '---',
    '...',
    '? q',
    '!tag',
    '&anchor',
    '*alias',
    '|',
    '>',
    '@at',
    '`tick',
    '%pct',
    "it's",
    'say "hi"',
    `both ' and "`,
    '{a}',
    '[a]',
    'a, b',
    'a,b',
    'y',
    'Y',
    'yes',
    'No',
    'on',
    'OFF',
    'true',
    'False',
    'null',
    'Null',
    '~',
    '<<',
    '=',
    '.inf',
    '-.Inf',
    '.nan',
    '0',
    '-1',
    '+1',
    '0x1F',
    '0o17',
    '0b101',
    '017',
    '1_000',
    '1e3',
    '1.5',
    '.5',
    '1.',
    '1:20',
    '190:20:30',
    '2024-04-01',
    '2024-04-01T10:00:00Z',
    '10m',
    '128Mi',
    'v1.35.0',
    '1.33.0',
    '$(VAR)',
    '${DS_PROMETHEUS}',
    '{{ .Release.Name }}',
    'sum by (cluster) (rate(x[5m])) > 0.5',
    'a\tb',
    'tab\t',
    'bell\u0007',
    'nul\u0000',
    'é ü',
    '日本',
    'emoji 🚀',
    '\u00a0nbsp',
    'line1\nline2',
    'line1\nline2\n',
    'line1\nline2\n\n',
    '\nleading newline',
    '  indented\nsecond',
    'first\n  indented second',
    'a\n\nb',
    'trailing spaces  \nx',
    'x\r\ny',
    '\n',
    '\n\n',
    'a'.repeat(200),
    `${'word '.repeat(40)}end`,
    'https://example.com/path?q=1#frag',
    'C:\\path',
    'back\\slash',
    'percent % sign',
    'semi;colon',
  ];
  const OTHERS: unknown[] = [0, 1, -1, -0, 1.5, 0.1, 1e21, 1e-7, 2 ** 53, NaN, Infinity, -Infinity, true, false, null];

  test('every string and scalar, as a value and a key, in mappings and sequences, at several depths', () => {
    for (const s of [...STRINGS, ...OTHERS]) {
      const shapes: unknown[] = [
        { k: s },
        { a: { b: { c: s } } },
        [s],
        { list: [s, [s, [s]], { in: s }] },
        [{ first: s, second: s }],
        [[s, { x: s }]],
      ];
      if (typeof s === 'string') shapes.push({ [s]: 1 }, { a: 1, [s]: s }, { a: [{ [s]: { [s]: s } }] }, [{ [s]: [] }]);
      for (const shape of shapes) {
        expect({ shape, yaml: toYaml(shape) }).toEqual({ shape, yaml: toYamlReference(shape) });
        expect({ shape, yaml: toYaml(shape, { sortKeys: true }) }).toEqual({
          shape,
          yaml: toYamlReference(shape, { sortKeys: true }),
        });
      }
    }
  });

  test('empty collections, undefined values, key order, and what reads back', () => {
    const value = {
      z: {},
      a: [],
      m: { skipped: undefined, kept: 1, nested: [[], {}, [[]], [{}]] },
      list: [undefined, null, { a: undefined }],
      B: 'x',
      '10': 'numeric key',
    };
    for (const sortKeys of [false, true]) {
      expect(toYaml(value, { sortKeys })).toBe(toYamlReference(value, { sortKeys }));
    }
    expect(toYaml({})).toBe('{}\n');
    expect(toYaml([])).toBe('[]\n');
    expect(toYaml('top')).toBe(toYamlReference('top'));
    expect(toYaml({ a: 'x\ny', b: [{ c: ['p\n q\n'] }] })).toBe(
      'a: |-\n  x\n  y\nb:\n  - c:\n      - |\n        p\n         q\n',
    );
    expect(parse(toYaml({ s: 'line1\n  line2\n', n: '0x1f', t: 'on' }))).toEqual({
      s: 'line1\n  line2\n',
      n: '0x1f',
      t: 'on',
    });
  });
});
