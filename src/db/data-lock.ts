import fs from 'node:fs';
import path from 'node:path';

/** Who holds an embedded data folder, as written in its lock file. */
export interface LockOwner {
  pid: number;
  role: 'server' | 'cli';
  /** Where a running hub serves its database (a socket folder or 127.0.0.1), once it listens. */
  host?: string;
  port?: number;
}

export interface DataLock {
  readonly owner: LockOwner;
  /** Adds the address the database is served at, for other processes to find. */
  publish(address: { host: string; port: number }): void;
  release(): void;
}

const LOCK_FILE = 'payhub.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    return Number.isInteger(owner.pid) ? owner : null;
  } catch {
    return null;
  }
}

/** Writes the whole file under a temporary name first, so a reader never sees half of it. */
function writeTemp(file: string, owner: LockOwner): string {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(owner), { mode: 0o600 });
  return temp;
}

/**
 * Takes the exclusive lock on an embedded data folder (PGlite must never be opened by two
 * processes), or names the live process holding it. A lock left by a process that no longer
 * runs (killed, crashed) is stale and taken over.
 */
export function lockDataDir(dir: string, role: LockOwner['role']): { lock: DataLock } | { owner: LockOwner } {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const mine: LockOwner = { pid: process.pid, role };
  for (let attempt = 0; attempt < 5; attempt++) {
    const temp = writeTemp(file, mine);
    try {
      // link() creates the lock atomically and fails if it exists: two starters cannot both win.
      fs.linkSync(temp, file);
      return { lock: heldLock(file, mine) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(file);
      if (owner && owner.pid !== process.pid && alive(owner.pid)) return { owner };
      fs.rmSync(file, { force: true });
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

function heldLock(file: string, owner: LockOwner): DataLock {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    if (readOwner(file)?.pid === process.pid) fs.rmSync(file, { force: true });
  };
  // A CLI that ends with process.exit() still leaves the folder free.
  process.on('exit', release);
  return {
    owner,
    publish(address) {
      Object.assign(owner, address);
      fs.renameSync(writeTemp(file, owner), file);
    },
    release,
  };
}
