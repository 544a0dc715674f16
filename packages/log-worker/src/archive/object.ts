/**
 * Builds one archive object: NDJSON lines streamed through gzip.
 *
 * R2 needs the length of a streamed body up front, which a gzip stream cannot
 * know, so the compressed bytes are collected and put in one piece. Memory per
 * object is therefore its compressed size, bounded by ARCHIVE_OBJECT_MAX_BYTES.
 */
// Lines are handed to the compressor in chunks of about this size: fewer,
// larger writes cost far less CPU than one write per line.
const WRITE_CHUNK_BYTES = 64 * 1024;

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export class GzipNdjson {
  /** Lines written so far. */
  lines = 0;

  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #output: Uint8Array[] = [];
  readonly #drained: Promise<void>;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  constructor() {
    const gzip = new CompressionStream("gzip");
    this.#writer = gzip.writable.getWriter();
    // Read concurrently with writing, or the compressor's backpressure would stall the writes.
    this.#drained = (async () => {
      const reader = gzip.readable.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.#output.push(value);
      }
    })();
  }

  /** Appends one NDJSON line, already UTF-8 encoded and ending with a newline. */
  async addLine(line: Uint8Array): Promise<void> {
    this.lines++;
    this.#pending.push(line);
    this.#pendingBytes += line.byteLength;
    if (this.#pendingBytes >= WRITE_CHUNK_BYTES) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const chunk = concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    await this.#writer.write(chunk);
  }

  /** Ends the stream and returns the gzip bytes. */
  async finish(): Promise<Uint8Array> {
    await this.#flush();
    await this.#writer.close();
    await this.#drained;
    const out = concat(this.#output);
    this.#output.length = 0;
    return out;
  }

  /** Drops the stream without producing output (the segment was abandoned). */
  async abort(): Promise<void> {
    await this.#writer.abort().catch(() => {});
    await this.#drained.catch(() => {});
  }
}
