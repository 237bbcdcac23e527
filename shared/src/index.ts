export { fail, ok, type Result } from './result';
export { LIMITS, TRIP_STATES, validateFix, type FixReason, type LocationFix, type TripState } from './location';
export { decodeLocation, encodeLocation, LOCATION_V1, LOCATION_V1_BYTES, type DecodeReason } from './codec';
export { decodeOwnTracks, OWNTRACKS_MAX_BYTES, type OwnTracksReason } from './owntracks';
export {
  DRIVER_PREFIX,
  FLEET_LOCATIONS,
  FLEET_STATUS,
  isDriverId,
  isValidFilterSyntax,
  locationTopic,
  MAX_TOPIC_LENGTH,
  OWNTRACKS_PREFIX,
  ownTracksTopic,
  parseFilter,
  parseTopic,
  statusTopic,
  tripTopic,
  type Topic,
  type TopicFilter,
  type TopicKind,
  type TopicReason,
} from './topics';
export {
  MAX_RIDER_DRIVERS,
  MIN_SECRET_CHARS,
  parseClaims,
  ROLES,
  type Claims,
  type ClaimsReason,
  type Role,
} from './claims';
export { canPublish, canSubscribe, type AccessReason } from './access';
export { clientIdAllowed, clientIdFor, MAX_CLIENT_ID_LENGTH, type ClientIdReason } from './client-ids';
export { decodeStatus, encodeStatus, STATUS_MAX_BYTES, type DriverStatus, type StatusReason } from './status';
export { distanceM, type LatLng } from './geo';
export {
  decodeTripMessage,
  encodeTripMessage,
  type TripMessage,
  type TripMessageReason,
  type TripMessageState,
} from './trip';
export {
  isActiveStage,
  parseRiderTrip,
  TRIP_STAGES,
  type DriverLostReason,
  type DriverProfile,
  type RideCar,
  type RideEta,
  type RideRoute,
  type RiderTrip,
  type TripEndReason,
  type TripStage,
} from './ride';
export {
  cursorOf,
  fixesAfter,
  fixFromJson,
  parseCursor,
  type Cursor,
  type LiveEndReason,
  type LivePoll,
  type LiveSnapshot,
} from './live-api';
export { backoffMs } from './backoff';
export { fleetRow, parseFleetRow, type FleetDriver, type FleetRow } from './fleet-rows';
export { gaussian, seededRng, type Rng } from './rng';
export { connackText, isCredentialRefusal } from './connack';
export { DEV_ENV_VARS, devEnvFrom, formatDevEnv, shellQuote, type DevEnv } from './dev-env';
export type { Bounds, OsmHeader, OsmMember, OsmTags, OsmVisitor } from './city/osm-types';
export { readOsmPbf, type OsmPbfOptions, type OsmPbfReason } from './city/osm-pbf';
export { readOsmXml } from './city/osm-xml';
export { writeOsmPbf, type WritableExtract } from './city/osm-pbf-write';
export {
  CITY_IMPORT_VERSION,
  cityReasonText,
  DEFAULT_MAX_CITY_BYTES,
  importCity,
  OSM_ATTRIBUTION,
  type City,
  type CityOptions,
  type CityReason,
} from './city/city-import';
export { featureBounds, type BasemapFeature } from './city/basemap';
export { namedPlaces, type NamedPlace } from './city/named-places';
export type { BasemapLayer } from './city/basemap-tags';
export { basemapStyle, BASEMAP_FONTS, PALETTE, type BasemapStyleOptions } from './city/basemap-style';
export {
  arcCount,
  buildGraph,
  graphToGeoJson,
  clipToBounds,
  largestComponent,
  type Arc,
  type RoadGraph,
  type RoadLine,
} from './city/graph';
export { pathSeconds, route } from './city/routing';
export { bearingDeg, DRIVING, drivingSeconds, isSharpTurn, turnDeg, type Stretch } from './city/driving';
export { importGeoJson, type ImportReason } from './city/geojson-roads';
export { decodeGraph, encodeGraph } from './city/graph-codec';
export { progressBar } from './progress-bar';
export {
  parseTraceRow,
  STOP_MIN_MS,
  STOP_RADIUS_M,
  traceRow,
  traceStats,
  type Stop,
  type TimedPoint,
  type TracePoint,
  type TraceRow,
  type TraceStats,
} from './trace';
