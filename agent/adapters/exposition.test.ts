// The agent's hand-written exposition (exposition.ts) against prom-client, the library the
// reconciler uses: the same operations on the same families must give the same text, so a scrape
// of an agent reads exactly like a scrape of any prom-client process.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { counter, exposition, gauge, histogram } from './exposition.ts';

const BUCKETS = [0.5, 1, 5, 30, 300];
const LABELS = [
  { node: 'aks-gpu-10', policy: 'gpu' },
  { node: 'odd "quoted" \\ name\nwith a newline', policy: 'general' },
];

describe('exposition', () => {
  it('writes gauges, counters and histograms byte for byte as prom-client does', async () => {
    const help = 'Help with a \\ backslash\nand a second line.';
    const registry = new Registry();
    const pg = new Gauge({ name: 'pw_gauge', help, labelNames: ['node', 'policy'], registers: [registry] });
    const pc = new Counter({ name: 'pw_total', help, labelNames: ['node', 'policy'], registers: [registry] });
    const ph = new Histogram({
      name: 'pw_seconds',
      help,
      labelNames: ['node', 'policy'],
      buckets: BUCKETS,
      registers: [registry],
    });
    const g = gauge({ name: 'pw_gauge', help });
    const c = counter({ name: 'pw_total', help });
    const h = histogram({ name: 'pw_seconds', help, buckets: BUCKETS });

    for (const labels of LABELS) {
      pg.set(labels, 0);
      g.set(labels, 0);
      pc.inc(labels, 0);
      c.inc(labels, 0);
      ph.zero(labels);
      h.zero(labels);
    }
    const values = [0.25, 1, 1.5, 42, 1_000, 0.0001, Infinity];
    values.forEach((v, i) => {
      const labels = LABELS[i % LABELS.length]!;
      pg.set(labels, v);
      g.set(labels, v);
      pc.inc(labels, i);
      c.inc(labels, i);
      if (Number.isFinite(v)) {
        ph.observe(labels, v);
        h.observe(labels, v);
      }
    });
    pg.set(LABELS[0]!, -3.5);
    g.set(LABELS[0]!, -3.5);

    expect(exposition([g, c, h])).toBe(await registry.metrics());
  });

  it('refuses to decrease a counter, as prom-client does', () => {
    expect(() => counter({ name: 'pw_total', help: 'h' }).inc({}, -1)).toThrow('cannot decrease');
    expect(() => new Counter({ name: 'pw_total', help: 'h', registers: [] }).inc(-1)).toThrow();
  });
});
