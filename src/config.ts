import path from 'node:path';

/** Every environment variable PayHub reads, parsed and validated once (DESIGN.md, Configuration). */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  publicUrl: string;
  secretKey: string | undefined;
  logLevel: string;
  jobs: boolean;
  rateLimit: number;
  /** PAYHUB_BANK_DROP_DIR: folder the bank.drop job takes camt.053/camt.054 files from; unset, none. */
  bankDropDir: string | undefined;
  production: boolean;
  /** PAYHUB_TRUST_PROXY: Express's `trust proxy` (false, true, a hop count, or addresses/CIDRs/loopback…). */
  trustProxy: boolean | number | string;
  reconciliation: ReconciliationConfig;
  /** PAYHUB_ALLOW_PRIVATE_WEBHOOKS: test-mode webhooks may target loopback/private addresses (default: on without DATABASE_URL). */
  allowPrivateWebhooks: boolean;
  /** PAYHUB_OPERATOR_NAME, _HOTLINE, _EMAIL: who runs the hub, in the citizens' pages' footer. */
  site: { operator: string; hotline?: string; email?: string };
}

/** Daily reconciliation (PAYHUB_RECON_*, PAYHUB_SETTLEMENT_DIR, PAYHUB_PROVIDER_FEES). */
export interface ReconciliationConfig {
  carryDays: number;
  /** Local time (Asia/Ho_Chi_Minh) of the daily run, as a cron expression for the scheduler. */
  cron: string;
  time: string;
  settlementDir: string;
  fees: Record<string, { percent: string; min: string }>;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}`);
  return value;
}

/** "vnpay:1.1:1650,momo:1.1" → per provider: percent of the amount, at least min đồng. */
function feeRules(raw: string | undefined): ReconciliationConfig['fees'] {
  const rules: ReconciliationConfig['fees'] = {};
  for (const part of (raw ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([a-z0-9_]{1,32}):(\d{1,2}(?:\.\d{1,4})?)(?::(\d{1,12}))?$/.exec(part);
    if (!match) throw new ConfigError(`PAYHUB_PROVIDER_FEES: "${part}" is not provider:percent[:min]`);
    rules[match[1]!] = { percent: match[2]!, min: match[3] ?? '0' };
  }
  return rules;
}

function reconciliation(env: Env, dataDir: string): ReconciliationConfig {
  const time = env.PAYHUB_RECON_TIME || '06:00';
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match)
    throw new ConfigError(`PAYHUB_RECON_TIME must be HH:MM (24 h, Asia/Ho_Chi_Minh), got "${time}"`);
  return {
    carryDays: integer(env, 'PAYHUB_RECON_CARRY_DAYS', 2, 0, 30),
    time,
    cron: `${Number(match[2])} ${Number(match[1])} * * *`,
    settlementDir: path.resolve(env.PAYHUB_SETTLEMENT_DIR || path.join(dataDir, 'settlements')),
    fees: feeRules(env.PAYHUB_PROVIDER_FEES),
  };
}

/** "1" → one hop, "true"/"false", else addresses, CIDRs and names (loopback, uniquelocal) for proxy-addr. */
function trustProxy(raw: string | undefined): boolean | number | string {
  const value = (raw ?? '').trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const entry = /^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/;
  const parts = value.split(',').map((p) => p.trim());
  const bad = parts.find((p) => !entry.test(p));
  if (bad !== undefined)
    throw new ConfigError(
      `PAYHUB_TRUST_PROXY must be true, false, a hop count, or addresses/CIDRs/loopback, got "${bad}"`,
    );
  return parts.join(',');
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const jobs = env.PAYHUB_JOBS ?? 'on';
  if (jobs !== 'on' && jobs !== 'off')
    throw new ConfigError(`PAYHUB_JOBS must be "on" or "off", got "${jobs}"`);
  const production = env.NODE_ENV === 'production';
  const secretKey = env.PAYHUB_SECRET_KEY || undefined;
  if (production && !secretKey)
    throw new ConfigError('PAYHUB_SECRET_KEY is required when NODE_ENV=production');
  // Every node of a shared database must seal and open credentials with the same key.
  if (env.DATABASE_URL && !secretKey)
    throw new ConfigError(
      'PAYHUB_SECRET_KEY is required when DATABASE_URL is set (the same key on every node; at least 32 characters)',
    );
  if (secretKey !== undefined && secretKey.length < 32) {
    throw new ConfigError('PAYHUB_SECRET_KEY must be at least 32 characters');
  }
  const publicUrl = (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_URL is not a URL: "${publicUrl}"`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  const allowPrivate = env.PAYHUB_ALLOW_PRIVATE_WEBHOOKS || (databaseUrl ? 'off' : 'on');
  if (allowPrivate !== 'on' && allowPrivate !== 'off')
    throw new ConfigError(`PAYHUB_ALLOW_PRIVATE_WEBHOOKS must be "on" or "off", got "${allowPrivate}"`);
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  const hotline = env.PAYHUB_OPERATOR_HOTLINE || undefined;
  if (hotline !== undefined && !/^\+?[0-9][0-9 .()-]{2,24}$/.test(hotline))
    throw new ConfigError(`PAYHUB_OPERATOR_HOTLINE must be a phone number, got "${hotline}"`);
  const site = {
    operator: (env.PAYHUB_OPERATOR_NAME || 'PayHub').slice(0, 200),
    hotline,
    email: env.PAYHUB_OPERATOR_EMAIL || undefined,
  };
  return {
    site,
    port,
    host: env.HOST || '127.0.0.1',
    databaseUrl,
    dataDir: path.resolve(env.PAYHUB_DATA_DIR || '.payhub'),
    publicUrl,
    secretKey,
    logLevel,
    jobs: jobs === 'on',
    rateLimit: integer(env, 'PAYHUB_RATE_LIMIT', 100, 0, 1_000_000),
    bankDropDir: env.PAYHUB_BANK_DROP_DIR ? path.resolve(env.PAYHUB_BANK_DROP_DIR) : undefined,
    production,
    trustProxy: trustProxy(env.PAYHUB_TRUST_PROXY),
    reconciliation: reconciliation(env, path.resolve(env.PAYHUB_DATA_DIR || '.payhub')),
    allowPrivateWebhooks: allowPrivate === 'on',
  };
}
