import { VN_TIME_ZONE } from '../dates.ts';
import { type Lang, TEXT } from './i18n.ts';

const locale = (lang: Lang) => (lang === 'vi' ? 'vi-VN' : 'en-GB');

export const dateTime = (lang: Lang, at: Date) =>
  new Intl.DateTimeFormat(locale(lang), {
    timeZone: VN_TIME_ZONE,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);

/** 02/12/2026 in Vietnamese, 2 December 2026 in English (a bare 02/12 reads as 12 February to some). */
const longDate = (lang: Lang, at: Date) =>
  new Intl.DateTimeFormat(locale(lang), {
    timeZone: VN_TIME_ZONE,
    day: lang === 'vi' ? '2-digit' : 'numeric',
    month: lang === 'vi' ? '2-digit' : 'long',
    year: 'numeric',
  }).format(at);

const clock = (at: Date) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: VN_TIME_ZONE, hour: '2-digit', minute: '2-digit' }).format(at);

/**
 * "Pay by": a deadline at local midnight is the end of the day before (people read "03/12, 00:00"
 * as a day too late); any other is a time on a day.
 */
export function deadline(lang: Lang, at: Date): string {
  const t = TEXT[lang];
  const time = clock(at);
  if (time === '00:00') return t.endOfDay(longDate(lang, new Date(at.getTime() - 1)));
  return t.beforeTime(time, longDate(lang, at));
}

/** The agency's initials for its emblem when it has none: "Sở Tư pháp tỉnh Mẫu" → "STM". */
export function initials(name: string): string {
  const words = name
    .replace(/\(.*?\)/g, ' ')
    .split(/\s+/)
    .filter((w) => /^\p{Lu}/u.test(w));
  // Bare letters, as seals print them: "Ủy" gives U (Đ stays Đ: it is a letter of its own).
  const letters = (words.length ? words : name.split(/\s+/)).map((w) =>
    w[0]!.toUpperCase().normalize('NFD').replace(/\p{M}/gu, ''),
  );
  return letters.slice(0, 3).join('') || '?';
}
