// Prometheus text exposition (format 0.0.4) for the agent's few series: gauges, counters and
// histograms with fixed label names, written as prom-client writes them (histogram `le` first,
// families apart by a blank line). Not prom-client itself: it loads about 16 MiB of modules into a
// process (its cluster aggregation, perf_hooks, v8), more than the agent's supervisor may take in
// all (docs/decisions/0006-light-idle-agent.md). Only what the agent uses is here.

export type Labels = Readonly<Record<string, string>>;

/** One metric family; `lines` writes its samples. */
export interface Family {
  readonly name: string;
  lines(): string[];
}

/** A gauge or counter: one value per label set, kept in the order the label sets first appear. */
export interface Scalar extends Family {
  set(labels: Labels, value: number): void;
  inc(labels: Labels, by?: number): void;
}

export interface Histogram extends Family {
  observe(labels: Labels, value: number): void;
  /** Creates the series of `labels` at 0, so it is exposed before the first observation. */
  zero(labels: Labels): void;
}

interface Meta {
  readonly name: string;
  readonly help: string;
}

function header(m: Meta, type: 'gauge' | 'counter' | 'histogram'): string[] {
  return [`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${m.name} ${type}`];
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`,
  );
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function numberText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function scalar(m: Meta, type: 'gauge' | 'counter'): Scalar {
  const values = new Map<string, { labels: Labels; value: number }>();
  const entry = (labels: Labels) => {
    const key = labelText(labels);
    let e = values.get(key);
    if (e === undefined) {
      e = { labels, value: 0 };
      values.set(key, e);
    }
    return e;
  };
  return {
    name: m.name,
    set: (labels, value) => void (entry(labels).value = value),
    inc(labels, by = 1) {
      if (type === 'counter' && by < 0) throw new Error(`counter ${m.name} cannot decrease`);
      entry(labels).value += by;
    },
    lines: () => [
      ...header(m, type),
      ...[...values.values()].map((e) => `${m.name}${labelText(e.labels)} ${numberText(e.value)}`),
    ],
  };
}

export function gauge(m: Meta): Scalar {
  return scalar(m, 'gauge');
}

export function counter(m: Meta): Scalar {
  return scalar(m, 'counter');
}

/** A histogram with the upper bounds `buckets` (ascending); +Inf is added. */
export function histogram(m: Meta & { readonly buckets: readonly number[] }): Histogram {
  const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  const entry = (labels: Labels) => {
    const key = labelText(labels);
    let e = series.get(key);
    if (e === undefined) {
      e = { labels, counts: m.buckets.map(() => 0), sum: 0, count: 0 };
      series.set(key, e);
    }
    return e;
  };
  return {
    name: m.name,
    zero: (labels) => void entry(labels),
    observe(labels, value) {
      const e = entry(labels);
      m.buckets.forEach((le, i) => {
        if (value <= le) e.counts[i]!++;
      });
      e.sum += value;
      e.count++;
    },
    lines() {
      const out = header(m, 'histogram');
      for (const e of series.values()) {
        m.buckets.forEach((le, i) =>
          out.push(`${m.name}_bucket${labelText({ le: numberText(le), ...e.labels })} ${e.counts[i]}`),
        );
        out.push(`${m.name}_bucket${labelText({ le: '+Inf', ...e.labels })} ${e.count}`);
        out.push(`${m.name}_sum${labelText(e.labels)} ${numberText(e.sum)}`);
        out.push(`${m.name}_count${labelText(e.labels)} ${e.count}`);
      }
      return out;
    },
  };
}

/** A family whose samples are read when scraped (process figures). */
export function collected(
  m: Meta & { readonly type: 'gauge' | 'counter'; readonly read: () => readonly (readonly [Labels, number])[] },
): Family {
  return {
    name: m.name,
    lines: () => [
      ...header(m, m.type),
      ...m.read().map(([labels, v]) => `${m.name}${labelText(labels)} ${numberText(v)}`),
    ],
  };
}

/** The exposition of `families`, in order. */
export function exposition(families: readonly Family[]): string {
  return `${families.map((f) => f.lines().join('\n')).join('\n\n')}\n`;
}

/** The Content-Type of `exposition`'s text. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The process figures prom-client's default metrics are best known for, under its names: CPU time,
 * start time, resident memory, the V8 heap. They describe the process that serves /metrics (the
 * supervisor; the pod's memory as a whole is the container's, e.g. container_memory_working_set_bytes).
 */
export function processFamilies(): Family[] {
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  const cpu = (pick: (u: NodeJS.CpuUsage) => number) => (): [Labels, number][] => [
    [{}, pick(process.cpuUsage()) / 1e6],
  ];
  const memory = (pick: (m: NodeJS.MemoryUsage) => number) => (): [Labels, number][] => [
    [{}, pick(process.memoryUsage())],
  ];
  const [major, minor, patch] = process.versions.node.split('.');
  return [
    collected({
      name: 'process_cpu_user_seconds_total',
      help: 'Total user CPU time spent in seconds.',
      type: 'counter',
      read: cpu((u) => u.user),
    }),
    collected({
      name: 'process_cpu_system_seconds_total',
      help: 'Total system CPU time spent in seconds.',
      type: 'counter',
      read: cpu((u) => u.system),
    }),
    collected({
      name: 'process_cpu_seconds_total',
      help: 'Total user and system CPU time spent in seconds.',
      type: 'counter',
      read: cpu((u) => u.user + u.system),
    }),
    collected({
      name: 'process_start_time_seconds',
      help: 'Start time of the process since unix epoch in seconds.',
      type: 'gauge',
      read: () => [[{}, startSeconds]],
    }),
    collected({
      name: 'process_resident_memory_bytes',
      help: 'Resident memory size in bytes.',
      type: 'gauge',
      read: () => [[{}, process.memoryUsage.rss()]],
    }),
    collected({
      name: 'nodejs_heap_size_total_bytes',
      help: 'Process heap size from Node.js in bytes.',
      type: 'gauge',
      read: memory((m) => m.heapTotal),
    }),
    collected({
      name: 'nodejs_heap_size_used_bytes',
      help: 'Process heap size used from Node.js in bytes.',
      type: 'gauge',
      read: memory((m) => m.heapUsed),
    }),
    collected({
      name: 'nodejs_external_memory_bytes',
      help: 'Node.js external memory size in bytes.',
      type: 'gauge',
      read: memory((m) => m.external),
    }),
    collected({
      name: 'nodejs_version_info',
      help: 'Node.js version info.',
      type: 'gauge',
      read: () => [[{ version: process.version, major: major ?? '', minor: minor ?? '', patch: patch ?? '' }, 1]],
    }),
  ];
}
