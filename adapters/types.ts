/**
 * The provider interface every adapter implements. Everything about one provider (request and
 * response mapping, signatures, settlement parsing) lives in its folder; src/ never names one.
 * Amounts cross this boundary as decimal strings of whole đồng ("150000"), never JS numbers.
 */

/** Per-agency credentials, decrypted, by the names of DESIGN.md (vnpay tmn_code, hash_secret, …). */
export type Credentials = Readonly<Record<string, string>>;

export interface ProviderContext {
  credentials: Credentials;
  /** Base URL of this hub (PUBLIC_URL), for return and notify URLs. */
  publicUrl: string;
  mode: 'test' | 'live';
  /** Injected clock, so tests can pin dates (VNPay's vnp_CreateDate, MoMo's requestId…). */
  now: () => Date;
  /** A per-hub secret, for adapters that sign their own pages (the sandbox). */
  signingSecret?: string;
  /** Durable key-value state of this provider, shared by every hub instance. */
  state?: ProviderState;
}

export interface ProviderState {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
}

export interface CheckoutRequest {
  /** The hub's attempt id: sent as the provider's order reference (vnp_TxnRef, MoMo orderId). */
  attemptId: string;
  amount: string;
  /** Human description; adapters strip what their provider refuses (VNPay: no diacritics). */
  description: string;
  language: 'vi' | 'en';
  /** Where the provider sends the citizen's browser back: `${publicUrl}/return/<provider>`. */
  returnUrl: string;
  /** Where the provider posts its server-to-server notification: `${publicUrl}/notify/<provider>`. */
  notifyUrl: string;
  clientIp: string;
  createdAt: Date;
  expiresAt: Date;
}

export type CheckoutResult =
  /** Send the citizen's browser here (303). */
  | { kind: 'redirect'; url: string; providerReference?: string }
  /** Show a page of the hub's own (VietQR): the adapter supplies what it shows. */
  | { kind: 'page'; view: string; data: Record<string, unknown>; providerReference?: string };

export type OutcomeStatus = 'succeeded' | 'failed' | 'pending';

/** What a provider says about one attempt, after its signature was checked. */
export interface ProviderOutcome {
  attemptId: string;
  status: OutcomeStatus;
  /** The amount the provider reports, in đồng (VNPay's ×100 already undone). */
  amount: string;
  providerTransactionId?: string;
  paidAt?: Date;
  /** Provider's own code and message for a failure (or for a pending state). */
  failure?: { code: string; message: string };
  /** The provider's fields as received, for the attempt's record. */
  raw: Record<string, unknown>;
}

/** An inbound HTTP call from the provider or the citizen's browser, as the adapter needs it. */
export interface InboundRequest {
  method: string;
  query: Record<string, string>;
  body: unknown;
  headers: Record<string, string | undefined>;
  rawBody?: Buffer;
}

/** The hub's verdict on a notification, which the adapter turns into the provider's reply format. */
export type NotificationVerdict =
  | 'accepted'
  | 'already_processed'
  | 'invalid_signature'
  | 'not_found'
  | 'amount_mismatch'
  | 'error';

export interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface RefundRequest {
  refundId: string;
  attemptId: string;
  amount: string;
  /** The attempt's original amount: a refund of all of it is "full" for providers that care. */
  attemptAmount: string;
  providerTransactionId?: string;
  /** When the attempt was created at the provider (VNPay's vnp_TransactionDate). */
  attemptCreatedAt: Date;
  reason: string;
  requestedBy: string;
  clientIp: string;
  /**
   * Set when this refund was sent before without a final answer (no answer at all, or "under way"):
   * the provider may already hold it, so an adapter that can look first does so rather than send it
   * twice.
   */
  previousTry?: {
    /** The provider's number for this refund, if an earlier answer gave one. */
    providerRefundId: string | null;
    /** When the hub first asked for this refund. */
    firstSentAt: Date;
    /** The provider's numbers of the attempt's other refunds: a record with one of them is not this one. */
    otherProviderRefundIds: string[];
  };
}

export interface RefundOutcome {
  status: 'succeeded' | 'failed' | 'pending';
  providerRefundId?: string;
  failure?: { code: string; message: string };
  raw: Record<string, unknown>;
}

export interface QueryRequest {
  attemptId: string;
  amount: string;
  attemptCreatedAt: Date;
  description: string;
  providerTransactionId?: string;
  clientIp: string;
}

export type SettlementLineType = 'payment' | 'refund' | 'credit' | 'debit';

/** One line of a provider's settlement file (format-neutral: CSV, camt.053…). */
export interface SettlementLine {
  lineNo: number;
  providerTransactionId: string;
  /** The hub's attempt id as the provider echoes it (vnp_TxnRef, orderId, transfer reference). */
  merchantReference: string;
  /**
   * payment/refund: the hub's own money, matched against attempts and refunds. credit: money in
   * that names no payment (a bank's interest); debit: money out of the account (a bank's fee, a
   * transfer out). Credits and debits have no merchant reference and are reported, not matched.
   */
  type: SettlementLineType;
  amount: string;
  fee: string;
  status: string;
  occurredAt: Date;
}

/** One movement a provider settles: a succeeded attempt, or a succeeded refund. */
export interface SettlementMovement {
  type: 'payment' | 'refund';
  /** The provider's own transaction (or refund) number. */
  transactionId: string;
  /** The hub's attempt id for a payment, its refund id for a refund (what the file echoes). */
  reference: string;
  amount: string;
  occurredAt: Date;
}

export interface ProviderLimits {
  minAmount: string;
  maxAmount: string;
}

/** What the hub lends an adapter that serves pages of its own (the sandbox's "bank" pages). */
export interface AdapterHost {
  /** The adapter's context for an attempt, or null for an unknown attempt. */
  contextForAttempt(attemptId: string): Promise<ProviderContext | null>;
  /** Hands a notification to the hub exactly as if it had arrived at /notify/<provider>. */
  deliverNotification(provider: string, request: InboundRequest): Promise<HttpReply>;
}

/**
 * A callback (the browser's return or the server-to-server notification), read once from its
 * request: the attempt it claims to be about, read WITHOUT trusting it (the hub uses it only to
 * find the agency whose credentials then verify the signature), and the fields the provider
 * sent, in the adapter's own parsed shape, which nothing outside the adapter reads.
 */
export interface ProviderCallback<Fields = unknown> {
  readonly attemptId: string;
  readonly fields: Fields;
}

/** `Fields`: the shape of the adapter's parsed callbacks (ProviderCallback), its own business. */
export interface ProviderAdapter<Fields = unknown> {
  readonly name: string;
  /** Offered only with test keys (the sandbox). */
  readonly testOnly?: boolean;
  /** Pages the adapter serves under /<name>/ (an Express router), if it has any. */
  routes?(host: AdapterHost): import('express').Router;
  /**
   * Settles an attempt without a browser, as the provider's test tools would (Stripe-style test
   * helpers): only adapters that can (the sandbox) implement it.
   */
  completeForTest?(
    host: AdapterHost,
    ctx: ProviderContext,
    attempt: { id: string; amount: string },
    outcome: string,
  ): Promise<void>;
  /**
   * The settlement file the provider would send for these movements, in the layout its
   * parseSettlement reads: only a simulated provider (the sandbox) writes its own.
   */
  settlementFile?(movements: readonly SettlementMovement[]): string;
  /** Shown to the citizen on the checkout page. */
  readonly displayName: { vi: string; en: string };
  readonly limits: ProviderLimits;
  readonly capabilities: { refund: boolean; partialRefund: boolean; queryStatus: boolean };
  /** Credential names accepted by `payhub providers:configure --set name=value`. */
  readonly credentialNames: readonly string[];
  /** Names that must be present before the method is offered. */
  readonly requiredCredentials: readonly string[];

  createCheckout(ctx: ProviderContext, request: CheckoutRequest): Promise<CheckoutResult>;

  /**
   * A callback's fields and the attempt they claim, read once and WITHOUT trusting them: the hub
   * uses the attempt only to find the agency whose credentials then verify the signature. Null
   * when the request is not a callback of this provider (no attempt id it could have sent).
   */
  readCallback(request: InboundRequest): ProviderCallback<Fields> | null;

  /** Checks the signed browser return read by readCallback; null when the signature does not verify. */
  verifyReturn(ctx: ProviderContext, callback: ProviderCallback<Fields>): ProviderOutcome | null;

  /** Checks the server-to-server notification (IPN) read by readCallback; null when the signature does not verify. */
  verifyNotification(ctx: ProviderContext, callback: ProviderCallback<Fields>): ProviderOutcome | null;

  /** The reply body and status the provider expects for the hub's verdict. */
  notificationReply(verdict: NotificationVerdict): HttpReply;

  /** Asks the provider for the attempt's outcome (lost-notification recovery). */
  queryStatus(ctx: ProviderContext, request: QueryRequest): Promise<ProviderOutcome>;

  refund(ctx: ProviderContext, request: RefundRequest): Promise<RefundOutcome>;

  parseSettlement(input: AsyncIterable<Buffer | string>): AsyncIterable<SettlementLine>;
  /**
   * What a settlement line's merchantReference names: the attempt id the provider echoes
   * (default), or the attempt's provider reference (a bank transfer's reference, copied from the
   * memo), in which case the line's providerTransactionId must also be the one the attempt was
   * paid with.
   */
  readonly settlementReference?: 'attempt_id' | 'provider_reference';

  /** Providers paid by bank transfer (VietQR): confirmed from the bank's side, not by the provider. */
  readonly bankTransfer?: BankTransferSupport;
}

/** A credit to the agency's collection account, as a bank feed or statement reports it. */
export interface BankCredit {
  accountNo: string;
  /** Whole đồng, plain digits. */
  amount: string;
  currency: string;
  /** The transfer memo (remittance information) as the payer's bank wrote it. */
  memo: string;
  /** The bank's own reference of the credit: the key that makes every source idempotent. */
  bankReference: string;
  bookedAt: Date;
  payerName?: string;
  raw: Record<string, unknown>;
}

/** What a streamed statement yields: its header first, then each booked credit and debit. */
export type StatementItem =
  | { type: 'statement'; kind: 'camt.053' | 'camt.054'; messageId: string; accountNo: string }
  | { type: 'credit'; credit: BankCredit }
  /** Money out of the account (bank fees, transfers out): the same fields, memo as the bank wrote it. */
  | { type: 'debit'; debit: BankCredit };

/** Why a pushed bank-feed call was refused. */
export type FeedRejection = 'invalid_signature' | 'stale_timestamp' | 'invalid_body';

export interface BankTransferSupport {
  /** The collection account the agency's credentials name. */
  accountOf(credentials: Credentials): string | undefined;
  /** Whether these credentials can verify a pushed feed call at all (a feed secret is set). */
  feedConfigured(credentials: Credentials): boolean;
  /** The account a feed call is about, read WITHOUT trusting it (to find whose secret verifies it). */
  feedAccountOf(request: InboundRequest): string | null;
  /** Verifies a pushed credit notification against the agency's credentials, at `now`. */
  verifyFeed(
    credentials: Credentials,
    request: InboundRequest,
    now: Date,
  ): { credit: BankCredit } | { rejected: FeedRejection; detail: string };
  /** Streams a statement file; throws a clear Error on anything it will not take (all or nothing). */
  parseStatement(input: AsyncIterable<Buffer | string>): AsyncIterable<StatementItem>;
  /** Transfer references found in a memo, most plausible first, in the form the attempt stores. */
  referencesIn(memo: string): string[];
  /**
   * Test mode: the signed feed call the bank would push for a credit, so a tester can play it
   * through the same verification; null when the credentials have no feed secret.
   */
  testFeedCall?(
    credentials: Credentials,
    credit: { amount: string; reference: string; bankReference: string; bookedAt: Date },
  ): InboundRequest | null;
}
