import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { RequestHandler } from 'express';

/** A file sent with a console form, still streaming: read it once, in the route that asked for it. */
export interface UploadedFile {
  field: string;
  name: string;
  stream: Readable;
  /** True once the stream ended at the size limit (the file was cut). */
  truncated: () => boolean;
}

export const uploadOf = (locals: Record<string, unknown>) => locals.upload as UploadedFile | undefined;

/** Settlement files are large; the admin API takes the same size. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

/**
 * Multipart forms (a settlement file) without JavaScript: the fields before the file — `_csrf`
 * first, as the form orders them — land in req.body, so the session's CSRF check runs as for any
 * form, and the file is handed on unread, streamed by the route into the database. Nothing is
 * buffered; a request that goes no further (no session, bad token) has its body discarded.
 */
export const multipartForms: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST' || !req.is('multipart/form-data')) return next();
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fileSize: MAX_FILE_BYTES } });
  } catch (error) {
    return next(Object.assign(error as Error, { status: 400 }));
  }
  const fields: Record<string, string> = {};
  req.body = fields;
  let handed = false;
  const handOn = (error?: unknown) => {
    if (handed) return;
    handed = true;
    res.on('finish', () => {
      req.unpipe(parser);
      req.resume();
    });
    next(error);
  };
  parser.on('field', (name, value) => {
    fields[name] = value;
  });
  parser.on('file', (field, stream, info) => {
    let cut = false;
    stream.on('limit', () => {
      cut = true;
    });
    res.locals.upload = {
      field,
      name: info.filename ?? '',
      stream,
      truncated: () => cut,
    } satisfies UploadedFile;
    handOn();
  });
  parser.on('close', () => handOn());
  parser.on('error', (error) => handOn(Object.assign(error as Error, { status: 400 })));
  req.pipe(parser);
};
