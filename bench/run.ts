/** `npm run bench`: each benchmark measures PayHub beside its baseline, in the same run, on this machine. */
import { benchCreatePayment } from './create-payment.ts';

const results: Record<string, boolean> = {};
results['create payment'] = await benchCreatePayment();
console.log(
  '\nsummary:',
  Object.entries(results)
    .map(([name, ok]) => `${name} ${ok ? 'met' : 'missed'}`)
    .join(', '),
);
