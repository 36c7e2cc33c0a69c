// Enhances the bank-transfer and waiting pages; without it they work as they are (selectable
// values, a "check again" link).
(() => {
  const transfer = document.querySelector('.transfer');
  const status = document.querySelector('.copy-status');
  if (transfer && navigator.clipboard) {
    for (const value of document.querySelectorAll('[data-copy]')) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'copy secondary';
      button.textContent = transfer.dataset.copyText;
      const label = document.getElementById(value.dataset.label);
      button.setAttribute('aria-label', `${transfer.dataset.copyText}: ${label ? label.textContent : ''}`);
      button.addEventListener('click', () => {
        navigator.clipboard.writeText(value.dataset.copy).then(() => {
          if (status) status.textContent = `${transfer.dataset.copiedText}: ${value.dataset.copy}`;
        });
      });
      value.after(' ', button);
    }
  }

  // A light status check: the page reloads only once the payment's status has changed.
  const poll = document.querySelector('[data-poll]');
  if (!poll || !window.fetch) return;
  const checking = poll.querySelector('.checking');
  if (checking) checking.hidden = false;
  let delay = 4000;
  const check = () => {
    fetch(poll.dataset.poll, { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then((response) => (response.ok ? response.json() : null))
      .then((body) => {
        if (body && body.status !== poll.dataset.status) window.location.reload();
        else {
          delay = Math.min(delay * 1.5, 30000);
          setTimeout(check, delay);
        }
      })
      .catch(() => setTimeout(check, 30000));
  };
  setTimeout(check, delay);
})();
