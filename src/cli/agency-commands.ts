import type { AgencyRow } from '../agencies/model.ts';
import {
  createAgency,
  createApiKey,
  listAgencies,
  listApiKeys,
  revokeApiKey,
  setAgencyContact,
} from '../agencies/service.ts';
import { type CommandSpec, columns, day, mode, type Options, required } from './spec.ts';

const contactOptions = (options: Options) => ({
  phone: options.phone as string | undefined,
  email: options.email as string | undefined,
  website: options.website as string | undefined,
});

const contactJson = (agency: AgencyRow) => ({
  contact_phone: agency.contact_phone,
  contact_email: agency.contact_email,
  contact_website: agency.contact_website,
});

/** Agencies (the tenants) and their API keys. */
export const AGENCY_COMMANDS: Record<string, CommandSpec> = {
  'agencies:create': {
    description: 'create an agency (a tenant)',
    options: [
      ['--code <C>', 'agency code, e.g. SOTP-HN'],
      ['--name <N>', 'display name'],
      ['--parent <C>', "parent agency's code"],
      ['--return-origins <o1,o2>', 'origins return_url may point to'],
      ['--tax-code <T>', 'tax code (mã số thuế), printed on receipts'],
      ['--address <A>', 'address, printed on receipts'],
      ['--phone <P>', 'contact phone shown to citizens on its checkout pages'],
      ['--email <E>', 'contact e-mail shown to citizens'],
      ['--website <U>', 'contact website (http(s) URL) shown to citizens'],
    ],
    async run(db, options) {
      const origins =
        typeof options.returnOrigins === 'string' ? options.returnOrigins.split(',').filter(Boolean) : [];
      const agency = await createAgency(db, {
        code: required(options, 'code'),
        name: required(options, 'name'),
        parentCode: options.parent as string | undefined,
        returnOrigins: origins,
        taxCode: options.taxCode as string | undefined,
        address: options.address as string | undefined,
        contact: contactOptions(options),
      });
      return {
        json: {
          id: agency.id,
          code: agency.code,
          name: agency.name,
          parent_id: agency.parent_id,
          return_origins: agency.return_origins,
          tax_code: agency.tax_code,
          address: agency.address,
          ...contactJson(agency),
        },
        text: `created agency ${agency.code} (${agency.id})`,
      };
    },
  },
  'agencies:contact': {
    description: "set how citizens reach an agency (shown on its checkout pages); '' clears a field",
    options: [
      ['--code <C>', 'agency code'],
      ['--phone <P>', 'contact phone'],
      ['--email <E>', 'contact e-mail'],
      ['--website <U>', 'contact website (http(s) URL)'],
    ],
    async run(db, options) {
      const agency = await setAgencyContact(db, required(options, 'code'), contactOptions(options));
      return {
        json: { code: agency.code, ...contactJson(agency) },
        text: `contact of ${agency.code}: ${[agency.contact_phone, agency.contact_email, agency.contact_website].filter(Boolean).join(' · ') || 'none'}`,
      };
    },
  },
  'agencies:list': {
    description: 'list every agency',
    options: [],
    readOnly: true,
    async run(db) {
      const rows = await listAgencies(db);
      const data = rows.map((a) => ({
        id: a.id,
        code: a.code,
        name: a.name,
        parent: a.parent_code,
        return_origins: a.return_origins,
      }));
      return {
        json: { data },
        text: columns([
          ['code', 'name', 'parent', 'id'],
          ...data.map((a) => [a.code, a.name, a.parent ?? '', a.id]),
        ]),
      };
    },
  },
  'keys:create': {
    description: 'create an API key for an agency (shown once)',
    options: [
      ['--agency <C>', 'agency code'],
      ['--mode <test|live>', 'test (default) or live'],
    ],
    async run(db, options) {
      const keyMode = mode(options);
      const { id, key } = await createApiKey(db, required(options, 'agency'), keyMode);
      return { json: { id, key, mode: keyMode }, text: `${key}\n(key ${id}; shown once — store it now)` };
    },
  },
  'keys:list': {
    description: "list an agency's API keys (ids and hints, never the key)",
    options: [['--agency <C>', 'agency code']],
    readOnly: true,
    async run(db, options) {
      const rows = await listApiKeys(db, required(options, 'agency'));
      const data = rows.map((k) => ({
        id: k.id,
        mode: k.mode,
        hint: k.hint,
        created_at: day(k.created_at),
        revoked_at: k.revoked_at ? day(k.revoked_at) : null,
      }));
      return {
        json: { data },
        text: columns([
          ['id', 'mode', 'hint', 'created', 'revoked'],
          ...data.map((k) => [k.id, k.mode, k.hint, k.created_at, k.revoked_at ?? '']),
        ]),
      };
    },
  },
  'keys:revoke': {
    description: 'revoke an API key (ids: keys:list)',
    options: [['--id <key_…>', 'key id']],
    async run(db, options) {
      const id = required(options, 'id');
      await revokeApiKey(db, id);
      return { json: { id, revoked: true }, text: `revoked ${id}` };
    },
  },
};
