/** The transfer reference a VietQR checkout page shows the citizen (the text they copy into the memo). */
export function transferReferenceOn(pageHtml: string): string | undefined {
  return /<strong class="[^"]*transfer-reference"[^>]*>([^<]+)<\/strong>/.exec(pageHtml)?.[1]?.trim();
}
