export { startBroker, type BrokerDeps, type BrokerOptions, type RunningBroker } from './broker';
export { loadConfig, ConfigError, type BrokerConfig } from './config';
export { optionsFromConfig } from './options';
export { createMinter, createVerifier, randomSecret, type TokenMinter, type TokenVerifier } from './auth/tokens';
