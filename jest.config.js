/** Jest runs TypeScript through ts-jest (type errors are caught by `npm run typecheck`). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }],
  },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  testTimeout: 120000,
  verbose: true,
};
