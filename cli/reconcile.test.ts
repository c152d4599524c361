// `patchwindow reconcile` refuses bad settings before it starts anything (exit 2, one line).
import { describe, expect, it } from 'vitest';
import { runCli } from '../test/helpers/cli.ts';
import { listenArg } from './listen.ts';

const repo = ['--repo', 'https://git.example/p.git'];

describe('patchwindow reconcile: settings', () => {
  it('needs --repo', async () => {
    const run = await runCli(['reconcile']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("required option '--repo <url>' not specified");
  });

  it('refuses a schedule that is not cron, and says what one looks like', async () => {
    const run = await runCli(['reconcile', ...repo, '--schedule', 'every 2 minutes']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^patchwindow: --schedule "every 2 minutes" is not a cron expression \(.*\); e\.g\. "\*\/2 \* \* \* \*" for every 2 minutes\n$/,
    );
  });

  it('refuses an SSH key without known_hosts, and a renew interval not shorter than the lease', async () => {
    const ssh = await runCli(['reconcile', ...repo, '--git-ssh-key', '/keys/id']);
    expect(ssh).toMatchObject({
      code: 2,
      stderr: 'patchwindow: --git-ssh-key needs --git-known-hosts: host keys are always checked\n',
    });
    const lease = await runCli(['reconcile', ...repo, '--lease-duration', '5s', '--renew-interval', '5s']);
    expect(lease).toMatchObject({
      code: 2,
      stderr: 'patchwindow: --renew-interval must be shorter than --lease-duration\n',
    });
  });

  it('refuses --halt-to-git pull-request without a token file or a repository it can name', async () => {
    const pr = ['--halt-to-git', 'pull-request'];
    expect(await runCli(['reconcile', ...repo, ...pr])).toMatchObject({
      code: 2,
      stderr:
        'patchwindow: --halt-to-git pull-request needs --forge-token-file: a file with a token that may open pull requests in the policy repository\n',
    });
    const local = await runCli([
      'reconcile',
      '--repo',
      'file:///srv/git/policies.git',
      ...pr,
      '--forge-token-file',
      '/t',
    ]);
    expect(local).toMatchObject({
      code: 2,
      stderr:
        'patchwindow: cannot tell the repository on the forge from --repo file:///srv/git/policies.git; give --forge-repo OWNER/NAME\n',
    });
    const bad = await runCli(['reconcile', ...repo, ...pr, '--forge-token-file', '/t', '--forge-repo', 'acme']);
    expect(bad).toMatchObject({
      code: 2,
      stderr: 'patchwindow: --forge-repo "acme" is not OWNER/NAME; e.g. --forge-repo acme/policies\n',
    });
    const unused = await runCli(['reconcile', ...repo, '--halt-to-git', 'branch', '--forge-token-file', '/t']);
    expect(unused).toMatchObject({
      code: 2,
      stderr:
        'patchwindow: --forge-token-file, --forge-repo and --forge-api-url are used only with --halt-to-git pull-request\n',
    });
  });

  it('exits 2 without a kubeconfig, naming where it looked', async () => {
    const run = await runCli(['reconcile', ...repo, '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^patchwindow: cannot load Kubernetes credentials \(.*\/nonexistent\/kubeconfig.*\)/);
  });

  it('reads --listen as [HOST]:PORT', () => {
    expect(listenArg(':8080')).toEqual({ port: 8080 });
    expect(listenArg('8080')).toEqual({ port: 8080 });
    expect(listenArg('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(listenArg('[::1]:9090')).toEqual({ host: '::1', port: 9090 });
    expect(() => listenArg('localhost')).toThrow('use [HOST]:PORT');
    expect(() => listenArg(':70000')).toThrow('use [HOST]:PORT');
  });
});
