/**
 * The drop folder: where a bank's SFTP delivery (or an operator) leaves camt.053/camt.054 files.
 * Each file is claimed by renaming it into processing/ (atomic, so two hub instances never take
 * the same file), taken in whole or not at all, then moved to processed/, or to rejected/ with a
 * `<name>.error.txt` saying why. A file left in processing/ by a crash is taken again later.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DomainError } from '../errors.ts';
import { type BankService, bankAdapters } from './service.ts';

/** A claim older than this was left by a crash (a 256 MB file is taken in well under this). */
const STALE_CLAIM_MS = 15 * 60_000;

export interface DropResult {
  processed: string[];
  rejected: { file: string; reason: string }[];
}

async function freeName(dir: string, name: string): Promise<string> {
  for (let n = 0; ; n++) {
    const candidate = path.join(dir, n === 0 ? name : `${name}.${n}`);
    try {
      await fs.access(candidate);
    } catch {
      return candidate;
    }
  }
}

async function claimable(dir: string, processing: string): Promise<{ name: string; from: string }[]> {
  const fresh = (await fs.readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && /\.xml$/i.test(e.name))
    .map((e) => ({ name: e.name, from: path.join(dir, e.name) }));
  const stale: { name: string; from: string }[] = [];
  for (const e of await fs.readdir(processing, { withFileTypes: true })) {
    if (!e.isFile()) continue;
    const from = path.join(processing, e.name);
    const stat = await fs.stat(from).catch(() => null);
    if (stat && Date.now() - stat.mtimeMs > STALE_CLAIM_MS) stale.push({ name: e.name, from });
  }
  return [...fresh.sort((a, b) => a.name.localeCompare(b.name)), ...stale];
}

export async function processDropFolder(
  dir: string,
  bank: BankService,
  provider?: string,
): Promise<DropResult> {
  const name = provider ?? bankAdapters()[0]?.name;
  const result: DropResult = { processed: [], rejected: [] };
  if (!name) return result;
  const processing = path.join(dir, 'processing');
  const processed = path.join(dir, 'processed');
  const rejected = path.join(dir, 'rejected');
  await Promise.all([processing, processed, rejected].map((d) => fs.mkdir(d, { recursive: true })));

  for (const file of await claimable(dir, processing)) {
    const claimed = path.join(processing, file.name);
    try {
      if (file.from !== claimed) await fs.rename(file.from, claimed);
      const now = new Date();
      await fs.utimes(claimed, now, now);
    } catch {
      continue; // another instance claimed it first
    }
    try {
      await bank.ingestStatement({
        provider: name,
        source: 'drop_folder',
        fileName: file.name,
        body: createReadStream(claimed, { highWaterMark: 256 * 1024 }),
      });
      await fs.rename(claimed, await freeName(processed, file.name));
      result.processed.push(file.name);
    } catch (error) {
      if (!(error instanceof DomainError)) {
        // Not the file's fault (the database is down): back in the folder for the next run.
        await fs.rename(claimed, await freeName(dir, file.name)).catch(() => {});
        throw error;
      }
      const target = await freeName(rejected, file.name);
      await fs.rename(claimed, target);
      await fs.writeFile(`${target}.error.txt`, `${error.code}: ${error.message}\n`);
      result.rejected.push({ file: file.name, reason: `${error.code}: ${error.message}` });
    }
  }
  return result;
}
