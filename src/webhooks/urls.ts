import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';
import { DomainError } from '../errors.ts';

/** Resolves a host name to every address it has (A and AAAA). Injected in tests. */
export type Resolve = (host: string) => Promise<string[]>;

export const systemResolve: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

const URL_REFUSED = 'webhook_url_not_allowed';

/** A webhook URL refused; `reason` completes "The webhook URL …" and is the url field's message. */
export function urlRefused(reason: string): DomainError {
  return new DomainError(URL_REFUSED, `The webhook URL ${reason}.`, [{ field: 'url', message: reason }]);
}

/** Why a URL was refused, if `error` is such a refusal. */
export function refusalReason(error: unknown): string | undefined {
  if (!(error instanceof DomainError) || error.code !== URL_REFUSED) return undefined;
  return error.fields?.[0]?.message;
}

/**
 * Public unicast only: no private (RFC 1918), loopback, link-local, unique-local (fc00::/7),
 * CGNAT, multicast, unspecified, or other reserved range. IPv4-mapped IPv6 is judged as IPv4.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/**
 * An endpoint URL must be http(s) without credentials, and every address its host resolves to
 * must be public: the hub must not be turned against its own network (SSRF). Live mode also
 * wants https. Only `allowPrivate` (PAYHUB_ALLOW_PRIVATE_WEBHOOKS, for local development) lets
 * a test-mode endpoint target loopback and private addresses. Checked when the endpoint is
 * created and again before each batch of deliveries, since DNS answers can change.
 */
export async function checkEndpointUrl(
  value: string,
  mode: 'test' | 'live',
  resolve: Resolve,
  allowPrivate = false,
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw urlRefused('is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw urlRefused('must be http(s)');
  if (url.username || url.password) throw urlRefused('must not carry credentials');
  if (mode === 'test' && allowPrivate) return url;
  if (mode === 'live' && url.protocol !== 'https:') throw urlRefused('must be https in live mode');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (ipaddr.isValid(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw urlRefused(`host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw urlRefused(`host ${host} does not resolve`);
  const blocked = addresses.find((a) => !isPublicAddress(a));
  if (blocked) throw urlRefused(notPublic(blocked, mode));
  return url;
}

function notPublic(address: string, mode: 'test' | 'live'): string {
  return mode === 'live'
    ? `resolves to ${address}, a private, loopback or reserved address: not allowed in live mode`
    : `resolves to ${address}, a private, loopback or reserved address: not allowed unless PAYHUB_ALLOW_PRIVATE_WEBHOOKS is on`;
}

/**
 * Deliveries held to public addresses dial only addresses found public at connect time: the address checked is the
 * address connected to, so a DNS answer changed after checkEndpointUrl (rebinding) cannot turn a
 * delivery against the hub's own network. IP-literal hosts are checked by checkEndpointUrl alone.
 */
export function publicOnlyAgent(resolve: Resolve, mode: 'test' | 'live' = 'live'): Agent {
  return new Agent({
    connect: {
      lookup(hostname, options, callback) {
        resolve(hostname).then(
          (addresses) => {
            const blocked = addresses.find((a) => !isPublicAddress(a));
            if (addresses.length === 0 || blocked) {
              callback(
                urlRefused(blocked ? notPublic(blocked, mode) : `host ${hostname} does not resolve`),
                '',
                4,
              );
              return;
            }
            const found = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
            if (options.all) (callback as (e: null, all: typeof found) => void)(null, found);
            else callback(null, found[0]!.address, found[0]!.family);
          },
          (error: NodeJS.ErrnoException) => callback(error, '', 4),
        );
      },
    },
  });
}
