import { Router } from 'express';
import type { Queryable } from '../db/port.ts';
import { type ConsoleDeps, href, queryOf, staffOfView, viewOf } from './context.ts';
import { sendPage } from './errors.tsx';
import { formatDateTime, type Lang, WORDS, words } from './i18n.ts';
import { ConsolePage, Field, Pager, TableWrap } from './layout.tsx';

const text = words({
  vi: {
    actor: 'Người thực hiện (mã)',
    object: 'Đối tượng (mã)',
    action: 'Thao tác (bắt đầu bằng)',
    filter: 'Lọc',
    at: 'Lúc',
    who: 'Người thực hiện',
    what: 'Thao tác',
    on: 'Đối tượng',
    agency: 'Đơn vị',
    details: 'Chi tiết',
    caption: 'Nhật ký thao tác, mới nhất trước',
  },
  en: {
    actor: 'Actor (id)',
    object: 'Object (id)',
    action: 'Action (starts with)',
    filter: 'Filter',
    at: 'At',
    who: 'Actor',
    what: 'Action',
    on: 'Object',
    agency: 'Agency',
    details: 'Details',
    caption: 'Audit log, newest first',
  },
});

interface AuditRow {
  id: string;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  object_id: string | null;
  agency_code: string | null;
  mode: string | null;
  details: Record<string, unknown> | null;
}

const PAGE_SIZE = 50;

/** Newest first, a page from `after` on; staff of an agency see the records of their agencies. */
async function auditPage(
  db: Queryable,
  scope: string[] | null,
  f: { actor?: string; object?: string; action?: string; after?: string },
) {
  const { rows } = await db.query<AuditRow>(
    `SELECT l.id::text AS id, l.at, l.actor_type, l.actor_id, l.action, l.object_id, a.code AS agency_code,
            l.mode, l.details
       FROM audit_log l LEFT JOIN agencies a ON a.id = l.agency_id
      WHERE ($1::text[] IS NULL OR l.agency_id = ANY ($1::text[]))
        AND ($2::text IS NULL OR l.actor_id = $2)
        AND ($3::text IS NULL OR l.object_id = $3)
        AND ($4::text IS NULL OR l.action LIKE $4 || '%')
        AND ($5::bigint IS NULL OR l.id < $5)
      ORDER BY l.id DESC LIMIT $6`,
    [
      scope,
      f.actor ?? null,
      f.object ?? null,
      f.action?.replace(/[\\%_]/g, (c) => `\\${c}`) ?? null,
      f.after ?? null,
      PAGE_SIZE + 1,
    ],
  );
  return { rows: rows.slice(0, PAGE_SIZE), hasMore: rows.length > PAGE_SIZE };
}

function Rows({ rows, lang }: { rows: AuditRow[]; lang: Lang }) {
  const t = text(lang);
  if (rows.length === 0) return <p>{WORDS[lang].none}</p>;
  return (
    <TableWrap label={t.caption}>
      <table>
        <caption>{t.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t.at}</th>
            <th scope="col">{t.who}</th>
            <th scope="col">{t.what}</th>
            <th scope="col">{t.on}</th>
            <th scope="col">{t.agency}</th>
            <th scope="col">{t.details}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>{formatDateTime(lang, r.at)}</td>
              <td>{`${r.actor_type}${r.actor_id ? ` ${r.actor_id}` : ''}`}</td>
              <td>{r.action}</td>
              <td>{r.object_id ?? '—'}</td>
              <td>{[r.agency_code, r.mode].filter(Boolean).join(' · ') || '—'}</td>
              <td>
                <code>{r.details ? JSON.stringify(r.details) : ''}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** `/console/audit`: the audit log, filtered by actor, object and action. */
export function auditRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  router.get('/audit', async (req, res) => {
    const view = viewOf(res);
    const t = text(view.lang);
    const q = queryOf(req);
    const filters = {
      actor: q.actor?.trim().slice(0, 200) || undefined,
      object: q.object?.trim().slice(0, 200) || undefined,
      action: q.action?.trim().slice(0, 200) || undefined,
    };
    const after = q.after && /^\d{1,18}$/.test(q.after) ? q.after : undefined;
    const page = await auditPage(deps.db, staffOfView(res).scope, { ...filters, after });
    const last = page.rows.at(-1);
    sendPage(
      res,
      <ConsolePage view={view} title={WORDS[view.lang].pages.audit} nav="audit">
        <form method="get" action="/console/audit" class="filters">
          <Field name="actor" label={t.actor} value={filters.actor} />
          <Field name="object" label={t.object} value={filters.object} />
          <Field name="action" label={t.action} value={filters.action} />
          <button type="submit">{t.filter}</button>
        </form>
        <Rows rows={page.rows} lang={view.lang} />
        <Pager
          nextHref={page.hasMore && last ? href('/console/audit', { ...filters, after: last.id }) : null}
          firstHref={after ? href('/console/audit', filters) : undefined}
        />
      </ConsolePage>,
    );
  });
  return router;
}
