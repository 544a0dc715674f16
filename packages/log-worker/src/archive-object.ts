/**
 * Builds one archive object: NDJSON lines streamed through gzip.
 *
 * R2 needs the length of a streamed body up front, which a gzip stream cannot
 * know, so the compressed bytes are collected and put in one piece. Memory per
 * object is therefore its compressed size, bounded by ARCHIVE_OBJECT_MAX_BYTES.
 */
const encoder = new TextEncoder();

// Lines are handed to the compressor in chunks of about this size: fewer,
// larger writes cost far less CPU than one write per line.
const WRITE_CHUNK_CHARS = 64 * 1024;

export class GzipNdjson {
  /** NDJSON bytes written so far, before compression. */
  bytes = 0;
  /** Lines written so far. */
  lines = 0;

  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #output: Uint8Array[] = [];
  readonly #drained: Promise<void>;
  #buffer = "";

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

  /** Appends one value as a line. */
  async add(value: unknown): Promise<void> {
    const line = `${JSON.stringify(value)}\n`;
    this.bytes += encoder.encode(line).byteLength;
    this.lines++;
    this.#buffer += line;
    if (this.#buffer.length >= WRITE_CHUNK_CHARS) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const chunk = encoder.encode(this.#buffer);
    this.#buffer = "";
    await this.#writer.write(chunk);
  }

  /** Ends the stream and returns the gzip bytes. */
  async finish(): Promise<Uint8Array> {
    await this.#flush();
    await this.#writer.close();
    await this.#drained;
    const size = this.#output.reduce((n, c) => n + c.byteLength, 0);
    const out = new Uint8Array(size);
    let offset = 0;
    for (const chunk of this.#output) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    this.#output.length = 0;
    return out;
  }

  /** Drops the stream without producing output (the segment was abandoned). */
  async abort(): Promise<void> {
    await this.#writer.abort().catch(() => {});
    await this.#drained.catch(() => {});
  }
}
