// Shared by the bench scripts: free ports, starting a server and waiting
// until it answers, and command-line options.
import { spawn } from 'node:child_process';
import net from 'node:net';

export const option = (args, name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };

export const freePort = () => new Promise((res) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });

const ping = (port) => new Promise((res) => {
  const s = net.connect(port, '127.0.0.1', () => s.write('*1\r\n$4\r\nPING\r\n'));
  s.on('data', () => { s.destroy(); res(true); });
  s.on('error', () => res(false));
});

/** Spawns a server and resolves once its port answers PING (or after 10 s). */
export async function start(cmd, argv, port) {
  const p = spawn(cmd, argv, { stdio: 'ignore' });
  for (let i = 0; i < 200 && !(await ping(port)); i++) await new Promise((r) => setTimeout(r, 50));
  return p;
}
