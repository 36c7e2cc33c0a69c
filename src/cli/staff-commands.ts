import fs from 'node:fs';
import { createStaffUser, listStaffUsers, scopeChoiceMissing } from '../admin/staff.ts';
import { agencyByCode } from '../agencies/service.ts';
import { cancelReceipt, configureReceiptSigner } from '../receipts/service.ts';
import { loadSecretKey, sealer } from '../secrets.ts';
import { type CommandSpec, columns, day, readPassword, required, UsageError } from './spec.ts';

/** Staff accounts, and the receipts staff sign and cancel: the commands that read a secret on stdin. */
export const STAFF_COMMANDS: Record<string, CommandSpec> = {
  'users:create': {
    description: 'create a staff account (password on stdin, or typed without echo)',
    options: [
      ['--email <E>', 'e-mail address (the login)'],
      ['--role <finance|auditor|admin>', 'role'],
      ['--agency <C>', 'agency code (finance and auditor staff need one, or --hub-wide)'],
      ['--hub-wide', 'the account sees the whole hub'],
    ],
    async run(db, options) {
      const email = required(options, 'email');
      const role = required(options, 'role');
      const agencyCode = options.agency as string | undefined;
      const hubWide = options.hubWide === true;
      if (agencyCode && hubWide) throw new UsageError('give --agency or --hub-wide, not both');
      if (scopeChoiceMissing({ role, agencyCode, hubWide }))
        throw new UsageError(`a ${role} user needs --agency C, or --hub-wide to see the whole hub`);
      const user = await createStaffUser(db, {
        email,
        role,
        agencyCode,
        password: await readPassword(),
      });
      return {
        json: { ...user },
        text: `created ${user.role} ${user.email} (${user.id}) for ${user.agency ?? 'the whole hub'}`,
      };
    },
  },
  'users:list': {
    description: 'list staff accounts',
    options: [],
    readOnly: true,
    async run(db) {
      const rows = await listStaffUsers(db, null);
      const data = rows.map((u) => ({
        id: u.id,
        email: u.email,
        role: u.role,
        agency: u.agency_code,
        disabled_at: u.disabled_at ? day(u.disabled_at) : null,
      }));
      return {
        json: { data },
        text: columns([
          ['email', 'role', 'agency', 'disabled', 'id'],
          ...data.map((u) => [u.email, u.role, u.agency ?? '(hub)', u.disabled_at ?? '', u.id]),
        ]),
      };
    },
  },
  'receipts:configure': {
    description: "sign an agency's receipts with its certificate (the PKCS#12 password on stdin)",
    options: [
      ['--agency <C>', 'agency code'],
      ['--p12 <FILE>', 'PKCS#12 file with the certificate and its key'],
    ],
    async run(db, options, config) {
      const agency = await agencyByCode(db, required(options, 'agency'));
      const file = required(options, 'p12');
      let p12: Buffer;
      try {
        p12 = fs.readFileSync(file);
      } catch (error) {
        throw new UsageError(`--p12: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
      }
      const password = await readPassword();
      const { subject } = await configureReceiptSigner(db, sealer(loadSecretKey(config)), agency.id, {
        p12,
        password,
      });
      return {
        json: { id: agency.id, agency: agency.code, subject },
        text: `${agency.code}'s receipts are now signed by "${subject}"`,
      };
    },
  },
  'receipts:cancel': {
    description: 'cancel an issued receipt (its verification page then says so)',
    options: [
      ['--agency <C>', 'agency code'],
      ['--series <S>', 'receipt series, e.g. PH-26E'],
      ['--number <N>', 'receipt number'],
      ['--reason <R>', 'why it is cancelled'],
    ],
    async run(db, options) {
      const agency = await agencyByCode(db, required(options, 'agency'));
      const number = required(options, 'number');
      if (!/^\d{1,9}$/.test(number)) throw new UsageError('--number must be the receipt number, digits only');
      const series = required(options, 'series');
      const cancelled = await cancelReceipt(db, {
        agencyId: agency.id,
        series,
        number: Number(number),
        reason: required(options, 'reason'),
      });
      return {
        json: {
          id: cancelled.payment_id,
          series,
          number: Number(number),
          cancelled_at: cancelled.cancelled_at,
        },
        text: `cancelled receipt ${series} ${number.padStart(7, '0')} (payment ${cancelled.payment_id})`,
      };
    },
  },
};
