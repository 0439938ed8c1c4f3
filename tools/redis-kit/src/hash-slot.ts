/**
 * The Redis Cluster hash slot of a key (CRC16-XMODEM of its hash tag, mod 16384), so that
 * a batch holds only items that one script call may touch together. A key's hash tag
 * is what lies between its first `{` and the first `}` after it, when that is not empty;
 * otherwise the whole key. Computed over the key's UTF-8 bytes, as the server does.
 */
export function hashSlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(0x7b); // {
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++)
    crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ bytes[i]!) & 0xff]!) & 0xffff;
  return crc & 16383;
}

/** CRC16-XMODEM (polynomial 0x1021) for each byte value. */
const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[n] = crc;
  }
  return table;
})();
