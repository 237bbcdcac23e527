export { startBroker } from './broker';
export { loadConfig, ConfigError, type BrokerConfig } from './config';
export { optionsFromConfig, type BrokerDeps, type BrokerOptions, type RunningBroker } from './options';
export { createMinter, createVerifier, randomSecret, type TokenMinter, type TokenVerifier } from './auth/tokens';
