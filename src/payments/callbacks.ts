/**
 * Provider callbacks: the server-to-server notification and the citizen's browser coming back
 * (routes in callback-routes.ts). The adapter, looked up once by the route, is handed down; it
 * reads the callback's fields once (readCallback), and verifies those; what it verifies is
 * applied by notifications.ts.
 */
import type { HttpReply, InboundRequest, ProviderAdapter } from '../../adapters/types.ts';
import * as aq from './attempt-queries.ts';
import { type NotificationDeps, receive } from './notifications.ts';

/** A notification: read once, verified, idempotent, answered in the provider's own format. */
export async function notify(
  deps: NotificationDeps,
  adapter: ProviderAdapter,
  request: InboundRequest,
): Promise<HttpReply> {
  const callback = adapter.readCallback(request);
  if (!callback) return adapter.notificationReply('invalid_signature');
  try {
    return adapter.notificationReply(
      await receive(deps, adapter, callback.attemptId, (ctx) => adapter.verifyNotification(ctx, callback)),
    );
  } catch {
    return adapter.notificationReply('error');
  }
}

/** The browser comes back: a verified outcome is applied like a notification; the checkout page's path. */
export async function returned(
  deps: NotificationDeps,
  adapter: ProviderAdapter,
  request: InboundRequest,
): Promise<string | null> {
  const callback = adapter.readCallback(request);
  if (!callback) return null;
  const { attemptId } = callback;
  const verdict = await receive(deps, adapter, attemptId, (ctx) => adapter.verifyReturn(ctx, callback));
  if (verdict === 'not_found' || verdict === 'invalid_signature') return null;
  const token = (await aq.checkoutTokenOfAttempt(deps.db, attemptId)).rows[0]!.checkout_token;
  return `/checkout/${token}`;
}
