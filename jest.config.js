/** Jest runs the TypeScript sources through ts-jest in ESM mode (MikroORM 7 is ESM-only);
 *  `npm test` sets NODE_OPTIONS=--experimental-vm-modules. Every test talks to a real PostgreSQL
 *  started once by test/global-setup.ts (embedded, unless DATABASE_URL is set). */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  // Global setup/teardown run outside jest's module system, so they load the compiled copies (npm test builds first).
  globalSetup: '<rootDir>/dist/test/global-setup.js',
  globalTeardown: '<rootDir>/dist/test/global-teardown.js',
  testTimeout: 60000,
  maxWorkers: 2,
  // A worker keeps some memory of every test file it ran (modules loaded in ESM mode are not all
  // released): by the end of the suite one held 1.8 GB, and a clean clone's order once took one past
  // Node's 4 GB heap in the fuzz test. A worker over 1 GB after a file is replaced by a fresh one.
  workerIdleMemoryLimit: '1GB',
};
