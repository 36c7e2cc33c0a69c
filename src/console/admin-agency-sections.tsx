/** The sections of an agency's administration page: API keys, provider settings (write-only), webhook endpoints. */
import { allAdapters } from '../../adapters/index.ts';
import type { apiKeysFor, providerSettingsFor, webhookEndpointsFor } from '../admin/agencies.ts';
import { adminWords } from './admin-text.ts';
import { formatDateTime, type Lang } from './i18n.ts';
import { ErrorSummary, Field, type FieldErrors, PostForm, TableWrap } from './layout.tsx';
import { opsWords } from './ops-text.ts';

type Keys = Awaited<ReturnType<typeof apiKeysFor>>;
type Providers = Awaited<ReturnType<typeof providerSettingsFor>>;
type Endpoints = Awaited<ReturnType<typeof webhookEndpointsFor>>;

function ModeSelect({ lang, id }: { lang: Lang; id: string }) {
  const o = opsWords(lang);
  return (
    <div class="field">
      <label for={id}>{o.mode}</label>
      <select id={id} name="mode">
        <option value="test">{o.modes.test}</option>
        <option value="live">{o.modes.live}</option>
      </select>
    </div>
  );
}

export function KeysSection({
  lang,
  code,
  keys,
  newKey,
}: {
  lang: Lang;
  code: string;
  keys: Keys;
  newKey?: string;
}) {
  const t = adminWords(lang);
  const o = opsWords(lang);
  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">{t.keys}</h2>
      {newKey && (
        <div class="notice" role="status">
          <p>{t.keyShownOnce}</p>
          <p>
            <code class="secret" id="new-key">
              {newKey}
            </code>
          </p>
        </div>
      )}
      {keys.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <TableWrap label={t.keys}>
          <table>
            <caption class="visually-hidden">{t.keys}</caption>
            <thead>
              <tr>
                <th scope="col">{t.hint}</th>
                <th scope="col">{o.mode}</th>
                <th scope="col">{o.created}</th>
                <th scope="col">{o.status}</th>
                <th scope="col">{o.actions}</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td>
                    <code>{k.hint}…</code>
                  </td>
                  <td>{o.modes[k.mode]}</td>
                  <td>{formatDateTime(lang, k.created_at)}</td>
                  <td>{k.revoked_at ? `${t.revoked} ${formatDateTime(lang, k.revoked_at)}` : t.active}</td>
                  <td>
                    {!k.revoked_at && (
                      <PostForm action={`/console/agencies/${code}/keys/${k.id}/revoke`} class="inline">
                        <button type="submit" class="secondary" aria-label={`${t.revoke} ${k.hint}`}>
                          {t.revoke}
                        </button>
                      </PostForm>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <h3>{t.newKey}</h3>
      <PostForm action={`/console/agencies/${code}/keys`}>
        <ModeSelect lang={lang} id="f-key-mode" />
        <button type="submit">{t.newKey}</button>
      </PostForm>
    </section>
  );
}

export function ProvidersSection(props: {
  lang: Lang;
  code: string;
  providers: Providers;
  errors: FieldErrors;
  editing?: string;
}) {
  const t = adminWords(props.lang);
  const configurable = allAdapters().filter((a) => a.credentialNames.length > 0);
  return (
    <section aria-labelledby="providers-title">
      <h2 id="providers-title">{t.providers}</h2>
      <p class="hint">{t.providersHint}</p>
      {configurable.map((adapter) => {
        const stored = props.providers.find((p) => p.provider === adapter.name);
        const errors = props.editing === adapter.name ? props.errors : {};
        return (
          <div key={adapter.name}>
            <h3>{adapter.name}</h3>
            <p>
              {stored
                ? `${t.set}: ${stored.settings.join(', ') || '—'}${stored.missing.length ? ` · ${t.missing}: ${stored.missing.join(', ')}` : ''}`
                : t.notConfigured}
            </p>
            <PostForm action={`/console/agencies/${props.code}/providers/${adapter.name}`}>
              <ErrorSummary errors={errors} />
              {adapter.credentialNames.map((name) => (
                <Field
                  key={name}
                  name={`${adapter.name}-${name}`}
                  label={`${name}${stored?.settings.includes(name) ? ` (${t.set})` : ''}`}
                  type="password"
                  autocomplete="off"
                />
              ))}
              {errors[`${adapter.name}-settings`] && (
                <p class="error-message" id={`f-${adapter.name}-settings`}>
                  {errors[`${adapter.name}-settings`]}
                </p>
              )}
              <button type="submit">
                {t.save} ({adapter.name})
              </button>
            </PostForm>
          </div>
        );
      })}
    </section>
  );
}

export function WebhooksSection(props: {
  lang: Lang;
  code: string;
  endpoints: Endpoints;
  errors: FieldErrors;
  url?: string;
  newSecret?: string;
}) {
  const t = adminWords(props.lang);
  const o = opsWords(props.lang);
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">{t.webhooks}</h2>
      {props.newSecret && (
        <div class="notice" role="status">
          <p>{t.secretShownOnce}</p>
          <p>
            <code class="secret">{props.newSecret}</code>
          </p>
        </div>
      )}
      {props.endpoints.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <ul>
          {props.endpoints.map((e) => (
            <li key={e.id}>
              <code>{e.url}</code> · {o.modes[e.livemode ? 'live' : 'test']} ·{' '}
              {formatDateTime(props.lang, e.created_at)}
              <PostForm action={`/console/agencies/${props.code}/webhooks/${e.id}/disable`} class="inline">
                <button type="submit" class="secondary" aria-label={`${t.remove} ${e.url}`}>
                  {t.remove}
                </button>
              </PostForm>
            </li>
          ))}
        </ul>
      )}
      <h3>{t.newWebhook}</h3>
      <PostForm action={`/console/agencies/${props.code}/webhooks`}>
        <ErrorSummary errors={props.errors} />
        <Field name="url" type="text" label={t.url} value={props.url} error={props.errors.url} />
        <ModeSelect lang={props.lang} id="f-webhook-mode" />
        <button type="submit">{t.newWebhook}</button>
      </PostForm>
    </section>
  );
}
