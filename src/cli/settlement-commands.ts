import { adapterNames } from '../../adapters/index.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/port.ts';
import { reconcileCommand, sandboxSettlementCommand } from '../reconciliation/cli.ts';
import { loadSecretKey } from '../secrets.ts';
import { createServices } from '../services.ts';
import { type CommandSpec, date, provider } from './spec.ts';

/** The reconciliation service, wired here at the top as the server wires it. */
function reconciliation(db: Db, config: Config) {
  return createServices({
    db,
    publicUrl: config.publicUrl,
    secretKey: loadSecretKey(config),
    reconciliation: config.reconciliation,
  }).recon;
}

/** Settlement files: reconciling a provider's, writing the sandbox's. */
export const SETTLEMENT_COMMANDS: Record<string, CommandSpec> = {
  reconcile: {
    description: "reconcile a provider's settlement file for a business day",
    options: [
      ['--provider <P>', adapterNames().join(' | ')],
      ['--date <YYYY-MM-DD>', 'business day (Asia/Ho_Chi_Minh)'],
      ['--file <F>', 'the file (default: the drop folder)'],
    ],
    run: (db, options, config) =>
      reconcileCommand(reconciliation(db, config), config, {
        provider: provider(options),
        date: date(options),
        file: options.file as string | undefined,
        json: options.json === true,
      }),
  },
  'sandbox:settlement': {
    description: "write the sandbox's settlement file for a business day from the hub's sandbox attempts",
    options: [
      ['--date <YYYY-MM-DD>', 'business day (Asia/Ho_Chi_Minh)'],
      ['--out <F>', 'where (default: the drop folder, $PAYHUB_SETTLEMENT_DIR/sandbox/<date>.csv)'],
    ],
    run: (db, options, config) =>
      sandboxSettlementCommand(db, config, { date: date(options), out: options.out as string | undefined }),
  },
};
