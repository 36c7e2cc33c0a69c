-- The settlement report reads one business day out of the whole history: the day's bank credits
-- (its open breaks and statements), the refund a refund line names, and the refunds still unsettled.
CREATE INDEX bank_credits_booked ON bank_credits (booked_at);
CREATE INDEX refunds_provider_refund ON refunds (provider, provider_refund_id) WHERE provider_refund_id IS NOT NULL;
CREATE INDEX refunds_unsettled ON refunds (id) WHERE status IN ('pending', 'failed');
