/*
 * The topology the dashboard keeps in storage, one JSON document per entity
 * (keys from storage/paths.ts). `version` is the frozen format number.
 */
export const MODEL_VERSION = 1;

export interface ServerModel {
  addr: string;
  role: 'master' | 'replica';
}

export interface GroupModel {
  version: number;
  id: number;
  servers: ServerModel[];
}

export interface SlotModel {
  version: number;
  id: number;
  /** 0 = not assigned yet. */
  groupId: number;
}

export interface ProxyModel {
  version: number;
  id: string;
  proxyAddr: string;
  adminAddr: string;
  pid: number;
  startTime: string;
}

export interface MetaModel {
  version: number;
  /** Epoch of the slot table pushed to proxies; grows with every change. */
  epoch: number;
}

/**
 * One slot's migration. The state only moves forward and is persisted before
 * the work of the next state starts, so a restarted dashboard redoes at most
 * the current state's (idempotent) work:
 *   pending    queued;
 *   preparing  telling the two masters (target IMPORTING, source MIGRATING);
 *   prepared   both masters accepted, proxies told;
 *   migrating  moving the keys in batches until the source has none left;
 *   finished   the slot belongs to the target; tables being pushed, then the action is removed.
 */
export type ActionState = 'pending' | 'preparing' | 'prepared' | 'migrating' | 'finished';
export const ACTION_STATES: readonly ActionState[] = ['pending', 'preparing', 'prepared', 'migrating', 'finished'];

export interface ActionModel {
  version: number;
  slot: number;
  from: number;
  to: number;
  state: ActionState;
  /** Order of creation: actions run in this order. */
  index: number;
  createdAt: string;
}

/** How slots are moved; set through the REST API and kept in storage. */
export interface MigrationSettings {
  version: number;
  /** sync: SLOTSMGRTTAGSLOT, one tag group per round trip; semi-async: SLOTSMGRTTAGSLOT-ASYNC batches, big values in chunks. */
  method: 'sync' | 'semi-async';
  /** How many slot actions run at once (each source group still sends one batch at a time). */
  parallelSlots: number;
  /** Timeout of one batch, ms. */
  timeoutMs: number;
  /** semi-async: elements per chunk, bytes per batch, keys per batch. */
  maxBulks: number;
  maxBytes: number;
  numKeys: number;
}

export const DEFAULT_MIGRATION: MigrationSettings = {
  version: MODEL_VERSION, method: 'semi-async', parallelSlots: 8, timeoutMs: 5000, maxBulks: 200, maxBytes: 32 * 1024 * 1024, numKeys: 500,
};
