/*
 * The manifest of a Redis 7 multi-part AOF (`<appendfilename>.manifest` in
 * `appenddirname`): one line per file, `file <name> seq <n> type <b|h|i>`,
 * the base first, then history files, then the incr files in sequence order.
 * Names are written quoted (Redis's sdscatrepr) only when they need it.
 */

export interface AofFile {
  name: string;
  seq: number;
  /** b: base, h: history (to delete), i: incremental. */
  type: 'b' | 'h' | 'i';
}

export interface Manifest {
  base: AofFile | null;
  incrs: AofFile[];
  history: AofFile[];
  /** Highest sequence numbers used so far (new files take the next one). */
  baseSeq: number;
  incrSeq: number;
}

export class ManifestError extends Error {}

export function emptyManifest(): Manifest {
  return { base: null, incrs: [], history: [], baseSeq: 0, incrSeq: 0 };
}

/** Redis's sdssplitargs: words, "double quoted" with escapes, or 'single quoted'. */
function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let cur = '';
    const q = line[i];
    if (q === '"' || q === "'") {
      i++;
      for (;;) {
        if (i >= line.length) return null;
        const ch = line[i]!;
        if (ch === q) {
          i++;
          if (i < line.length && !/\s/.test(line[i]!)) return null;
          break;
        }
        if (q === '"' && ch === '\\' && i + 1 < line.length) {
          const n = line[i + 1]!;
          if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
            cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          cur += ({ n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' } as Record<string, string>)[n] ?? n;
          i += 2;
          continue;
        }
        cur += ch;
        i++;
      }
    } else {
      while (i < line.length && !/\s/.test(line[i]!)) cur += line[i++];
    }
    out.push(cur);
  }
  return out;
}

/** aofLoadManifestFromFile's checks, with Redis's messages and the line. */
export function parseManifest(text: string): Manifest {
  const m = emptyManifest();
  const lines = text.split('\n');
  if (text.length === 0) throw new ManifestError('Found an empty AOF manifest');
  let maxIncr = 0;
  lines.forEach((raw, idx) => {
    if (idx === lines.length - 1 && raw === '') return;
    if (raw.startsWith('#')) return;
    const fail = (msg: string): never => {
      throw new ManifestError(`*** FATAL AOF MANIFEST FILE ERROR *** Reading the manifest file, at line ${idx + 1} >>> '${raw.trim()}' ${msg}`);
    };
    const line = raw.trim();
    if (line === '') fail('Invalid AOF manifest file format');
    const argv = splitArgs(line);
    if (argv === null || argv.length < 6 || argv.length % 2 !== 0) fail('Invalid AOF manifest file format');
    let name: string | null = null;
    let seq = 0;
    let type = '';
    for (let i = 0; i < argv!.length; i += 2) {
      const k = argv![i]!.toLowerCase();
      const v = argv![i + 1]!;
      if (k === 'file') {
        name = v;
        if (v.includes('/')) fail("File can't be a path, just a filename");
      } else if (k === 'seq') {
        seq = parseInt(v, 10) || 0;
      } else if (k === 'type') {
        type = v[0] ?? '';
      }
    }
    if (name === null || seq === 0 || type === '') fail('Invalid AOF manifest file format');
    const f = { name: name!, seq, type } as AofFile;
    if (type === 'b') {
      if (m.base !== null) fail('Found duplicate base file information');
      m.base = f;
      m.baseSeq = seq;
    } else if (type === 'h') {
      m.history.push(f);
    } else if (type === 'i') {
      if (seq <= maxIncr) fail('Found a non-monotonic sequence number');
      m.incrs.push(f);
      m.incrSeq = maxIncr = seq;
    } else {
      fail('Unknown AOF file type');
    }
  });
  return m;
}

/** sdscatrepr for names that need it (spaces, quotes, control bytes). */
function repr(name: string): string {
  if (!/[\s"'\\\x00-\x1f\x7f-\xff]/.test(name)) return name;
  let out = '"';
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c >= 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

export function formatManifest(m: Manifest): string {
  const line = (f: AofFile) => `file ${repr(f.name)} seq ${f.seq} type ${f.type}\n`;
  return [...(m.base ? [m.base] : []), ...m.history, ...m.incrs].map(line).join('');
}

/** The next base file: `<appendfilename>.<seq>.base.rdb|aof`. */
export function newBaseName(m: Manifest, fileName: string, rdb: boolean): AofFile {
  const seq = ++m.baseSeq;
  return { name: `${fileName}.${seq}.base.${rdb ? 'rdb' : 'aof'}`, seq, type: 'b' };
}

/** The next incr file: `<appendfilename>.<seq>.incr.aof`. */
export function newIncrName(m: Manifest, fileName: string): AofFile {
  const seq = ++m.incrSeq;
  return { name: `${fileName}.${seq}.incr.aof`, seq, type: 'i' };
}
