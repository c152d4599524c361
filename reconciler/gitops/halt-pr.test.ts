import { describe, expect, it } from 'vitest';
import { HALTED } from '../../test/fakes/halts.ts';
import { forgeRepoOf, parseForgeRepo, pullRequestText } from './halt-pr.ts';

describe('the repository a pull request is opened in', () => {
  it.each([
    ['https://github.com/patchwindow/fleet.git', 'patchwindow/fleet'],
    ['https://github.com/patchwindow/fleet', 'patchwindow/fleet'],
    ['https://x-access-token:s3cr3t@github.com/o/r.git', 'o/r'],
    ['ssh://git@github.com/o/r.git', 'o/r'],
    ['ssh://git@github.com:22/o/r.git', 'o/r'],
    ['git@github.com:o/r.git', 'o/r'],
    ['git@ghe.example.com:platform/policies', 'platform/policies'],
    ['https://ghe.example.com/platform/policies.git/', 'platform/policies'],
  ])('is derived from %s', (url, want) => {
    const r = forgeRepoOf(url);
    expect(r === undefined ? undefined : `${r.owner}/${r.repo}`).toBe(want);
  });

  it.each(['file:///srv/git/policies.git', 'https://github.com/only-owner', '/srv/git/policies.git'])(
    'is not derived from %s (give --forge-repo)',
    (url) => expect(forgeRepoOf(url)).toBeUndefined(),
  );

  it('is given as owner/name', () => {
    expect(parseForgeRepo('o/r')).toEqual({ owner: 'o', repo: 'r' });
    expect(parseForgeRepo('o/r/x')).toBeUndefined();
    expect(parseForgeRepo('o')).toBeUndefined();
  });
});

describe('the pull request of a halt', () => {
  it('has the commit summary as title, and the evidence and what merging or closing means in its body', () => {
    const { title, body } = pullRequestText('web', HALTED);
    expect(title).toBe('patchwindow: pause policy web: halted after 2 failures within 1h');
    expect(body).toContain('- 2026-12-05T05:59:00.123Z w1: drain: drain failed: timed out after 5s');
    expect(body).toContain('- 2026-12-05T06:00:00.123Z w2: reboot: the node did not reboot: same boot id');
    expect(body).toMatch(/^The coordinator halted the pool of RebootPolicy web at 2026-12-05T06:00:00.123Z\n/);
    expect(body).toMatch(/Once this is synced the reconciler lifts the cluster halt/);
    expect(body).toMatch(/patchwindow resume web/);
  });
});
