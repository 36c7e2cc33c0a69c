import { execFileSync } from 'node:child_process';

/** The text of a PDF as `pdftotext -layout` reads it (poppler-utils): what a reader of the file sees. */
export function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', '-', '-'], { input: pdf }).toString('utf8');
}
