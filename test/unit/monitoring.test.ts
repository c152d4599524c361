// The bundled monitoring (deploy/monitoring/): the PrometheusRule's alerts pass `promtool test rules`
// (promtool built from Go modules by test/testenv/build-promtool.sh), and every metric the rules and
// the Grafana dashboard query is one patchwindow exports — read from the metrics the agent and the
// reconciler really register, so a renamed metric fails here instead of leaving a blank panel.
import { createCoordinatorMetrics } from '../../coordinator/metrics.ts';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createAgentMetrics } from '../../agent/adapters/metrics.ts';
import { createReconcilerMetrics } from '../../reconciler/gitops/metrics.ts';

const run = promisify(execFile);
const MONITORING = 'deploy/monitoring';
/** Series Prometheus makes itself, not patchwindow. */
const PROMETHEUS_OWN = new Set(['up']);

interface Rule {
  readonly alert: string;
  readonly expr: string;
}

async function rules(): Promise<{ groups: { name: string; rules: Rule[] }[] }> {
  const doc = parse(await readFile(join(MONITORING, 'prometheusrule.yaml'), 'utf8')) as {
    kind: string;
    spec: { groups: { name: string; rules: Rule[] }[] };
  };
  expect(doc.kind).toBe('PrometheusRule');
  return doc.spec;
}

async function dashboardExprs(): Promise<string[]> {
  const dashboard = JSON.parse(await readFile(join(MONITORING, 'grafana-dashboard.json'), 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
}

/** Every metric family the agent, the coordinator and the reconciler expose, from their own registries. */
async function exported(): Promise<Map<string, string>> {
  const agent = createAgentMetrics({ node: 'n', policy: 'p', processMetrics: false }).exposition();
  const reconciler = await createReconcilerMetrics({ processMetrics: false }).registry.metrics();
  const coordinator = await createCoordinatorMetrics({ policies: ['p'], processMetrics: false }).registry.metrics();
  const out = new Map<string, string>();
  for (const m of `${agent}\n${reconciler}\n${coordinator}`.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/** Metric names an expression reads (histogram series by their family). */
function metricsOf(expr: string, families: ReadonlyMap<string, string>): string[] {
  const names = [...expr.matchAll(/\b(patchwindow_[a-z0-9_]+|up)\b/g)].map((m) => m[1]!);
  return names.map((n) => {
    const family = n.replace(/_(bucket|sum|count)$/, '');
    return family !== n && families.get(family) === 'histogram' ? family : n;
  });
}

describe('monitoring queries name exported metrics', () => {
  it('every alert and every dashboard panel reads a metric patchwindow exports', async () => {
    const families = await exported();
    const exprs = [...(await rules()).groups.flatMap((g) => g.rules.map((r) => r.expr)), ...(await dashboardExprs())];
    expect(exprs.length).toBeGreaterThan(10);
    const unknown = exprs.flatMap((e) =>
      metricsOf(e, families)
        .filter((n) => !families.has(n) && !PROMETHEUS_OWN.has(n))
        .map((n) => `${n} in ${e}`),
    );
    expect(unknown).toEqual([]);
  });

  it('the check catches a query of a metric that does not exist', async () => {
    const families = await exported();
    expect(metricsOf('rate(patchwindow_reboot_total[5m])', families).filter((n) => !families.has(n))).toEqual([
      'patchwindow_reboot_total',
    ]);
    expect(
      metricsOf('histogram_quantile(0.9, rate(patchwindow_drain_duration_seconds_bucket[1h]))', families).filter(
        (n) => !families.has(n),
      ),
    ).toEqual([]);
  });
});

describe('promtool test rules', () => {
  let dir: string;
  let promtool: string;

  beforeAll(async () => {
    // Builds promtool on first use (minutes); later runs find it in the cache.
    const built = await run('bash', ['test/testenv/build-promtool.sh'], { maxBuffer: 64 * 1024 * 1024 });
    promtool = join(built.stdout.trim().split('\n').at(-1)!, 'promtool');
    dir = await mkdtemp(join(tmpdir(), 'patchwindow-rules-'));
    await writeFile(join(dir, 'rules.yaml'), stringify(await rules()));
    await copyFile('test/monitoring/rules.test.yaml', join(dir, 'rules.test.yaml'));
  }, 30 * 60_000);
  afterAll(async () => dir && rm(dir, { recursive: true, force: true }));

  it('the rules are valid', async () => {
    const { stdout } = await run(promtool, ['check', 'rules', join(dir, 'rules.yaml')]);
    expect(stdout).toContain('SUCCESS');
  });

  it('each alert fires when it should, with its labels and text, and not before', async () => {
    const result = await run(promtool, ['test', 'rules', join(dir, 'rules.test.yaml')]).catch(
      (err: { stdout?: string; stderr?: string }) => err,
    );
    expect(`${result.stdout ?? ''}${result.stderr ?? ''}`).toContain('SUCCESS');
  });

  it('fails a wrong expectation (the test can fail)', async () => {
    const broken = (await readFile(join(dir, 'rules.test.yaml'), 'utf8')).replace(
      'summary: Policy gpu runs an agent on no node.',
      'summary: Policy gpu is fine.',
    );
    await writeFile(join(dir, 'broken.test.yaml'), broken);
    await expect(run(promtool, ['test', 'rules', join(dir, 'broken.test.yaml')])).rejects.toMatchObject({ code: 1 });
  });
});
