import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isFinal,
  nextStatus,
  PAYMENT_STATUSES,
  type PaymentEvent,
  type PaymentStatus,
} from '../../src/payments/states.ts';

const EVENTS: PaymentEvent[] = ['attempt_started', 'attempt_failed', 'attempt_succeeded', 'expire', 'cancel'];

describe('payment state machine', () => {
  it('follows DESIGN.md', () => {
    expect(nextStatus('created', 'attempt_started')).toBe('processing');
    expect(nextStatus('processing', 'attempt_failed')).toBe('created');
    expect(nextStatus('processing', 'attempt_succeeded')).toBe('succeeded');
    expect(nextStatus('created', 'cancel')).toBe('cancelled');
    expect(nextStatus('processing', 'cancel')).toBeNull();
    expect(nextStatus('created', 'expire')).toBe('expired');
  });

  it('final statuses never move, whatever happens', () => {
    for (const status of ['succeeded', 'expired', 'cancelled'] as PaymentStatus[]) {
      expect(isFinal(status)).toBe(true);
      for (const event of EVENTS) expect(nextStatus(status, event)).toBeNull();
    }
  });

  it('under any order of events, succeeded happens at most once and nothing follows a final status', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...EVENTS), { maxLength: 40 }), (events) => {
        let status: PaymentStatus = 'created';
        let successes = 0;
        for (const event of events) {
          const next = nextStatus(status, event);
          if (next === null) continue;
          expect(isFinal(status)).toBe(false);
          if (next === 'succeeded') successes++;
          expect(PAYMENT_STATUSES).toContain(next);
          status = next;
        }
        expect(successes).toBeLessThanOrEqual(1);
      }),
    );
  });
});
