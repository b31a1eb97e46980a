/*
 * Redis-style log lines: "pid:role dd Mon yyyy hh:mm:ss.mmm <level-char> message",
 * to `logfile` or stdout, filtered by `loglevel`.
 */
import { appendFileSync } from 'node:fs';
import type { Config } from './config.js';

const LEVELS = ['debug', 'verbose', 'notice', 'warning'] as const;
export type Level = (typeof LEVELS)[number];
const CHARS: Record<Level, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class Logger {
  role = 'M';
  /** Recent lines kept in memory for tests and DEBUG LOG-like inspection. */
  readonly recent: string[] = [];

  constructor(private readonly config: Config) {}

  line(level: Level, msg: string): void {
    if (LEVELS.indexOf(level) < LEVELS.indexOf(this.config.get('loglevel') as Level)) return;
    const d = new Date();
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const ts = `${p(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
    const text = `${process.pid}:${this.role} ${ts} ${CHARS[level]} ${msg}\n`;
    this.recent.push(text);
    if (this.recent.length > 200) this.recent.shift();
    const file = this.config.get('logfile');
    if (file === '') process.stdout.write(text);
    else {
      try { appendFileSync(file, text); } catch { process.stdout.write(text); }
    }
  }

  debug(m: string): void { this.line('debug', m); }
  verbose(m: string): void { this.line('verbose', m); }
  notice(m: string): void { this.line('notice', m); }
  warning(m: string): void { this.line('warning', m); }
}
