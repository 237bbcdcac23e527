import { connackText } from '@ridetrack/shared';

/**
 * Why the broker refused the simulator, in one line a person can act on: the broker's CONNACK
 * reason, what it means here, and what to do. `secretFrom` names where the signing secret came
 * from (a flag, a variable, a file), or null when no token was sent.
 */
export function refusalText(returnCode: number, who: string, url: string, secretFrom: string | null): string {
  const reason = `${connackText(returnCode)} (CONNACK ${returnCode})`;
  if (returnCode === 4) {
    return secretFrom === null
      ? `${url} refused ${who}: ${reason}: no token sent, and this broker wants one. Give its secret with --secret or JWT_SECRET, or point the simulator at npm start's broker (its .ridetrack/dev.env is read by default).`
      : `${url} refused ${who}: ${reason}: token refused; it was signed with the secret from ${secretFrom}, which is not this broker's. Give the broker's JWT_SECRET.`;
  }
  if (returnCode === 5)
    return `${url} refused ${who}: ${reason}: the token was accepted but its claims may not connect this way (see the broker's log, "connect refused").`;
  return `${url} refused ${who}: ${reason}.`;
}
