import { momoAdapter } from './momo/index.ts';
import { sandboxAdapter } from './sandbox/index.ts';
import type { BankTransferSupport, ProviderAdapter } from './types.ts';
import { vietqrAdapter } from './vietqr/index.ts';
import { vnpayAdapter } from './vnpay/index.ts';

/**
 * The one door to the providers: every adapter the hub can offer, registered here and found
 * through these functions. src/ never imports an adapter's folder, and never names a provider.
 */
const ADAPTERS: readonly ProviderAdapter[] = [sandboxAdapter, vnpayAdapter, momoAdapter, vietqrAdapter];

export function adapterNamed(name: string): ProviderAdapter | undefined {
  return ADAPTERS.find((a) => a.name === name);
}

export function allAdapters(): readonly ProviderAdapter[] {
  return ADAPTERS;
}

export function adapterNames(): string[] {
  return ADAPTERS.map((a) => a.name);
}

/** Providers paid by bank transfer, confirmed from the bank's side (feeds and statements). */
export function bankTransferAdapters(): (ProviderAdapter & { bankTransfer: BankTransferSupport })[] {
  return ADAPTERS.filter((a): a is ProviderAdapter & { bankTransfer: BankTransferSupport } =>
    Boolean(a.bankTransfer),
  );
}
