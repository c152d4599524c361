// kured's drain, reboot and sentinel flags into the policy's drain and reboot settings; its host
// commands into the install settings (a policy names them, git never holds them).
import { split } from 'shlex';
import { changed, fail, found, scalar, setFlag, put, type MapContext } from './kured-context.ts';
import { parseGoDuration, parseGoInt } from './go-values.ts';
import { formatDuration } from '../../policy/duration.ts';
import { parseSelector } from './selector.ts';

const ms = (ctx: MapContext, name: string): number => parseGoDuration(scalar(ctx, name)) ?? 0;

export function mapDrain(ctx: MapContext): void {
  const spec = ctx.policySpec;
  // kured drains with kubectl's Force and DeleteEmptyDirData always on: unmanaged pods and emptyDir
  // pods are evicted. Kept, so that drains that worked under kured work the same.
  put(spec, 'drain.force', true);
  put(spec, 'drain.deleteEmptyDirData', true);
  ctx.findings.push({
    key: '(kured drain)',
    verdict: 'difference',
    to: 'spec.drain.force, spec.drain.deleteEmptyDirData',
    note: 'kured always evicts pods no controller manages and pods with emptyDir data; both set to true to keep that (patchwindow defaults both to false, which fails such a drain instead)',
  });
  const timeoutMs = ms(ctx, 'drain-timeout');
  if (timeoutMs > 0) {
    put(spec, 'drain.timeout', formatDuration(timeoutMs));
    found(ctx, 'drain-timeout', 'mapped', 'same meaning', 'spec.drain.timeout');
  } else {
    ctx.findings.push({
      key: setFlag(ctx, 'drain-timeout') ? '--drain-timeout' : '--drain-timeout (default 0)',
      verdict: 'difference',
      to: 'spec.drain.timeout',
      note: "kured's 0 waits forever (a PodDisruptionBudget that never allows an eviction holds the lock for good); patchwindow's default is 30m, then spec.drain.onFailure applies",
    });
  }
  const grace = parseGoInt(scalar(ctx, 'drain-grace-period')) ?? -1;
  if (grace >= 0) {
    put(spec, 'drain.gracePeriod', `${grace}s`);
    found(ctx, 'drain-grace-period', 'mapped', 'seconds given to each evicted pod', 'spec.drain.gracePeriod');
  } else if (changed(ctx, 'drain-grace-period'))
    found(ctx, 'drain-grace-period', 'mapped', "negative: each pod's own grace period, patchwindow's default");
  const selector = scalar(ctx, 'drain-pod-selector');
  if (selector !== '') {
    const parsed = parseSelector(selector);
    if ('error' in parsed) fail(ctx, 'drain-pod-selector', parsed.error);
    else {
      put(spec, 'drain.podSelector', parsed.selector);
      found(ctx, 'drain-pod-selector', 'mapped', 'only matching pods are evicted', 'spec.drain.podSelector');
    }
  }
  if (scalar(ctx, 'force-reboot') === 'true' || setFlag(ctx, 'force-reboot')?.value === '') {
    put(spec, 'drain.onFailure', 'reboot');
    found(ctx, 'force-reboot', 'mapped', 'a failed or timed-out drain still reboots', 'spec.drain.onFailure');
  } else if (setFlag(ctx, 'force-reboot'))
    found(
      ctx,
      'force-reboot',
      'mapped',
      'false: a failed drain uncordons and retries later (onFailure: uncordon, the default)',
      'spec.drain.onFailure',
    );
  if (ms(ctx, 'drain-delay') > 0)
    found(
      ctx,
      'drain-delay',
      'unmapped',
      'patchwindow has no pause between the pre-reboot labels and the cordon; if it gave something time to react to the labels, gate the reboot with a pod or alert blocker instead',
    );
  if ((parseGoInt(scalar(ctx, 'skip-wait-for-delete-timeout')) ?? 0) > 0) {
    found(
      ctx,
      'skip-wait-for-delete-timeout',
      'unmapped',
      'patchwindow waits for every evicted pod until spec.drain.timeout; pods stuck terminating fail the drain, and spec.drain.onFailure decides (reboot to go on anyway)',
    );
  }
}

/** An argv for a kured command string: split as kured does; a bare name goes through /usr/bin/env, which searches PATH as kured's nsenter did. */
function argvOf(ctx: MapContext, name: string): string[] | undefined {
  let argv: string[];
  try {
    argv = split(scalar(ctx, name));
  } catch (err: unknown) {
    fail(ctx, name, `"${scalar(ctx, name)}" cannot be split into words (${(err as Error).message}); close the quote`);
    return undefined;
  }
  if (argv.length === 0) return undefined;
  return argv[0]!.startsWith('/') ? argv : ['/usr/bin/env', ...argv];
}

export function mapReboot(ctx: MapContext): void {
  const spec = ctx.policySpec;
  const method = scalar(ctx, 'reboot-method');
  if (method !== 'command' && method !== 'signal')
    fail(
      ctx,
      'reboot-method',
      `"${method}" is not a reboot method kured knows (it would not start); use command or signal`,
    );
  else if (method === 'signal') {
    put(spec, 'reboot.method', 'signal');
    found(ctx, 'reboot-method', 'mapped', 'SIGRTMIN+5 (or --reboot-signal) to PID 1', 'spec.reboot.method');
    const signal = parseGoInt(scalar(ctx, 'reboot-signal')) ?? 39;
    if (signal < 1 || signal > 64) fail(ctx, 'reboot-signal', `${signal} is not a signal number (1-64)`);
    else if (signal !== 39) put(spec, 'reboot.signal', signal);
    if (setFlag(ctx, 'reboot-signal')) found(ctx, 'reboot-signal', 'mapped', 'same signal', 'spec.reboot.signal');
  } else if (setFlag(ctx, 'reboot-signal') && changed(ctx, 'reboot-signal'))
    found(ctx, 'reboot-signal', 'not-needed', 'kured ignores it with the command method');
  if (method === 'command' && changed(ctx, 'reboot-command')) {
    const argv = argvOf(ctx, 'reboot-command');
    if (argv) {
      // The install settings' `default` reboot command is what a policy naming none runs.
      ctx.install.reboot.default = argv;
      found(
        ctx,
        'reboot-command',
        'mapped',
        'the command goes to the install settings as commands.reboot.default (never to git)',
        'install settings commands.reboot.default',
      );
    }
  } else if (setFlag(ctx, 'reboot-command') && setFlag(ctx, 'reboot-command')!.origins.some((o) => o.line > 0)) {
    found(ctx, 'reboot-command', 'mapped', "/bin/systemctl reboot, patchwindow's default");
  }
  const delayMs = ms(ctx, 'reboot-delay');
  if (delayMs > 0) {
    put(spec, 'reboot.delay', formatDuration(delayMs));
    found(ctx, 'reboot-delay', 'mapped', 'wait between the drain and the reboot', 'spec.reboot.delay');
  }
  mapSentinel(ctx);
}

function mapSentinel(ctx: MapContext): void {
  if (scalar(ctx, 'reboot-sentinel-command') !== '') {
    const argv = argvOf(ctx, 'reboot-sentinel-command');
    if (argv) {
      ctx.install.sentinel.kured = argv;
      put(ctx.policySpec, 'reboot.sentinelCommand', 'kured');
      found(
        ctx,
        'reboot-sentinel-command',
        'difference',
        'exit 0 = reboot needed, 1 = not, and it replaces the file check, as in kured; other exit codes hold the reboot in patchwindow where kured read them as "not needed". The command goes to the install settings as commands.sentinel.kured (never to git); the policy names it',
        'install settings commands.sentinel.kured + spec.reboot.sentinelCommand',
      );
    }
    return;
  }
  const inContainer = scalar(ctx, 'reboot-sentinel');
  const mount = ctx.pod.hostMounts.find(
    (m) => inContainer === m.mountPath || inContainer.startsWith(`${m.mountPath.replace(/\/$/, '')}/`),
  );
  const hostPath = mount
    ? `${mount.hostPath.replace(/\/$/, '')}${inContainer.slice(mount.mountPath.replace(/\/$/, '').length)}`
    : inContainer;
  if (hostPath !== '/var/run/reboot-required') put(ctx.policySpec, 'reboot.sentinelFile', hostPath);
  if (setFlag(ctx, 'reboot-sentinel')) {
    found(
      ctx,
      'reboot-sentinel',
      mount ? 'mapped' : 'difference',
      mount
        ? `kured read ${inContainer} through its hostPath mount of ${mount.hostPath}: the host file ${hostPath}`
        : `kured read ${inContainer} inside its container and no hostPath mount covers it; taken as the host path ${hostPath}, check it`,
      'spec.reboot.sentinelFile',
    );
  }
}
