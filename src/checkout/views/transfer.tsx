import { formatVnd } from '../../money.ts';
import { type Lang, TEXT } from '../i18n.ts';
import type { TransferView } from '../transfer.ts';

/** One value a citizen types into a banking app: selectable text, and a copy button once the script runs. */
function Copyable({ id, label, value, shown }: { id: string; label: string; value: string; shown?: string }) {
  return (
    <>
      <dt id={`${id}-label`}>{label}</dt>
      <dd>
        <span class={`copyable ${id}`} data-copy={value} data-label={`${id}-label`}>
          {shown ?? value}
        </span>
      </dd>
    </>
  );
}

/**
 * A bank-transfer attempt waiting for the money: the details to type first (a phone cannot scan its
 * own screen), then the QR, which sits beside them on a wide screen; a download of the QR as PNG for
 * a banking app's "scan from image".
 */
export function TransferSection(p: {
  lang: Lang;
  token: string;
  transfer: TransferView;
  playCredit?: boolean;
}) {
  const t = TEXT[p.lang];
  const v = p.transfer;
  return (
    <section
      class="transfer"
      aria-labelledby="transfer-title"
      data-copy-text={t.copy}
      data-copied-text={t.copied}
    >
      <h2 id="transfer-title">{t.transferTitle}</h2>
      <p class="transfer-steps">{t.transferSteps}</p>
      <div class="transfer-grid">
        <div class="transfer-manual">
          <h3>{t.transferManual}</h3>
          <dl class="transfer-details">
            <dt>{t.transferBank}</dt>
            <dd>{v.bankName}</dd>
            <Copyable id="account" label={t.transferAccountNo} value={v.accountNo} />
            <dt>{t.transferAccountName}</dt>
            <dd>{v.accountName}</dd>
            <Copyable id="money" label={t.transferAmount} value={v.amount} shown={formatVnd(v.amount)} />
            <dt id="reference-label">{t.transferReference}</dt>
            <dd>
              <strong
                class="copyable transfer-reference"
                data-copy={v.reference}
                data-label="reference-label"
              >
                {v.reference}
              </strong>
            </dd>
          </dl>
          <p class="copy-status" aria-live="polite" />
        </div>
        <figure class="qr">
          <img src={v.qrDataUrl} width={v.qrSize} height={v.qrSize} alt={t.transferQrAlt(v.reference)} />
          <figcaption>
            <a
              class="button secondary"
              href={`/checkout/${p.token}/qr.png`}
              download={`vietqr-${v.reference}.png`}
            >
              {t.saveQr}
            </a>
          </figcaption>
        </figure>
      </div>
      <p class="notice">{t.transferNote}</p>
      {p.playCredit ? (
        <form class="play-credit" method="post" action={`/checkout/${p.token}/test-bank-credit`}>
          <button type="submit" class="secondary">
            {t.playCredit}
          </button>
          <p class="hint">{t.playCreditHint}</p>
        </form>
      ) : null}
    </section>
  );
}
