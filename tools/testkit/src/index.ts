export { requireBinary } from './binaries.js';
export { freePort } from './ports.js';
export {
  eventually,
  REDIS_BACKENDS,
  type RedisBackend,
  singleNodeBackend,
  threeNodeClusterBackend,
} from './redis-backends.js';
export { type ClusterNode, type RedisCluster, startRedisCluster } from './redis-cluster.js';
export { ping } from './redis-process.js';
export { type RedisServer, startRedis } from './redis-server.js';
export { anyUtf16 } from './strings.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
