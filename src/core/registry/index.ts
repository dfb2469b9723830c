export { parseRegistryUrl, RegistryUrlError, serverKey, serversPrefix, type RegistryTarget } from './url';
export { etcdCredentialsFromEnv, etcdOptions, openEtcd, RegistryConfigError, type EtcdCredentials } from './etcd';
export { parseServerRecord, recordInfos, recordOf, RECORD_LIMITS, type ServerRecord } from './record';
export { RegistryAnnouncer, type AnnouncerOptions } from './announcer';
export { RegistryWatcher, type RegistryMember, type RegistryViewStatus } from './watcher';
export { RegistryMembership, type MembershipOptions } from './membership';
export { announceServer, type ServerAnnouncement } from './announce-server';
