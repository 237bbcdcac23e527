export {
  startSimulation,
  driverId,
  DEFAULT_SIMULATION,
  type Simulation,
  type SimulationOptions,
  type SimulationStats,
} from './simulation';
export { loadRoads } from './roads/load';
export { graphToGeoJson, type RoadGraph } from './roads/graph';
export { driverTokens } from './tokens';
