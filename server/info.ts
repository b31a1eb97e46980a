/*
 * INFO: Redis 7.0's sections and field names (genRedisInfoString). Values
 * of features we do not have (forks, AOF rewrite, modules...) are reported
 * as Redis reports them when idle, so tools parsing INFO keep working.
 */
import { persistenceOf } from './persistence/persistence.js';
import { totalmem, release, arch, type as osType } from 'node:os';
import type { Server } from './server.js';
import { memoryOf, bytesToHuman } from './memory.js';
import { histPercentile } from './latency.js';

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];
const ALL_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];

/** Which sections a list of INFO arguments selects (genInfoSectionDict). */
export function selectSections(args: string[]): Set<string> {
  const out = new Set<string>();
  if (args.length === 0) args = ['default'];
  for (const raw of args) {
    const a = raw.toLowerCase();
    if (a === 'default') for (const s of DEFAULT_SECTIONS) out.add(s);
    else if (a === 'all' || a === 'everything') for (const s of ALL_SECTIONS) out.add(s);
    else out.add(a);
  }
  return out;
}

/** Server-wide counters INFO shows that other modules may not keep (instantaneous metrics). */
const started = new WeakMap<Server, { cpuStart: NodeJS.CpuUsage }>();

/**
 * Instantaneous metrics (trackInstantaneousMetric): ops/sec and network
 * kbps averaged over the last 16 samples taken every 100 ms by cron.
 */
interface Metric { last: number; lastTime: number; samples: number[] }
const metrics = new WeakMap<Server, { ops: Metric; inBytes: Metric; outBytes: Metric }>();
function sampleMetric(m: Metric, value: number, now: number): void {
  if (now - m.lastTime < 90) return;
  const dt = now - m.lastTime;
  m.samples.push(m.lastTime === 0 ? 0 : ((value - m.last) * 1000) / dt);
  if (m.samples.length > 16) m.samples.shift();
  m.last = value;
  m.lastTime = now;
}
function metricValue(m: Metric | undefined): number {
  if (m === undefined || m.samples.length === 0) return 0;
  return m.samples.reduce((a, b) => a + b, 0) / m.samples.length;
}
export function installInfoMetrics(server: Server): void {
  const mk = (): Metric => ({ last: 0, lastTime: 0, samples: [] });
  const ms = { ops: mk(), inBytes: mk(), outBytes: mk() };
  metrics.set(server, ms);
  server.cronHooks.push(() => {
    const now = Date.now();
    sampleMetric(ms.ops, server.stats.totalCommands, now);
    sampleMetric(ms.inBytes, server.stats.netInputBytes, now);
    sampleMetric(ms.outBytes, server.stats.netOutputBytes, now);
  });
}

function line(k: string, v: string | number): string {
  return `${k}:${v}\r\n`;
}

/** Percentile label as Redis prints it (%.3g-like: 50, 99, 99.9). */
function pctLabel(p: number): string {
  return p.toFixed(6).replace(/\.?0+$/, '');
}

export function latencyPercentiles(server: Server): number[] {
  const v = server.config.get('latency-tracking-info-percentiles').trim();
  return v === '' ? [] : v.split(/\s+/).map(Number);
}

export function genInfo(server: Server, sectionsArg: string[]): string {
  const sections = selectSections(sectionsArg);
  if (!started.has(server)) started.set(server, { cpuStart: process.cpuUsage() });
  const parts: string[] = [];
  const add = (name: string, title: string, body: () => string) => {
    if (!sections.has(name)) return;
    parts.push(`# ${title}\r\n` + body());
  };
  const now = Date.now();
  const st = server.stats;
  const cfg = server.config;
  const anyStats = st as unknown as Record<string, number | undefined>;
  const stat = (k: string) => anyStats[k] ?? 0;

  add('server', 'Server', () => {
    const uptime = Math.floor((now - server.startTime) / 1000);
    return line('redis_version', '7.0.15') + line('redis_git_sha1', '00000000') + line('redis_git_dirty', 0) +
      line('redis_build_id', 'shardis') + line('redis_mode', 'standalone') +
      line('os', `${osType()} ${release()} ${arch() === 'x64' ? 'x86_64' : arch()}`) + line('arch_bits', 64) +
      line('monotonic_clock', 'POSIX clock_gettime') + line('multiplexing_api', 'epoll') + line('atomicvar_api', 'c11-builtin') +
      line('gcc_version', '0.0.0') + line('process_id', process.pid) + line('process_supervised', 'no') +
      line('run_id', server.runId) + line('tcp_port', cfg.get('port')) +
      line('server_time_usec', now * 1000) + line('uptime_in_seconds', uptime) + line('uptime_in_days', Math.floor(uptime / 86400)) +
      line('hz', cfg.get('hz')) + line('configured_hz', cfg.get('hz')) + line('lru_clock', server.lruClock()) +
      line('executable', process.argv[1] ?? '') + line('config_file', cfg.file ?? '') + line('io_threads_active', 0);
  });
  add('clients', 'Clients', () => {
    let normal = 0;
    let maxIn = 0;
    let maxOut = 0;
    let tracking = 0;
    let timeouts = 0;
    for (const c of server.clients.values()) {
      if (!c.flags.replica) normal++;
      maxIn = Math.max(maxIn, c.conn?.queryBufferLength ?? 0);
      maxOut = Math.max(maxOut, c.reply.size);
      if ((c as unknown as { tracking?: boolean }).tracking) tracking++;
      if (c.blocked !== null && c.blocked.deadline > 0) timeouts++;
    }
    return line('connected_clients', normal) + line('cluster_connections', 0) + line('maxclients', cfg.get('maxclients')) +
      line('client_recent_max_input_buffer', maxIn) + line('client_recent_max_output_buffer', maxOut) +
      line('blocked_clients', server.blockedClients) + line('tracking_clients', tracking) +
      line('clients_in_timeout_table', timeouts);
  });
  add('memory', 'Memory', () => {
    const mem = memoryOf(server);
    const used = mem.used();
    const rss = process.memoryUsage().rss;
    const peak = Math.max(mem.peak, used);
    const overhead = mem.startup + mem.clientsBytes();
    const dataset = Math.max(0, used - overhead);
    const maxmemory = cfg.num('maxmemory');
    const total = totalmem();
    const pct = (a: number, b: number) => (b > 0 ? ((a * 100) / b).toFixed(2) : '0.00') + '%';
    return line('used_memory', used) + line('used_memory_human', bytesToHuman(used)) +
      line('used_memory_rss', rss) + line('used_memory_rss_human', bytesToHuman(rss)) +
      line('used_memory_peak', peak) + line('used_memory_peak_human', bytesToHuman(peak)) +
      line('used_memory_peak_perc', pct(used, peak)) + line('used_memory_overhead', overhead) +
      line('used_memory_startup', mem.startup) + line('used_memory_dataset', dataset) +
      line('used_memory_dataset_perc', pct(dataset, used - mem.startup)) +
      line('allocator_allocated', used) + line('allocator_active', used) + line('allocator_resident', rss) +
      line('total_system_memory', total) + line('total_system_memory_human', bytesToHuman(total)) +
      line('used_memory_lua', 32768) + line('used_memory_vm_eval', 32768) + line('used_memory_lua_human', '32.00K') +
      line('used_memory_scripts_eval', 0) + line('number_of_cached_scripts', 0) + line('number_of_functions', 0) +
      line('number_of_libraries', 0) + line('used_memory_vm_functions', 32768) + line('used_memory_vm_total', 65536) +
      line('used_memory_vm_total_human', '64.00K') + line('used_memory_functions', 0) + line('used_memory_scripts', 0) +
      line('used_memory_scripts_human', '0B') + line('maxmemory', maxmemory) + line('maxmemory_human', bytesToHuman(maxmemory)) +
      line('maxmemory_policy', cfg.get('maxmemory-policy')) +
      line('allocator_frag_ratio', '1.00') + line('allocator_frag_bytes', 0) +
      line('allocator_rss_ratio', (rss / Math.max(1, used)).toFixed(2)) + line('allocator_rss_bytes', rss - used) +
      line('rss_overhead_ratio', '1.00') + line('rss_overhead_bytes', 0) +
      line('mem_fragmentation_ratio', (rss / Math.max(1, used)).toFixed(2)) + line('mem_fragmentation_bytes', rss - used) +
      line('mem_not_counted_for_evict', mem.replyBytes()) + line('mem_replication_backlog', 0) + line('mem_total_replication_buffers', 0) +
      line('mem_clients_slaves', 0) + line('mem_clients_normal', mem.clientsBytes()) + line('mem_cluster_links', 0) +
      line('mem_aof_buffer', 0) + line('mem_allocator', 'libc') + line('active_defrag_running', 0) +
      line('lazyfree_pending_objects', 0) + line('lazyfreed_objects', stat('lazyfreedObjects'));
  });
  add('persistence', 'Persistence', () => {
    const { rdb, aof } = persistenceOf(server);
    const snap = server.snapshot;
    const now = Date.now();
    const secsSince = (t: number) => (t === 0 ? -1 : Math.round((now - t) / 1000));
    let out = line('loading', server.loading ? 1 : 0) + line('async_loading', 0) + line('current_cow_peak', 0) +
      line('current_cow_size', 0) + line('current_cow_size_age', 0) + line('current_fork_perc', '0.00') +
      line('current_save_keys_processed', snap?.keysWritten ?? 0) + line('current_save_keys_total', snap === null ? 0 : rdb.saveKeysTotal) +
      line('rdb_changes_since_last_save', server.dirty) + line('rdb_bgsave_in_progress', snap?.purpose === 'rdb' ? 1 : 0) +
      line('rdb_last_save_time', server.lastSave) + line('rdb_last_bgsave_status', rdb.lastBgsaveStatus) +
      line('rdb_last_bgsave_time_sec', rdb.lastBgsaveTimeSec) + line('rdb_current_bgsave_time_sec', secsSince(rdb.bgsaveStartedAt)) +
      line('rdb_saves', rdb.rdbSaves) + line('rdb_last_cow_size', 0) +
      line('rdb_last_load_keys_expired', rdb.keysExpiredOnLoad) + line('rdb_last_load_keys_loaded', rdb.keysLoaded) +
      line('aof_enabled', aof.enabled ? 1 : 0) + line('aof_rewrite_in_progress', snap?.purpose === 'aof' ? 1 : 0) +
      line('aof_rewrite_scheduled', aof.rewriteScheduled ? 1 : 0) + line('aof_last_rewrite_time_sec', aof.lastRewriteTimeSec) +
      line('aof_current_rewrite_time_sec', secsSince(aof.rewriteStartedAt)) + line('aof_last_bgrewrite_status', aof.lastRewriteStatus) +
      line('aof_rewrites', aof.rewrites) + line('aof_rewrites_consecutive_failures', aof.consecutiveFailures) +
      line('aof_last_write_status', aof.lastWriteError === null ? 'ok' : 'err') +
      line('aof_last_cow_size', 0) + line('module_fork_in_progress', 0) + line('module_fork_last_cow_size', 0);
    if (aof.enabled) {
      out += line('aof_current_size', aof.currentSize) + line('aof_base_size', aof.baseSize) +
        line('aof_pending_rewrite', aof.rewriteScheduled ? 1 : 0) + line('aof_buffer_length', aof.bufferLength) +
        line('aof_pending_bio_fsync', aof.fsyncPending ? 1 : 0) + line('aof_delayed_fsync', aof.delayedFsync);
    }
    return out;
  });
  add('stats', 'Stats', () => {
    let patterns = 0;
    for (const s of server.patterns.values()) if (s.size > 0) patterns++;
    return line('total_connections_received', st.totalConnections) + line('total_commands_processed', st.totalCommands) +
      line('instantaneous_ops_per_sec', Math.round(metricValue(metrics.get(server)?.ops))) + line('total_net_input_bytes', st.netInputBytes) +
      line('total_net_output_bytes', st.netOutputBytes) + line('total_net_repl_input_bytes', 0) + line('total_net_repl_output_bytes', 0) +
      line('instantaneous_input_kbps', (metricValue(metrics.get(server)?.inBytes) / 1024).toFixed(2)) +
      line('instantaneous_output_kbps', (metricValue(metrics.get(server)?.outBytes) / 1024).toFixed(2)) +
      line('instantaneous_input_repl_kbps', '0.00') + line('instantaneous_output_repl_kbps', '0.00') +
      line('rejected_connections', st.rejectedConnections) + line('sync_full', st.syncFull) + line('sync_partial_ok', st.syncPartialOk) +
      line('sync_partial_err', st.syncPartialErr) + line('expired_keys', st.expiredKeys) +
      line('expired_stale_perc', st.expiredStalePerc.toFixed(2)) + line('expired_time_cap_reached_count', st.expiredTimeCapReached) +
      line('expire_cycle_cpu_milliseconds', stat('expireCycleCpuMs')) + line('evicted_keys', st.evictedKeys) +
      line('evicted_clients', st.evictedClients) + line('total_eviction_exceeded_time', st.totalEvictionExceededTime) +
      line('current_eviction_exceeded_time', 0) + line('keyspace_hits', st.keyspaceHits) + line('keyspace_misses', st.keyspaceMisses) +
      line('pubsub_channels', server.channels.size) + line('pubsub_patterns', patterns) +
      line('pubsubshard_channels', server.shardChannels.size) + line('latest_fork_usec', persistenceOf(server).rdb.latestForkUsec) + line('total_forks', st.totalForks) +
      line('migrate_cached_sockets', 0) + line('slave_expires_tracked_keys', 0) + line('active_defrag_hits', 0) +
      line('active_defrag_misses', 0) + line('active_defrag_key_hits', 0) + line('active_defrag_key_misses', 0) +
      line('total_active_defrag_time', 0) + line('current_active_defrag_time', 0) +
      line('tracking_total_keys', st.trackingTotalKeys) + line('tracking_total_items', stat('trackingTotalItems')) +
      line('tracking_total_prefixes', stat('trackingTotalPrefixes')) + line('unexpected_error_replies', st.unexpectedErrorReplies) +
      line('total_error_replies', st.totalErrorReplies) + line('dump_payload_sanitizations', st.dumpPayloadSanitizations) +
      line('total_reads_processed', st.totalReadsProcessed) + line('total_writes_processed', st.totalWritesProcessed) +
      line('io_threaded_reads_processed', st.ioThreadedReads) + line('io_threaded_writes_processed', st.ioThreadedWrites) +
      line('reply_buffer_shrinks', 0) + line('reply_buffer_expands', 0);
  });
  add('replication', 'Replication', () => {
    if (server.replInfo !== null) return server.replInfo();
    return line('role', 'master') + line('connected_slaves', 0) + line('master_failover_state', 'no-failover') +
      line('master_replid', server.runId) + line('master_replid2', '0'.repeat(40)) + line('master_repl_offset', 0) +
      line('second_repl_offset', -1) + line('repl_backlog_active', 0) + line('repl_backlog_size', cfg.get('repl-backlog-size')) +
      line('repl_backlog_first_byte_offset', 0) + line('repl_backlog_histlen', 0);
  });
  add('cpu', 'CPU', () => {
    const u = process.cpuUsage();
    const f = (us: number) => (us / 1e6).toFixed(6);
    return line('used_cpu_sys', f(u.system)) + line('used_cpu_user', f(u.user)) +
      line('used_cpu_sys_children', '0.000000') + line('used_cpu_user_children', '0.000000') +
      line('used_cpu_sys_main_thread', f(u.system)) + line('used_cpu_user_main_thread', f(u.user));
  });
  add('modules', 'Modules', () => '');
  add('commandstats', 'Commandstats', () => {
    let s = '';
    for (const [name, c] of server.commandStats) {
      if (c.calls === 0 && c.failed === 0 && c.rejected === 0) continue;
      s += `cmdstat_${name}:calls=${c.calls},usec=${c.usec},usec_per_call=${(c.calls > 0 ? c.usec / c.calls : 0).toFixed(2)},rejected_calls=${c.rejected},failed_calls=${c.failed}\r\n`;
    }
    return s;
  });
  add('errorstats', 'Errorstats', () => {
    let s = '';
    for (const [code, n] of server.errorStats) s += `errorstat_${code}:count=${n}\r\n`;
    return s;
  });
  add('latencystats', 'Latencystats', () => {
    const pcts = latencyPercentiles(server);
    let s = '';
    for (const [name, c] of server.commandStats) {
      if (c.hist === undefined || c.calls === 0) continue;
      const h = c.hist;
      s += `latency_percentiles_usec_${name}:` + pcts.map((p) => `p${pctLabel(p)}=${histPercentile(h, p).toFixed(3)}`).join(',') + '\r\n';
    }
    return s;
  });
  add('cluster', 'Cluster', () => line('cluster_enabled', 0));
  add('keyspace', 'Keyspace', () => {
    let s = '';
    for (const db of server.dbs) {
      const keys = db.dict.size;
      if (keys === 0) continue;
      s += `db${db.id}:keys=${keys},expires=${db.expires.size},avg_ttl=${Math.round(db.avgTtl)}\r\n`;
    }
    return s;
  });
  return parts.join('\r\n');
}
