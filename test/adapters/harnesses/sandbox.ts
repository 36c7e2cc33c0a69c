import { type SandboxRecord, sandboxAdapter } from '../../../adapters/sandbox/index.ts';
import { sandboxSettlementCsv } from '../../../adapters/sandbox/settlement.ts';
import type { InboundRequest, ProviderContext } from '../../../adapters/types.ts';
import { type Attempt, browserReturn, type Harness, memoryState, type StandInHub } from '../conformance.ts';

const SECRET = 'conformance-hub-signing-secret';

/**
 * The sandbox is its own simulator: its pages (mounted on the hub, as the hub mounts them) record the
 * tester's choice and send the signed notification; here the notification is held until notify()
 * delivers it over HTTP, so the kit decides when it arrives.
 */
export function sandboxHarness(): Harness {
  let hub: StandInHub;
  const state = memoryState();
  const held = new Map<string, InboundRequest>();
  const paid: string[] = [];
  const context = (signingSecret = SECRET): ProviderContext => ({
    credentials: {},
    publicUrl: hub.url,
    mode: 'test',
    now: () => new Date(),
    signingSecret,
    state,
  });
  const urlOf = (attempt: Attempt) => {
    if (attempt.result.kind !== 'redirect') throw new Error('the sandbox checks out by redirect');
    return attempt.result.url;
  };
  return {
    adapter: sandboxAdapter,
    async start(standIn) {
      hub = standIn;
      hub.mount(
        sandboxAdapter.routes!({
          contextForAttempt: async () => context(),
          async deliverNotification(_provider, request) {
            held.set(sandboxAdapter.readCallback(request)?.attemptId ?? '', request);
            return { status: 202 };
          },
        }),
      );
    },
    async stop() {},
    context: () => context(),
    forgedContext: () => context('another-signing-secret'),
    opened: async (attempt) => (await fetch(urlOf(attempt))).status === 200,
    async pay(attempt, outcome) {
      const signed = Object.fromEntries(new URL(urlOf(attempt)).searchParams);
      const response = await fetch(`${hub.url}/sandbox/pay`, {
        method: 'POST',
        body: new URLSearchParams({ ...signed, outcome }),
        redirect: 'manual',
      });
      if (response.status !== 303) throw new Error(`the sandbox page answered ${response.status}`);
      if (outcome === 'succeeded') paid.push(attempt.request.attemptId);
      return browserReturn(response.headers.get('location')!);
    },
    async notify(attempt, options = {}) {
      const request = held.get(attempt.request.attemptId);
      if (!request) throw new Error('the sandbox holds no notification for this attempt');
      const body = request.body as Record<string, string>;
      await fetch(attempt.request.notifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(options.tamper ? { ...body, amount: `${body.amount}0` } : body),
      });
    },
    tamper: (request) => ({ ...request, query: { ...request.query, amount: `${request.query.amount}0` } }),
    async settlement(at) {
      const day = (d: Date) => new Date(d.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
      const movements = [];
      for (const attemptId of paid) {
        const record = await state.get<SandboxRecord>(`attempt:${attemptId}`);
        if (!record || day(new Date(record.at)) !== day(at)) continue;
        movements.push({
          type: 'payment' as const,
          transactionId: record.transactionId,
          reference: attemptId,
          amount: record.amount,
          occurredAt: new Date(record.at),
        });
      }
      return sandboxSettlementCsv(movements);
    },
  };
}
