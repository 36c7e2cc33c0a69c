import { adapterNamed, adapterNames } from '../../adapters/index.ts';
import type { Credentials, ProviderAdapter, ProviderContext, ProviderState } from '../../adapters/types.ts';
import { agencyByCode } from '../agencies/service.ts';
import type { Db, Queryable } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { money } from '../money.ts';
import type { Sealer } from '../secrets.ts';
import * as q from './queries.ts';

/** A provider setting refused (unknown provider or setting name); the CLI prints the detail. */
const invalid = (detail: string) =>
  new DomainError('provider_invalid', detail, [{ field: 'provider', message: detail }]);

function stateOf(db: Queryable, provider: string): ProviderState {
  return {
    async get<T>(key: string) {
      return (await q.stateValue<T>(db, provider, key)).rows[0]?.value;
    },
    async put(key: string, value: unknown) {
      await q.putStateValue(db, provider, key, value);
    },
  };
}

export interface ProviderAccountsDeps {
  db: Db;
  sealer: Sealer;
  publicUrl: string;
  signingSecret: string;
  now?: () => Date;
}

/** Which providers an agency offers, with their credentials (sealed at rest), and the adapters' context. */
export function providerAccountsService(deps: ProviderAccountsDeps) {
  const { db, sealer } = deps;
  const now = deps.now ?? (() => new Date());

  /** The adapter and opened credentials of an enabled provider, if it is fully configured. */
  function usable(provider: string, sealed: Uint8Array | null) {
    const adapter = adapterNamed(provider);
    if (!adapter) return null;
    const credentials = sealed ? sealer.open<Credentials>(sealed) : {};
    if (!adapter.requiredCredentials.every((name) => credentials[name])) return null;
    return { adapter, credentials };
  }

  async function enabled(
    agencyId: string,
  ): Promise<{ adapter: ProviderAdapter; credentials: Credentials }[]> {
    const { rows } = await q.enabledAccounts(db, agencyId);
    return rows.flatMap((row) => usable(row.provider, row.credentials) ?? []);
  }

  return {
    /** Methods the agency enabled, fully configured, whose limits fit the amount. */
    async methodsFor(agencyId: string, amount: string) {
      const value = money(amount);
      return (await enabled(agencyId)).filter(
        ({ adapter }) => value.gte(adapter.limits.minAmount) && value.lte(adapter.limits.maxAmount),
      );
    },

    /** Every agency that enabled `provider`, with its credentials (bank feeds find the agency by account). */
    async configuredFor(provider: string): Promise<{ agencyId: string; credentials: Credentials }[]> {
      const { rows } = await q.accountsFor(db, provider);
      return rows.map((row) => ({
        agencyId: row.agency_id,
        credentials: row.credentials ? sealer.open<Credentials>(row.credentials) : {},
      }));
    },

    async contextFor(
      agencyId: string,
      mode: 'test' | 'live',
      provider: string,
    ): Promise<ProviderContext | null> {
      const found = (await enabled(agencyId)).find((e) => e.adapter.name === provider);
      if (!found) return null;
      return this.context(found.credentials, mode, provider);
    },

    /** contextFor, from an enabled provider's sealed credentials read along with other rows. */
    contextFromStored(
      provider: string,
      mode: 'test' | 'live',
      sealed: Uint8Array | null,
    ): ProviderContext | null {
      const found = usable(provider, sealed);
      return found && this.context(found.credentials, mode, provider);
    },

    context(credentials: Credentials, mode: 'test' | 'live', provider: string): ProviderContext {
      return {
        credentials,
        publicUrl: deps.publicUrl,
        mode,
        now,
        signingSecret: deps.signingSecret,
        state: stateOf(db, provider),
      };
    },

    /** `payhub providers:list`: each configured provider, the names of its settings set, never a value. */
    async list(agencyCode: string) {
      const agency = await agencyByCode(db, agencyCode);
      const { rows } = await q.accountsOf(db, agency.id);
      return rows.map((row) => {
        const stored = row.credentials ? sealer.open<Credentials>(row.credentials) : {};
        const set = Object.keys(stored)
          .filter((name) => stored[name])
          .sort();
        const missing = (adapterNamed(row.provider)?.requiredCredentials ?? []).filter(
          (name) => !stored[name],
        );
        return {
          provider: row.provider,
          enabled: row.enabled && missing.length === 0,
          settings: set,
          missing,
        };
      });
    },

    /** `payhub providers:configure`: known names only; values merge with what is stored. */
    async configure(agencyCode: string, provider: string, settings: Record<string, string>) {
      const adapter = adapterNamed(provider);
      if (!adapter) throw invalid(`unknown provider "${provider}"; known: ${adapterNames().join(', ')}`);
      const unknown = Object.keys(settings).filter((name) => !adapter.credentialNames.includes(name));
      if (unknown.length) {
        throw invalid(
          `${provider} has no setting ${unknown.join(', ')}; known: ${adapter.credentialNames.join(', ') || '(none)'}`,
        );
      }
      const agency = await agencyByCode(db, agencyCode);
      return db.transaction(async (tx) => {
        const current = await q.lockAccount(tx, agency.id, provider);
        const stored = current.rows[0]?.credentials;
        const merged = { ...(stored ? sealer.open<Credentials>(stored) : {}), ...settings };
        const missing = adapter.requiredCredentials.filter((name) => !merged[name]);
        await q.saveAccount(tx, agency.id, provider, sealer.seal(merged));
        return { provider, agency: agencyCode, configured: Object.keys(merged).sort(), missing };
      });
    },
  };
}

export type ProviderAccountsService = ReturnType<typeof providerAccountsService>;
