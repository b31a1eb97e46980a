/*
 * Topology types shared by proxy, dashboard and storage: groups of servers
 * and the slot → group table, plus the validation of a slot table document.
 */
import { SLOT_COUNT } from './slots.js';

export interface GroupSpec {
  id: number;
  master: string;
  replicas: string[];
}

/** A complete slot table: every slot mapped to a group, with an epoch that only grows. */
export interface SlotTable {
  epoch: number;
  groups: GroupSpec[];
  /** slot → group id */
  slots: Int32Array;
}

const ADDR = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * Parses the slot file / admin API document:
 * {"epoch"?: n, "groups": [{"id", "master", "replicas"}], "slots": {"0-340": 1, "341": 2, ...}}.
 * Throws an Error naming the first problem (unknown group, a slot covered
 * twice or not at all, a bad address...).
 */
export function parseSlotTable(doc: unknown): SlotTable {
  if (typeof doc !== 'object' || doc === null) throw new Error('slot table must be a JSON object');
  const d = doc as Record<string, unknown>;
  if (!Array.isArray(d.groups) || d.groups.length === 0) throw new Error('"groups" must be a non-empty array');
  const groups: GroupSpec[] = [];
  const ids = new Set<number>();
  for (const [i, g] of (d.groups as unknown[]).entries()) {
    if (typeof g !== 'object' || g === null) throw new Error(`groups[${i}] must be an object`);
    const r = g as Record<string, unknown>;
    if (typeof r.id !== 'number' || !Number.isInteger(r.id) || r.id <= 0) throw new Error(`groups[${i}].id must be a positive integer`);
    if (ids.has(r.id)) throw new Error(`group ${r.id} is declared twice`);
    ids.add(r.id);
    if (typeof r.master !== 'string' || !ADDR.test(r.master)) throw new Error(`groups[${i}].master must be "host:port"`);
    const replicas = r.replicas === undefined ? [] : r.replicas;
    if (!Array.isArray(replicas) || replicas.some((x) => typeof x !== 'string' || !ADDR.test(x))) throw new Error(`groups[${i}].replicas must be a list of "host:port"`);
    groups.push({ id: r.id, master: r.master, replicas: replicas as string[] });
  }
  if (typeof d.slots !== 'object' || d.slots === null || Array.isArray(d.slots)) throw new Error('"slots" must be an object of "from-to": groupId');
  const slots = new Int32Array(SLOT_COUNT).fill(0);
  for (const [range, gid] of Object.entries(d.slots as Record<string, unknown>)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(range.trim());
    if (!m) throw new Error(`bad slot range "${range}"`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from > to || to >= SLOT_COUNT) throw new Error(`slot range "${range}" is outside 0-${SLOT_COUNT - 1}`);
    if (typeof gid !== 'number' || !ids.has(gid)) throw new Error(`slot range "${range}" maps to unknown group ${String(gid)}`);
    for (let s = from; s <= to; s++) {
      if (slots[s] !== 0) throw new Error(`slot ${s} is assigned twice`);
      slots[s] = gid;
    }
  }
  const missing = slots.indexOf(0);
  if (missing >= 0) throw new Error(`slot ${missing} is not assigned to any group`);
  const epoch = d.epoch === undefined ? 0 : d.epoch;
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0) throw new Error('"epoch" must be a non-negative integer');
  return { epoch, groups, slots };
}

/** The document form of a table (ranges compressed). */
export function slotTableToJSON(t: SlotTable): { epoch: number; groups: GroupSpec[]; slots: Record<string, number> } {
  const out: Record<string, number> = {};
  let start = 0;
  for (let s = 1; s <= SLOT_COUNT; s++) {
    if (s === SLOT_COUNT || t.slots[s] !== t.slots[start]) {
      out[s - 1 === start ? String(start) : `${start}-${s - 1}`] = t.slots[start]!;
      start = s;
    }
  }
  return { epoch: t.epoch, groups: t.groups, slots: out };
}
