import type { Mode, Principal } from '../agencies/service.ts';
import type { CatalogItemRow, FieldProblem } from '../catalog/model.ts';
import { itemById } from '../catalog/service.ts';
import type { Db } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { ApiError } from '../http/problem.ts';
import type { PaymentCreate, PaymentsService } from '../payments/service.ts';
import { LinkRefused, linkStatus, type PaymentLinkRow } from './model.ts';
import * as q from './queries.ts';
import { checkAmount, checkName, checkReference } from './rules.ts';
import { nonceOf } from './token.ts';
import type { Lang } from './words.ts';

export interface CitizenDeps {
  db: Db;
  payments: PaymentsService;
  publicUrl: string;
  secretKey: string;
  now: () => Date;
}

export interface OpenLink {
  link: PaymentLinkRow;
  item: CatalogItemRow;
  agencyName: string;
}

/** What the citizen typed (only the fields the link leaves open are read). */
export interface LinkForm {
  reference?: string;
  name?: string;
  amount?: string;
}

const agencyPrincipal = (item: CatalogItemRow, mode: Mode, agencyName: string, actor: string): Principal => ({
  keyId: actor,
  mode,
  agencyId: item.agency_id,
  agencyCode: item.agency_code,
  agencyName,
  returnOrigins: [],
});

export function citizenService(deps: CitizenDeps) {
  const { db, payments } = deps;

  /** The link behind a token, if it may still be paid; otherwise why not. */
  async function open(token: string): Promise<OpenLink> {
    const nonce = nonceOf(deps.secretKey, token);
    if (!nonce) throw new LinkRefused('tampered');
    const link = await q.linkByNonce(db, nonce);
    if (!link) throw new LinkRefused('unknown');
    const status = linkStatus(link, deps.now());
    if (status !== 'active') throw new LinkRefused(status);
    const item = (await itemById(db, link.catalog_item_id))!;
    if (!item.active) throw new LinkRefused('item_inactive');
    const { rows } = await db.query<{ name: string }>('SELECT name FROM agencies WHERE id = $1', [
      link.agency_id,
    ]);
    const opened = { link, item, agencyName: rows[0]!.name };
    if (link.reference) {
      const holder = await holderOf(opened, link.reference);
      if (holder?.status === 'succeeded') throw new LinkRefused('already_paid');
    }
    return opened;
  }

  async function holderOf(opened: OpenLink, reference: string) {
    const principal = agencyPrincipal(opened.item, opened.link.mode, opened.agencyName, opened.link.id);
    const found = await payments.list(principal, { reference, limit: 10 });
    return found.data.find((p) => ['created', 'processing', 'succeeded'].includes(p.status));
  }

  /** The fields the link leaves open, checked; every problem at once. */
  function readForm(opened: OpenLink, form: LinkForm) {
    const { link, item } = opened;
    const problems: FieldProblem[] = [];
    const reference = link.reference ?? checkReference(form.reference, problems);
    const name = link.payer?.name ?? checkName(form.name, problems, 'name');
    const amount = link.amount ?? checkAmount(item, form.amount, problems, { required: true });
    return { problems, reference, name, amount };
  }

  /**
   * Creates the link's payment (an ordinary one, through the payments service) and answers its
   * checkout URL. A retry of the same dossier on the same link goes back to its open payment;
   * a paid dossier, or one another payment holds, is refused.
   */
  async function pay(
    token: string,
    form: LinkForm,
    lang: Lang,
    origin: { ip: string | null; requestId: string | null },
  ): Promise<{ checkoutUrl: string } | { problems: FieldProblem[]; opened: OpenLink }> {
    const opened = await open(token);
    const { link, item } = opened;
    const typed = readForm(opened, form);
    if (typed.problems.length) return { problems: typed.problems, opened };
    const body: PaymentCreate = {
      amount: Number(typed.amount),
      reference: typed.reference,
      description: item.name_vi,
      return_url: `${deps.publicUrl}/l/${token}/done${lang === 'en' ? '?lang=en' : ''}`,
      obligation: { type: item.obligation_type, catalog_code: item.code },
      ...(item.budget ? { budget: { ...item.budget } } : {}),
      payer: { ...(link.payer ?? {}), name: typed.name },
      language: lang,
      metadata: { payment_link: link.id },
    };
    const principal = agencyPrincipal(item, link.mode, opened.agencyName, link.id);
    try {
      const created = await payments.create(principal, body, undefined, {
        ...origin,
        action: 'POST /v1/payments',
        actorType: 'system',
      });
      return { checkoutUrl: (created.body as { checkout_url: string }).checkout_url };
    } catch (error) {
      const refused = error instanceof DomainError || error instanceof ApiError;
      if (!refused || error.code !== 'reference_in_use') throw error;
      const holder = await holderOf(opened, typed.reference);
      if (holder?.status === 'succeeded') throw new LinkRefused('already_paid');
      if (holder && holder.metadata.payment_link === link.id) return { checkoutUrl: holder.checkout_url };
      throw new LinkRefused('reference_in_use');
    }
  }

  return { open, pay };
}

export type CitizenService = ReturnType<typeof citizenService>;
