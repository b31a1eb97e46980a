/*
 * Every storage key is built here: /shardis/<product>/... Entity ids in
 * keys use one zero-padded format (slot-0042, group-0003).
 */
export const root = (product: string): string => `/shardis/${product}/`;
export const slotKey = (product: string, slot: number): string => `${root(product)}slots/slot-${String(slot).padStart(4, '0')}`;
export const groupKey = (product: string, id: number): string => `${root(product)}group/group-${String(id).padStart(4, '0')}`;
export const proxyKey = (product: string, token: string): string => `${root(product)}proxy/proxy-${token}`;
export const dashboardKey = (product: string): string => `${root(product)}dashboard`;
export const actionKey = (product: string, slot: number): string => `${root(product)}actions/slot-${String(slot).padStart(4, '0')}`;
export const migrationKey = (product: string): string => `${root(product)}migration`;
