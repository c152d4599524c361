// The options of every ajv instance of the project: the one that checks documents at run time
// (policy/schema.ts) and the one that generates the AgentConfig validator ahead of time
// (scripts/gen-validator.ts), so both report the same errors.
//
// allErrors: report every problem at once. Inputs are small (files are limited to 1 MiB) and the
// schemas have no `pattern` on user data, so the documented allErrors DoS concerns do not apply.
// verbose: errors carry the schema and the data, which the diagnostics quote.
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: true, allowUnionTypes: true } as const;
