// Every subcommand of `patchwindow`, in help order. Each module registers its options cheaply and
// imports its implementation only when run, so `validate` never loads the Kubernetes client.
import { registerAgent } from './agent.ts';
import { registerApply } from './apply.ts';
import type { RegisterCommand } from './io.ts';
import { registerCoordinator } from './coordinator.ts';
import { registerCoverage } from './coverage.ts';
import { registerForecast } from './forecast.ts';
import { registerImportKured } from './import-kured.ts';
import { registerPlan } from './plan.ts';
import { registerReconcile } from './reconcile.ts';
import { registerReport } from './report.ts';
import { registerRender } from './render.ts';
import { registerStatus } from './status.ts';
import { registerResume } from './resume.ts';
import { registerValidate } from './validate.ts';
import { registerWindows } from './windows.ts';

export const commands: readonly RegisterCommand[] = [
  registerValidate,
  registerWindows,
  registerRender,
  registerCoverage,
  registerPlan,
  registerForecast,
  registerApply,
  registerReconcile,
  registerStatus,
  registerReport,
  registerResume,
  registerCoordinator,
  registerAgent,
  registerImportKured,
];
