import { read } from 'read';
import { adapterNames } from '../../adapters/index.ts';
import type { Config } from '../config.ts';
import { isCalendarDate } from '../dates.ts';
import type { Db } from '../db/port.ts';

/** A failure the operator caused: one line, exit 2. */
export class UsageError extends Error {
  readonly code = 'usage';
}

export type Options = Record<string, string | boolean | string[] | undefined>;
export type Output = { json: Record<string, unknown>; text: string };

export interface CommandSpec {
  description: string;
  /** commander flags (`--code <C>`), what they mean; `[]` after the flags: repeatable. */
  options: [flags: string, description: string, repeatable?: boolean][];
  /** Lists change nothing and are not audited. */
  readOnly?: boolean;
  run(db: Db, options: Options, config: Config): Promise<Output>;
}

export function required(options: Options, flag: string): string {
  const value = options[camel(flag)];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function date(options: Options): string {
  const value = required(options, 'date');
  if (!isCalendarDate(value))
    throw new UsageError(`--date must be a calendar date YYYY-MM-DD, got "${value}"`);
  return value;
}

export function provider(options: Options): string {
  const value = required(options, 'provider');
  const known = adapterNames();
  if (!known.includes(value)) throw new UsageError(`unknown provider "${value}"; known: ${known.join(', ')}`);
  return value;
}

export function mode(options: Options): 'test' | 'live' {
  const value = options.mode ?? 'test';
  if (value !== 'test' && value !== 'live') throw new UsageError('--mode must be test or live');
  return value;
}

/** Lines of aligned columns for a list's text output. */
export function columns(rows: string[][]): string {
  if (rows.length === 0) return '(none)';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export const day = (value: Date | string | null) => (value ? new Date(value).toISOString() : '');

/** The password: piped in, or typed on a terminal without echo (never an argument: `ps` shows those). */
export async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    return read({ prompt: 'password: ', silent: true, replace: '', output: process.stderr });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
