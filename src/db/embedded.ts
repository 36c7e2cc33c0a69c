import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { EmbeddedDb } from './pglite.ts';

/** Unix socket paths are limited to ~107 bytes; a deeper data folder is served on 127.0.0.1. */
const MAX_SOCKET_PATH = 100;
/** A client that says nothing for this long is disconnected, so it cannot hold the hub's database. */
const IDLE_MS = 30_000;

export interface ServedDb {
  /** For `pg`: a folder holding `.s.PGSQL.<port>`, or 127.0.0.1. */
  host: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Serves the hub's PGlite over the Postgres protocol on a local-only socket, so the CLI can work
 * while the hub runs. PGlite is one session: a client of the socket holds it (through the gate
 * the hub's own queries take) from its first byte until it disconnects, so neither side's
 * transaction or statement sequence ever lands inside the other's. On leaving, whatever it left
 * open is rolled back and its session state (prepared statements) discarded.
 */
export async function serveEmbedded(db: EmbeddedDb, dataDir: string): Promise<ServedDb> {
  const folder = path.resolve(dataDir);
  const socketPath = path.join(folder, '.s.PGSQL.5432');
  const unix = socketPath.length <= MAX_SOCKET_PATH && process.platform !== 'win32';
  // A socket file left by a killed owner: the caller holds the folder's lock, so it is ours to remove.
  if (unix) fs.rmSync(socketPath, { force: true });
  const server = new PGLiteSocketServer({
    db: db.client,
    ...(unix ? { path: socketPath } : { host: '127.0.0.1', port: 0 }),
    maxConnections: 64,
    idleTimeout: IDLE_MS,
  });
  // Each connection waits for the session before its first message is read (the socket stays
  // paused until pglite-socket attaches it).
  const internal = server as unknown as { handleConnection(socket: net.Socket): Promise<void> };
  const attach = internal.handleConnection.bind(server);
  internal.handleConnection = async (socket) => {
    let closed = false;
    socket.once('close', () => {
      closed = true;
    });
    const release = await db.gate.mutex.acquire();
    let released = false;
    const leave = async () => {
      if (released) return;
      released = true;
      try {
        if (db.client.isInTransaction()) await db.client.exec('ROLLBACK');
        await db.client.exec('DISCARD ALL');
      } finally {
        release();
      }
    };
    if (closed || socket.destroyed) return void (await leave());
    socket.once('close', () => setImmediate(() => void leave()));
    await attach(socket);
  };
  await server.start();
  const address = server.getServerConn();
  if (unix) fs.chmodSync(socketPath, 0o600);
  return {
    host: unix ? folder : '127.0.0.1',
    port: unix ? 5432 : Number(address.slice(address.lastIndexOf(':') + 1)),
    stop: () => server.stop(),
  };
}
