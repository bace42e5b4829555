/** Jest runs TypeScript through ts-jest (type errors are caught by `npm run typecheck`). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  testTimeout: 120000,
  verbose: true,
  // The Temporal SDK's native runtime (shared by every TestWorkflowEnvironment) keeps threads
  // alive after the last test; every test file tears down its servers and workers itself, so
  // exiting once all tests are done loses nothing and cannot leave CI hanging.
  forceExit: true,
};
