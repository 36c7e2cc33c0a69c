import { migrate } from '../db/migrate.ts';
import { demoCurl, seedDemo } from '../demo.ts';
import type { CommandSpec } from './spec.ts';

/** Setting the hub up: its schema, and the demo tenant. */
export const SETUP_COMMANDS: Record<string, CommandSpec> = {
  migrate: {
    description: 'apply the numbered migrations not yet applied',
    options: [],
    async run(db) {
      const applied = await migrate(db);
      return {
        json: { applied },
        text: applied.length ? `applied ${applied.join(', ')}` : 'database is up to date',
      };
    },
  },
  demo: {
    description: 'seed the demo agency, a test key and the sandbox provider (once)',
    options: [],
    async run(db, _options, config) {
      const demo = await seedDemo(db, config);
      return {
        json: { agency: demo.agencyCode, api_key: demo.apiKey },
        text: `demo agency ${demo.agencyCode}, test key ${demo.apiKey}\n\n${demoCurl(config.publicUrl, demo.apiKey)}`,
      };
    },
  },
};
