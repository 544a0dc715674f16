/**
 * Builds one archive object: NDJSON lines in a single gzip member whose deflate
 * stream is cut into independently decompressible blocks.
 *
 * Each block (about BLOCK_NDJSON_BYTES of lines) is compressed by a fresh
 * compressor and ended with a full flush, so it never refers back to earlier
 * bytes and ends on a byte boundary. The blocks are concatenated between one
 * gzip header and an empty final deflate block plus the gzip trailer (CRC-32
 * and size of all lines). The result is an ordinary single-member gzip file
 * (`zcat`, DuckDB, `DecompressionStream("gzip")` read it whole), and a reader
 * that fetches one block's byte range and appends the two bytes of an empty
 * final block can inflate it alone ("deflate-raw").
 *
 * Why not one gzip member per block: workerd's DecompressionStream refuses
 * bytes after the first member ("Trailing bytes after end of compressed data"),
 * so such objects would no longer read whole in a worker. CompressionStream has
 * no flush control, hence node:zlib.
 *
 * R2 needs the length of a body up front, so the compressed bytes are collected
 * and put in one piece: memory per object is its compressed size, bounded by
 * ARCHIVE_OBJECT_MAX_BYTES.
 */
import { constants, crc32, deflateRawSync } from "node:zlib";
import { type BlockIndex, buildBloom, type ObjectIndex, SummaryBuilder } from "./object-index";

/**
 * NDJSON bytes per block: small enough that a lookup reads little and that a
 * page of 1,000 entries (~300 KB) rarely ends inside a block it must read again,
 * large enough to compress well (deflate's window is 32 KiB).
 */
export const BLOCK_NDJSON_BYTES = 256 * 1024;

/** gzip header: magic, deflate, no flags, no mtime (deterministic bytes), no extra flags, OS unknown. */
const GZIP_HEADER = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** An empty final deflate block (fixed Huffman, end-of-block only). */
export const FINAL_DEFLATE_BLOCK = new Uint8Array([0x03, 0x00]);

/** What the index records about one line as it is added. */
export interface LineFacts {
  /** Timestamp, epoch ms. */
  t: number;
  /** Level rank (0 = debug … 4 = fatal). */
  level: number;
  service: string | undefined;
  requestId: string | undefined;
}

function concat(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  const out = new Uint8Array(total ?? chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export interface BuiltObject {
  key: string;
  body: Uint8Array;
  lines: number;
  index: ObjectIndex;
}

export class BlockedGzipNdjson {
  /** Lines written so far. */
  lines = 0;

  readonly #output: Uint8Array[] = [GZIP_HEADER];
  #offset = GZIP_HEADER.byteLength;
  #crc = 0;
  #ndjsonBytes = 0;
  readonly #blocks: BlockIndex[] = [];
  readonly #object = new SummaryBuilder();
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #block = new SummaryBuilder();
  #requestIds = new Set<string>();

  /** Appends one NDJSON line, already UTF-8 encoded and ending with a newline. */
  addLine(line: Uint8Array, facts: LineFacts): void {
    this.lines++;
    this.#pending.push(line);
    this.#pendingBytes += line.byteLength;
    this.#block.add(facts.t, facts.level, facts.service);
    this.#object.add(facts.t, facts.level, facts.service);
    if (facts.requestId !== undefined) this.#requestIds.add(facts.requestId);
    if (this.#pendingBytes >= BLOCK_NDJSON_BYTES) this.#closeBlock();
  }

  #closeBlock(): void {
    if (this.#pending.length === 0) return;
    const ndjson = concat(this.#pending, this.#pendingBytes);
    this.#crc = crc32(ndjson, this.#crc);
    this.#ndjsonBytes += ndjson.byteLength;
    const compressed = deflateRawSync(ndjson, { finishFlush: constants.Z_FULL_FLUSH });
    const bytes = new Uint8Array(compressed.buffer, compressed.byteOffset, compressed.byteLength);
    this.#output.push(bytes);
    this.#blocks.push({
      ...this.#block.summary(),
      offset: this.#offset,
      length: bytes.byteLength,
      requestIds: buildBloom(this.#requestIds),
    });
    this.#offset += bytes.byteLength;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#block = new SummaryBuilder();
    this.#requestIds = new Set();
  }

  /** Ends the object: its gzip bytes and the index describing them. */
  finish(key: string): BuiltObject {
    this.#closeBlock();
    const trailer = new Uint8Array(8);
    const view = new DataView(trailer.buffer);
    view.setUint32(0, this.#crc >>> 0, true);
    view.setUint32(4, this.#ndjsonBytes % 2 ** 32, true);
    this.#output.push(FINAL_DEFLATE_BLOCK, trailer);
    const body = concat(this.#output);
    this.#output.length = 0;
    return {
      key,
      body,
      lines: this.lines,
      index: { v: 1, object: key, size: body.byteLength, ...this.#object.summary(), blocks: this.#blocks },
    };
  }
}
