import { bankTransferAdapters } from '../../adapters/index.ts';
import type { BankTransferSupport, ProviderAdapter } from '../../adapters/types.ts';
import { DomainError } from '../errors.ts';

export function bankAdapters(): (ProviderAdapter & { bankTransfer: BankTransferSupport })[] {
  return bankTransferAdapters();
}

export function bankAdapter(name: string) {
  const adapter = bankAdapters().find((a) => a.name === name);
  if (!adapter) throw new DomainError('unknown_provider', `${name} is not a bank-transfer provider.`);
  return adapter;
}
