export * from './roles.js';
export * from './viewer.js';
export * from './tokens.js';
