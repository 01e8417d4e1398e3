// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

/** Dependency direction of DESIGN.md: runtime-api <- engine, runtime-api <- broker, services uses all. */
const zones = [
  {
    target: './runtime-api',
    from: ['./engine', './broker', './services', './bin'],
    message: 'runtime-api depends on nothing of ours',
  },
  { target: './engine', from: ['./broker', './services', './bin'], message: 'engine knows only runtime-api' },
  { target: './broker', from: ['./engine', './services', './bin'], message: 'broker knows only runtime-api' },
  {
    // bin/ (the CLI, its REST client) is a client of the platform: tests, bench and examples may use it, the
    // platform itself never does.
    target: './services',
    from: './bin',
    message: 'services never import bin/: the CLI and its REST client sit outside the platform',
  },
  {
    // no-cycle skips `import type`; this zone keeps areas off the root even for types (contracts: services/kernel/).
    target: ['./services/*/**', './services/!(platform).ts'],
    from: './services/platform.ts',
    message: 'the composition root is imported by nobody: import the contract from services/kernel/',
  },
  {
    // services/automation: triggers/ and timers/ are sibling rooms; what both need lives at the area's top.
    target: './services/automation/triggers',
    from: './services/automation/timers',
    message:
      'automation/triggers never imports automation/timers: shared pieces live in services/automation/',
  },
  {
    target: './services/automation/timers',
    from: './services/automation/triggers',
    message:
      'automation/timers never imports automation/triggers: shared pieces live in services/automation/',
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'data/**',
      'dist/**',
      'runtime-api/types/**',
      'examples/services/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    // Sources import './x.js' for './x.ts' (ESM under tsx/tsc): the resolver maps it so import rules see files.
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-restricted-paths': ['error', { zones }],
      // The composition root is imported by nobody and no two modules import each other (CONVENTIONS.md §21).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'isolated-vm', message: 'Only engine/ may import isolated-vm' }] },
      ],
    },
  },
  { files: ['engine/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['runtime-api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'isolated-vm', 'aedes*', 'fastify*'],
              message: 'runtime-api runs inside the isolate: no Node or host imports',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['runtime-api/prelude/**/*.ts'],
    languageOptions: { parserOptions: { projectService: false, project: './runtime-api/tsconfig.json' } },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  { files: ['test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-unused-expressions': 'off' } },
);
