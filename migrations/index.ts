/** Every migration, in order. Listed explicitly so that the same list runs from TypeScript (jest) and from dist/. */
import { Migration20261123000000_hierarchy } from './Migration20261123000000_hierarchy.js';

export const migrationsList = [
  { name: 'Migration20261123000000_hierarchy', class: Migration20261123000000_hierarchy },
];
