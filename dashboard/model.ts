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
