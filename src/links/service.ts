import QRCode from 'qrcode';
import type { Staff } from '../admin/staff.ts';
import type { Mode } from '../agencies/service.ts';
import { audit } from '../audit/service.ts';
import { type CatalogItemRow, catalogErrors, type FieldProblem } from '../catalog/model.ts';
import { problem } from '../catalog/validation.ts';
import { ulid } from '../ids.ts';
import { type BulkOptions, bulkCreate } from './bulk.ts';
import type { LinksDeps, PaymentLinkRow } from './model.ts';
import * as q from './queries.ts';
import { checkAmount, checkExpiry, checkPayer, checkReference, linkableItem, linkWriter } from './rules.ts';
import { newNonce, tokenFor } from './token.ts';

export interface LinkCreate {
  catalog_item: string;
  reusable?: boolean;
  amount?: unknown;
  reference?: unknown;
  payer?: unknown;
  expires_at?: string;
  mode?: Mode;
}

export function linksService(deps: LinksDeps) {
  const { db, publicUrl, secretKey } = deps;
  const now = deps.now ?? (() => new Date());
  const linkDeps = { ...deps, now };
  const urlOf = (link: Pick<PaymentLinkRow, 'nonce'>) => `${publicUrl}/l/${tokenFor(secretKey, link.nonce)}`;

  /** The fields of one link, checked against its item; throws with every problem at once. */
  function checkLink(item: CatalogItemRow, input: LinkCreate) {
    const problems: FieldProblem[] = [];
    const reusable = input.reusable === true;
    let reference: string | null = null;
    let payer = null;
    if (reusable) {
      if (input.reference !== undefined && input.reference !== '')
        problems.push(
          problem('reference', 'reusable_reference', 'is typed by each citizen on a reusable link'),
        );
      if (input.payer !== undefined)
        problems.push(problem('payer', 'reusable_payer', 'is typed by each citizen on a reusable link'));
    } else {
      reference = checkReference(input.reference, problems);
      payer = checkPayer(input.payer, problems);
    }
    const amount = checkAmount(item, input.amount, problems, { required: !reusable });
    const expiresAt = checkExpiry(input.expires_at, now(), problems);
    if (problems.length) throw catalogErrors.invalid('The link has invalid fields.', problems);
    return { reusable, reference, payer, amount, expires_at: expiresAt };
  }

  async function create(staff: Staff, input: LinkCreate) {
    linkWriter(staff);
    const row = await db.transaction(async (tx) => {
      const item = await linkableItem(tx, staff, input.catalog_item);
      const fields = checkLink(item, input);
      const link: q.NewLink = {
        id: `plk_${ulid()}`,
        agency_id: item.agency_id,
        catalog_item_id: item.id,
        mode: input.mode ?? 'live',
        nonce: newNonce(),
        ...fields,
        created_by: staff.id,
      };
      await q.insertLinks(tx, [link]);
      await audit(tx, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'payment_links.create',
        objectType: 'payment_link',
        objectId: link.id,
        agencyId: item.agency_id,
        mode: link.mode,
        details: {
          catalog_item: item.id,
          reusable: link.reusable,
          reference: link.reference,
          amount: link.amount,
        },
      });
      return (await q.linkInScope(tx, null, link.id))!;
    });
    const url = urlOf(row);
    return {
      row,
      url,
      qrPng: await QRCode.toBuffer(url, { errorCorrectionLevel: 'M', margin: 2, width: 320 }),
    };
  }

  async function deactivate(staff: Staff, id: string) {
    linkWriter(staff);
    return db.transaction(async (tx) => {
      const link = await q.linkInScope(tx, staff.scope, id, true);
      if (!link) throw catalogErrors.notFound(`No such payment link: '${id}'.`);
      if (await q.deactivate(tx, id))
        await audit(tx, {
          actorType: 'staff',
          actorId: staff.id,
          action: 'payment_links.deactivate',
          objectType: 'payment_link',
          objectId: id,
          agencyId: link.agency_id,
          mode: link.mode,
        });
      return (await q.linkInScope(tx, null, id))!;
    });
  }

  const list = (staff: Staff, filter: { after?: string; limit: number; mode?: string }) =>
    q.listLinks(db, staff.scope, filter);
  const get = (staff: Staff, id: string) => q.linkInScope(db, staff.scope, id);
  const paymentsOf = (link: PaymentLinkRow) => q.paymentsOfLink(db, link.id);
  const qrPng = (link: Pick<PaymentLinkRow, 'nonce'>) =>
    QRCode.toBuffer(urlOf(link), { margin: 2, width: 320 });

  const bulk = (staff: Staff, options: BulkOptions, csv: string) => bulkCreate(linkDeps, staff, options, csv);

  return { create, deactivate, list, get, paymentsOf, urlOf, qrPng, bulk, now, deps: linkDeps };
}

export type LinksService = ReturnType<typeof linksService>;
