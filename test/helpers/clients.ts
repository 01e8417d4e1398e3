// MQTT clients a suite opens: kept in one list and ended after each test (or after the suite), so no suite
// writes its own list and its own hook to end them.
import type { MqttClient } from 'mqtt';

/**
 * Registers the hook that ends (forcibly, ignoring ones already gone) every client pushed on the answered
 * list: after each test, or once after the suite with 'suite'.
 */
export function openClients(scope: 'test' | 'suite' = 'test'): MqttClient[] {
  const clients: MqttClient[] = [];
  (scope === 'test' ? afterEach : after)(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  });
  return clients;
}
