import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Coding } from './accept-encoding';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

interface Copies {
  mtimeMs: number;
  size: number;
  etag: string;
  identity: Buffer;
  br: Buffer;
  gzip: Buffer;
}

/**
 * A file served often and changed rarely (the road network the map draws, up to megabytes of
 * GeoJSON): read and compressed once, kept with its Brotli and gzip copies, read again when its
 * size or modification time changes.
 */
export class CompressedFile {
  private copies: Promise<Copies> | undefined;

  constructor(private readonly path: string) {}

  /** The body to send for a coding, its ETag (strong, per coding), and the coding actually used. */
  async get(coding: Coding | undefined): Promise<{ body: Buffer; etag: string; coding: Coding | undefined }> {
    const { mtimeMs, size } = await stat(this.path);
    let copies = await this.copies;
    if (copies?.mtimeMs !== mtimeMs || copies.size !== size) {
      this.copies = this.load(mtimeMs, size);
      // A failed read is not kept: the next request tries again.
      this.copies.catch(() => (this.copies = undefined));
      copies = await this.copies;
    }
    const body = coding === undefined ? copies.identity : copies[coding];
    return { body, etag: `"${copies.etag}${coding === undefined ? '' : `-${coding}`}"`, coding };
  }

  private async load(mtimeMs: number, size: number): Promise<Copies> {
    const identity = await readFile(this.path);
    const [br, gzip] = await Promise.all([
      brotli(identity, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length },
      }),
      gz(identity, { level: 9 }),
    ]);
    return { mtimeMs, size, etag: `${size.toString(36)}-${Math.trunc(mtimeMs).toString(36)}`, identity, br, gzip };
  }
}
