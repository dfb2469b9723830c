// Renders media/icon.png (128×128): three connected nodes on a dark tile. No dependencies.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
const N = 128, px = Buffer.alloc(N * N * 4);
const set = (x, y, [r, g, b, a]) => { const i = (y * N + x) * 4; const k = a / 255; px[i] = px[i] * (1 - k) + r * k; px[i + 1] = px[i + 1] * (1 - k) + g * k; px[i + 2] = px[i + 2] * (1 - k) + b * k; px[i + 3] = Math.max(px[i + 3], a); };
for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) { const dx = Math.max(0, Math.abs(x - 63.5) - 48), dy = Math.max(0, Math.abs(y - 63.5) - 48); if (Math.hypot(dx, dy) < 14) set(x, y, [30, 41, 59, 255]); }
const nodes = [[64, 34], [34, 90], [94, 90]];
const line = (a, b, w, c) => { for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) { const [x1, y1] = a, [x2, y2] = b; const t = Math.max(0, Math.min(1, ((x - x1) * (x2 - x1) + (y - y1) * (y2 - y1)) / ((x2 - x1) ** 2 + (y2 - y1) ** 2))); const d = Math.hypot(x - (x1 + t * (x2 - x1)), y - (y1 + t * (y2 - y1))); if (d < w) set(x, y, [...c, Math.round(255 * Math.min(1, w - d))]); } };
line(nodes[0], nodes[1], 4, [148, 163, 184]); line(nodes[0], nodes[2], 4, [148, 163, 184]); line(nodes[1], nodes[2], 4, [148, 163, 184]);
const disc = ([cx, cy], r, c) => { for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) { const d = Math.hypot(x - cx, y - cy); if (d < r) set(x, y, [...c, Math.round(255 * Math.min(1, r - d))]); } };
disc(nodes[0], 15, [56, 189, 248]); disc(nodes[1], 15, [52, 211, 153]); disc(nodes[2], 15, [251, 191, 36]); disc([64, 72], 7, [241, 245, 249]);
const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc = (b) => { let c = 0xffffffff; for (const x of b) c = crcTable[(c ^ x) & 255] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (t, d) => { const l = Buffer.alloc(4); l.writeUInt32BE(d.length); const td = Buffer.concat([Buffer.from(t), d]); const c = Buffer.alloc(4); c.writeUInt32BE(crc(td)); return Buffer.concat([l, td, c]); };
const raw = Buffer.alloc(N * (N * 4 + 1)); for (let y = 0; y < N; y++) px.copy(raw, y * (N * 4 + 1) + 1, y * N * 4, (y + 1) * N * 4);
const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(N, 0); ihdr.writeUInt32BE(N, 4); ihdr[8] = 8; ihdr[9] = 6;
writeFileSync(new URL('../media/icon.png', import.meta.url), Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
