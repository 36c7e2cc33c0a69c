/** `npm run bench`: each benchmark measures PayHub beside its baseline, in the same run, on this machine. */
import { benchConsole } from './console.ts';
import { benchCreatePayment } from './create-payment.ts';
import { benchIpn } from './ipn.ts';
import { benchLinks } from './links.ts';
import { benchRecon } from './recon.ts';
import { benchWebhooks } from './webhooks.ts';

/** `npm run bench` runs them all; `npm run bench -- ipn` only the ones named. */
const BENCHMARKS: Record<string, () => Promise<boolean>> = {
  console: benchConsole,
  'create-payment': benchCreatePayment,
  ipn: benchIpn,
  links: benchLinks,
  recon: benchRecon,
  webhooks: benchWebhooks,
};
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in BENCHMARKS));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}
const results: Record<string, boolean> = {};
for (const [name, run] of Object.entries(BENCHMARKS)) {
  if (chosen.length === 0 || chosen.includes(name)) results[name] = await run();
}
console.log(
  '\nsummary:',
  Object.entries(results)
    .map(([name, ok]) => `${name} ${ok ? 'met' : 'missed'}`)
    .join(', '),
);
