/**
 * Binary checkpoint container: `SFCKPT1\n`, a uint32 (LE) header length, a JSON header, then the raw
 * bytes of every typed array in the state. Typed arrays are replaced in the JSON by
 * `{"$buf": i, "type": "Float32Array"}`, so weights, Adam moments and permutations round-trip
 * bit for bit (JSON numbers would not be exact for float32 arrays stored as text... and would be slow).
 */
const MAGIC = new TextEncoder().encode('SFCKPT1\n');

type Typed = Float32Array | Float64Array | Uint32Array | Int32Array | Uint8Array;
const CTORS = { Float32Array, Float64Array, Uint32Array, Int32Array, Uint8Array } as const;

export function encodeCheckpoint(state: unknown): Uint8Array {
  const buffers: Typed[] = [];
  const header = JSON.stringify(state, function (this: unknown, _key, value: unknown) {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      buffers.push(value as Typed);
      return { $buf: buffers.length - 1, type: (value as Typed).constructor.name };
    }
    return value;
  });
  const headerBytes = new TextEncoder().encode(header);
  const total = MAGIC.length + 4 + headerBytes.length + buffers.reduce((n, b) => n + 8 + b.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(MAGIC.length, headerBytes.length, true);
  let at = MAGIC.length + 4;
  out.set(headerBytes, at);
  at += headerBytes.length;
  for (const b of buffers) {
    view.setFloat64(at, b.byteLength, true);
    at += 8;
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), at);
    at += b.byteLength;
  }
  return out;
}

export function decodeCheckpoint<T>(bytes: Uint8Array): T {
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw new Error('not a SignalForge checkpoint');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getUint32(MAGIC.length, true);
  let at = MAGIC.length + 4;
  const header = new TextDecoder().decode(bytes.subarray(at, at + headerLen));
  at += headerLen;
  const raw: Uint8Array[] = [];
  while (at < bytes.length) {
    const len = view.getFloat64(at, true);
    at += 8;
    raw.push(bytes.slice(at, at + len));
    at += len;
  }
  return JSON.parse(header, (_key, value: unknown) => {
    if (value && typeof value === 'object' && '$buf' in value) {
      const { $buf, type } = value as { $buf: number; type: keyof typeof CTORS };
      const b = raw[$buf]!;
      const Ctor = CTORS[type];
      return new Ctor(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength / Ctor.BYTES_PER_ELEMENT);
    }
    return value;
  }) as T;
}
