/**
 * The adapter conformance kit: the flows every provider adapter must get right with its
 * protocol-faithful simulator — checkout, the signed browser return, the notification (good,
 * tampered, duplicate), the status query, refunds and the settlement file — run the same way for
 * each. A provider joins by writing a harness (harnesses/<name>.ts) and one line in
 * conformance.test.ts. The stand-in hub below applies the hub's own rules for a notification
 * (signature first, then the attempt, the amount, exactly once), and answers with the adapter's
 * reply for its verdict.
 */
import type { AddressInfo } from 'node:net';
import express, { type Request, type Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CheckoutRequest,
  CheckoutResult,
  HttpReply,
  InboundRequest,
  NotificationVerdict,
  ProviderAdapter,
  ProviderContext,
  ProviderOutcome,
  ProviderState,
  SettlementLine,
} from '../../adapters/types.ts';
import { newId } from '../../src/ids.ts';

/** An attempt the kit started: what the hub sent the adapter, and what the adapter answered. */
export interface Attempt {
  request: CheckoutRequest;
  result: CheckoutResult;
}

/** What the stand-in hub did with one inbound notification. */
export interface Delivery {
  attemptId: string | null;
  verdict: NotificationVerdict;
  outcome: ProviderOutcome | null;
  reply: HttpReply;
}

/** A provider's simulator, driven the way the real provider behaves. */
export interface Harness {
  adapter: ProviderAdapter;
  /** Amount of a typical attempt, in đồng, within the provider's and the simulator's limits. */
  amount?: string;
  /** Starts the simulator; `hub` is where returns, notifications and feeds are sent. */
  start(hub: StandInHub): Promise<void>;
  stop(): Promise<void>;
  /** The agency's credentials for this provider, as the hub would decrypt them. */
  context(): ProviderContext;
  /** The same with another secret: nothing the provider signed may verify under it (null: nothing is signed). */
  forgedContext(): ProviderContext | null;
  /** Whether the provider takes the checkout the adapter produced (opens its pay page, or the QR names the amount). */
  opened(attempt: Attempt): Promise<boolean>;
  /** The citizen finishes at the provider; the browser's signed return, or null when the provider has none. */
  pay(attempt: Attempt, outcome: 'succeeded' | 'failed'): Promise<InboundRequest | null>;
  /** The provider (again) sends its notification of a paid attempt to the hub; `tamper` alters it after signing. */
  notify(attempt: Attempt, options?: { tamper?: boolean }): Promise<void>;
  /** A signed inbound request with its amount altered, as a forger would. */
  tamper(request: InboundRequest): InboundRequest;
  /** The provider's settlement file for the business day that holds `at`. */
  settlement(at: Date): Promise<string> | string;
}

/** In-memory provider state, as the hub's provider_state table gives it. */
export function memoryState(): ProviderState {
  const values = new Map<string, string>();
  return {
    async get<T>(key: string) {
      const value = values.get(key);
      return value === undefined ? undefined : (JSON.parse(value) as T);
    },
    async put(key, value) {
      values.set(key, JSON.stringify(value));
    },
  };
}

/** The hub as a provider sees it: a public URL answering /return, /notify and /bank-feed. */
export class StandInHub {
  url = '';
  readonly deliveries: Delivery[] = [];
  private readonly app = express();
  private readonly attempts = new Map<string, Attempt>();
  private readonly settled = new Map<string, ProviderOutcome>();
  private server: ReturnType<typeof this.app.listen> | undefined;

  constructor(
    private readonly adapter: ProviderAdapter,
    private readonly context: () => ProviderContext,
  ) {
    const raw = express.raw({ type: () => true, limit: '64kb' });
    this.app.all('/notify/:provider', raw, (req, res) => this.send(res, this.notification(inbound(req))));
    this.app.post('/bank-feed/:provider', raw, (req, res) => this.send(res, this.feed(inbound(req))));
    this.app.get('/return/:provider', (_req, res) => res.status(200).send('returned'));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server = this.app.listen(0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Pages the adapter serves itself (the sandbox's), mounted as the hub mounts them. */
  mount(router: Router): void {
    this.app.use(router);
  }

  /** Starts an attempt: the request the hub would send, and the adapter's checkout for it. */
  async begin(amount: string): Promise<Attempt> {
    const now = this.context().now();
    const request: CheckoutRequest = {
      attemptId: newId('att'),
      amount,
      description: 'Lệ phí cấp Phiếu lý lịch tư pháp (hồ sơ 12/2026)',
      language: 'vi',
      returnUrl: `${this.url}/return/${this.adapter.name}`,
      notifyUrl: `${this.url}/notify/${this.adapter.name}`,
      clientIp: '203.0.113.7',
      createdAt: now,
      expiresAt: new Date(now.getTime() + 15 * 60_000),
    };
    const result = await this.adapter.createCheckout(this.context(), request);
    const attempt = { request, result };
    this.attempts.set(request.attemptId, attempt);
    if (result.providerReference) this.attempts.set(`ref:${result.providerReference}`, attempt);
    return attempt;
  }

  deliveriesFor(attemptId: string): Delivery[] {
    return this.deliveries.filter((d) => d.attemptId === attemptId);
  }

  private send(res: express.Response, reply: HttpReply): void {
    res.status(reply.status).set(reply.headers ?? {});
    res.send(reply.body ?? '');
  }

  private record(attemptId: string | null, verdict: NotificationVerdict, outcome: ProviderOutcome | null) {
    const reply = this.adapter.notificationReply(verdict);
    this.deliveries.push({ attemptId, verdict, outcome, reply });
    return reply;
  }

  /** The hub's order of checks for /notify/<provider>. */
  private notification(request: InboundRequest): HttpReply {
    const callback = this.adapter.readCallback(request);
    if (!callback) return this.record(null, 'invalid_signature', null);
    const claimed = callback.attemptId;
    const outcome = this.adapter.verifyNotification(this.context(), callback);
    if (!outcome) return this.record(claimed, 'invalid_signature', null);
    if (outcome.attemptId !== claimed) return this.record(claimed, 'error', outcome);
    return this.apply(outcome.attemptId, outcome);
  }

  /** A pushed bank-feed credit: verified, then matched on the transfer reference in its memo. */
  private feed(request: InboundRequest): HttpReply {
    const bank = this.adapter.bankTransfer;
    if (!bank) return this.record(null, 'not_found', null);
    const verified = bank.verifyFeed(this.context().credentials, request, this.context().now());
    if ('rejected' in verified) return this.record(null, 'invalid_signature', null);
    const { credit } = verified;
    const attempt = bank
      .referencesIn(credit.memo)
      .map((reference) => this.attempts.get(`ref:${reference}`))
      .find(Boolean);
    const outcome: ProviderOutcome | null = attempt
      ? {
          attemptId: attempt.request.attemptId,
          status: 'succeeded',
          amount: credit.amount,
          providerTransactionId: credit.bankReference,
          paidAt: credit.bookedAt,
          raw: credit.raw,
        }
      : null;
    if (!outcome) return this.record(null, 'not_found', null);
    return this.apply(outcome.attemptId, outcome);
  }

  private apply(attemptId: string, outcome: ProviderOutcome): HttpReply {
    const attempt = this.attempts.get(attemptId);
    if (!attempt) return this.record(attemptId, 'not_found', outcome);
    if (outcome.amount !== attempt.request.amount) return this.record(attemptId, 'amount_mismatch', outcome);
    if (this.settled.has(attemptId)) return this.record(attemptId, 'already_processed', outcome);
    if (outcome.status === 'pending') return this.record(attemptId, 'accepted', outcome);
    this.settled.set(attemptId, outcome);
    return this.record(attemptId, 'accepted', outcome);
  }
}

function inbound(req: Request): InboundRequest {
  const rawBody = Buffer.isBuffer(req.body) && req.body.length ? (req.body as Buffer) : undefined;
  const type = req.headers['content-type'] ?? '';
  const text = rawBody?.toString('utf8') ?? '';
  const body = !rawBody
    ? undefined
    : type.includes('json')
      ? (JSON.parse(text) as unknown)
      : Object.fromEntries(new URLSearchParams(text));
  return {
    method: req.method,
    query: Object.fromEntries(
      Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string'),
    ),
    body,
    headers: Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
    ),
    rawBody,
  };
}

/** An inbound request from a URL the browser was sent to. */
export function browserReturn(url: string): InboundRequest {
  return {
    method: 'GET',
    query: Object.fromEntries(new URL(url).searchParams),
    body: undefined,
    headers: {},
  };
}

async function parsed(adapter: ProviderAdapter, file: string): Promise<SettlementLine[]> {
  async function* chunks(): AsyncIterable<Buffer> {
    const bytes = Buffer.from(file);
    for (let at = 0; at < bytes.length; at += 97) yield bytes.subarray(at, at + 97);
  }
  const lines: SettlementLine[] = [];
  for await (const line of adapter.parseSettlement(chunks())) lines.push(line);
  return lines;
}

/** Runs the shared suite against one adapter and its simulator. */
export function conformanceSuite(harness: Harness): void {
  const { adapter } = harness;
  const amount = harness.amount ?? '150000';
  const hub = new StandInHub(adapter, () => harness.context());
  const verdicts = (attempt: Attempt) => hub.deliveriesFor(attempt.request.attemptId).map((d) => d.verdict);
  /** A browser return as the hub takes it: read once, then verified under these credentials. */
  const verifiedReturn = (ctx: ProviderContext, request: InboundRequest) => {
    const callback = adapter.readCallback(request);
    return callback && adapter.verifyReturn(ctx, callback);
  };

  /** A paid attempt, its notification delivered once, and what the provider reported. */
  async function paid(): Promise<{ attempt: Attempt; outcome: ProviderOutcome }> {
    const attempt = await hub.begin(amount);
    await harness.pay(attempt, 'succeeded');
    await harness.notify(attempt);
    const accepted = hub.deliveriesFor(attempt.request.attemptId).find((d) => d.verdict === 'accepted');
    expect(accepted?.outcome).toBeTruthy();
    return { attempt, outcome: accepted!.outcome! };
  }

  describe(`${adapter.name}: the adapter conforms with its simulator`, () => {
    beforeAll(async () => {
      await hub.start();
      await harness.start(hub);
    });
    afterAll(async () => {
      await harness.stop();
      await hub.stop();
    });

    it('checkout: the provider takes the attempt for its amount, and refuses one signed with another secret', async () => {
      const attempt = await hub.begin(amount);
      expect(await harness.opened(attempt)).toBe(true);
      const forged = harness.forgedContext();
      if (!forged) return;
      const request = { ...attempt.request, attemptId: newId('att') };
      const result = await adapter.createCheckout(forged, request).catch(() => null);
      if (result) expect(await harness.opened({ request, result })).toBe(false);
    });

    it('signed return: verified with its amount, failed when declined, nothing when tampered or under another secret', async () => {
      const attempt = await hub.begin(amount);
      const returned = await harness.pay(attempt, 'succeeded');
      if (!returned) {
        const feedLike = { method: 'GET', query: { amount }, body: undefined, headers: {} };
        expect(verifiedReturn(harness.context(), feedLike)).toBeNull();
        return;
      }
      expect(adapter.readCallback(returned)?.attemptId).toBe(attempt.request.attemptId);
      expect(verifiedReturn(harness.context(), returned)).toMatchObject({
        attemptId: attempt.request.attemptId,
        status: 'succeeded',
        amount,
      });
      expect(verifiedReturn(harness.context(), harness.tamper(returned))).toBeNull();
      const forged = harness.forgedContext();
      if (forged) expect(verifiedReturn(forged, returned)).toBeNull();
      const declined = await hub.begin(amount);
      const failed = await harness.pay(declined, 'failed');
      const outcome = verifiedReturn(harness.context(), failed!);
      expect(outcome).toMatchObject({ attemptId: declined.request.attemptId, status: 'failed' });
      expect(outcome!.failure?.code).toBeTruthy();
    });

    it('notification: a good one is accepted once, with the amount and the provider’s transaction', async () => {
      const { attempt, outcome } = await paid();
      expect(verdicts(attempt)).toEqual(['accepted']);
      expect(outcome).toMatchObject({ attemptId: attempt.request.attemptId, status: 'succeeded', amount });
      expect(outcome.providerTransactionId).toBeTruthy();
    });

    it('notification: a tampered one is refused with the provider’s reply and changes nothing', async () => {
      const attempt = await hub.begin(amount);
      await harness.pay(attempt, 'succeeded');
      await harness.notify(attempt, { tamper: true });
      const refused = hub.deliveries.at(-1)!;
      expect(refused.verdict).toBe('invalid_signature');
      expect(refused.reply).toEqual(adapter.notificationReply('invalid_signature'));
      expect(adapter.notificationReply('invalid_signature')).not.toEqual(
        adapter.notificationReply('accepted'),
      );
      expect(verdicts(attempt)).not.toContain('accepted');
      await harness.notify(attempt);
      expect(verdicts(attempt).filter((v) => v === 'accepted')).toHaveLength(1);
    });

    it('notification: a duplicate is answered as already processed, and applied once', async () => {
      const { attempt } = await paid();
      await harness.notify(attempt);
      expect(verdicts(attempt)).toEqual(['accepted', 'already_processed']);
      expect(hub.deliveries.at(-1)!.reply).toEqual(adapter.notificationReply('already_processed'));
    });

    it('status query: pending before the citizen pays, then succeeded with the same transaction', async () => {
      const attempt = await hub.begin(amount);
      const query = () =>
        adapter.queryStatus(harness.context(), {
          attemptId: attempt.request.attemptId,
          amount,
          attemptCreatedAt: attempt.request.createdAt,
          description: attempt.request.description,
          clientIp: '10.0.0.1',
        });
      if (!adapter.capabilities.queryStatus) {
        await expect(query()).rejects.toThrow();
        return;
      }
      await harness.opened(attempt);
      expect(await query()).toMatchObject({ attemptId: attempt.request.attemptId, status: 'pending' });
      await harness.pay(attempt, 'succeeded');
      await harness.notify(attempt);
      const notified = hub.deliveriesFor(attempt.request.attemptId).find((d) => d.verdict === 'accepted');
      expect(await query()).toMatchObject({
        status: 'succeeded',
        amount,
        providerTransactionId: notified!.outcome!.providerTransactionId,
      });
    });

    it('refund: up to the amount paid, never past it, never of an unpaid attempt', async () => {
      const { attempt, outcome } = await paid();
      const refund = (of: Attempt, value: string, transaction = outcome.providerTransactionId) =>
        adapter.refund(harness.context(), {
          refundId: newId('re'),
          attemptId: of.request.attemptId,
          amount: value,
          attemptAmount: of.request.amount,
          providerTransactionId: transaction,
          attemptCreatedAt: of.request.createdAt,
          reason: 'Nộp trùng',
          requestedBy: 'usr_conformance',
          clientIp: '10.0.0.1',
        });
      if (!adapter.capabilities.refund) {
        expect((await refund(attempt, amount)).status).toBe('failed');
        return;
      }
      const part = adapter.capabilities.partialRefund ? (BigInt(amount) / 3n).toString() : amount;
      const first = await refund(attempt, part);
      expect(first).toMatchObject({ status: 'succeeded' });
      expect(first.providerRefundId).toBeTruthy();
      expect((await refund(attempt, amount)).status).toBe('failed');
      const unpaid = await hub.begin(amount);
      await harness.pay(unpaid, 'failed');
      expect((await refund(unpaid, amount, undefined)).status).toBe('failed');
    });

    it('settlement: the provider’s file names the paid attempt, its amount and transaction, status normalised', async () => {
      const { attempt, outcome } = await paid();
      const lines = await parsed(adapter, await harness.settlement(outcome.paidAt ?? new Date()));
      const reference =
        adapter.settlementReference === 'provider_reference'
          ? attempt.result.providerReference
          : attempt.request.attemptId;
      const mine = lines.filter((l) => l.merchantReference === reference);
      expect(mine.map((l) => [l.type, l.amount, l.status, l.providerTransactionId])).toEqual([
        ['payment', amount, 'succeeded', outcome.providerTransactionId],
      ]);
      expect(new Set(lines.map((l) => l.lineNo)).size).toBe(lines.length);
    });
  });
}
