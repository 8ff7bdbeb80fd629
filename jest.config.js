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
};
