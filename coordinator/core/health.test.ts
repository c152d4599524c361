import { describe, expect, it } from 'vitest';
import type { HealthCheck } from '../../policy/model.ts';
import { evaluateGate, healthGuard, selectorText } from './health.ts';
import { healthCheck } from '../../test/fixtures/health-check.ts';

const check = healthCheck();

const deployment = (name: string, replicas: number, available?: number) => ({
  metadata: { name, namespace: 'payments' },
  spec: { replicas },
  status: available === undefined ? {} : { availableReplicas: available },
});

describe('a health gate', () => {
  it('passes when the expression is true for every matched object', () => {
    const v = evaluateGate(check, { kind: 'objects', items: [deployment('api', 3, 3), deployment('web', 2, 2)] });
    expect(v).toEqual({ check: 'payments available', passing: true, detail: '' });
    expect(healthGuard('payments', [v])).toBeNull();
  });

  it('holds when the expression is false for one object, naming it', () => {
    const v = evaluateGate(check, {
      kind: 'objects',
      items: [deployment('api', 3, 3), deployment('web', 2, 1), deployment('db', 1, 0)],
    });
    expect(v).toEqual({
      check: 'payments available',
      passing: false,
      detail: 'Deployment payments/web (and 1 more): the expression is false',
      // Told apart from a check that cannot be judged: only this counts after a node's return (spec.halt).
      expressionFalse: true,
    });
    expect(healthGuard('payments', [v])).toEqual({
      policy: 'payments',
      reason: 'health-gate',
      detail: 'health check "payments available" holds: Deployment payments/web (and 1 more): the expression is false',
      nodes: [],
      untilMs: null,
    });
  });

  it('holds when nothing matched (fail closed)', () => {
    const v = evaluateGate(check, { kind: 'objects', items: [] });
    expect(v.passing).toBe(false);
    expect(v.expressionFalse).toBeUndefined();
    expect(v.detail).toBe(
      'matched no object (deployments in payments); a gate with nothing to judge holds: fix its namespace, name or selector',
    );
  });

  it('holds when the expression cannot be evaluated (a field the object leaves out)', () => {
    // A Deployment with no available replica has no status.availableReplicas at all.
    const v = evaluateGate(check, { kind: 'objects', items: [deployment('api', 3)] });
    expect(v.passing).toBe(false);
    expect(v.expressionFalse).toBeUndefined();
    expect(v.detail).toMatch(
      /^cannot evaluate the expression on Deployment payments\/api: No such key: availableReplicas/,
    );
  });

  it('passes such an object when the expression guards the field', () => {
    const guarded = { ...check, expression: 'object.?status.availableReplicas.orValue(0) == object.spec.replicas' };
    expect(evaluateGate(guarded, { kind: 'objects', items: [deployment('api', 0)] }).passing).toBe(true);
    expect(evaluateGate(guarded, { kind: 'objects', items: [deployment('api', 3)] }).passing).toBe(false);
  });

  it('holds when the objects could not be read, saying why', () => {
    const named = { ...check, name: 'api' };
    const v = evaluateGate(named, { kind: 'error', message: 'forbidden' });
    expect(v).toEqual({
      check: 'payments available',
      passing: false,
      detail: 'cannot read Deployment payments/api: forbidden',
    });
  });

  it('sees integers as CEL ints and the whole set as objects', () => {
    const nodes: HealthCheck = {
      ...check,
      apiVersion: 'v1',
      kind: 'Node',
      resource: 'nodes',
      namespace: null,
      expression:
        'objects.filter(n, !n.status.conditions.exists(c, c.type == "Ready" && c.status == "True")).size() <= 1 && object.spec.replicas - 1 >= 0',
    };
    const node = (ready: string) => ({
      spec: { replicas: 1 },
      status: { conditions: [{ type: 'Ready', status: ready }] },
    });
    expect(evaluateGate(nodes, { kind: 'objects', items: [node('True'), node('False')] }).passing).toBe(true);
    expect(evaluateGate(nodes, { kind: 'objects', items: [node('False'), node('False')] }).passing).toBe(false);
  });

  it('names every failing check of a policy in its hold', () => {
    const guard = healthGuard('p', [
      { check: 'a', passing: false, detail: 'x' },
      { check: 'b', passing: true, detail: '' },
      { check: 'c', passing: false, detail: 'y' },
    ]);
    expect(guard?.detail).toBe('health check "a" holds: x; health check "c" holds: y');
  });

  it('writes selectors in the API query form', () => {
    expect(
      selectorText({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['a', 'b'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'team', operator: 'Exists' },
          { key: 'zone', operator: 'NotIn', values: ['x'] },
        ],
      }),
    ).toBe('app=web,tier in (a,b),!canary,team,zone notin (x)');
  });
});
