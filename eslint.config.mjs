// ESLint flat config: strict TypeScript everywhere, plus determinism rules for workflow code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.temporal/', '.data/', 'artifacts/', 'coverage/', '.stack/', 'test/replay/histories/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Workflow code is replayed: it must make the same decisions every time it runs, so it may not
  // do I/O, read the host (env, clock outside Temporal, randomness) or schedule its own timers.
  // `Date.now()`/`new Date()` stay allowed: inside a workflow they are Temporal's replayed clock.
  // See docs/changing-workflows.md.
  {
    files: ['src/workflows/**/*.ts', 'test/replay/unpatched/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [...builtinModules.filter((m) => !m.startsWith('_')), 'pg', 'better-sqlite3', 'kysely', 'pino', 'pino-pretty', 'playwright-core', 'commander', 'uplot', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing', '@temporalio/envconfig']
          .map((name) => ({ name, message: 'Workflow code runs in Temporal\'s deterministic sandbox: no Node built-ins or I/O libraries. Do I/O in an activity (src/activities/).' })),
        patterns: [
          { group: ['node:*'], message: 'No Node built-ins in workflow code: do I/O in an activity (src/activities/).' },
          { group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'Workflows may only `import type` from activities (for proxyActivities<Activities>); the implementations do I/O.' },
          { group: ['**/db', '**/db/*', '**/sources', '**/sources/*', '**/config', '**/temporal', '**/temporal/*', '**/devserver', '**/worker', '**/client', '**/cli/*', '**/observability/runtime'], message: 'This module does I/O or reads the host; workflow code must not import it. Use an activity.' },
        ],
      }],
      'no-restricted-globals': ['error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval'].map((name) => ({ name, message: 'Use sleep() / condition() from @temporalio/workflow: a durable timer that replays.' })),
        ...['process', 'performance', 'crypto', 'require', 'fetch', 'Buffer', '__dirname'].map((name) => ({ name, message: `${name} is host state or I/O; workflow code must be deterministic (use workflowInfo(), uuid4() from @temporalio/workflow, or an activity).` })),
      ],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: 'Math.random differs on replay; use a value from the workflow input, or an activity.' },
        { object: 'globalThis', property: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { object: 'performance', property: 'now', message: 'Use Date.now() (workflow time).' },
      ],
    },
  },
  {
    files: ['**/*.cjs', 'jest.config.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
