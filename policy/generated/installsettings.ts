// Generated from schemas/ by scripts/gen-types.ts (npm run gen:types). Do not edit.
/* eslint-disable */

/**
 * A command as an argument vector, run on the host with nsenter into PID 1's mount namespace. The first element is an absolute path.
 *
 * @minItems 1
 */
export type Command = string[];

/**
 * What runs on the nodes and what the agents may read, decided by the cluster admin at install time, outside the policy repository: the agent image, the host commands and hook Jobs policies may choose by name, and the notification Secrets. Given to validate, render, apply, plan and reconcile with --install-settings FILE; every field has a built-in default.
 */
export interface InstallSettings {
  /**
   * Always `patchwindow.io/v1alpha1`.
   */
  apiVersion: "patchwindow.io/v1alpha1";
  /**
   * Always `InstallSettings`.
   */
  kind: "InstallSettings";
  agent?: InstallAgent;
  commands?: InstallCommands;
  hooks?: InstallHooks;
  notificationSecrets?: InstallNotificationSecrets;
}
/**
 * The agent pods.
 */
export interface InstallAgent {
  /**
   * Image of every rendered agent DaemonSet (they run privileged with the host PID namespace). Default `ghcr.io/patchwindow/patchwindow:<version of the renderer>`; `--agent-image` overrides it.
   */
  image?: string;
}
/**
 * Host commands by name. A RebootPolicy chooses one by its name (`spec.reboot.command`, `spec.reboot.sentinelCommand`); the argument vector is only ever written here. Names are DNS-1123 labels.
 */
export interface InstallCommands {
  /**
   * Reboot commands. A policy without `spec.reboot.command` uses the one named `default`. Default `{default: [/bin/systemctl, reboot]}`; a map given here replaces it.
   */
  reboot?: {
    [k: string]: Command;
  };
  /**
   * Sentinel commands (exit 0: a reboot is required, 1: not required, anything else: cannot tell). Default none: the sentinel file decides.
   */
  sentinel?: {
    [k: string]: Command;
  };
}
/**
 * Hook Jobs by name. A RebootPolicy chooses one by its name (`spec.hooks.preReboot.hook`, `spec.hooks.postReboot.hook`); the Job itself is only ever written here. The coordinator creates it in the Fleet's namespace, with NODE_NAME, PATCHWINDOW_NODE, PATCHWINDOW_POLICY and PATCHWINDOW_HOOK (`preReboot` or `postReboot`) added to every container's environment. Names are DNS-1123 labels. Default none.
 */
export interface InstallHooks {
  [k: string]: InstallHook;
}
export interface InstallHook {
  /**
   * What the hook does, for people.
   */
  description?: string;
  template: HookJobSpec;
}
/**
 * The Job: a batch/v1 JobSpec (see HookJobSpec).
 */
export interface HookJobSpec {
  /**
   * Retries of a failed pod before the Job fails. Default 0.
   */
  backoffLimit?: number;
  /**
   * Delete the finished Job this many seconds after it finished (it goes with its grant anyway).
   */
  ttlSecondsAfterFinished?: number;
  template: HookPodTemplate;
}
/**
 * The pod template (v1.PodTemplateSpec).
 */
export interface HookPodTemplate {
  metadata?: {
    labels?: {
      [k: string]: string;
    };
    annotations?: {
      [k: string]: string;
    };
  };
  spec: HookPodSpec;
}
/**
 * A v1.PodSpec: at least `containers`; the rest is checked by the API server when the Job is created.
 */
export interface HookPodSpec {
  /**
   * Default Never.
   */
  restartPolicy?: "Never" | "OnFailure";
  /**
   * @minItems 1
   */
  containers: {
    name: string;
    image: string;
    [k: string]: unknown;
  }[];
  [k: string]: unknown;
}
/**
 * Which Secrets of the agents' namespace notifications may read webhook URLs from.
 */
export interface InstallNotificationSecrets {
  /**
   * A notification's `secretKeyRef.name` must start with this prefix; the agents' Role grants `get` on exactly the named ones. Default `patchwindow-notify-`.
   */
  namePrefix?: string;
}
