// Compile-time proof that the hand-written model and the JSON Schemas describe the same documents:
// `npm run typecheck` fails when they drift. The generated types come from schemas/ (gen-types).
import type { AgentConfig as SchemaAgentConfig } from './generated/agentconfig.ts';
import type { AgentConfig } from './model.ts';

type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;
type Assignable<From, To> = [From] extends [To] ? true : false;
type Assert<T extends true> = T;

/** What compile writes into a ConfigMap validates against agentconfig.schema.json ... */
export type ModelFitsSchema = Assert<Assignable<Mutable<AgentConfig>, SchemaAgentConfig>>;
/** ... and what the agent accepts from the schema is what its code expects. */
export type SchemaFitsModel = Assert<Assignable<SchemaAgentConfig, Mutable<AgentConfig>>>;
