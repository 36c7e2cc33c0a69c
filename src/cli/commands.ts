import { AGENCY_COMMANDS } from './agency-commands.ts';
import { PROVIDER_COMMANDS } from './provider-commands.ts';
import { SETTLEMENT_COMMANDS } from './settlement-commands.ts';
import { SETUP_COMMANDS } from './setup-commands.ts';
import type { CommandSpec } from './spec.ts';
import { STAFF_COMMANDS } from './staff-commands.ts';

export { type CommandSpec, type Options, type Output, UsageError } from './spec.ts';

/** Every operator command, in the order `payhub --help` lists them. */
export const COMMANDS: Record<string, CommandSpec> = {
  ...SETUP_COMMANDS,
  ...AGENCY_COMMANDS,
  ...PROVIDER_COMMANDS,
  ...STAFF_COMMANDS,
  ...SETTLEMENT_COMMANDS,
};
