// Flat config: typescript-eslint's type-aware rules on every TypeScript file of the project, and the
// import boundaries of the house (README "Code map"): no import circle, and arrows only downwards —
// cli -> reconciler, coordinator, agent -> kube, io -> policy.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const ROOMS = ['./policy', './kube', './io', './agent', './coordinator', './reconciler', './cli'];

/** Forbidden arrows: files under `target` may not import from `from` (except `except`, relative to `from`). */
const zones = [
  // policy/ is the pure shared model: it imports nothing of the project.
  {
    target: './policy',
    from: ['./kube', './io', './agent', './coordinator', './reconciler', './cli', './bench', './scripts'],
  },
  // kube/ and io/ are the shared shells: they import only policy/ (kube may use io).
  { target: './kube', from: ['./agent', './coordinator', './reconciler', './cli', './bench'] },
  { target: './io', from: ['./kube', './agent', './coordinator', './reconciler', './cli', './bench'] },
  // The pure cores import the model and the plain data types of the ports, nothing else.
  { target: './agent/core', from: ['./agent', './kube', './io'], except: ['./core', './ports.ts'] },
  { target: './coordinator/core', from: ['./coordinator', './kube', './io'], except: ['./core', './ports.ts'] },
  // The three processes meet only through policy/ and kube/ — except that the forecast and status
  // replay or read the pure cores (one implementation of each decision, no copy).
  { target: './agent', from: ['./coordinator', './reconciler', './cli', './bench'] },
  { target: './coordinator', from: ['./agent', './reconciler', './cli', './bench'] },
  { target: './reconciler', from: ['./agent', './coordinator'], except: ['./core'] },
  { target: './reconciler', from: ['./cli', './bench'] },
];
/** Nothing that ships imports the tests (tests beside their module may use the fakes). */
const shippedZones = [...zones, { target: ROOMS, from: './test' }];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '.cache/**', 'policy/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones, basePath: import.meta.dirname }],
    },
  },
  {
    // Shipped source: the test zone too, and small files, one concept each (STYLE.md 9).
    files: ['{policy,kube,io,agent,coordinator,reconciler,cli}/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.testkit.ts'],
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: shippedZones, basePath: import.meta.dirname }],
      'max-lines': ['error', { max: 300 }],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly' } },
  },
);
