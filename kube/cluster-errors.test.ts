import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { wrap } from './errors.ts';
import { IoError } from '../policy/errors.ts';
import { clusterError, requestProblem } from './cluster-errors.ts';

const SERVER = 'https://10.0.0.1:6443';
const refused = () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' });
  return wrap('read Namespace patchwindow', new TypeError('fetch failed', { cause }));
};
const api = (code: number, message: string) =>
  wrap(
    'apply DaemonSet p/x',
    new ApiException(code, `HTTP-Code: ${code}`, JSON.stringify({ kind: 'Status', message }), {}),
  );

describe('cluster errors', () => {
  it('says an unreachable cluster cannot be reached, with the system cause', () => {
    const e = clusterError(refused(), SERVER);
    expect(e).toBeInstanceOf(IoError);
    expect(e.message).toBe(
      `cannot reach the Kubernetes API server ${SERVER} (connect ECONNREFUSED 10.0.0.1:6443); check that the cluster is up and that KUBECONFIG or --kubeconfig points at it`,
    );
  });

  it('tells refused credentials from missing permissions', () => {
    expect(clusterError(api(401, 'Unauthorized'), SERVER).message).toBe(
      `the API server ${SERVER} refused the kubeconfig's credentials (401 Unauthorized); log in again or renew the token`,
    );
    expect(clusterError(api(403, 'daemonsets.apps "x" is forbidden'), SERVER).message).toBe(
      `apply DaemonSet p/x: daemonsets.apps "x" is forbidden; the kubeconfig's user lacks the RBAC permission for this (cluster ${SERVER})`,
    );
    expect(clusterError(api(422, 'spec.template: Invalid value'), SERVER).message).toBe(
      `apply DaemonSet p/x: spec.template: Invalid value (cluster ${SERVER}, HTTP 422)`,
    );
  });

  it('puts a failed request in one line for logs', () => {
    expect(requestProblem(refused().cause)).toBe('connect ECONNREFUSED 10.0.0.1:6443');
    expect(
      requestProblem(
        new ApiException(409, 'HTTP-Code: 409', JSON.stringify({ message: 'the object has been modified' }), {}),
      ),
    ).toBe('the object has been modified');
  });
});
