/** `/console/users` (admins): staff of their agencies — create, disable, change role or agency. */
import type { Response } from 'express';
import { Router } from 'express';
import { ROLES, type Role } from '../admin/staff.ts';
import { changeUserFor, createUserFor, disableUserFor, listUsersFor } from '../admin/staff-users.ts';
import { adminWords } from './admin-text.ts';
import { type ConsoleDeps, queryOf, staffOfView, viewOf } from './context.ts';
import { sendPage } from './errors.tsx';
import { formatDateTime, type Lang, WORDS } from './i18n.ts';
import {
  ConsolePage,
  ErrorSummary,
  Field,
  type FieldErrors,
  PostForm,
  SelectField,
  TableWrap,
  useWords,
} from './layout.tsx';
import { field, refusalOf } from './ops.tsx';
import { opsWords } from './ops-text.ts';
import { requireRole } from './session.ts';

interface UserInput {
  email: string;
  role: string;
  agency: string;
  hub_wide: boolean;
}

/** A user row's role picker (the new-user form's is a labelled SelectField). */
function RoleSelect({ id, value }: { id: string; value: string }) {
  const w = useWords();
  return (
    <select id={id} name="role">
      <option value="">—</option>
      {ROLES.map((r) => (
        <option value={r} selected={value === r}>
          {w.roles[r]}
        </option>
      ))}
    </select>
  );
}

/** Checks in the page's language first; the service checks again (scope, existing e-mail). */
function checkUser(lang: Lang, input: UserInput, password?: string): FieldErrors {
  const t = adminWords(lang);
  const errors: FieldErrors = {};
  if (password !== undefined && !/^[^@\s]+@[^@\s]+$/.test(input.email.trim())) errors.email = t.emailInvalid;
  if (!ROLES.includes(input.role as Role)) errors.role = t.roleRequired;
  if (input.agency && input.hub_wide) errors.agency = t.agencyAndHub;
  else if (!input.agency && !input.hub_wide && input.role !== 'admin') errors.agency = t.agencyRequired;
  if (password !== undefined && password.length < 12) errors.password = t.passwordShort;
  return errors;
}

/** A service refusal as field errors in the page's language. */
function translated(lang: Lang, error: unknown): FieldErrors {
  const t = adminWords(lang);
  const refusal = refusalOf(lang, error);
  if (refusal.code === 'staff_user_exists') return { email: t.emailTaken };
  if (refusal.code === 'cannot_disable_self' || refusal.code === 'cannot_change_self')
    return { user: t.cannotSelf };
  if (refusal.fields.agency) return { agency: t.agencyUnknown };
  if (refusal.fields.hub_wide) return { agency: t.agencyAndHub };
  if (refusal.fields.password) return { password: t.passwordShort };
  return Object.keys(refusal.fields).length ? refusal.fields : { email: refusal.detail };
}

type UserJson = Awaited<ReturnType<typeof listUsersFor>>[number];

/** Disable, or change role or agency: for a user not disabled. */
function UserActions({ lang, user }: { lang: Lang; user: UserJson }) {
  const t = adminWords(lang);
  return (
    <>
      <PostForm action={`/console/users/${user.id}/disable`} class="inline">
        <button type="submit" class="secondary" aria-label={`${t.disable} ${user.email}`}>
          {t.disable}
        </button>
      </PostForm>
      <details>
        <summary>{t.change}</summary>
        <PostForm action={`/console/users/${user.id}/change`}>
          <label for={`role-${user.id}`}>{t.role}</label>
          <RoleSelect id={`role-${user.id}`} value={user.role} />
          <label for={`agency-${user.id}`}>{t.agency}</label>
          <input id={`agency-${user.id}`} name="agency" value={user.agency ?? ''} />
          <input
            type="checkbox"
            id={`hub-${user.id}`}
            name="hub_wide"
            value="1"
            checked={user.agency === null}
          />
          <label for={`hub-${user.id}`}>{t.hubWide}</label>
          <button type="submit">{t.save}</button>
        </PostForm>
      </details>
    </>
  );
}

function UserTable({ lang, users }: { lang: Lang; users: UserJson[] }) {
  const t = adminWords(lang);
  const o = opsWords(lang);
  const w = WORDS[lang];
  return (
    <TableWrap label={t.users}>
      <table>
        <caption class="visually-hidden">{t.users}</caption>
        <thead>
          <tr>
            <th scope="col">{t.email}</th>
            <th scope="col">{t.role}</th>
            <th scope="col">{o.agency}</th>
            <th scope="col">{o.status}</th>
            <th scope="col">{o.actions}</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.email}</td>
              <td>{w.roles[u.role]}</td>
              <td>{u.agency ?? w.wholeHub}</td>
              <td>{u.disabled_at ? `${t.disabled} ${formatDateTime(lang, u.disabled_at)}` : t.active}</td>
              <td>{!u.disabled_at && <UserActions lang={lang} user={u} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function NewUserForm({ lang, input, errors }: { lang: Lang; input: UserInput; errors: FieldErrors }) {
  const t = adminWords(lang);
  const w = WORDS[lang];
  return (
    <PostForm action="/console/users">
      <Field
        name="email"
        type="email"
        label={t.email}
        value={input.email}
        error={errors.email}
        autocomplete="off"
      />
      <SelectField
        name="role"
        label={t.role}
        value={input.role}
        error={errors.role}
        options={[{ value: '', label: '—' }, ...ROLES.map((r) => ({ value: r, label: w.roles[r] }))]}
      />
      <Field name="agency" label={t.agency} hint={t.agencyHint} value={input.agency} error={errors.agency} />
      <div class="field">
        <input type="checkbox" id="f-hub_wide" name="hub_wide" value="1" checked={input.hub_wide} />
        <label for="f-hub_wide">{t.hubWide}</label>
      </div>
      <Field
        name="password"
        type="password"
        label={t.password}
        hint={t.passwordHint}
        error={errors.password}
        autocomplete="new-password"
      />
      <button type="submit">{t.create}</button>
    </PostForm>
  );
}

/** The staff list and the new-user form, with what was just done or the errors to fix. */
async function showUsers(deps: ConsoleDeps, res: Response, input: UserInput, errors: FieldErrors) {
  const view = viewOf(res);
  const { lang } = view;
  const users = await listUsersFor(deps.db, staffOfView(res));
  const done = queryOf(res.req).done;
  sendPage(
    res,
    <ConsolePage view={view} title={WORDS[lang].pages.users} nav="users">
      {done && (
        <p class="notice" role="status">
          {opsWords(lang).done}
        </p>
      )}
      <ErrorSummary errors={errors} />
      <span id="f-user" />
      <UserTable lang={lang} users={users} />
      <h2>{adminWords(lang).newUser}</h2>
      <NewUserForm lang={lang} input={input} errors={errors} />
    </ConsolePage>,
  );
}

const blank: UserInput = { email: '', role: '', agency: '', hub_wide: false };

const inputOf = (body: unknown): UserInput => ({
  email: field(body, 'email').trim(),
  role: field(body, 'role'),
  agency: field(body, 'agency').trim(),
  hub_wide: field(body, 'hub_wide') === '1',
});

export function userRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  const admin = requireRole('admin');
  const show = (res: Response, input: UserInput, errors: FieldErrors) => showUsers(deps, res, input, errors);

  router.get('/users', admin, (_req, res) => show(res, blank, {}));

  router.post('/users', admin, async (req, res) => {
    const lang = viewOf(res).lang;
    const input = inputOf(req.body);
    const password = field(req.body, 'password');
    const errors = checkUser(lang, input, password);
    if (Object.keys(errors).length > 0) return show(res, input, errors);
    try {
      await createUserFor(deps.db, staffOfView(res), {
        email: input.email,
        role: input.role,
        agency: input.agency || undefined,
        hub_wide: input.hub_wide || undefined,
        password,
      });
    } catch (error) {
      return show(res, input, translated(lang, error));
    }
    res.redirect(303, '/console/users?done=created');
  });

  router.post('/users/:id/disable', admin, async (req, res) => {
    try {
      await disableUserFor(deps.db, staffOfView(res), req.params.id as string);
    } catch (error) {
      return show(res, blank, translated(viewOf(res).lang, error));
    }
    res.redirect(303, '/console/users?done=disabled');
  });

  router.post('/users/:id/change', admin, async (req, res) => {
    const lang = viewOf(res).lang;
    const input = inputOf(req.body);
    const errors = checkUser(lang, input);
    if (Object.keys(errors).length > 0) return show(res, blank, errors);
    try {
      await changeUserFor(deps.db, staffOfView(res), req.params.id as string, {
        role: input.role,
        agency: input.agency || undefined,
        hub_wide: input.hub_wide || undefined,
      });
    } catch (error) {
      return show(res, blank, translated(lang, error));
    }
    res.redirect(303, '/console/users?done=changed');
  });

  return router;
}
