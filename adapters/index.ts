import { momoAdapter } from './momo/index.ts';
import { sandboxAdapter } from './sandbox/index.ts';
import type { ProviderAdapter } from './types.ts';
import { vietqrAdapter } from './vietqr/index.ts';
import { vnpayAdapter } from './vnpay/index.ts';

/** Every provider the hub can offer; src/ finds them here and never names one. */
export const ADAPTERS: readonly ProviderAdapter[] = [
  sandboxAdapter,
  vnpayAdapter,
  momoAdapter,
  vietqrAdapter,
];
