export {
  startSimulation,
  driverId,
  DEFAULT_SIMULATION,
  type Simulation,
  type SimulationOptions,
  type SimulationStats,
} from './simulation';
export { loadCityFile, type LoadedCity } from './roads/city-file';
export { driverTokens } from './tokens';
