/*
 * RDB format constants, frozen: these numbers are Redis's on-disk format
 * (rdb.h, Redis 7.0, RDB version 10) and must never change.
 */

/** The RDB version Redis 7.0 writes (and the newest it loads). */
export const RDB_VERSION = 10;

/** Object types (the byte before a value). */
export const RDB_TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  /** ZSET with binary doubles. */
  ZSET_2: 5,
  MODULE: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  /** Redis 7.2 (RDB 11) only; loaded for convenience. */
  SET_LISTPACK: 20,
  STREAM_LISTPACKS_3: 21,
} as const;

/** Opcodes of a full RDB file (not used by DUMP payloads). */
export const RDB_OPCODE = {
  FUNCTION2: 245,
  FUNCTION: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

/** Length encoding: the two high bits of the first byte. */
export const RDB_6BITLEN = 0;
export const RDB_14BITLEN = 1;
export const RDB_32BITLEN = 0x80;
export const RDB_64BITLEN = 0x81;
export const RDB_ENCVAL = 3;

/** Special string encodings (RDB_ENCVAL + one of these in the low 6 bits). */
export const RDB_ENC_INT8 = 0;
export const RDB_ENC_INT16 = 1;
export const RDB_ENC_INT32 = 2;
export const RDB_ENC_LZF = 3;

/** Quicklist 2 node containers. */
export const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
export const QUICKLIST_NODE_CONTAINER_PACKED = 2;

/** Old ZSET (type 3) double encodings: a length byte of 253/254/255 means nan/+inf/-inf. */
export const RDB_DOUBLE_NAN = 253;
export const RDB_DOUBLE_POS_INF = 254;
export const RDB_DOUBLE_NEG_INF = 255;

/** Strings longer than this are LZF-compressed when it saves space (rdbSaveRawString). */
export const RDB_LZF_MIN_LEN = 20;

/** A DUMP payload's footer: 2-byte RDB version + 8-byte CRC64, both little-endian. */
export const DUMP_FOOTER_LEN = 10;
