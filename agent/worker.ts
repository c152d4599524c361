// The agent's worker module: what the supervisor imports into its own process the first time the
// node needs a reboot or holds recorded state (agent/adapters/worker-inproc.ts). The build bundles
// it, with everything it imports, into one file (scripts/bundle-worker.ts): its load is on the path
// from the sentinel to the cordon and from Ready to the uncordon (issue 19).
export { agentWorker } from './main.ts';
