// Fakes of the ports to the world outside the cluster: notifications and Prometheus alerts.
import type { Alert, Alerts, Notifier } from '../../agent/ports.ts';
import type { NotifyEvent } from '../../policy/model.ts';

export class FakeNotifier {
  readonly sent: { node: string; event: NotifyEvent; reason: string }[] = [];
  /** 'reject': send rejects (breaking its contract); 'hang': send never resolves. */
  mode: 'ok' | 'reject' | 'hang' = 'ok';

  for(node: string): Notifier {
    return {
      send: (event, reason) => {
        this.sent.push({ node, event, reason });
        if (this.mode === 'reject') return Promise.reject(new Error('webhook down'));
        if (this.mode === 'hang') return new Promise<void>(() => {});
        return Promise.resolve();
      },
    };
  }

  eventsFor(node: string): NotifyEvent[] {
    return this.sent.filter((s) => s.node === node).map((s) => s.event);
  }
}

export class FakeAlerts implements Alerts {
  alerts: Alert[] = [];
  /** Prometheus cannot be reached. */
  down = false;

  active(): Promise<readonly Alert[]> {
    return this.down
      ? Promise.reject(new Error('connect ECONNREFUSED prometheus:9090'))
      : Promise.resolve([...this.alerts]);
  }
}
