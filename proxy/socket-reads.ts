/*
 * How the proxy's sockets read. By default ('data' events) Node allocates a
 * 64 KB buffer for every read, shrinks it to the bytes read, wraps it in a
 * new ArrayBuffer and pushes it through the Readable stream machinery; at
 * one read per unpipelined request that costs the proxy about as much CPU
 * as parsing, routing and forwarding the request. With `onread` a socket
 * reads into buffers we hand it and calls us directly (measured with
 * bench/proxy.mjs: about 0.5 µs less CPU per request at -P 1).
 *
 * A read must never overwrite bytes still in use: parsed arguments and
 * replies are views of what was read, kept until they are forwarded or
 * answered (a redirect resends the arguments). So each socket reads into a
 * region of its own that is never reused: the next read continues in the
 * rest of the region, and a new region is allocated when little is left.
 * Regions are separate allocations, not cut from a shared slab, so an idle
 * connection keeps at most its own region alive, never other connections'.
 */
import net from 'node:net';
import { fastView } from '../common/resp/decoder.js';

/** Region for a connection whose reads are small (requests and replies of a few dozen bytes). */
const SMALL = 4 * 1024;
/** Region after a read that filled its region: bulk data is arriving. */
const LARGE = 64 * 1024;
/** Below this many bytes left, the next read gets a new region rather than the rest. */
const MIN_REST = 1024;

export class ReadRegion {
  /** The buffer the next read goes into: bytes [at, at + length) of `memory`. */
  private region: Buffer;
  private memory: ArrayBuffer;
  private at = 0;

  constructor() {
    this.region = Buffer.allocUnsafeSlow(SMALL);
    this.memory = this.region.buffer as ArrayBuffer;
  }

  /** The buffer the next read goes into. */
  readonly next = (): Buffer => this.region;

  /** The `n` bytes just read into the region; moves on past them. */
  chunk(n: number): Buffer {
    // fastView, not subarray: two views per read (see common/resp/decoder.ts).
    const c = fastView(this.memory, this.at, n);
    const rest = this.region.length - n;
    if (rest >= MIN_REST) {
      this.at += n;
      this.region = fastView(this.memory, this.at, rest);
    } else {
      this.region = Buffer.allocUnsafeSlow(rest === 0 ? LARGE : SMALL);
      this.memory = this.region.buffer as ArrayBuffer;
      this.at = 0;
    }
    return c;
  }
}

/** `onread` options for net.connect: the socket calls `onChunk` with each read, no 'data' events. */
export function readOptions(onChunk: (chunk: Buffer) => void): net.OnReadOpts {
  const r = new ReadRegion();
  return {
    buffer: r.next,
    callback: (n) => {
      onChunk(r.chunk(n));
      return true;
    },
  };
}

/**
 * Takes over an accepted socket (the server created it paused, with
 * `pauseOnConnect`) so that it reads as above: net.Server has no `onread`
 * option, so its handle is moved into a new Socket made with one. The
 * original socket is left without a handle and destroyed when the new one
 * closes, which keeps the server's connection count right. Without access
 * to the handle (a future Node), the original socket is used with 'data'
 * events.
 */
export function adoptAccepted(sock: net.Socket, onChunk: (chunk: Buffer) => void): net.Socket {
  const orig = sock as net.Socket & { _handle: object | null };
  const handle = orig._handle;
  if (handle === null || handle === undefined) {
    sock.on('data', onChunk);
    sock.resume();
    return sock;
  }
  const opts = { handle, readable: true, writable: true, onread: readOptions(onChunk) };
  const s = new net.Socket(opts as net.SocketConstructorOpts);
  orig._handle = null;
  s.once('close', () => sock.destroy());
  return s;
}
